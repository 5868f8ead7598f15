//! Every route through `app()` in process (`tower::ServiceExt::oneshot`) on the Monaco example
//! study (real OSM extract and communes, synthetic sites): answers, and every bad input.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

const POPULATION: f64 = 13_607.0 + 4_594.0 + 12_639.0 + 3_063.0;

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 0.051, "{a} != {b}");
}

#[tokio::test]
async fn territory_describes_the_study() {
    let Some(app) = app() else { return };
    let r = get(&app, "/api/territory").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CONTENT_TYPE).as_deref(),
        Some("application/json")
    );
    let t = r.json();
    assert_eq!(t["synthetic"], true);
    assert_eq!(t["counts"], "people");
    assert!(t["name"].as_str().unwrap().contains("Monaco"));
    let e: Vec<f64> = serde_json::from_value(t["extent"].clone()).unwrap();
    assert_eq!(e.len(), 4);
    assert!(e[0] < e[2] && e[1] < e[3], "{e:?}");
    assert!(
        (7.3..7.6).contains(&e[0]) && (43.6..43.9).contains(&e[1]),
        "{e:?}"
    );
    assert!(t["network"]["junctions"].as_u64().unwrap() > 100);
    assert!(t["network"]["links"].as_u64().unwrap() > 100);
    assert!(t["network"]["km"].as_f64().unwrap() > 10.0);
    assert_close(t["population"].as_f64().unwrap(), POPULATION);
    assert_eq!(t["population_secret"], false);
    assert!(t["demand_units"].as_u64().unwrap() > 4);
    assert_eq!(t["communes"], 4);
    assert_eq!(t["max_snap_m"], 1000.0);
    let kinds = t["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 2);
    assert_eq!(kinds[0]["kind"], "espace_rencontre");
    assert_eq!(kinds[0]["sites"], 1);
    assert_eq!(kinds[0]["threshold_min"], 6.0);
    assert_eq!(kinds[0]["waiting_threshold_days"], 60.0);
    assert_eq!(kinds[1]["kind"], "mediation");
    assert_eq!(kinds[1]["sites"], 2);
    assert_eq!(kinds[1]["threshold_min"], 4.0);
    assert_eq!(t["default_threshold_min"], 30.0);
    assert!(t["warnings"].is_array());
    assert_eq!(t["secrecy"]["min_count"], 11.0);
    assert!(t["provenance"]["inputs"].as_array().unwrap().len() >= 3);
}

#[tokio::test]
async fn sites_are_filtered_by_kind() {
    let Some(app) = app() else { return };
    let all = get(&app, "/api/sites").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.header(header::CONTENT_TYPE).as_deref(),
        Some("application/geo+json")
    );
    let all = all.json();
    assert_eq!(all["type"], "FeatureCollection");
    assert_eq!(all["features"].as_array().unwrap().len(), 3);
    let med = get(&app, "/api/sites?kind=mediation").await.json();
    let f = med["features"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f["properties"]["kind"] == "mediation"));
    assert_eq!(f[0]["geometry"]["type"], "Point");
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
    let Some(app) = app() else { return };
    let r = get(&app, "/api/coverage?kind=mediation").await;
    assert_eq!(r.status, StatusCode::OK);
    let c = r.json();
    assert_eq!(c["kind"], "mediation");
    assert_eq!(c["threshold_min"], 4.0, "the study's threshold by default");
    assert_eq!(c["counts"], "people");
    assert_eq!(c["synthetic"], true);
    let s = &c["summary"];
    assert_close(s["total_weight"].as_f64().unwrap(), POPULATION);
    let parts: f64 = ["within_weight", "beyond_weight", "unreachable_weight"]
        .iter()
        .map(|k| s[k].as_f64().unwrap())
        .sum();
    assert_close(parts, POPULATION);
    // La Turbie's units are all beyond the snapping limit; Monaco has no ferry.
    let by_reason = s["unreachable_off_network"].as_f64().unwrap()
        + s["unreachable_no_road_link"].as_f64().unwrap();
    assert_close(by_reason, s["unreachable_weight"].as_f64().unwrap());
    assert!(s["unreachable_off_network"].as_f64().unwrap() > 0.0);
    assert_eq!(s["weight_via_ferry"], 0.0);
    assert!(s["median_min"].as_f64().unwrap() <= s["p90_min"].as_f64().unwrap());
    assert_eq!(s["sites"], 2);
    assert!(s["zones"].as_u64().is_some());
    let communes = c["communes"].as_array().unwrap();
    let codes: Vec<&str> = communes
        .iter()
        .filter_map(|r| r["code_insee"].as_str())
        .collect();
    assert_eq!(codes, ["06012", "06032", "06104", "06150"]);
    assert!(communes.iter().all(|r| r.get("within").is_some()));
    assert!(communes.iter().all(|r| r.get("within_mediation").is_none()));

    // A wider threshold brings at least as many within; the answer is cached and stable.
    let wide = get(&app, "/api/coverage?kind=mediation&threshold_min=240").await;
    let wide_share = wide.json()["summary"]["within_share"].as_f64().unwrap();
    assert!(wide_share >= s["within_share"].as_f64().unwrap());
    let narrow = get(&app, "/api/coverage?kind=mediation&threshold_min=1")
        .await
        .json();
    assert_eq!(narrow["threshold_min"], 1.0);
    assert!(narrow["summary"]["within_share"].as_f64().unwrap() <= wide_share);
    let again = get(&app, "/api/coverage?kind=mediation&threshold_min=240").await;
    assert_eq!(again.body, wide.body);
}

