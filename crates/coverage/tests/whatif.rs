//! What-if: incremental application vs a full recomputation on seeded random scenarios (add,
//! move, close, mixed) on the real Monaco and Andorra extracts, and bad scenarios.

mod common;

use common::shared;

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_coverage::scenario::{AddSite, CloseSite, MoveSite, Scenario};
use zb_coverage::whatif::{Baseline, Before};
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
            // Compared with the study's sites at the scenario's thresholds: the same after, and
            // before is the study evaluated at those thresholds.
            let wt = base
                .apply_with(&study, &sc, Before::ScenarioThresholds)
                .unwrap();
            let kt = wt.kinds.iter().find(|x| x.kind == k.kind).unwrap();
            assert_eq!(kt.after.units, k.after.units, "{what}");
            assert_eq!(kt.after.overall, k.after.overall, "{what}");
            assert_eq!(kt.after.communes, k.after.communes, "{what}");
            assert_eq!(kt.after.groups, k.after.groups, "{what}");
            assert_eq!(kt.after.zones, k.after.zones, "{what}");
            // Asked again, the baseline at those thresholds is the kept one: the same answer.
            let again = base
                .apply_with(&study, &sc, Before::ScenarioThresholds)
                .unwrap();
            for (a, b) in again.kinds.iter().zip(&wt.kinds) {
                assert_eq!(a.before.units, b.before.units, "{what}: kept baseline");
                assert_eq!(a.after.units, b.after.units, "{what}: kept baseline");
                assert_eq!(a.after.communes, b.after.communes, "{what}: kept baseline");
                assert_eq!(a.after.zones, b.after.zones, "{what}: kept baseline");
                assert_eq!(a.overall, b.overall, "{what}: kept baseline");
            }
            let wait = w.thresholds.waiting_days(&k.kind);
            let at = study.evaluate_kind(&k.kind, th, wait);
            assert_eq!(kt.before.threshold_min, th, "{what}");
            assert_eq!(kt.before.units, at.units, "{what}");
            assert_eq!(kt.before.overall, at.overall, "{what}");
            assert_eq!(kt.before.communes, at.communes, "{what}");
            assert_eq!(kt.before.zones, at.zones, "{what}");
            if sc.add.is_empty() && sc.moves.is_empty() && sc.close.is_empty() {
                assert!(
                    kt.changed.is_empty(),
                    "{what}: thresholds alone change nothing"
                );
            }
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

