//! Every route through `app()` in process (`tower::ServiceExt::oneshot`) on the demo study of
//! the repository (`data/demo/`: the 152 real communes of Lozère on a synthetic road network,
//! synthetic sites), so that they run on a fresh clone: answers, and every bad input. One test
//! needs the Monaco example study (shared data), whose units beyond the snapping limit the demo
//! does not have; it says so and skips when the shared data is absent.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

/// The demo's population: the `population_municipale` of its 152 communes (data/README.md).
const POPULATION: f64 = 76_601.0;

/// The demo's communes (INSEE codes), in the order of its communes file.
fn demo_codes() -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("data/demo/communes.geojson")).unwrap();
    let fc: Value = serde_json::from_str(&text).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code_insee"].as_str().unwrap().to_string())
        .collect()
}

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.051, "{a} != {b}");
}

#[tokio::test]
async fn territory_describes_the_study() {
    let app = app();
    let r = get(&app, "/api/territory").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE).as_deref(),
        Some("application/json")
    );
    let t = r.json();
    assert_eq!(t["synthetic"], true);
    assert_eq!(t["counts"], "people");
    assert_eq!(t["name"], "Lozère (démo synthétique)");
    // Lozère lies within 2.9-4.1 E, 44.1-45.0 N.
    let e: Vec<f64> = serde_json::from_value(t["extent"].clone()).unwrap();
    assert_eq!(e.len(), 4);
    assert!(e[0] < e[2] && e[1] < e[3], "{e:?}");
    assert!(
        (2.9..3.1).contains(&e[0])
            && (44.1..44.2).contains(&e[1])
            && (3.9..4.1).contains(&e[2])
            && (44.9..45.0).contains(&e[3]),
        "{e:?}"
    );
    // The generated network: 5,924 km of roads (data/README.md).
    assert_eq!(t["network"]["km"], 5924.0);
    assert_eq!(t["network"]["profile"], "car");
    let junctions = t["network"]["junctions"].as_u64().unwrap();
    let links = t["network"]["links"].as_u64().unwrap();
    assert!(
        junctions > 5_000 && links > junctions,
        "{junctions} {links}"
    );
    assert_close(t["population"].as_f64().unwrap(), POPULATION);
    assert_eq!(t["population_secret"], false);
    assert_eq!(t["communes"], 152);
    // Safe units nest in communes: at least one per commune.
    let units = t["demand_units"].as_u64().unwrap();
    assert!(units >= 152, "{units}");
    assert_eq!(t["secrecy"]["safe_units"]["units"], units);
    assert_eq!(t["max_snap_m"], 1000.0);
    // One candidate per mairie, every one on the network.
    assert_eq!(t["recommend_candidates"], 152);
    let kinds = t["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 2);
    assert_eq!(kinds[0]["kind"], "espace_rencontre");
    assert_eq!(kinds[0]["sites"], 2);
    assert_eq!(kinds[0]["sites_on_network"], 2);
    assert_eq!(kinds[0]["threshold_min"], 45.0);
    assert_eq!(kinds[0]["waiting_threshold_days"], 60.0);
    assert_eq!(kinds[1]["kind"], "mediation");
    assert_eq!(kinds[1]["sites"], 5);
    assert_eq!(kinds[1]["sites_on_network"], 5);
    assert_eq!(kinds[1]["threshold_min"], 30.0);
    assert_eq!(t["default_threshold_min"], 30.0);
    assert_eq!(t["warnings"], json!([]), "the demo loads without warnings");
    assert_eq!(t["secrecy"]["min_count"], 11.0);
    // The inputs, named by file name only.
    let inputs: Vec<(&str, &str)> = t["provenance"]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["role"].as_str().unwrap(), i["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("study", "study.toml"),
            ("network", "territory.osm.pbf"),
            ("sites", "synthetic_sites.csv"),
            ("population", "communes.geojson"),
        ]
    );
}

#[tokio::test]
async fn sites_are_filtered_by_kind() {
    let app = app();
    let all = get(&app, "/api/sites").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.header(header::CONTENT_TYPE).as_deref(),
        Some("application/geo+json")
    );
    let all = all.json();
    assert_eq!(all["type"], "FeatureCollection");
    assert_eq!(all["features"].as_array().unwrap().len(), 7);
    let med = get(&app, "/api/sites?kind=mediation").await.json();
    let f = med["features"].as_array().unwrap();
    let ids: Vec<&str> = f
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "synthetic-med-mende",
            "synthetic-med-marvejols",
            "synthetic-med-saint-chely",
            "synthetic-med-langogne",
            "synthetic-med-florac",
        ]
    );
    assert!(f.iter().all(|f| f["properties"]["kind"] == "mediation"));
    assert!(f.iter().all(|f| f["properties"]["synthetic"] == true));
    assert_eq!(f[0]["geometry"]["type"], "Point");
    assert_eq!(f[0]["geometry"]["coordinates"], json!([3.5025, 44.5185]));
    let er = get(&app, "/api/sites?kind=espace_rencontre").await.json();
    assert_eq!(er["features"].as_array().unwrap().len(), 2);
    let r = get(&app, "/api/sites?kind=creche").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let e = r.error();
    assert!(
        e.contains("creche") && e.contains("espace_rencontre, mediation"),
        "{e}"
    );
}

