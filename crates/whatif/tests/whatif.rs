//! What-if: incremental application vs a full recomputation on seeded random scenarios (add,
//! move, close, mixed) on the real Monaco and Andorra extracts, and bad scenarios.

#[path = "../../coverage/tests/common/mod.rs"]
mod common;
mod random;

use common::shared;
use random::{random_scenario, random_study};

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use zb_coverage::{Status, Study};
use zb_routing::{SiteSeeds, point_time};
use zb_whatif::scenario::{AddSite, Scenario};
use zb_whatif::whatif::{Baseline, Before};

/// Full recomputation of one kind's unit times with the scenario's sites.
fn full_times(study: &Study, w: &zb_whatif::whatif::WhatIf, kind: &str) -> Vec<Option<(f64, u32)>> {
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
    let med = |w: &zb_whatif::whatif::WhatIf| {
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
