//! The adversary, played on what the product serves: every accepted whole-minute threshold of a
//! kind differenced through the API, what-if answers against the coverage, best-site
//! cumulatives against their gains, the CLI files against the API layers, and the published
//! positions against the input positions. On the synthetic Lozère demo (in the repository, so
//! these run on a fresh clone), on a synthetic points population (households at made-up
//! addresses) over the demo's roads, and on the Monaco study when the shared data is there.
//!
//! A count is *small* when it lies strictly between 0 and the minimum. Published counts carry
//! one decimal, so a difference of two of them is read as small when it lies between 0.05 and
//! `min - 0.1` (the rounding of each side moves it by at most 0.05).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use serde_json::{Value, json};
use zb_coverage::Study;
use zb_publish::secrecy::{check_secrecy, is_count_field};
use zb_server::{AppState, Options};

use common::{get, post, workspace};

const MIN: f64 = 11.0;

fn small_difference(d: f64) -> bool {
    let d = d.abs();
    d > 0.05 && d < MIN - 0.1 - 1e-9
}

/// Every count of a JSON answer, by a path that names the row (its code, id or value) rather
/// than its position, so that the same count can be followed from answer to answer.
fn counts(v: &Value, path: &str, out: &mut BTreeMap<String, f64>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "provenance" {
                    continue;
                }
                let p = format!("{path}.{k}");
                match x {
                    Value::Number(n) if is_count_field(k) => {
                        out.insert(p, n.as_f64().unwrap());
                    }
                    _ => counts(x, &p, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let props = x.get("properties").unwrap_or(x);
                let id = ["code_insee", "id", "value", "rank", "key"]
                    .iter()
                    .find_map(|k| props.get(*k).filter(|v| !v.is_null()))
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| i.to_string());
                counts(x, &format!("{path}[{id}]"), out);
            }
        }
        _ => {}
    }
}

/// The small differences within each chain of nested counts: `series[path]` holds one count
/// of a set that only grows (or only shrinks) from one answer to the next, so any two of its
/// values differ by the weight of a set of units. Sorted, neighbours are enough.
fn chain_leaks(series: &BTreeMap<String, Vec<f64>>) -> Vec<String> {
    let mut leaks = Vec::new();
    for (path, values) in series {
        let mut v = values.clone();
        v.sort_by(f64::total_cmp);
        for w in v.windows(2) {
            if small_difference(w[1] - w[0]) {
                leaks.push(format!("{path}: {} - {} = {:.1}", w[1], w[0], w[1] - w[0]));
            }
        }
    }
    leaks
}

fn assert_none(leaks: &[String]) {
    assert!(
        leaks.is_empty(),
        "{} leaks: {:#?}",
        leaks.len(),
        &leaks[..leaks.len().min(20)]
    );
}

fn ok(r: &common::Res, what: &str) -> Value {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text());
    r.json()
}