#[tokio::test]
async fn coverage_gives_the_summary_and_the_commune_table() {
    let app = app();
    let r = get(&app, "/api/coverage?kind=mediation").await;
    assert_eq!(r.status, StatusCode::OK);
    let c = r.json();
    assert_eq!(c["kind"], "mediation");
    assert_eq!(c["threshold_min"], 30.0, "the study's threshold by default");
    assert_eq!(c["counts"], "people");
    assert_eq!(c["synthetic"], true);
    let s = &c["summary"];
    assert_close(s["total_weight"].as_f64().unwrap(), POPULATION);
    let parts: f64 = ["within_weight", "beyond_weight", "unreachable_weight"]
        .iter()
        .map(|k| s[k].as_f64().unwrap())
        .sum();
    assert_close(parts, POPULATION);
    // The demo's population lies on its roads, and its network is connected: every unit
    // reaches a site (the reasons are checked on Monaco, below). Lozère has no ferry.
    assert_eq!(s["unreachable_weight"], 0.0);
    assert_eq!(s["unreachable_off_network"], 0.0);
    assert_eq!(s["unreachable_no_road_link"], 0.0);
    assert_eq!(s["weight_via_ferry"], 0.0);
    // Most people are within 30 minutes of one of the five sites, not all.
    let within = s["within_weight"].as_f64().unwrap();
    assert!(within > POPULATION / 2.0 && within < POPULATION, "{within}");
    assert!(s["median_min"].as_f64().unwrap() <= s["p90_min"].as_f64().unwrap());
    assert!(s["median_min"].as_f64().unwrap() <= 30.0, "{s}");
    assert_eq!(s["sites"], 5);
    assert!(s["zones"].as_u64().unwrap() > 0, "{s}");
    let communes = c["communes"].as_array().unwrap();
    let codes: Vec<&str> = communes
        .iter()
        .filter_map(|r| r["code_insee"].as_str())
        .collect();
    assert_eq!(codes, demo_codes());
    assert!(communes.iter().all(|r| r.get("within").is_some()));
    assert!(communes.iter().all(|r| r.get("within_mediation").is_none()));
    // The communes' rows add up to the summary.
    let sum: f64 = communes.iter().map(|r| r["within"].as_f64().unwrap()).sum();
    assert!((sum - within).abs() < 0.05 * 152.0, "{sum} vs {within}");
    // Mende has a mediation site: all its people are within.
    let mende = communes
        .iter()
        .find(|r| r["code_insee"] == "48095")
        .unwrap();
    assert_eq!(mende["nom"], "Mende");
    assert_eq!(mende["within"], mende["total"], "{mende}");

    // A wider threshold brings at least as many within; the answer is cached and stable.
    let wide = get(&app, "/api/coverage?kind=mediation&threshold_min=240").await;
    let wide_share = wide.json()["summary"]["within_share"].as_f64().unwrap();
    assert!(wide_share >= s["within_share"].as_f64().unwrap());
    assert_eq!(wide_share, 1.0, "every unit is within 4 hours");
    let narrow = get(&app, "/api/coverage?kind=mediation&threshold_min=1")
        .await
        .json();
    assert_eq!(narrow["threshold_min"], 1.0);
    let narrow_share = narrow["summary"]["within_share"].as_f64().unwrap();
    assert!(narrow_share < s["within_share"].as_f64().unwrap());
    assert!(narrow_share > 0.0, "people live by the sites");
    let again = get(&app, "/api/coverage?kind=mediation&threshold_min=240").await;
    assert_eq!(again.body, wide.body);
}

/// Needs the Monaco study: the demo has no unreachable unit (its population lies on its roads,
/// and its network is connected), Monaco has some (La Turbie's units lie beyond the snapping
/// limit), so the reasons the API gives for them are checked there.
#[tokio::test]
async fn unreachable_units_say_why() {
    let Some(study) = monaco() else {
        eprintln!("skipped: unreachable_units_say_why needs the Monaco study (shared data)");
        return;
    };
    let app = zb_server::app(zb_server::AppState::new(
        study,
        zb_server::Options::default(),
    ));
    let c = get(&app, "/api/coverage?kind=mediation").await.json();
    let s = &c["summary"];
    let by_reason = s["unreachable_off_network"].as_f64().unwrap()
        + s["unreachable_no_road_link"].as_f64().unwrap();
    assert_close(by_reason, s["unreachable_weight"].as_f64().unwrap());
    assert!(s["unreachable_off_network"].as_f64().unwrap() > 0.0, "{s}");
    assert_eq!(s["weight_via_ferry"], 0.0, "Monaco has no ferry");
    let turbie = c["communes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code_insee"] == "06150")
        .unwrap();
    assert!(
        turbie["unreachable_off_network"].as_f64().unwrap() > 0.0,
        "{turbie}"
    );
    let demand = get(&app, "/api/layers/demand?kind=mediation").await.json();
    let unreachable: Vec<&Value> = demand["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["status"] == "unreachable")
        .collect();
    assert!(!unreachable.is_empty());
    for p in &unreachable {
        assert!(p["minutes"].is_null(), "{p}");
        assert!(
            p["reason"] == "off_network" || p["reason"] == "no_road_link",
            "{p}"
        );
    }
    assert!(unreachable.iter().any(|p| p["reason"] == "off_network"));
}

#[tokio::test]
async fn coverage_refuses_bad_queries() {
    let app = app();
    let cases = [
        ("/api/coverage", StatusCode::BAD_REQUEST, "kind"),
        (
            "/api/coverage?kind=creche",
            StatusCode::NOT_FOUND,
            "espace_rencontre, mediation",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=0",
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=0.5",
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=241",
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=-5",
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=NaN",
            StatusCode::BAD_REQUEST,
            "threshold",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=inf",
            StatusCode::BAD_REQUEST,
            "threshold",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=abc",
            StatusCode::BAD_REQUEST,
            "threshold_min",
        ),
        (
            "/api/layers/demand?threshold_min=5",
            StatusCode::BAD_REQUEST,
            "kind",
        ),
        (
            "/api/layers/zones?kind=x",
            StatusCode::NOT_FOUND,
            "mediation",
        ),
        (
            "/api/layers/communes?kind=mediation&threshold_min=999",
            StatusCode::BAD_REQUEST,
            "240",
        ),
    ];
    for (uri, status, needle) in cases {
        let r = get(&app, uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text());
        let e = r.error();
        assert!(e.contains(needle), "{uri}: {e}");
    }
}

