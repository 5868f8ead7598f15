//! What-if: incremental application vs a full recomputation on seeded random scenarios (add,
//! move, close, mixed) on the real Monaco and Andorra extracts, and bad scenarios.

mod common;

use common::shared;

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_coverage::scenario::{AddSite, CloseSite, MoveSite, Scenario};
use zb_coverage::whatif::Baseline;
use zb_coverage::{Status, Study};
use zb_routing::{SiteSeeds, point_time};

fn random_study(pbf: &Path, seed: u64, n_sites: usize, n_units: usize) -> Study {
    let raw = zb_routing::import_pbf(
        pbf,
        &zb_routing::Profile::default(),
        &zb_routing::NoProgress,
    )
    .unwrap();
    let graph = zb_routing::Graph::from_raw(&raw);
    let mut rng = StdRng::seed_from_u64(seed);
    let near = |rng: &mut StdRng| {
        let v = rng.gen_range(0..graph.num_vertices() as u32);
        let c = graph.vertex_coord(v);
        (
            c.lon() + rng.gen_range(-0.002..0.002),
            c.lat() + rng.gen_range(-0.002..0.002),
        )
    };
    let sites = (0..n_sites)
        .map(|i| {
            let (lon, lat) = near(&mut rng);
            zb_places::Site {
                id: format!("synthetic-{i}"),
                name: format!("synthetic {i}"),
                kind: ["mediation", "espace_rencontre"][i % 2].into(),
                lon,
                lat,
                capacity: None,
                waiting_days: Some(rng.gen_range(5.0..90.0)),
                opening: None,
                synthetic: true,
                extra: Default::default(),
            }
        })
        .collect();
    let units = (0..n_units)
        .map(|i| {
            let (lon, lat) = near(&mut rng);
            zb_places::DemandUnit {
                id: format!("u{i}"),
                lon,
                lat,
                weight: rng.gen_range(0.5..20.0),
                commune: Some(format!("C{}", i % 7)),
                cell: None,
                groups: [("tj".to_string(), format!("TJ{}", i % 3))]
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    let th = zb_coverage::Thresholds {
        default_min: 4.0,
        ..Default::default()
    };
    Study::from_parts(
        None,
        true,
        graph,
        sites,
        vec![zb_places::Population::from_units(units, "people")],
        th,
        11.0,
        1_000.0,
        zb_coverage::provenance::Provenance::new(None, Vec::new(), "car".into(), true),
    )
}

fn random_scenario(study: &Study, rng: &mut StdRng, n: usize) -> Scenario {
    let mut sc = Scenario {
        name: format!("random {n}"),
        description: None,
        add: Vec::new(),
        moves: Vec::new(),
        close: Vec::new(),
        thresholds: Default::default(),
    };
    let mut used = std::collections::BTreeSet::new();
    let pick_point = |rng: &mut StdRng| {
        let u = &study.units[rng.gen_range(0..study.units.len())];
        (u.lon, u.lat)
    };
    let mode = n % 4; // 0 add, 1 move, 2 close, 3 mixed
    for j in 0..rng.gen_range(1..4) {
        let what = if mode == 3 { rng.gen_range(0..3) } else { mode };
        match what {
            0 => {
                let (lon, lat) = pick_point(rng);
                sc.add.push(AddSite {
                    id: format!("new-{j}"),
                    kind: ["mediation", "espace_rencontre", "nouvelle_offre"][rng.gen_range(0..3)]
                        .into(),
                    lon,
                    lat,
                    name: None,
                    capacity: None,
                    waiting_days: Some(10.0),
                    opening: None,
                });
            }
            w => {
                let s = rng.gen_range(0..study.sites.len());
                if !used.insert(s) {
                    continue;
                }
                let id = study.sites[s].id.clone();
                if w == 1 {
                    let (lon, lat) = pick_point(rng);
                    sc.moves.push(MoveSite { id, lon, lat });
                } else {
                    sc.close.push(CloseSite { id });
                }
            }
        }
    }
    if rng.gen_bool(0.3) {
        sc.thresholds
            .insert("mediation_min".into(), rng.gen_range(2.0..10.0));
    }
    sc
}

/// Full recomputation of one kind's unit times with the scenario's sites.
fn full_times(
    study: &Study,
    w: &zb_coverage::whatif::WhatIf,
    kind: &str,
) -> Vec<Option<(f64, u32)>> {
    let placed: Vec<_> = (0..w.sites.len())
        .filter(|&i| w.sites[i].kind == kind && !w.closed[i])
        .filter_map(|i| {
            let s = &w.sites[i];
            study
                .index
                .snap(&study.graph, s.lon, s.lat, study.max_snap_m)
                .ok()
                .map(|sn| (i as u32, sn))
        })
        .collect();
    let seeds = SiteSeeds::new(&study.graph, &placed);
    let field = seeds.field(&study.graph, None);
    study
        .unit_snaps
        .iter()
        .map(|s| {
            s.as_ref()
                .ok()
                .and_then(|s| point_time(&study.graph, &field, &seeds, s))
        })
        .collect()
}

fn check_random_scenarios(pbf: &Path, seed: u64, rounds: usize) {
    let study = random_study(pbf, seed, 8, 1_500);
    let base = Baseline::new(&study);
    let mut rng = StdRng::seed_from_u64(seed * 31 + 7);
    for n in 0..rounds {
        let sc = random_scenario(&study, &mut rng, n);
        let w = base.apply(&study, &sc).unwrap();
        for k in &w.kinds {
            let full = full_times(&study, &w, &k.kind);
            let th = w.thresholds.minutes(&k.kind);
            for (i, (r, f)) in k.after.units.iter().zip(&full).enumerate() {
                let expect_min = f.map(|(ms, _)| ms / 60_000.0);
                assert_eq!(
                    r.minutes, expect_min,
                    "seed {seed} scenario {n} kind {} unit {i}",
                    k.kind
                );
                assert_eq!(
                    r.site,
                    f.map(|(_, s)| s),
                    "seed {seed} scenario {n} kind {} unit {i}",
                    k.kind
                );
                let status = match expect_min {
                    None => Status::Unreachable,
                    Some(m) if m <= th => Status::Within,
                    Some(_) => Status::Beyond,
                };
                assert_eq!(r.status, status);
            }
            // The summary kept incrementally (rows, overall, zones) equals one made afresh
            // from the same units.
            let fresh = study.summarise(
                &k.kind,
                th,
                w.thresholds.waiting_days(&k.kind),
                k.after.sites.clone(),
                k.after.sites_on_network,
                k.after.units.clone(),
            );
            let what = format!("seed {seed} scenario {n} kind {}", k.kind);
            assert_eq!(k.after.overall, fresh.overall, "{what}");
            assert_eq!(k.after.communes, fresh.communes, "{what}");
            assert_eq!(k.after.groups, fresh.groups, "{what}");
            assert_eq!(k.after.zones, fresh.zones, "{what}");
            assert!(!fresh.groups["tj"].is_empty());
            // The diff accounts: within after = within before + newly within - newly beyond.
            let o = &k.overall;
            assert!(
                (o.within_after
                    - (o.within_before + o.newly_within_weight - o.newly_beyond_weight))
                    .abs()
                    < 1e-6
            );
            let changed_w: f64 = k.changed.iter().map(|c| study.units[c.unit].weight).sum();
            assert!(changed_w + 1e-9 >= o.newly_within_weight + o.newly_beyond_weight);
        }
    }
}

#[test]
fn incremental_equals_full_recomputation_on_monaco() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    for seed in 0..3 {
        check_random_scenarios(&pbf, seed, 24);
    }
}

#[test]
fn incremental_equals_full_recomputation_on_andorra() {
    let Some(pbf) = shared("andorra-latest.osm.pbf") else {
        return;
    };
    check_random_scenarios(&pbf, 11, 24);
}

#[test]
fn adding_a_site_next_to_homes_beyond_the_threshold_brings_them_within() {
    let Some(pbf) = shared("andorra-latest.osm.pbf") else {
        return;
    };
    let study = random_study(&pbf, 5, 4, 2_000);
    let base = Baseline::new(&study);
    let med = &base.kinds["mediation"].coverage;
    let (i, _) = med
        .units
        .iter()
        .enumerate()
        .find(|(_, r)| r.status == Status::Beyond)
        .expect("someone beyond");
    let u = &study.units[i];
    let sc = Scenario::from_toml_str(&format!(
        "name = \"antenne\"\n[[add]]\nid = \"new-1\"\nkind = \"mediation\"\nlon = {}\nlat = {}\n",
        u.lon, u.lat
    ))
    .unwrap();
    let w = base.apply(&study, &sc).unwrap();
    let k = w.kinds.iter().find(|k| k.kind == "mediation").unwrap();
    assert_eq!(k.after.units[i].status, Status::Within);
    assert_eq!(k.after.units[i].site, Some(study.sites.len() as u32));
    assert!(k.overall.newly_within_weight >= u.weight);
    assert_eq!(k.overall.newly_beyond_weight, 0.0);
    assert!(k.changed.iter().any(|c| c.unit == i));
    assert!(k.junctions_updated > 0);
    // The other kind is untouched.
    let e = w
        .kinds
        .iter()
        .find(|k| k.kind == "espace_rencontre")
        .unwrap();
    assert!(e.changed.is_empty() && e.junctions_updated == 0);
}

#[test]
fn bad_scenarios_are_clear_errors() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let study = random_study(&pbf, 1, 4, 50);
    let base = Baseline::new(&study);
    let err = |toml: &str| {
        base.apply(&study, &Scenario::from_toml_str(toml).unwrap())
            .unwrap_err()
            .to_string()
    };
    let e = err("name = \"x\"\n[[close]]\nid = \"site-7\"\n");
    assert!(e.contains("site-7") && e.contains("no site"), "{e}");
    let e =
        err("name = \"x\"\n[[add]]\nid = \"far\"\nkind = \"mediation\"\nlon = 2.35\nlat = 48.85\n");
    assert!(
        e.contains("off the road network") && e.contains("far"),
        "{e}"
    );
    let e = err(
        "name = \"x\"\n[[add]]\nid = \"synthetic-0\"\nkind = \"mediation\"\nlon = 7.42\nlat = 43.74\n",
    );
    assert!(e.contains("already"), "{e}");
    let e = err(
        "name = \"x\"\n[[close]]\nid = \"synthetic-1\"\n[[move]]\nid = \"synthetic-1\"\nlon = 7.42\nlat = 43.74\n",
    );
    assert!(e.contains("twice"), "{e}");
}