/// The diff of every kind of `w` gives no small count away: none is shown, and none can be
/// recomputed from the shown ones through the sums a reader knows (each row's within after +
/// newly beyond = within before + newly within; the rows of a partition adding up to the
/// territory; a row's newly within (beyond) weight being the weight of its units changing state
/// that way, as `changed.geojson` shows them). Checked on the JSON, against the raw values.
/// Returns how many rows hide a count that is not small itself (secondary suppressions).
fn check_diff_secrecy(study: &Study, w: &zb_coverage::whatif::WhatIf, what: &str) -> usize {
    use serde_json::Value;
    use zb_coverage::secrecy::{check_secrecy, is_small};
    use zb_coverage::whatif::AggDiff;
    use zb_coverage::whatif_export::{changed_geojson, diff_json};
    let min = study.secrecy_min_count;
    let diff = diff_json(study, w);
    let changed = serde_json::to_value(changed_geojson(study, w)).unwrap();
    for doc in [&diff, &changed] {
        let found = check_secrecy(doc, min);
        assert!(found.is_empty(), "{what}: {found:?}");
    }
    const FIELDS: [&str; 4] = [
        "within_before",
        "within_after",
        "newly_within",
        "newly_beyond",
    ];
    let raw = |d: &AggDiff, f: &str| match f {
        "within_before" => d.within_before,
        "within_after" => d.within_after,
        "newly_within" => d.newly_within_weight,
        _ => d.newly_beyond_weight,
    };
    // Public already: a within-before count a published commune total gives away (all or none
    // of the commune within, as the statuses of its units show), and the within-after count of
    // such a commune where no unit changes state.
    let public = |d: &AggDiff, f: &str| {
        let before =
            d.total_published && (d.within_before == 0.0 || d.within_before == d.total_weight);
        match f {
            "within_before" => before,
            "within_after" => {
                before && d.newly_within_weight == 0.0 && d.newly_beyond_weight == 0.0
            }
            _ => false,
        }
    };
    let mut secondary = 0;
    for k in &w.kinds {
        let sec = k.secrecy(study);
        assert!(sec.diff.table().leaks(min).is_empty(), "{what} {}", k.kind);
        let kd = &diff["kinds"][&k.kind];
        let shown = |row: &Value, f: &str| row[f].as_f64();
        let mut rows: Vec<(&Value, &AggDiff)> = vec![(&kd["overall"], &k.overall)];
        let communes: Vec<&Value> = kd["communes"].as_array().unwrap().iter().collect();
        rows.extend(communes.iter().copied().zip(&k.communes));
        // Within a row: one hidden count of the four is the others' balance.
        for (row, d) in &rows {
            let hidden: Vec<&str> = FIELDS
                .into_iter()
                .filter(|f| shown(row, f).is_none())
                .collect();
            if hidden.len() == 1 && !public(d, hidden[0]) {
                let v = raw(d, hidden[0]);
                assert!(
                    !is_small(v, min),
                    "{what} {} {}: {} = {v} from its row",
                    k.kind,
                    d.key,
                    hidden[0]
                );
            }
            if !hidden.is_empty() && FIELDS.iter().all(|f| !is_small(raw(d, f), min)) {
                secondary += 1;
            }
        }
        // Across a partition: one hidden row is the territory minus the others.
        let mut partitions = vec![(communes, &k.communes)];
        for (col, g) in &k.groups {
            partitions.push((kd["groups"][col].as_array().unwrap().iter().collect(), g));
        }
        for (json_rows, diffs) in &partitions {
            for f in FIELDS {
                if shown(&kd["overall"], f).is_none() {
                    continue;
                }
                let hidden: Vec<usize> = (0..json_rows.len())
                    .filter(|&r| shown(json_rows[r], f).is_none())
                    .collect();
                if hidden.len() == 1 && !public(&diffs[hidden[0]], f) {
                    let v = raw(&diffs[hidden[0]], f);
                    assert!(
                        !is_small(v, min),
                        "{what} {} row {}: {f} = {v} from the territory",
                        k.kind,
                        diffs[hidden[0]].key
                    );
                }
            }
        }
        // Through the units: a shown newly count minus its shown units' weights.
        for (into_within, f) in [(true, "newly_within"), (false, "newly_beyond")] {
            for (r, d) in k.communes.iter().enumerate() {
                let Some(_) = shown(rows[r + 1].0, f) else {
                    continue;
                };
                let units: Vec<&Value> = changed["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|u| {
                        let p = &u["properties"];
                        p["kind"] == k.kind.as_str()
                            && p["commune"].as_str().unwrap_or("") == d.key
                            && (p["status_after"] == "within") == into_within
                            && (p["status_before"] == "within") != into_within
                    })
                    .collect();
                let hidden: Vec<&&Value> = units
                    .iter()
                    .filter(|u| u["properties"]["weight"].is_null())
                    .collect();
                if hidden.len() == 1 {
                    let id = hidden[0]["properties"]["id"].as_str().unwrap();
                    let v = study.units.iter().find(|u| u.id == id).unwrap().weight;
                    assert!(
                        !is_small(v, min),
                        "{what} {} {}: unit {id} = {v} from {f}",
                        k.kind,
                        d.key
                    );
                }
            }
        }
    }
    secondary
}

#[test]
fn what_if_diffs_give_no_small_count_away() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let low = common::low_population_study(dir.path()).unwrap();
    let random = random_study(&pbf, 3, 6, 1_200);
    let mut secondary = 0;
    for (name, study) in [("low population", &low), ("random", &random)] {
        let base = Baseline::new(study);
        let mut rng = StdRng::seed_from_u64(99);
        for n in 0..16 {
            let sc = random_scenario(study, &mut rng, n);
            let Ok(w) = base.apply(study, &sc) else {
                continue;
            };
            secondary += check_diff_secrecy(study, &w, &format!("{name} scenario {n}"));
        }
    }
    // Safe units are never small: no diff row has anything to hide.
    assert_eq!(secondary, 0, "a diff row hides a count");
}