#[tokio::test]
async fn demand_layer_has_minutes_and_status() {
    let app = app();
    let units = get(&app, "/api/territory").await.json()["demand_units"]
        .as_u64()
        .unwrap() as usize;
    let r = get(
        &app,
        "/api/layers/demand?kind=espace_rencontre&threshold_min=30",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let fc = r.json();
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), units);
    let mut statuses = BTreeSet::new();
    for x in f {
        let p = &x["properties"];
        assert_eq!(x["geometry"]["type"], "Point");
        let status = p["status"].as_str().unwrap();
        statuses.insert(status.to_string());
        match status {
            "within" => assert!(p["minutes"].as_f64().unwrap() <= 30.0),
            "beyond" => assert!(p["minutes"].as_f64().unwrap() > 30.0),
            "unreachable" => assert!(p["minutes"].is_null()),
            s => panic!("status {s}"),
        }
        match p["reason"].as_str() {
            None => assert_ne!(status, "unreachable", "{p}"),
            Some(r) => {
                assert_eq!(status, "unreachable", "{p}");
                assert!(r == "off_network" || r == "no_road_link", "{p}");
            }
        }
        assert_eq!(p["via_ferry"], false, "no ferry in Lozère: {p}");
        assert!(p["site"] == "synthetic-er-mende" || p["site"] == "synthetic-er-saint-chely");
        assert!(p["commune"].as_str().unwrap().starts_with("48"), "{p}");
        assert!(p.get("minutes_espace_rencontre").is_none());
        // Secrecy: a weight is either null (secret) or at least 11.
        assert!(
            p["weight"].is_null() || p["weight"].as_f64().unwrap() >= 11.0 || p["weight"] == 0.0
        );
    }
    // Every unit reaches a site on the demo (no `unreachable`): some within 30 minutes of an
    // espace de rencontre, some beyond.
    assert_eq!(
        statuses,
        BTreeSet::from(["beyond".to_string(), "within".to_string()])
    );
    assert!(fc["provenance"].is_object());
}

#[tokio::test]
async fn zones_layer_shrinks_as_the_threshold_grows() {
    let app = app();
    let zones = |t: u32| {
        let app = app.clone();
        async move {
            let r = get(
                &app,
                &format!("/api/layers/zones?kind=mediation&threshold_min={t}"),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK);
            r.json()
        }
    };
    let tight = zones(1).await;
    let loose = zones(240).await;
    let cells = |fc: &Value| -> u64 {
        fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["cells"].as_u64().unwrap())
            .sum()
    };
    assert!(cells(&tight) > 0);
    assert!(cells(&tight) > cells(&loose));
    // Every unit of the demo is within 4 hours of a mediation site: no zone is left.
    assert_eq!(loose["features"], json!([]));
    let at_30 = zones(30).await;
    assert!(cells(&tight) > cells(&at_30) && cells(&at_30) > 0);
    for f in tight["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["kind"], "mediation");
        assert_eq!(f["properties"]["threshold_min"], 1.0);
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.first(), ring.last(), "closed ring");
    }
}

#[tokio::test]
async fn communes_layer_has_polygons_and_plain_names() {
    let app = app();
    let r = get(&app, "/api/layers/communes?kind=mediation&threshold_min=10").await;
    assert_eq!(r.status, StatusCode::OK);
    let fc = r.json();
    let with_code: Vec<&Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["code_insee"].is_string())
        .collect();
    let codes: Vec<&str> = with_code
        .iter()
        .map(|f| f["properties"]["code_insee"].as_str().unwrap())
        .collect();
    assert_eq!(codes, demo_codes());
    for f in with_code {
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        let p = &f["properties"];
        for k in [
            "within",
            "beyond",
            "unreachable",
            "within_share",
            "secret",
            "nom",
        ] {
            assert!(p.get(k).is_some(), "{k} missing in {p}");
        }
        assert!(p.get("within_mediation").is_none(), "{p}");
        assert!(!p["nom"].as_str().unwrap().is_empty(), "{p}");
        let parts: f64 = ["within", "beyond", "unreachable"]
            .iter()
            .map(|k| p[k].as_f64().unwrap())
            .sum();
        assert!((parts - p["total"].as_f64().unwrap()).abs() < 0.16, "{p}");
    }
}

