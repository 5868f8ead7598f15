//! Every error answer carries a machine code beside its message (`{"error": "...", "code":
//! "..."}`), so that a client words it in its own language without reading the English text:
//! one request per code the API gives, on the demo study.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn each_error_names_its_code() {
    let app = app();
    let gets = [
        (
            "/api/coverage?kind=mediation&threshold_min=999",
            StatusCode::BAD_REQUEST,
            "threshold_out_of_range",
        ),
        (
            "/api/coverage?threshold_min=30",
            StatusCode::BAD_REQUEST,
            "missing_kind",
        ),
        (
            "/api/coverage?kind=mediation&threshold_min=abc",
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            "/api/sites?kind=creche",
            StatusCode::NOT_FOUND,
            "unknown_kind",
        ),
        (
            "/api/layers/isochrones?site=synthetic-med-mende&minutes=0",
            StatusCode::BAD_REQUEST,
            "bad_minutes",
        ),
        (
            "/api/layers/isochrones?site=nope",
            StatusCode::NOT_FOUND,
            "unknown_site",
        ),
        (
            "/api/export/secrets.txt?kind=mediation",
            StatusCode::NOT_FOUND,
            "unknown_export",
        ),
        ("/api/nothing", StatusCode::NOT_FOUND, "not_found"),
        ("/assets/nothing.js", StatusCode::NOT_FOUND, "not_found"),
        (
            "/api/scenarios",
            StatusCode::SERVICE_UNAVAILABLE,
            "no_scenario_store",
        ),
    ];
    for (uri, status, code) in gets {
        let r = get(&app, uri).await;
        assert_eq!(r.status, status, "{uri}: {}", r.text());
        assert_eq!(r.code(), code, "{uri}: {}", r.text());
    }

    // A candidate 8 km west of the demo's westernmost road.
    let off =
        json!({"name": "n", "add": [{"id": "c", "kind": "mediation", "lon": 2.9, "lat": 44.5}]});
    let unknown = json!({"name": "n", "close": [{"id": "nope"}]});
    let posts = [
        ("/api/whatif", off.clone(), "site_off_network"),
        ("/api/whatif?kind=mediation", off, "site_off_network"),
        ("/api/whatif", unknown, "invalid_input"),
        (
            "/api/recommend",
            json!({"kind": "mediation", "k": 51}),
            "k_out_of_range",
        ),
        (
            "/api/recommend",
            json!({"kind": "mediation", "k": 1, "threshold_min": 0}),
            "threshold_out_of_range",
        ),
        ("/api/recommend", json!({"kind": 3}), "malformed_json"),
    ];
    for (uri, body, code) in posts {
        let r = post(&app, uri, &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.text());
        assert_eq!(r.code(), code, "{uri} {body}: {}", r.text());
    }
    let off = post(
        &app,
        "/api/whatif",
        &json!({"name": "n", "move": [{"id": "synthetic-med-mende", "lon": 2.9, "lat": 44.5}]}),
    )
    .await;
    assert_eq!(off.code(), "site_off_network", "{}", off.text());
    assert!(
        off.error().contains("off the road network"),
        "{}",
        off.text()
    );

    let r = send(
        &app,
        Request::post("/api/whatif")
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.code(), "unsupported_media_type");
    let r = send(
        &app,
        Request::delete("/api/territory")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.code(), "method_not_allowed");
}

#[tokio::test]
async fn store_errors_name_their_code() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_store(&dir, Some("s3cret"));
    let r = post(&app, "/api/scenarios", &antenne()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthorized");
    let r = get(&app, "/api/scenarios/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "scenario_not_found");
}

#[test]
fn the_openapi_document_lists_the_codes() {
    let doc = serde_json::to_value(zb_server::openapi()).unwrap();
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    for c in [
        "threshold_out_of_range",
        "site_off_network",
        "unknown_kind",
        "internal",
    ] {
        assert!(
            codes.as_array().unwrap().iter().any(|v| v == c),
            "{c} in {codes}"
        );
    }
}