#[tokio::test]
async fn coverage_refuses_bad_queries() {
    let Some(app) = app() else { return };
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
    let Some(app) = app() else { return };
    let units = get(&app, "/api/territory").await.json()["demand_units"]
        .as_u64()
        .unwrap() as usize;
    let r = get(
        &app,
        "/api/layers/demand?kind=espace_rencontre&threshold_min=6",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let fc = r.json();
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), units);
    let mut statuses = std::collections::BTreeSet::new();
    for x in f {
        let p = &x["properties"];
        assert_eq!(x["geometry"]["type"], "Point");
        let status = p["status"].as_str().unwrap();
        statuses.insert(status.to_string());
        match status {
            "within" => assert!(p["minutes"].as_f64().unwrap() <= 6.0),
            "beyond" => assert!(p["minutes"].as_f64().unwrap() > 6.0),
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
        assert_eq!(p["via_ferry"], false, "no ferry in Monaco: {p}");
        assert!(p.get("minutes_espace_rencontre").is_none());
        // Secrecy: a weight is either null (secret) or at least 11.
        assert!(
            p["weight"].is_null() || p["weight"].as_f64().unwrap() >= 11.0 || p["weight"] == 0.0
        );
    }
    assert!(statuses.contains("within"), "{statuses:?}");
    assert!(fc["provenance"].is_object());
}

#[tokio::test]
async fn zones_layer_shrinks_as_the_threshold_grows() {
    let Some(app) = app() else { return };
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
    for f in tight["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["kind"], "mediation");
        assert_eq!(f["properties"]["threshold_min"], 1.0);
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.first(), ring.last(), "closed ring");
    }
}

#[tokio::test]
async fn communes_layer_has_polygons_and_plain_names() {
    let Some(app) = app() else { return };
    let r = get(&app, "/api/layers/communes?kind=mediation&threshold_min=10").await;
    assert_eq!(r.status, StatusCode::OK);
    let fc = r.json();
    let with_code: Vec<&Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["code_insee"].is_string())
        .collect();
    assert_eq!(with_code.len(), 4);
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
    }
}