#[test]
fn before_at_the_scenario_thresholds_shows_only_what_the_sites_change() {
    let Some(pbf) = shared("monaco-latest.osm.pbf") else {
        return;
    };
    let study = random_study(&pbf, 5, 6, 800);
    let base = Baseline::new(&study);
    let mut sc = Scenario {
        name: "seuil".into(),
        description: None,
        add: Vec::new(),
        moves: Vec::new(),
        close: Vec::new(),
        thresholds: [("mediation_min".to_string(), 2.5)].into_iter().collect(),
    };
    // Thresholds alone: against the study they move units; against the study at the same
    // thresholds nothing changes.
    let w = base.apply(&study, &sc).unwrap();
    let med = |w: &zb_coverage::whatif::WhatIf| {
        w.kinds
            .iter()
            .find(|k| k.kind == "mediation")
            .cloned()
            .unwrap()
    };
    assert!(!med(&w).changed.is_empty(), "2.5 min moves some units");
    let wt = base
        .apply_with(&study, &sc, Before::ScenarioThresholds)
        .unwrap();
    let m = med(&wt);
    assert!(m.changed.is_empty());
    assert_eq!(m.before.threshold_min, 2.5);
    assert_eq!(m.overall.within_before, m.overall.within_after);
    // With a site added at a unit beyond 2.5 min: the units it moves, and only those.
    let at = study.evaluate_kind("mediation", 2.5, None);
    let beyond = (0..study.units.len())
        .find(|&i| at.units[i].status == Status::Beyond)
        .expect("a unit beyond 2.5 min");
    let u = &study.units[beyond];
    sc.add.push(AddSite {
        id: "new".into(),
        kind: "mediation".into(),
        lon: u.lon,
        lat: u.lat,
        name: None,
        capacity: None,
        waiting_days: None,
        opening: None,
    });
    let m = med(&base
        .apply_with(&study, &sc, Before::ScenarioThresholds)
        .unwrap());
    for c in &m.changed {
        assert_eq!(c.before, at.units[c.unit]);
        assert_eq!(
            c.after.status,
            Status::Within,
            "a new site only brings units within"
        );
    }
    assert!(!m.changed.is_empty());
}

/// A scenario's thresholds are read by the study's own parser: `default_waiting_days` and
/// `default_min` apply to the kinds without their own value (the first was silently ignored).
#[test]
fn scenario_thresholds_use_the_study_parser() {
    let study = common::demo_study();
    let base = Baseline::new(&study);
    let sc = Scenario {
        name: "délais (synthétique)".into(),
        description: None,
        add: Vec::new(),
        moves: Vec::new(),
        close: Vec::new(),
        thresholds: [
            ("default_waiting_days".to_string(), 10.0),
            ("default_min".to_string(), 25.0),
        ]
        .into_iter()
        .collect(),
    };
    let w = base.apply(&study, &sc).unwrap();
    // The demo gives espace_rencontre its own 45 min and 60 days; mediation its own 30 min.
    assert_eq!(w.thresholds.waiting_days("mediation"), Some(10.0));
    assert_eq!(w.thresholds.waiting_days("espace_rencontre"), Some(60.0));
    assert_eq!(w.thresholds.minutes("mediation"), 30.0);
    assert_eq!(w.thresholds.minutes("point_info"), 25.0);
    let med = w.kinds.iter().find(|k| k.kind == "mediation").unwrap();
    assert_eq!(med.after.waiting_threshold_days, Some(10.0));
    let bad = Scenario {
        thresholds: [("mediation_minutes".to_string(), 20.0)]
            .into_iter()
            .collect(),
        ..sc
    };
    assert!(bad.check().unwrap_err().contains("unknown key"));
}