/// Plays the threshold, what-if and best-site attacks on an app; returns what it found.
async fn attack(app: &Router, kinds: &[String], add_at: &[(f64, f64)]) -> Vec<String> {
    let mut leaks = Vec::new();
    for kind in kinds {
        // Thresholds: every whole minute 1-240 of the coverage answer, and the layers every
        // 5 minutes.
        let mut series: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for t in 1..=240 {
            let mut docs = vec![(
                "coverage",
                ok(
                    &get(app, &format!("/api/coverage?kind={kind}&threshold_min={t}")).await,
                    "coverage",
                ),
            )];
            if t % 5 == 0 {
                for layer in ["communes", "demand", "zones"] {
                    let uri = format!("/api/layers/{layer}?kind={kind}&threshold_min={t}");
                    docs.push((layer, ok(&get(app, &uri).await, layer)));
                }
            }
            for (name, doc) in docs {
                for s in check_secrecy(&doc, MIN) {
                    leaks.push(format!("{kind} T={t} {name}: {s}"));
                }
                if name == "zones" {
                    // Zones are not nested from one threshold to the next.
                    continue;
                }
                let mut c = BTreeMap::new();
                counts(&doc, name, &mut c);
                for (p, v) in c {
                    series.entry(p).or_default().push(v);
                }
            }
        }
        leaks.extend(
            chain_leaks(&series)
                .into_iter()
                .map(|l| format!("{kind} thresholds: {l}")),
        );

        // What-if: a site added at each place, against the study before it.
        for (i, &(lon, lat)) in add_at.iter().enumerate() {
            let scenario = json!({
                "name": format!("attack {i} (synthetic)"),
                "add": [{"id": format!("synthetic-attack-{i}"), "kind": kind, "lon": lon, "lat": lat}],
            });
            let r = post(app, &format!("/api/whatif?kind={kind}"), &scenario).await;
            if r.status != StatusCode::OK {
                continue; // off the network
            }
            let w = r.json();
            for s in check_secrecy(&w, MIN) {
                leaks.push(format!("{kind} what-if {i}: {s}"));
            }
            let mut c = BTreeMap::new();
            counts(&w["diff"], "diff", &mut c);
            for (p, after) in &c {
                let Some(stem) = p.strip_suffix("within_after") else {
                    continue;
                };
                if let Some(before) = c.get(&format!("{stem}within_before"))
                    && small_difference(after - before)
                {
                    leaks.push(format!("{kind} what-if {i}: {p} {after} - {before}"));
                }
            }
        }

        // Best sites: the cumulative coverage after each pick, against its gain.
        let r = post(
            app,
            "/api/recommend",
            &json!({"kind": kind, "k": 10, "objective": "cover"}),
        )
        .await;
        if r.status == StatusCode::OK {
            let v = r.json();
            for s in check_secrecy(&v, MIN) {
                leaks.push(format!("{kind} recommend: {s}"));
            }
            let picks = v["picks"]["features"].as_array().unwrap();
            let mut cumulative: Vec<f64> = picks
                .iter()
                .filter_map(|p| p["properties"]["cumulative_within_weight"].as_f64())
                .collect();
            if let Some(base) = v["picks"]["base_within_weight"].as_f64() {
                cumulative.push(base);
            }
            let series = BTreeMap::from([("cumulative".to_string(), cumulative)]);
            leaks.extend(
                chain_leaks(&series)
                    .into_iter()
                    .map(|l| format!("{kind} recommend: {l}")),
            );
        }
    }
    leaks
}

fn demo_path() -> PathBuf {
    workspace().join("data/demo/study.toml")
}

fn app_of(study: Study) -> Router {
    zb_server::app(AppState::new(Arc::new(study), Options::default()))
}

/// Places to add a site at: the published positions of some demand units (what an attacker
/// sees on the map).
fn places_of(study: &Study, n: usize) -> Vec<(f64, f64)> {
    let step = (study.units.len() / n).max(1);
    study
        .units
        .iter()
        .step_by(step)
        .take(n)
        .map(|u| (u.lon + 0.0004, u.lat))
        .collect()
}

#[tokio::test]
async fn the_demo_gives_no_small_count_away() {
    let study = zb_coverage::load_study(&demo_path()).unwrap();
    let kinds = study.kinds();
    let places = places_of(&study, 12);
    let leaks = attack(&app_of(study), &kinds, &places).await;
    assert_none(&leaks);
}

#[tokio::test]
async fn the_monaco_study_gives_no_small_count_away() {
    let Some(study) = common::monaco() else {
        return;
    };
    let kinds = study.kinds();
    let places = places_of(&study, 8);
    let app = zb_server::app(AppState::new(study, Options::default()));
    let leaks = attack(&app, &kinds, &places).await;
    assert_none(&leaks);
}

