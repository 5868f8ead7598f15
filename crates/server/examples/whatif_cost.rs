//! The CPU cost of one what-if answer, on one thread: the server state of the load test (real
//! Andorra road graph, synthetic study of 10 sites of two kinds and 5,000 demand units), then
//! 2,000 scenarios each adding one site at one of 512 places, answered one after the other as
//! `POST /api/whatif` answers them (`AppState::whatif`: the incremental what-if, the diff, the
//! units changing state, the zones after with their secrecy, the JSON). With `apply`, only the
//! what-if engine (`Baseline::apply`).
//!
//! With `page`, each scenario is asked as the map page asks it: its kind only, against the
//! study's sites at the scenario's thresholds (`?kind=K&before=thresholds`); with `page-off`,
//! the same with the page's slider off the study's threshold (22 min: the scenario carries
//! `<kind>_min = 22`).
//!
//! Run: `cargo run --release -p zb-server --example whatif_cost [-- apply | page | page-off]`.

use std::time::Instant;
use zb_routing::{Graph, NoProgress, Profile, import_pbf};
use zb_server::{AppState, Options};
use zb_whatif::Scenario;

fn main() {
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return;
    };
    let graph = Graph::from_raw(&import_pbf(&pbf, &Profile::default(), &NoProgress).unwrap());
    let study = zb_benches::synthetic_study(graph, 10, 5_000);
    let positions: Vec<(f64, f64)> = (0..512)
        .map(|i| {
            let u = &study.units[(i * 97) % study.units.len()];
            (u.lon, u.lat)
        })
        .collect();
    eprintln!(
        "{} synthetic demand points grouped into {} safe units",
        study.atoms.raw_units, study.atoms.units
    );
    let state = AppState::new(study, Options::default());
    let study = state.study();
    let n = 2000;
    let scs: Vec<Scenario> = (0..n)
        .map(|i| {
            let (lon, lat) = positions[i % 512];
            let kind = if i % 2 == 0 {
                "mediation"
            } else {
                "espace_rencontre"
            };
            serde_json::from_value(serde_json::json!({
                "name": format!("load-{i}"),
                "add": [{"id": "load-new-site", "kind": kind, "lon": lon, "lat": lat}],
            }))
            .unwrap()
        })
        .collect();
    let mode = std::env::args().nth(1).unwrap_or_default();
    let apply_only = mode == "apply";
    let page = mode == "page" || mode == "page-off";
    let scs: Vec<Scenario> = if mode == "page-off" {
        scs.into_iter()
            .map(|mut sc| {
                let kind = sc.add[0].kind.clone();
                sc.thresholds.insert(format!("{kind}_min"), 22.0);
                sc
            })
            .collect()
    } else {
        scs
    };
    let t0 = Instant::now();
    let mut bytes = 0;
    let mut lat: Vec<f64> = Vec::new();
    for sc in &scs {
        let t = Instant::now();
        if apply_only {
            let w = state.baseline().apply(study, sc).unwrap();
            bytes += w.kinds.len();
        } else if page {
            let kind = sc.add[0].kind.as_str();
            bytes += state
                .whatif(sc, Some(kind), zb_whatif::Before::ScenarioThresholds)
                .unwrap()
                .len();
        } else {
            bytes += state
                .whatif(sc, None, zb_whatif::Before::Study)
                .unwrap()
                .len();
        }
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "{}, {n} scenarios adding one site, one thread: {:.3} ms per answer on average, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms{}",
        match mode.as_str() {
            "apply" => "Baseline::apply",
            "page" => "AppState::whatif as the page asks (one kind, before = thresholds)",
            "page-off" => "AppState::whatif as the page asks, slider at 22 min",
            _ => "AppState::whatif",
        },
        t0.elapsed().as_secs_f64() * 1e3 / n as f64,
        lat[n / 2],
        lat[n * 99 / 100],
        lat[n - 1],
        if apply_only {
            String::new()
        } else {
            format!("; {} bytes per answer", bytes / n)
        }
    );
}
