//! Helpers for the HTTP tests: the studies loaded once per test binary (the synthetic Lozère
//! demo of the repository, a four-commune part of it, and the Monaco example study when the
//! shared data is there), and requests sent through `app()`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use zb_coverage::Study;
use zb_server::{AppState, Options};

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo study `data/demo/study.toml`: the 152 real communes of Lozère (76,601 people) on a
/// synthetic road network, with 5 synthetic mediation sites and 2 synthetic espaces de
/// rencontre. In the repository, so the tests on it run on a fresh clone.
pub fn demo() -> Arc<Study> {
    static STUDY: OnceLock<Arc<Study>> = OnceLock::new();
    STUDY
        .get_or_init(|| {
            let p = workspace().join("data/demo/study.toml");
            Arc::new(zb_coverage::load_study(&p).unwrap())
        })
        .clone()
}

/// The communes of the four-commune study: Badaroux, Balsièges, Brenoux and Mende.
pub const MENDE_AREA: [&str; 4] = ["48013", "48016", "48030", "48095"];

/// The demo's roads and sites with only four of its communes ([`MENDE_AREA`]): fewer mairies
/// (recommendation candidates) than a request may ask for.
pub fn mende_area() -> Arc<Study> {
    static STUDY: OnceLock<Arc<Study>> = OnceLock::new();
    STUDY
        .get_or_init(|| {
            let demo = workspace().join("data/demo");
            let text = std::fs::read_to_string(demo.join("communes.geojson")).unwrap();
            let mut fc: Value = serde_json::from_str(&text).unwrap();
            fc["features"]
                .as_array_mut()
                .unwrap()
                .retain(|f| MENDE_AREA.contains(&f["properties"]["code_insee"].as_str().unwrap()));
            assert_eq!(fc["features"].as_array().unwrap().len(), MENDE_AREA.len());
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("communes.geojson"), fc.to_string()).unwrap();
            let toml = format!(
                "[study]\nname = \"Mende et voisines (démo synthétique)\"\nsynthetic = true\n\
                 [network]\npbf = {:?}\n[[sites]]\nfile = {:?}\n\
                 [[population]]\nfile = \"communes.geojson\"\nformat = \"communes\"\n\
                 weight = \"population_municipale\"\ncounts = \"people\"\n\
                 [thresholds]\ndefault_min = 30\nmediation_min = 30\nespace_rencontre_min = 45\n",
                demo.join("territory.osm.pbf"),
                demo.join("synthetic_sites.csv"),
            );
            let p = dir.path().join("study.toml");
            std::fs::write(&p, toml).unwrap();
            Arc::new(zb_coverage::load_study(&p).unwrap())
        })
        .clone()
}

/// The Monaco study, or `None` (and a printed reason) when the shared data is absent.
pub fn monaco() -> Option<Arc<Study>> {
    static STUDY: OnceLock<Option<Arc<Study>>> = OnceLock::new();
    STUDY
        .get_or_init(|| {
            for f in [
                "monaco-latest.osm.pbf",
                "communes_06_monaco_neighbours.geojson",
            ] {
                let p = workspace().join("../shared/data").join(f);
                if !p.exists() {
                    eprintln!("skipped: {} is absent", p.display());
                    return None;
                }
            }
            let p = workspace().join("data/monaco/study.toml");
            Some(Arc::new(zb_coverage::load_study(&p).unwrap()))
        })
        .clone()
}

/// The app on the demo study with `options`.
pub fn app_with(options: Options) -> Router {
    zb_server::app(AppState::new(demo(), options))
}

/// The app on the demo study with a fresh scenario store in `dir`.
pub fn app_with_store(dir: &tempfile::TempDir, token: Option<&str>) -> Router {
    let store = zb_store::ScenarioStore::open(&dir.path().join("scenarios.sqlite")).unwrap();
    app_with(Options {
        store: Some(Box::new(store)),
        token: token.map(str::to_string),
        ..Options::default()
    })
}

/// The app on the demo study with default options (no store, no token).
pub fn app() -> Router {
    app_with(Options::default())
}

/// A response, read whole.
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// The message of a JSON error (panics when the body is not `{"error": "...", "code":
    /// "..."}`).
    pub fn error(&self) -> String {
        let v = self.json();
        assert_eq!(
            self.header(header::CONTENT_TYPE).as_deref(),
            Some("application/json"),
            "error without a JSON content type: {v}"
        );
        assert_eq!(v.as_object().map(|o| o.len()), Some(2), "{v}");
        assert!(v["code"].is_string(), "an error without a code: {v}");
        v["error"].as_str().expect("an `error` string").to_string()
    }

    /// The code of a JSON error (`threshold_out_of_range`...).
    pub fn code(&self) -> String {
        self.error();
        self.json()["code"].as_str().unwrap().to_string()
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Res {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Res {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A request with a JSON body.
pub fn json_request(method: &str, uri: &str, body: &Value, token: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub async fn post(app: &Router, uri: &str, body: &Value) -> Res {
    send(app, json_request("POST", uri, body, None)).await
}

/// A what-if on the demo, as the engine writes it back: a synthetic espace de rencontre antenna
/// at the mairie of Florac Trois Rivières, in the south of the département, whose two espaces de
/// rencontre are at Mende and Saint-Chély-d'Apcher (centre and north).
pub fn antenne() -> Value {
    let scenario: zb_whatif::Scenario = serde_json::from_value(json!({
        "name": "Antenne d'espace de rencontre à Florac (synthétique)",
        "add": [{
            "id": "synthetic-er-florac",
            "kind": "espace_rencontre",
            "lon": 3.5940,
            "lat": 44.3239,
            "waiting_days": 30.0
        }]
    }))
    .unwrap();
    serde_json::to_value(scenario).unwrap()
}