/// A synthetic household file over the demo territory: households scattered around each
/// commune's mairie (public), 1 to 4 children each, with a made-up id. `shuffle` moves every
/// household to another place in its own 200 m cell and deals the children of each cell out
/// again: the same cell totals, different addresses and households.
fn households(shuffle: bool) -> (String, Vec<(f64, f64)>) {
    let communes = zb_places::read_communes(
        workspace().join("data/demo/communes.geojson"),
        "population_municipale",
    )
    .unwrap();
    let mut seed = 11u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    // (commune, lon, lat, children)
    let mut homes: Vec<(String, f64, f64, u32)> = Vec::new();
    for c in &communes {
        let n = ((c.weight / 40.0) as usize).clamp(2, 40);
        for _ in 0..n {
            let lon = c.mairie.0 + (next() - 0.5) * 0.03;
            let lat = c.mairie.1 + (next() - 0.5) * 0.02;
            homes.push((c.code.clone(), lon, lat, 1 + (next() * 4.0) as u32));
        }
    }
    if shuffle {
        // Per (commune, cell): the homes' children, dealt out again in another order and
        // with another split, and new positions inside the cell.
        let mut by_cell: BTreeMap<(String, i64, i64), Vec<usize>> = BTreeMap::new();
        for (i, h) in homes.iter().enumerate() {
            let c = zb_places::grid3035_cell_of(h.1, h.2);
            by_cell
                .entry((h.0.clone(), c.easting, c.northing))
                .or_default()
                .push(i);
        }
        for ((_, e, n), members) in by_cell {
            let total: u32 = members.iter().map(|&i| homes[i].3).sum();
            let k = members.len();
            // Everything on the last home but one child each for the others.
            for (j, &i) in members.iter().enumerate() {
                homes[i].3 = if j + 1 == k {
                    total - (k as u32 - 1)
                } else {
                    1
                };
                let x = e as f64 + 1.0 + next() * 198.0;
                let y = n as f64 + 1.0 + next() * 198.0;
                let (lon, lat) = zb_places::crs::laea3035_inverse(x, y);
                homes[i].1 = lon;
                homes[i].2 = lat;
            }
        }
    }
    let mut csv = String::from("id,lon,lat,enfants,code_insee\n");
    for (i, (code, lon, lat, w)) in homes.iter().enumerate() {
        csv.push_str(&format!("menage-{i},{lon:.7},{lat:.7},{w},{code}\n"));
    }
    let points = homes.iter().map(|h| (h.1, h.2)).collect();
    (csv, points)
}

/// A points study on the demo's roads and sites, in `dir`.
fn points_study(dir: &Path, shuffle: bool) -> (Study, Vec<(f64, f64)>) {
    let (csv, points) = households(shuffle);
    std::fs::write(dir.join("households.csv"), csv).unwrap();
    let demo = workspace().join("data/demo");
    let toml = format!(
        "[study]\nname = \"ménages (synthétiques) sur la démo\"\nsynthetic = true\n\
         [network]\npbf = {:?}\n[[sites]]\nfile = {:?}\n\
         [[population]]\nfile = \"households.csv\"\nformat = \"points\"\nweight = \"enfants\"\n\
         counts = \"children\"\n[thresholds]\ndefault_min = 30\n",
        demo.join("territory.osm.pbf"),
        demo.join("synthetic_sites.csv"),
    );
    std::fs::write(dir.join("study.toml"), toml).unwrap();
    let mut study = zb_coverage::load_study(&dir.join("study.toml")).unwrap();
    // The two files differ by design: only their hashes may.
    study.provenance.inputs.retain(|i| i.role != "population");
    study.provenance.generated_at = "1970-01-01T00:00:00Z".into();
    (study, points)
}

/// Every coordinate pair of a GeoJSON value.
fn positions(v: &Value, out: &mut Vec<(f64, f64)>) {
    match v {
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                positions_of(c, out);
            }
            for (k, x) in o {
                if k != "coordinates" {
                    positions(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| positions(x, out)),
        _ => {}
    }
}

fn positions_of(c: &Value, out: &mut Vec<(f64, f64)>) {
    match c.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
        }
        Some(a) => a.iter().for_each(|x| positions_of(x, out)),
        None => {}
    }
}