#[tokio::test]
async fn isochrones_grow_with_time() {
    let Some(app) = app() else { return };
    let r = get(
        &app,
        "/api/layers/isochrones?site=synthetic-med-1&minutes=2,5",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fc = r.json();
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["properties"]["minutes"], 5, "largest first");
    assert_eq!(f[1]["properties"]["minutes"], 2);
    let (big, small) = (
        f[0]["properties"]["cells"].as_u64().unwrap(),
        f[1]["properties"]["cells"].as_u64().unwrap(),
    );
    assert!(small > 0 && big > small, "{big} {small}");
    assert_eq!(f[0]["geometry"]["type"], "MultiPolygon");
    // The 2-minute polygon lies around the site (7.4240, 43.7425).
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
    assert!(minx < 7.4240 && 7.4240 < maxx && miny < 43.7425 && 43.7425 < maxy);
    // Default minutes: 45, 30, 15.
    let d = get(&app, "/api/layers/isochrones?site=synthetic-er-1")
        .await
        .json();
    let m: Vec<u64> = d["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["minutes"].as_u64().unwrap())
        .collect();
    assert_eq!(m, [45, 30, 15]);
}

#[tokio::test]
async fn isochrones_refuse_bad_input() {
    let Some(app) = app() else { return };
    let cases = [
        (
            "/api/layers/isochrones?site=nope",
            StatusCode::NOT_FOUND,
            "nope",
        ),
        ("/api/layers/isochrones", StatusCode::BAD_REQUEST, "site"),
        (
            "/api/layers/isochrones?site=synthetic-med-1&minutes=0",
            StatusCode::BAD_REQUEST,
            "1-240",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-1&minutes=300",
            StatusCode::BAD_REQUEST,
            "1-240",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-1&minutes=ten",
            StatusCode::BAD_REQUEST,
            "ten",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-1&minutes=1,2,3,4,5,6,7,8,9",
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
    let Some(app) = app() else { return };
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
    assert!(f.iter().any(|x| x["properties"]["class"] == "residential"));
    assert_eq!(get(&app, "/api/layers/roads").await.body, r.body);
}

#[tokio::test]
async fn whatif_gives_the_diff_the_changes_and_the_zones_after() {
    let Some(app) = app() else { return };
    let r = post(&app, "/api/whatif", &antenne()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let w = r.json();
    let d = &w["diff"];
    assert_eq!(d["scenario"]["name"], antenne()["name"]);
    let er = &d["kinds"]["espace_rencontre"];
    assert_eq!(er["sites_before"], 1);
    assert_eq!(er["sites_after"], 2);
    let o = &er["overall"];
    assert!(o["within_after"].as_f64().unwrap() >= o["within_before"].as_f64().unwrap());
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
    let Some(app) = app() else { return };
    // Thresholds alone, compared with the study at the same thresholds: nothing changes, and
    // the zones after are those of the coverage at that threshold.
    let seuil = json!({"name": "seuil", "thresholds": {"espace_rencontre_min": 3}});
    let r = post(
        &app,
        "/api/whatif?kind=espace_rencontre&before=thresholds",
        &seuil,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let w = r.json();
    let k = &w["diff"]["kinds"]["espace_rencontre"];
    assert_eq!(k["threshold_min_before"], 3.0);
    assert_eq!(k["threshold_min_after"], 3.0);
    assert_eq!(k["units_changing_state"], 0);
    assert_eq!(w["changed"]["features"].as_array().unwrap().len(), 0);
    let zones = get(
        &app,
        "/api/layers/zones?kind=espace_rencontre&threshold_min=3",
    )
    .await
    .json();
    assert_eq!(w["zones_after"]["features"], zones["features"]);
    // Against the study as loaded, the same thresholds move units.
    let r = post(&app, "/api/whatif?kind=espace_rencontre", &seuil)
        .await
        .json();
    assert!(
        r["diff"]["kinds"]["espace_rencontre"]["units_changing_state"]
            .as_u64()
            .unwrap()
            > 0
    );
    // With the antenne at 3 min: its before is the coverage at 3 min.
    let mut sc = antenne();
    sc["thresholds"] = json!({"espace_rencontre_min": 3});
    let r = post(&app, "/api/whatif?before=thresholds", &sc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let k = &r.json()["diff"]["kinds"]["espace_rencontre"];
    let cov = get(&app, "/api/coverage?kind=espace_rencontre&threshold_min=3")
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
    let Some(app) = app() else { return };
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
        "the Monaco study has zones blanches"
    );
    // A kind the scenario adds is known; any other is not.
    let new_kind = json!({"name": "n", "add": [{"id": "n1", "kind": "point_rencontre", "lon": 7.4246, "lat": 43.7384}]});
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
    let Some(app) = app() else { return };
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
            json!({"name": "x", "add": [{"id": "a", "kind": "mediation", "lon": "east", "lat": 43.7}]}),
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
    let Some(app) = app() else { return };
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
    let Some(app) = app() else { return };
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
    assert_eq!(v["threshold_min"], 4.0);
    assert_eq!(v["candidates"], 4);
    let picks = v["picks"]["features"].as_array().unwrap();
    assert_eq!(picks.len(), 2);
    assert_eq!(picks[0]["properties"]["rank"], 1);
    let ids: Vec<&str> = picks
        .iter()
        .map(|p| p["properties"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter()
            .all(|id| ["06012", "06032", "06104", "06150"].contains(id)),
        "{ids:?}"
    );
    let w = post(
        &app,
        "/api/recommend",
        &json!({"kind": "espace_rencontre", "k": 1, "objective": "worst", "threshold_min": 10}),
    )
    .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    assert_eq!(w.json()["objective"], "worst");
    // The territory says how many candidate places are on the network: as many sites can be
    // picked, not one more.
    let n = get(&app, "/api/territory").await.json()["recommend_candidates"]
        .as_u64()
        .unwrap();
    assert!(n >= 2, "{n}");
    let all = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": n, "objective": "cover"}),
    )
    .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    assert_eq!(
        all.json()["picks"]["features"].as_array().unwrap().len() as u64,
        n
    );
    let more = post(
        &app,
        "/api/recommend",
        &json!({"kind": "mediation", "k": n + 1, "objective": "cover"}),
    )
    .await;
    assert_eq!(more.status, StatusCode::BAD_REQUEST, "{}", more.text());
    assert!(
        more.text().contains(&format!("only {n} candidates")),
        "{}",
        more.text()
    );
}

#[tokio::test]
async fn recommend_refuses_bad_requests() {
    let Some(app) = app() else { return };
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
        (
            json!({"kind": "mediation", "k": 5}),
            StatusCode::BAD_REQUEST,
            "candidates are on the network",
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
    let Some(app) = app_with_store(&dir, None) else {
        return;
    };
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
    assert!(one["study"].as_str().unwrap().contains("Monaco"));

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
    let Some(app) = app() else { return };
    let r = get(&app, "/api/scenarios").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.error().contains("scenario database"));
    let r = post(&app, "/api/scenarios", &antenne()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn writes_need_the_token_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let Some(app) = app_with_store(&dir, Some("s3cret")) else {
        return;
    };
    let sc = json!({"name": "token-test", "close": [{"id": "synthetic-med-2"}]});
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
    let Some(app) = app() else { return };
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
            "zoneblanche_communes_espace_rencontre_6min.csv",
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
            assert!(text.contains("06012"));
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
    let sites = get(&app, "/api/export/sites.geojson?kind=mediation")
        .await
        .json();
    assert_eq!(sites["features"].as_array().unwrap().len(), 2);

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
    let Some(app) = app() else { return };
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
    let Some(app) = app() else { return };
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
    let Some(app) = app_with(zb_server::Options {
        request_timeout: std::time::Duration::ZERO,
        ..Default::default()
    }) else {
        return;
    };
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
        "/api/layers/isochrones?site=synthetic-med-1&minutes=3",
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
    let Some(app) = app_with_store(&dir, None) else {
        return;
    };
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
            "?kind=mediation&site=synthetic-med-1&minutes=3"
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
    let Some(app) = app() else { return };
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
    assert_eq!(schema_keys(&doc, "ErrorBody"), ["error".to_string()].into());
    // A scenario with every field set, as the engine writes it.
    let full: zb_coverage::scenario::Scenario = serde_json::from_value(json!({
        "name": "n", "description": "d",
        "add": [{"id": "a", "kind": "mediation", "lon": 7.42, "lat": 43.74, "name": "x",
                 "capacity": 1.0, "waiting_days": 2.0, "opening": 3.0}],
        "move": [{"id": "synthetic-med-1", "lon": 7.42, "lat": 43.74}],
        "close": [{"id": "synthetic-med-2"}],
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
    use zb_coverage::scenario::Scenario;
    use zb_coverage::whatif::Baseline;
    use zb_coverage::whatif_export::{changed_geojson, diff_json, zones_before_after};
    let Some(app) = app() else { return };
    let study = monaco().unwrap();
    let base = Baseline::new(&study);
    let scenarios = [
        antenne(),
        json!({"name": "close", "close": [{"id": "synthetic-med-2"}], "thresholds": {"mediation_min": 3}}),
        json!({"name": "threshold only", "thresholds": {"espace_rencontre_min": 2}}),
        json!({"name": "nothing"}),
        json!({"name": "new kind", "add": [{"id": "n1", "kind": "point_rencontre", "lon": 7.4246, "lat": 43.7384}]}),
        json!({"name": "move", "move": [{"id": "synthetic-er-1", "lon": 7.4246, "lat": 43.7384}]}),
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
        let changed = serde_json::to_value(changed_geojson(&study, &w)).unwrap();
        let zones = serde_json::to_value(zones_before_after(&study, &w, true)).unwrap();
        assert_eq!(got["diff"], diff_json(&study, &w), "{sc}");
        assert_eq!(got["changed"], changed, "{sc}");
        assert_eq!(got["zones_after"], zones, "{sc}");
    }
}