/// The cell counts of an isochrone request, by minutes (largest first); `""`: the default
/// minutes.
async fn isochrone_cells(app: &axum::Router, site: &str, minutes: &str) -> Vec<(u64, u64)> {
    let query = if minutes.is_empty() {
        String::new()
    } else {
        format!("&minutes={minutes}")
    };
    let r = get(app, &format!("/api/layers/isochrones?site={site}{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["minutes"].as_u64().unwrap(), p["cells"].as_u64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn isochrones_grow_with_time() {
    let app = app();
    let r = get(
        &app,
        "/api/layers/isochrones?site=synthetic-med-mende&minutes=15,45",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fc = r.json();
    assert_eq!(fc["site"], "synthetic-med-mende");
    assert_eq!(fc["synthetic"], true);
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["properties"]["minutes"], 45, "largest first");
    assert_eq!(f[1]["properties"]["minutes"], 15);
    let (big, small) = (
        f[0]["properties"]["cells"].as_u64().unwrap(),
        f[1]["properties"]["cells"].as_u64().unwrap(),
    );
    assert!(small > 0 && big > small, "{big} {small}");
    assert_eq!(f[0]["geometry"]["type"], "MultiPolygon");
    // The 15-minute polygon lies around the site (3.5025, 44.5185), in Mende.
    let pts: Vec<(f64, f64)> = f[1]["geometry"]["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p[0].as_array().unwrap().iter())
        .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
        .collect();
    let (minx, maxx) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (miny, maxy) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    assert!(minx < 3.5025 && 3.5025 < maxx && miny < 44.5185 && 44.5185 < maxy);
    // Default minutes: 45, 30, 15, each reaching more cells.
    let d = isochrone_cells(&app, "synthetic-er-mende", "").await;
    let m: Vec<u64> = d.iter().map(|&(m, _)| m).collect();
    assert_eq!(m, [45, 30, 15]);
    assert!(d[0].1 > d[1].1 && d[1].1 > d[2].1 && d[2].1 > 0, "{d:?}");
}

/// An isochrone is the set of cells from which the site is reached within its time: it cannot
/// depend on the other values of the same request. (It did, until 2026-12-02: around Mende, 15
/// minutes asked alone gave 1 cell, asked with 60 minutes about 800, because links were kept by
/// the times of their junction numbers read as search nodes.)
#[tokio::test]
async fn isochrones_do_not_depend_on_the_other_values_asked() {
    let app = app();
    for site in ["synthetic-med-mende", "synthetic-er-saint-chely"] {
        let alone = isochrone_cells(&app, site, "15").await;
        let with_more = isochrone_cells(&app, site, "15,60").await;
        assert_eq!(alone[..], with_more[1..], "{site}");
        // Both sites stand in a town (Mende, Saint-Chély-d'Apcher): its streets cover more than
        // a few 200 m cells within 5 minutes.
        let five = isochrone_cells(&app, site, "5").await;
        assert!(five[0].1 > 4, "{site}: {five:?}");
    }
}

#[tokio::test]
async fn isochrones_refuse_bad_input() {
    let app = app();
    let cases = [
        (
            "/api/layers/isochrones?site=nope",
            StatusCode::NOT_FOUND,
            "nope",
        ),
        ("/api/layers/isochrones", StatusCode::BAD_REQUEST, "site"),
        (
            "/api/layers/isochrones?site=synthetic-med-mende&minutes=0",
            StatusCode::BAD_REQUEST,
            "1-240",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-mende&minutes=300",
            StatusCode::BAD_REQUEST,
            "1-240",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-mende&minutes=ten",
            StatusCode::BAD_REQUEST,
            "ten",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-mende&minutes=1,2,3,4,5,6,7,8,9",
            StatusCode::BAD_REQUEST,
            "at most",
        ),
    ];
    for (uri, status, needle) in cases {
        let r = get(&app, uri).await;
        assert_eq!(r.status, status, "{uri}");
        let e = r.error();
        assert!(e.contains(needle), "{uri}: {e}");
    }
}

#[tokio::test]
async fn roads_layer_draws_every_link_and_is_cached() {
    let app = app();
    let links = get(&app, "/api/territory").await.json()["network"]["links"]
        .as_u64()
        .unwrap() as usize;
    let r = get(&app, "/api/layers/roads").await;
    assert_eq!(r.status, StatusCode::OK);
    let fc = r.json();
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), links);
    for x in f {
        assert_eq!(x["geometry"]["type"], "LineString");
        assert!(!x["properties"]["class"].as_str().unwrap().is_empty());
        for c in x["geometry"]["coordinates"].as_array().unwrap() {
            for v in c.as_array().unwrap() {
                let v = v.as_f64().unwrap();
                assert!(
                    (v * 1e5 - (v * 1e5).round()).abs() < 1e-6,
                    "{v} has more than 5 decimals"
                );
            }
        }
    }
    // The generator's classes; no trunk, which it draws from 30,000 people (Mende has 12,134).
    let classes: BTreeSet<&str> = f
        .iter()
        .map(|x| x["properties"]["class"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        BTreeSet::from([
            "primary",
            "residential",
            "secondary",
            "service",
            "tertiary",
            "unclassified"
        ])
    );
    assert_eq!(get(&app, "/api/layers/roads").await.body, r.body);
}

#[tokio::test]
async fn whatif_gives_the_diff_the_changes_and_the_zones_after() {
    let app = app();
    let r = post(&app, "/api/whatif", &antenne()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let w = r.json();
    let d = &w["diff"];
    assert_eq!(d["scenario"]["name"], antenne()["name"]);
    let er = &d["kinds"]["espace_rencontre"];
    assert_eq!(er["sites_before"], 2);
    assert_eq!(er["sites_after"], 3);
    // An antenna brings people within 45 minutes, and takes no one beyond.
    let o = &er["overall"];
    assert!(
        o["within_after"].as_f64().unwrap() > o["within_before"].as_f64().unwrap(),
        "{o}"
    );
    assert!(o["newly_within"].as_f64().unwrap() > 0.0, "{o}");
    assert_eq!(o["newly_beyond"], 0.0, "{o}");
    assert!(er["units_changing_state"].as_u64().unwrap() > 0);
    // Mediation is untouched.
    let med = &d["kinds"]["mediation"];
    assert_eq!(med["sites_before"], 5);
    assert_eq!(med["sites_after"], 5);
    assert_eq!(med["units_changing_state"], 0);
    assert_eq!(
        med["overall"]["within_after"],
        med["overall"]["within_before"]
    );
    assert_eq!(w["changed"]["type"], "FeatureCollection");
    assert_eq!(
        w["changed"]["features"].as_array().unwrap().len() as u64,
        er["units_changing_state"].as_u64().unwrap()
            + d["kinds"]["mediation"]["units_changing_state"]
                .as_u64()
                .unwrap()
    );
    assert_eq!(w["zones_after"]["type"], "FeatureCollection");
    assert_eq!(w["zones_after"]["when"], "after");
}

#[tokio::test]
async fn whatif_before_at_the_scenario_thresholds() {
    let app = app();
    // Thresholds alone, compared with the study at the same thresholds: nothing changes, and
    // the zones after are those of the coverage at that threshold.
    let seuil = json!({"name": "seuil", "thresholds": {"espace_rencontre_min": 30}});
    let r = post(
        &app,
        "/api/whatif?kind=espace_rencontre&before=thresholds",
        &seuil,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let w = r.json();
    let k = &w["diff"]["kinds"]["espace_rencontre"];
    assert_eq!(k["threshold_min_before"], 30.0);
    assert_eq!(k["threshold_min_after"], 30.0);
    assert_eq!(k["units_changing_state"], 0);
    assert_eq!(w["changed"]["features"].as_array().unwrap().len(), 0);
    let zones = get(
        &app,
        "/api/layers/zones?kind=espace_rencontre&threshold_min=30",
    )
    .await
    .json();
    assert_eq!(w["zones_after"]["features"], zones["features"]);
    assert!(!zones["features"].as_array().unwrap().is_empty());
    // Against the study as loaded (45 minutes), the same thresholds move units beyond.
    let r = post(&app, "/api/whatif?kind=espace_rencontre", &seuil)
        .await
        .json();
    let k = &r["diff"]["kinds"]["espace_rencontre"];
    assert!(k["units_changing_state"].as_u64().unwrap() > 0, "{k}");
    assert!(k["overall"]["newly_beyond"].as_f64().unwrap() > 0.0, "{k}");
    assert_eq!(k["overall"]["newly_within"], 0.0, "{k}");
    // With the antenne at 30 min: its before is the coverage at 30 min.
    let mut sc = antenne();
    sc["thresholds"] = json!({"espace_rencontre_min": 30});
    let r = post(&app, "/api/whatif?before=thresholds", &sc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let k = &r.json()["diff"]["kinds"]["espace_rencontre"];
    let cov = get(&app, "/api/coverage?kind=espace_rencontre&threshold_min=30")
        .await
        .json();
    assert_eq!(
        k["overall"]["within_before"], cov["summary"]["within_weight"],
        "{k}"
    );
    // Anything else is refused.
    let r = post(&app, "/api/whatif?before=yesterday", &sc).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("before"), "{}", r.text());
}

#[tokio::test]
async fn whatif_of_one_kind_is_that_kind_of_the_full_answer() {
    let app = app();
    let full = post(&app, "/api/whatif", &antenne()).await.json();
    for kind in ["espace_rencontre", "mediation"] {
        let r = post(&app, &format!("/api/whatif?kind={kind}"), &antenne()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let one = r.json();
        let kinds = one["diff"]["kinds"].as_object().unwrap();
        assert_eq!(kinds.keys().collect::<Vec<_>>(), [kind]);
        assert_eq!(one["diff"]["kinds"][kind], full["diff"]["kinds"][kind]);
        for layer in ["changed", "zones_after"] {
            let of_kind: Vec<&Value> = full[layer]["features"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["properties"]["kind"] == kind)
                .collect();
            let got: Vec<&Value> = one[layer]["features"].as_array().unwrap().iter().collect();
            assert_eq!(got, of_kind, "{layer} of {kind}");
            assert_eq!(one[layer]["provenance"], full[layer]["provenance"]);
        }
    }
    assert!(
        !full["zones_after"]["features"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the demo has zones blanches"
    );
    // A kind the scenario adds is known; any other is not.
    let new_kind = json!({"name": "n", "add": [{"id": "n1", "kind": "point_rencontre", "lon": 3.5, "lat": 44.517}]});
    let r = post(&app, "/api/whatif?kind=point_rencontre", &new_kind).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["diff"]["kinds"]["point_rencontre"]["sites_after"],
        1
    );
    let r = post(&app, "/api/whatif?kind=creche", &antenne()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(
        r.json()["error"].as_str().unwrap().contains("creche"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn whatif_refuses_bad_scenarios() {
    let app = app();
    // Paris: about 440 km from the nearest road of the demo.
    let mut far = antenne();
    far["add"][0]["lon"] = json!(2.35);
    far["add"][0]["lat"] = json!(48.85);
    let mut lat = antenne();
    lat["add"][0]["lat"] = json!(95.0);
    let mut lon = antenne();
    lon["add"][0]["lon"] = json!(-200.0);
    let cases = [
        (far, "off the road network"),
        (lat, "`lat`"),
        (lon, "`lon`"),
        (json!({"name": "x", "close": [{"id": "nope"}]}), "`nope`"),
        (
            json!({"name": "x", "thresholds": {"mediation_min": 500}}),
            "240",
        ),
        (json!({"name": "x", "shut": []}), "shut"),
        (json!({"name": " "}), "name"),
        (json!({"add": []}), "name"),
        (
            json!({"name": "x", "add": [{"id": "a", "kind": "mediation", "lon": "east", "lat": 44.5}]}),
            "line 1",
        ),
        (json!([1, 2]), "malformed"),
    ];
    for (body, needle) in cases {
        let r = post(&app, "/api/whatif", &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        let e = r.error();
        assert!(e.contains(needle), "{body}: {e}");
    }
    // Not JSON at all, and JSON without its content type.
    let r = send(
        &app,
        Request::post("/api/whatif")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"name\": "))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error().contains("malformed JSON"));
    let r = send(
        &app,
        Request::post("/api/whatif")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(serde_json::to_vec(&antenne()).unwrap()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.error().contains("application/json"));
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let app = app();
    let big = format!(
        "{{\"name\": \"big\", \"description\": \"{}\"}}",
        "x".repeat(300 * 1024)
    );
    // With a Content-Length (refused before reading) and without (refused while reading).
    for with_length in [true, false] {
        let mut b = Request::post("/api/whatif").header(header::CONTENT_TYPE, "application/json");
        if with_length {
            b = b.header(header::CONTENT_LENGTH, big.len());
        }
        let r = send(&app, b.body(Body::from(big.clone())).unwrap()).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "length header {with_length}"
        );
        assert!(r.error().contains("262144 bytes"), "{}", r.text());
    }
    // Just under the limit is read (and refused for what it says, not its size).
    let ok = format!(
        "{{\"name\": \"\", \"description\": \"{}\"}}",
        "x".repeat(200 * 1024)
    );
    let r = send(
        &app,
        Request::post("/api/whatif")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(ok))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn recommend_picks_mairies() {
    let app = app();
    let codes = demo_codes();
    let r = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": 2, "objective": "cover"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["kind"], "mediation");
    assert_eq!(v["objective"], "cover");
    assert_eq!(v["threshold_min"], 30.0);
    assert_eq!(v["candidates"], 152);
    let picks = v["picks"]["features"].as_array().unwrap();
    assert_eq!(picks.len(), 2);
    assert_eq!(picks[0]["properties"]["rank"], 1);
    assert_eq!(picks[1]["properties"]["rank"], 2);
    // The candidates are the communes' mairies, named by their INSEE code.
    let ids: Vec<&str> = picks
        .iter()
        .map(|p| p["properties"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| codes.iter().any(|c| c == id)),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
    // Each pick brings people within 30 minutes, the first (greedy) at least as many as the
    // second, on top of what the five sites cover.
    let base = v["picks"]["base_within_weight"].as_f64().unwrap();
    let gains: Vec<f64> = picks
        .iter()
        .map(|p| p["properties"]["gain_weight"].as_f64().unwrap())
        .collect();
    assert!(gains[0] >= gains[1] && gains[1] > 0.0, "{gains:?}");
    let cumulative = picks[1]["properties"]["cumulative_within_weight"]
        .as_f64()
        .unwrap();
    assert!(
        (cumulative - base - gains[0] - gains[1]).abs() < 0.15,
        "{v}"
    );
    let coverage = get(&app, "/api/coverage?kind=mediation").await.json();
    assert_eq!(base, coverage["summary"]["within_weight"]);
    let w = post(
        &app,
        "/api/recommend",
        &json!({"kind": "espace_rencontre", "k": 1, "objective": "worst", "threshold_min": 10}),
    )
    .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    let w = w.json();
    assert_eq!(w["objective"], "worst");
    assert_eq!(w["threshold_min"], 10.0);
    let worst = &w["picks"];
    assert!(
        worst["features"][0]["properties"]["worst_min_after"]
            .as_f64()
            .unwrap()
            < worst["base_worst_min"].as_f64().unwrap(),
        "{worst}"
    );
}

/// The demo has 152 candidates, more than a request may ask for (50): the bound on the
/// candidates is checked on four of its communes.
#[tokio::test]
async fn recommend_picks_no_more_sites_than_candidates() {
    let app = zb_server::app(zb_server::AppState::new(
        mende_area(),
        zb_server::Options::default(),
    ));
    // The territory says how many candidate places are on the network: as many sites can be
    // picked, not one more.
    let n = get(&app, "/api/territory").await.json()["recommend_candidates"]
        .as_u64()
        .unwrap();
    assert_eq!(n, MENDE_AREA.len() as u64);
    let all = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": n, "objective": "cover"}),
    )
    .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let ids: BTreeSet<String> = all.json()["picks"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["properties"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, MENDE_AREA.map(String::from).into());
    let more = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": n + 1, "objective": "cover"}),
    )
    .await;
    assert_eq!(more.status, StatusCode::BAD_REQUEST, "{}", more.text());
    let e = more.error();
    assert!(e.contains(&format!("only {n} candidates")), "{e}");
    assert!(e.contains("candidates are on the network"), "{e}");
}

#[tokio::test]
async fn recommend_refuses_bad_requests() {
    let app = app();
    let cases = [
        (
            json!({"kind": "mediation", "k": 0}),
            StatusCode::BAD_REQUEST,
            "between 1 and 50",
        ),
        (
            json!({"kind": "mediation", "k": 51}),
            StatusCode::BAD_REQUEST,
            "between 1 and 50",
        ),
        (
            json!({"kind": "mediation", "k": -1}),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (json!({"kind": "mediation"}), StatusCode::BAD_REQUEST, "`k`"),
        (
            json!({"kind": "creche", "k": 1}),
            StatusCode::NOT_FOUND,
            "espace_rencontre, mediation",
        ),
        (
            json!({"kind": "mediation", "k": 1, "threshold_min": 0}),
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            json!({"kind": "mediation", "k": 1, "objective": "best"}),
            StatusCode::BAD_REQUEST,
            "best",
        ),
        (
            json!({"kind": "mediation", "k": 1, "colour": 1}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
    ];
    for (body, status, needle) in cases {
        let r = post(&app, "/api/recommend", &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        let e = r.error();
        assert!(e.contains(needle), "{body}: {e}");
    }
}

#[tokio::test]
async fn scenarios_are_saved_listed_read_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_store(&dir, None);
    let list = get(&app, "/api/scenarios").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json(), json!([]));

    let r = post(&app, "/api/scenarios", &antenne()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let name = antenne()["name"].as_str().unwrap().to_string();
    let saved = r.json();
    assert_eq!(saved["name"], name.as_str());
    let location = r.header(header::LOCATION).unwrap();
    assert_eq!(saved["location"], location.as_str());
    assert!(
        location.starts_with("/api/scenarios/Antenne%20d%27espace"),
        "{location}"
    );

    let list = get(&app, "/api/scenarios").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], name.as_str());

    let one = get(&app, &location).await;
    assert_eq!(one.status, StatusCode::OK);
    let one = one.json();
    assert_eq!(one["scenario"], antenne());
    assert!(one["summary"]["kinds"]["espace_rencontre"]["overall"].is_object());
    assert!(one["provenance"]["inputs"].is_array());
    assert_eq!(one["study"], "Lozère (démo synthétique)");

    let del = send(
        &app,
        Request::delete(&location).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert!(del.body.is_empty());
    let r = get(&app, &location).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("Antenne"));
    let del = send(
        &app,
        Request::delete(&location).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(del.status, StatusCode::NOT_FOUND);
    assert!(del.error().contains("no saved scenario"));

    // A scenario that does not run is not saved.
    let r = post(
        &app,
        "/api/scenarios",
        &json!({"name": "x", "close": [{"id": "nope"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error().contains("nope"));
    let long = json!({"name": "n".repeat(201)});
    let r = post(&app, "/api/scenarios", &long).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.error().contains("200"), "{}", r.text());
    assert_eq!(get(&app, "/api/scenarios").await.json(), json!([]));
}

#[tokio::test]
async fn without_a_store_scenario_routes_say_so() {
    let app = app();
    let r = get(&app, "/api/scenarios").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.error().contains("scenario database"));
    let r = post(&app, "/api/scenarios", &antenne()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn writes_need_the_token_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_store(&dir, Some("s3cret"));
    let sc = json!({"name": "token-test", "close": [{"id": "synthetic-med-florac"}]});
    for token in [None, Some("wrong"), Some("s3cre"), Some("s3cret2")] {
        let r = send(&app, json_request("POST", "/api/scenarios", &sc, token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(
            r.header(header::WWW_AUTHENTICATE).as_deref(),
            Some("Bearer")
        );
        assert!(r.error().contains("Bearer"));
    }
    assert_eq!(
        get(&app, "/api/scenarios").await.json(),
        json!([]),
        "nothing saved"
    );
    let r = send(
        &app,
        json_request("POST", "/api/scenarios", &sc, Some("s3cret")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Reading needs no token.
    assert_eq!(
        get(&app, "/api/scenarios/token-test").await.status,
        StatusCode::OK
    );
    let del = |token: Option<&str>| {
        let mut b = Request::delete("/api/scenarios/token-test");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b.body(Body::empty()).unwrap()
    };
    assert_eq!(send(&app, del(None)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(&app, del(Some("nope"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, "/api/scenarios/token-test").await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, del(Some("s3cret"))).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&app, "/api/scenarios/token-test").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn exports_are_attachments_with_telling_names() {
    let app = app();
    let cases = [
        (
            "demand.geojson?kind=mediation&threshold_min=20",
            "zoneblanche_demand_mediation_20min.geojson",
        ),
        (
            "zones.geojson?kind=mediation&threshold_min=1",
            "zoneblanche_zones_mediation_1min.geojson",
        ),
        (
            "communes.geojson?kind=espace_rencontre&threshold_min=22.5",
            "zoneblanche_communes_espace_rencontre_22.5min.geojson",
        ),
        (
            "communes.csv?kind=espace_rencontre",
            "zoneblanche_communes_espace_rencontre_45min.csv",
        ),
        (
            "sites.geojson?kind=mediation",
            "zoneblanche_sites_mediation.geojson",
        ),
        ("sites.geojson", "zoneblanche_sites.geojson"),
        ("roads.geojson", "zoneblanche_roads.geojson"),
    ];
    for (file, name) in cases {
        let r = get(&app, &format!("/api/export/{file}")).await;
        assert_eq!(r.status, StatusCode::OK, "{file}: {}", r.text());
        assert_eq!(
            r.header(header::CONTENT_DISPOSITION).unwrap(),
            format!("attachment; filename=\"{name}\"")
        );
        if file.starts_with("communes.csv") {
            assert!(
                r.header(header::CONTENT_TYPE)
                    .unwrap()
                    .starts_with("text/csv")
            );
            let text = r.text();
            let header_line = text.lines().next().unwrap();
            assert!(
                header_line.starts_with("code_insee,nom,total"),
                "{header_line}"
            );
            assert!(header_line.contains("within_espace_rencontre"));
            // A header and one row per commune.
            assert_eq!(text.lines().count(), 1 + 152);
            assert!(text.contains("\n48095,Mende,"), "{text}");
        } else {
            let v = r.json();
            assert_eq!(v["type"], "FeatureCollection");
            assert!(!v["features"].as_array().unwrap().is_empty(), "{file}");
        }
    }
    let demand = get(&app, "/api/export/demand.geojson?kind=mediation")
        .await
        .json();
    assert!(
        demand["features"][0]["properties"]
            .get("minutes_mediation")
            .is_some()
    );
    assert_eq!(
        demand["features"].as_array().unwrap().len() as u64,
        get(&app, "/api/territory").await.json()["demand_units"]
            .as_u64()
            .unwrap()
    );
    let sites = get(&app, "/api/export/sites.geojson?kind=mediation")
        .await
        .json();
    assert_eq!(sites["features"].as_array().unwrap().len(), 5);

    let bad = [
        (
            "/api/export/demand.geojson",
            StatusCode::BAD_REQUEST,
            "kind",
        ),
        (
            "/api/export/zones.geojson?kind=x",
            StatusCode::NOT_FOUND,
            "mediation",
        ),
        (
            "/api/export/communes.csv?kind=mediation&threshold_min=0",
            StatusCode::BAD_REQUEST,
            "240",
        ),
        (
            "/api/export/secrets.geojson",
            StatusCode::NOT_FOUND,
            "communes.csv",
        ),
        (
            "/api/export/sites.geojson?kind=x",
            StatusCode::NOT_FOUND,
            "mediation",
        ),
    ];
    for (uri, status, needle) in bad {
        let r = get(&app, uri).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(r.error().contains(needle), "{uri}");
    }
}

#[tokio::test]
async fn the_page_is_embedded_and_nothing_else_is_served() {
    let app = app();
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text();
    assert!(
        page.contains("<html") && page.contains("zoneblanche"),
        "{page}"
    );
    let r = get(&app, "/assets/index.html").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), page);
    for uri in [
        "/assets/../Cargo.toml",
        "/assets/..%2fCargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/assets/%252e%252e%252fCargo.toml",
        "/assets/..%5c..%5cCargo.toml",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/./index.html",
        "/assets/.hidden",
        "/assets/nope.js",
        "/assets/",
        "/../Cargo.toml",
        "/web/index.html",
        "/index.html/..",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        let e = r.error();
        assert!(!e.contains("[package]"), "{uri}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = app();
    let r = get(&app, "/api/nothing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.error().contains("/api/nothing"));
    let r = send(
        &app,
        Request::put("/api/territory").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.error().contains("method"));
    let r = get(&app, "/api/whatif").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    r.error();
    assert_eq!(
        r.header(header::X_CONTENT_TYPE_OPTIONS).as_deref(),
        Some("nosniff")
    );
}

#[tokio::test]
async fn slow_requests_hit_the_time_limit() {
    let app = app_with(zb_server::Options {
        request_timeout: std::time::Duration::ZERO,
        ..Default::default()
    });
    // With a zero budget the timer fires at the runtime's next tick (about 1 ms): a request that
    // finishes sooner may still answer, so some of a few tries must hit the limit, and every
    // other answer must be a whole 200.
    let mut limited = 0;
    for _ in 0..10 {
        let r = post(&app, "/api/whatif", &antenne()).await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(r.error().contains("limit"), "{}", r.text());
            limited += 1;
        } else {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
    }
    assert!(limited > 0, "no request hit the time limit");
}

/// Every route of the app, as one concrete request each (method, URI).
const ROUTES: [(&str, &str); 17] = [
    ("get", "/api/openapi.json"),
    ("get", "/api/territory"),
    ("get", "/api/sites?kind=mediation"),
    ("get", "/api/coverage?kind=mediation&threshold_min=10"),
    ("get", "/api/layers/demand?kind=mediation"),
    ("get", "/api/layers/zones?kind=mediation"),
    ("get", "/api/layers/communes?kind=mediation"),
    (
        "get",
        "/api/layers/isochrones?site=synthetic-med-mende&minutes=3",
    ),
    ("get", "/api/layers/roads"),
    ("post", "/api/whatif"),
    ("post", "/api/recommend"),
    ("get", "/api/scenarios"),
    ("post", "/api/scenarios"),
    ("get", "/api/scenarios/some-name"),
    ("delete", "/api/scenarios/some-name"),
    ("get", "/api/export/communes.csv?kind=mediation"),
    ("get", "/assets/index.html"),
];

/// Whether a concrete path matches an OpenAPI path template (`{x}` is one segment; `{path}`,
/// the page's files, may span several).
fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.last() == Some(&"{path}") {
        return p.len() >= t.len() && t[..t.len() - 1].iter().zip(&p).all(|(a, b)| a == b);
    }
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
}

fn body_for(path: &str) -> Option<Value> {
    match path {
        "/api/whatif" | "/api/scenarios" => Some(antenne()),
        "/api/recommend" => Some(json!({"kind": "mediation", "k": 1})),
        _ => None,
    }
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_store(&dir, None);
    let r = get(&app, "/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc, serde_json::to_value(zb_server::openapi()).unwrap());
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.clone(), path.clone()));
        }
    }
    // Every route is documented, once.
    for (method, uri) in ROUTES {
        let path = uri.split('?').next().unwrap();
        let n = operations
            .iter()
            .filter(|(m, t)| m == method && matches(t, path))
            .count();
        assert_eq!(n, 1, "{method} {uri} is documented {n} times");
    }
    operations.push(("get".into(), "/".into()));
    assert_eq!(
        operations.len(),
        ROUTES.len() + 2,
        "documented operations: {operations:?}"
    );
    // Every documented operation answers (a 404 only for a missing resource, never a route).
    for (method, template) in &operations {
        let uri = template
            .replace("{name}", "some-name")
            .replace("{file}", "communes.csv")
            .replace("{path}", "index.html");
        let query = if uri.starts_with("/api/") && method == "get" {
            "?kind=mediation&site=synthetic-med-mende&minutes=3"
        } else {
            ""
        };
        let full = format!("{uri}{query}");
        let req = match body_for(&uri) {
            Some(b) if method == "post" => json_request("POST", &full, &b, None),
            _ => Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&full)
                .body(Body::empty())
                .unwrap(),
        };
        let r = send(&app, req).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {full}");
        if r.status == StatusCode::NOT_FOUND {
            assert!(!r.error().starts_with("no route"), "{method} {full}");
        } else {
            assert!(
                r.status.is_success(),
                "{method} {full}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    // Unknown paths are not routes.
    assert!(
        get(&app, "/api/nothing")
            .await
            .error()
            .starts_with("no route")
    );
}

fn keys(v: &Value) -> std::collections::BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn schema_keys(doc: &Value, name: &str) -> std::collections::BTreeSet<String> {
    keys(&doc["components"]["schemas"][name]["properties"])
}

#[tokio::test]
async fn documented_shapes_are_the_real_ones() {
    let app = app();
    let doc = serde_json::to_value(zb_server::openapi()).unwrap();
    let t = get(&app, "/api/territory").await.json();
    assert_eq!(schema_keys(&doc, "Territory"), keys(&t));
    assert_eq!(schema_keys(&doc, "KindInfo"), keys(&t["kinds"][0]));
    assert_eq!(schema_keys(&doc, "NetworkSize"), keys(&t["network"]));
    let c = get(&app, "/api/coverage?kind=mediation").await.json();
    assert_eq!(schema_keys(&doc, "CoverageResponse"), keys(&c));
    assert_eq!(schema_keys(&doc, "CoverageSummaryDoc"), keys(&c["summary"]));
    assert_eq!(schema_keys(&doc, "CommuneRowDoc"), keys(&c["communes"][0]));
    let w = post(&app, "/api/whatif", &antenne()).await.json();
    assert_eq!(schema_keys(&doc, "WhatIfResponse"), keys(&w));
    let r = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": 1}),
    )
    .await
    .json();
    assert_eq!(schema_keys(&doc, "RecommendResponse"), keys(&r));
    assert_eq!(
        schema_keys(&doc, "ErrorBody"),
        ["code".to_string(), "error".to_string()].into()
    );
    // A scenario with every field set, as the engine writes it.
    let full: zb_whatif::Scenario = serde_json::from_value(json!({
        "name": "n", "description": "d",
        "add": [{"id": "a", "kind": "mediation", "lon": 3.5, "lat": 44.5, "name": "x",
                 "capacity": 1.0, "waiting_days": 2.0, "opening": 3.0}],
        "move": [{"id": "synthetic-med-mende", "lon": 3.5, "lat": 44.5}],
        "close": [{"id": "synthetic-med-florac"}],
        "thresholds": {"mediation_min": 5.0}
    }))
    .unwrap();
    let full = serde_json::to_value(&full).unwrap();
    assert_eq!(schema_keys(&doc, "ScenarioDoc"), keys(&full));
    assert_eq!(schema_keys(&doc, "AddSiteDoc"), keys(&full["add"][0]));
    assert_eq!(schema_keys(&doc, "MoveSiteDoc"), keys(&full["move"][0]));
    assert_eq!(schema_keys(&doc, "CloseSiteDoc"), keys(&full["close"][0]));
}

#[tokio::test]
async fn whatif_answers_what_the_engine_writes() {
    use zb_publish::PublishedWhatIf;
    use zb_publish::whatif::{changed_geojson, diff_json, zones_before_after};
    use zb_whatif::{Baseline, Scenario};
    let app = app();
    let study = demo();
    let base = Baseline::new(&study);
    let scenarios = [
        antenne(),
        json!({"name": "close", "close": [{"id": "synthetic-med-florac"}], "thresholds": {"mediation_min": 25}}),
        json!({"name": "threshold only", "thresholds": {"espace_rencontre_min": 30}}),
        json!({"name": "nothing"}),
        json!({"name": "new kind", "add": [{"id": "n1", "kind": "point_rencontre", "lon": 3.5, "lat": 44.517}]}),
        json!({"name": "move", "move": [{"id": "synthetic-er-saint-chely", "lon": 3.2905, "lat": 44.551}]}),
    ];
    for sc in scenarios {
        let r = post(&app, "/api/whatif", &sc).await;
        assert_eq!(r.status, StatusCode::OK, "{sc}: {}", r.text());
        let got = r.json();
        let w = base
            .apply(
                &study,
                &serde_json::from_value::<Scenario>(sc.clone()).unwrap(),
            )
            .unwrap();
        let pw = PublishedWhatIf::new(&study, &w);
        let changed = serde_json::to_value(changed_geojson(&pw)).unwrap();
        let zones = serde_json::to_value(zones_before_after(&pw, true)).unwrap();
        assert_eq!(got["diff"], diff_json(&pw), "{sc}");
        assert_eq!(got["changed"], changed, "{sc}");
        assert_eq!(got["zones_after"], zones, "{sc}");
    }
}
