//! Helpers for the HTTP tests: the Monaco example study (real OSM extract and communes,
//! synthetic sites) loaded once per test binary, and requests sent through `app()`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use zb_coverage::Study;
use zb_server::{AppState, Options};

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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

/// The app on the Monaco study with `options`.
pub fn app_with(options: Options) -> Option<Router> {
    Some(zb_server::app(AppState::new(monaco()?, options)))
}

/// The app on the Monaco study with a fresh scenario store in `dir`.
pub fn app_with_store(dir: &tempfile::TempDir, token: Option<&str>) -> Option<Router> {
    let store = zb_coverage::ScenarioStore::open(&dir.path().join("scenarios.sqlite")).unwrap();
    app_with(Options {
        store: Some(store),
        token: token.map(str::to_string),
        ..Options::default()
    })
}

/// The app with default options (no store, no token).
pub fn app() -> Option<Router> {
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

    /// The message of a JSON error (panics when the body is not `{"error": "..."}`).
    pub fn error(&self) -> String {
        let v = self.json();
        assert_eq!(
            self.header(header::CONTENT_TYPE).as_deref(),
            Some("application/json"),
            "error without a JSON content type: {v}"
        );
        assert_eq!(v.as_object().map(|o| o.len()), Some(1), "{v}");
        v["error"].as_str().expect("an `error` string").to_string()
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

/// The example scenario `antenne_beausoleil.toml` as JSON.
pub fn antenne() -> Value {
    let text =
        std::fs::read_to_string(workspace().join("data/monaco/scenarios/antenne_beausoleil.toml"))
            .unwrap();
    serde_json::to_value(zb_coverage::scenario::Scenario::from_toml_str(&text).unwrap()).unwrap()
}
