//! zb-server: the HTTP API of zoneblanche and its embedded map page.
//!
//! * [`AppState::new`]`(study, `[`Options`]`)`: the study loaded once and shared (`Arc`), the
//!   what-if [`Baseline`](zb_whatif::Baseline) built once, a bounded cache of coverage
//!   results per (kind, threshold), the scenario store behind a `Mutex`;
//! * [`app`]`(state) -> Router`: every route below, request logs (`tower_http::trace`), a body
//!   limit (413), a time limit (503), JSON errors ([`ApiError`]);
//! * [`serve`]: runs an app on a listener until a shutdown future (e.g. [`shutdown_signal`]:
//!   Ctrl-C or SIGTERM) resolves, then lets the requests in flight finish.
//!
//! CPU work (evaluations, what-ifs, isochrones, documents) runs on the blocking pool, at most
//! [`Options::workers`] at once, never on the async workers.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/openapi.json` | the OpenAPI document (every route below) |
//! | `GET /api/territory` | the study: counts, extent, network, population, kinds and thresholds, snapping limit, warnings, provenance |
//! | `GET /api/sites?kind=K` | sites (GeoJSON) |
//! | `GET /api/coverage?kind=K&threshold_min=T` | summary and commune table (with the unreachable by reason and the weight reached by ferry) |
//! | `GET /api/layers/{demand,zones,communes}?kind=K&threshold_min=T` | GeoJSON layers |
//! | `GET /api/layers/isochrones?site=ID&minutes=15,30,45` | time to a site, polygons of 200 m cells |
//! | `GET /api/layers/roads` | the basemap's roads with their `class` |
//! | `POST /api/whatif[?kind=K&before=thresholds]` | a scenario: `{diff, changed, zones_after}`, of one kind with `kind`, against the study's sites at the scenario's thresholds with `before=thresholds` |
//! | `POST /api/recommend` | `{kind, k, objective, threshold_min?}`: best new sites among the mairies |
//! | `GET, POST /api/scenarios`, `GET, DELETE /api/scenarios/{name}` | saved scenarios (writes need the token, if any) |
//! | `GET /api/export/{file}?kind=K&threshold_min=T` | downloads: `sites`, `demand`, `zones`, `communes`, `roads` `.geojson`, `communes.csv` |
//! | `GET /`, `GET /assets/{path}` | the page: `web/index.html`, `web/<path>` (embedded) |
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let study = zb_coverage::load_study("data/monaco/study.toml".as_ref()).unwrap();
//! let state = zb_server::AppState::new(study, zb_server::Options::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! zb_server::serve(listener, state, zb_server::shutdown_signal()).await
//! # }
//! ```

mod api;
mod assets;
mod error;
mod extract;
pub mod layers;
pub mod schema;
mod state;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use api::{EXPORT_FILES, MAX_ISOCHRONES, MAX_K, openapi};
pub use error::{ApiError, ErrorBody};
pub use state::{
    AppState, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_COVERAGE_CACHE, DEFAULT_REQUEST_TIMEOUT, Options,
};

/// The whole application: the API, its OpenAPI document and the page, with request logs, the
/// body and time limits and JSON errors.
pub fn app(state: AppState) -> Router {
    let limits = error::Limits {
        body_limit_bytes: state.body_limit_bytes(),
        request_timeout: state.request_timeout(),
    };
    let (api, _doc) = api::router().split_for_parts();
    api.route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .fallback(not_found)
        .with_state(state)
        // Layers wrap what is above them: the last one sees the request first.
        .layer(DefaultBodyLimit::max(limits.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(axum::middleware::map_response_with_state(
            limits,
            error::json_errors,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route {method} {}", uri.path()))
}

/// Serves `state`'s app on `listener` until `shutdown` resolves; requests in flight then
/// finish (graceful shutdown). On a loopback address, only requests naming a loopback host
/// (`localhost`, `127.x.x.x`, `[::1]`, any port) are answered, others get a 421: a web page
/// elsewhere cannot reach the server by pointing its own name at 127.0.0.1 (DNS rebinding).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut app = app(state);
    if listener.local_addr()?.ip().is_loopback() {
        app = app.layer(axum::middleware::from_fn(loopback_hosts_only));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// True for a `Host` header naming this machine's loopback: `localhost` (or a name under it),
/// an IPv4 address in 127.0.0.0/8 or `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.starts_with(':') => ip,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn loopback_hosts_only(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("?"))
        .or_else(|| req.uri().host());
    match host {
        Some(h) if !is_loopback_host(h) => ApiError::MisdirectedRequest(format!(
            "this server answers to localhost only, not to `{h}` (it listens on a loopback address)"
        ))
        .into_response(),
        _ => next.run(req).await,
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