/// Everything the product serves about a study: the CLI files and the API answers at several
/// thresholds, a what-if and a best-site search.
async fn everything(study: Study, places: &[(f64, f64)]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let coverage = study.evaluate();
    let docs = zb_publish::Exports::new(&study, &coverage).documents();
    for d in docs {
        out.push((d.name.clone(), d.bytes()));
    }
    let kinds = study.kinds();
    let app = app_of(study);
    out.push((
        "territory".into(),
        get(&app, "/api/territory").await.body.to_vec(),
    ));
    for kind in &kinds {
        for t in [5, 17, 30, 44, 90] {
            for path in [
                "coverage",
                "layers/demand",
                "layers/zones",
                "layers/communes",
            ] {
                let uri = format!("/api/{path}?kind={kind}&threshold_min={t}");
                out.push((uri.clone(), get(&app, &uri).await.body.to_vec()));
            }
        }
        for (i, &(lon, lat)) in places.iter().enumerate() {
            let scenario = json!({
                "name": "probe (synthetic)",
                "add": [{"id": "synthetic-probe", "kind": kind, "lon": lon, "lat": lat}],
            });
            let r = post(&app, "/api/whatif", &scenario).await;
            out.push((format!("whatif {kind} {i}"), r.body.to_vec()));
        }
        let r = post(
            &app,
            "/api/recommend",
            &json!({"kind": kind, "k": 5, "objective": "cover"}),
        )
        .await;
        out.push((format!("recommend {kind}"), r.body.to_vec()));
    }
    out
}

/// Non-interference: two household files with the same number of children per commune and
/// 200 m cell, but other addresses and other households, give byte for byte the same files
/// and answers. So nothing served depends on where in its cell a household lives, or how the
/// children of a cell are split among households; and no published position is an address.
#[tokio::test]
async fn addresses_and_households_inside_a_cell_leave_no_trace() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (study_a, points_a) = points_study(a.path(), false);
    let (study_b, points_b) = points_study(b.path(), true);
    assert_ne!(points_a, points_b);
    let places = places_of(&study_a, 4);
    let kinds = study_a.kinds();
    let served_a = everything(study_a, &places).await;
    let served_b = everything(study_b, &places).await;
    assert_eq!(served_a.len(), served_b.len());
    let mut published = Vec::new();
    let ws = workspace().canonicalize().unwrap();
    let folders = [
        a.path().display().to_string(),
        ws.display().to_string(),
        ws.join("data").display().to_string(),
    ];
    for ((name, x), (_, y)) in served_a.iter().zip(&served_b) {
        assert!(x == y, "{name} differs");
        let text = String::from_utf8_lossy(x);
        for f in &folders {
            assert!(!text.contains(f.as_str()), "{name} shows the folder {f}");
        }
        if let Ok(v) = serde_json::from_slice::<Value>(x) {
            positions(&v, &mut published);
        }
    }
    assert!(published.len() > 1000, "{} positions", published.len());
    // No published position is an input position (to 1 cm).
    let mut inputs: Vec<(i64, i64)> = points_a
        .iter()
        .chain(&points_b)
        .map(|&(x, y)| ((x * 1e7).round() as i64, (y * 1e7).round() as i64))
        .collect();
    inputs.sort_unstable();
    for &(x, y) in &published {
        let key = ((x * 1e7).round() as i64, (y * 1e7).round() as i64);
        assert!(
            inputs.binary_search(&key).is_err(),
            "an input position: {x}, {y}"
        );
    }
    // And the attacks find nothing on it either.
    let (study, _) = points_study(a.path(), false);
    let places = places_of(&study, 6);
    let leaks = attack(&app_of(study), &kinds, &places).await;
    assert_none(&leaks);
}
