//! The JSON API: one handler per route, each documented with `#[utoipa::path]` and registered
//! through `utoipa_axum`, so that the OpenAPI document and the router are made from the same
//! list ([`router`]).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zb_publish::PublishedWhatIf;
use zb_publish::whatif::{diff_json, picks_geojson};
use zb_store::SavedScenario;
use zb_whatif::recommend::{Objective, recommend as pick};
use zb_whatif::{Before, Scenario};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, require_token};
use crate::layers;
use crate::schema::*;
use crate::state::{AppState, Doc, json_bytes};

/// Largest `k` of `POST /api/recommend`.
pub const MAX_K: usize = 50;
/// Most values in `minutes` of the isochrones.
pub const MAX_ISOCHRONES: usize = 8;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zoneblanche",
        description = "Car travel time from where families live to family services \
            (médiation familiale, espaces de rencontre), and the zones blanches. Counts of people \
            or households strictly between 0 and the study's secrecy minimum (default 11) are \
            `null` with `secret: true`. Errors are `{\"error\": \"...\", \"code\": \"...\"}`: \
            a message for a person (English) and a code for a program (see `ErrorCode`). \
            GeoJSON is WGS84 (RFC 7946)."
    ),
    paths(crate::assets::index, crate::assets::asset),
    modifiers(&BearerAuth),
    tags(
        (name = "study", description = "The loaded study"),
        (name = "coverage", description = "Coverage of one kind at one threshold"),
        (name = "layers", description = "GeoJSON layers for the map"),
        (name = "what-if", description = "Scenarios and best new sites"),
        (name = "scenarios", description = "Saved scenarios (writing needs the bearer token when the server has one)"),
        (name = "export", description = "Downloads"),
        (name = "page", description = "The embedded map page"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI document (the page's routes are documented here but
/// routed in [`crate::app`]).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(territory))
        .routes(routes!(sites))
        .routes(routes!(coverage))
        .routes(routes!(demand_layer))
        .routes(routes!(zones_layer))
        .routes(routes!(communes_layer))
        .routes(routes!(isochrones))
        .routes(routes!(roads_layer))
        .routes(routes!(whatif))
        .routes(routes!(recommend))
        .routes(routes!(list_scenarios, save_scenario))
        .routes(routes!(get_scenario, delete_scenario))
        .routes(routes!(export))
}

/// The OpenAPI document of [`crate::app`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().into_openapi()
}

fn with_type(body: Bytes, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn json(body: Bytes) -> Response {
    with_type(body, "application/json")
}

fn geojson(body: Bytes) -> Response {
    with_type(body, "application/geo+json")
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "study",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object))
)]
async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    json(DOC.get_or_init(|| json_bytes(&openapi())).clone())
}

/// The study: name, what weights count, extent, road network, population, kinds of site with
/// their default thresholds, warnings and provenance.
#[utoipa::path(
    get,
    path = "/api/territory",
    tag = "study",
    responses((status = 200, description = "The territory", body = Territory))
)]
async fn territory(State(st): State<AppState>) -> Response {
    json(st.territory())
}

/// `?kind=K`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SitesQuery {
    /// Only the sites of this kind; default all.
    kind: Option<String>,
}

/// The sites (GeoJSON points: `id, name, kind, capacity, waiting_days, opening, synthetic,
/// on_network, snap_m` and the file's other columns).
#[utoipa::path(
    get,
    path = "/api/sites",
    tag = "study",
    params(SitesQuery),
    responses(
        (status = 200, description = "The sites", body = FeatureCollectionDoc, content_type = "application/geo+json"),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn sites(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<SitesQuery>,
) -> Result<Response, ApiError> {
    st.sites(q.kind.as_deref()).map(geojson)
}

/// `?kind=K&threshold_min=T`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct KindQuery {
    /// A kind of site of the study (required).
    kind: Option<String>,
    /// Travel threshold, 1-240 minutes; default the study's for the kind.
    threshold_min: Option<f64>,
}

impl KindQuery {
    fn checked(&self, st: &AppState) -> Result<(String, f64), ApiError> {
        let kind = self.kind.clone().ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter `kind` is required: this study's kinds are {}",
                st.kinds().join(", ")
            ))
            .with_code(ErrorCode::MissingKind)
        })?;
        st.check_kind(&kind)?;
        let t = st.threshold(&kind, self.threshold_min)?;
        Ok((kind, t))
    }
}

/// The coverage of one kind at one threshold: the territory's totals (within, beyond,
/// unreachable weight, the unreachable weight by reason, the weight reached by ferry, share,
/// median and 90th percentile minutes, number of zones blanches) and the commune table, with
/// statistical secrecy.
#[utoipa::path(
    get,
    path = "/api/coverage",
    tag = "coverage",
    params(KindQuery),
    responses(
        (status = 200, description = "Summary and communes", body = CoverageResponse),
        (status = 400, description = "Missing kind, threshold outside 1-240 min", body = ErrorBody),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn coverage(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KindQuery>,
) -> Result<Response, ApiError> {
    let (kind, t) = q.checked(&st)?;
    st.coverage_doc(&kind, t, Doc::Summary).await.map(json)
}

/// The demand units as points: `id, commune, weight, secret, counts, minutes, site, status`
/// (`within`, `beyond`, `unreachable`), `reason` (`null` when a site is reached, else
/// `off_network`: farther than `max_snap_m` from every road, or `no_road_link`: no road from
/// there to a site, as on an island without a ferry), `via_ferry` (the trip takes a ferry),
/// `waiting_days`. A unit given as an address-like point is placed at the centre of its 200 m
/// cell.
#[utoipa::path(
    get,
    path = "/api/layers/demand",
    tag = "layers",
    params(KindQuery),
    responses(
        (status = 200, description = "Demand points", body = FeatureCollectionDoc, content_type = "application/geo+json"),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn demand_layer(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KindQuery>,
) -> Result<Response, ApiError> {
    let (kind, t) = q.checked(&st)?;
    st.coverage_doc(&kind, t, Doc::DemandLayer)
        .await
        .map(geojson)
}

/// The zones blanches: polygons of 200 m cells with weight beyond the threshold or unreachable
/// (`kind, threshold_min, weight, unreachable_weight, mean_min, max_min, cells, communes,
/// secret`).
#[utoipa::path(
    get,
    path = "/api/layers/zones",
    tag = "layers",
    params(KindQuery),
    responses(
        (status = 200, description = "Zones blanches", body = FeatureCollectionDoc, content_type = "application/geo+json"),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn zones_layer(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KindQuery>,
) -> Result<Response, ApiError> {
    let (kind, t) = q.checked(&st)?;
    st.coverage_doc(&kind, t, Doc::Zones).await.map(geojson)
}

/// The communes (MultiPolygon or null) with the properties of the commune table.
#[utoipa::path(
    get,
    path = "/api/layers/communes",
    tag = "layers",
    params(KindQuery),
    responses(
        (status = 200, description = "Communes", body = FeatureCollectionDoc, content_type = "application/geo+json"),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn communes_layer(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KindQuery>,
) -> Result<Response, ApiError> {
    let (kind, t) = q.checked(&st)?;
    st.coverage_doc(&kind, t, Doc::CommunesLayer)
        .await
        .map(geojson)
}

/// `?site=ID&minutes=15,30,45`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct IsochroneQuery {
    /// A site id.
    site: String,
    /// Comma-separated whole minutes, each 1-240, at most 8 values; default `15,30,45`.
    minutes: Option<String>,
}

fn parse_minutes(text: Option<&str>) -> Result<Vec<u32>, ApiError> {
    let Some(text) = text else {
        return Ok(vec![45, 30, 15]);
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let m: u32 = part.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "minutes: `{part}` is not a whole number of minutes (e.g. minutes=15,30,45)"
            ))
            .with_code(ErrorCode::BadMinutes)
        })?;
        if !(1..=240).contains(&m) {
            return Err(
                ApiError::bad_request(format!("minutes: {m} is outside 1-240"))
                    .with_code(ErrorCode::BadMinutes),
            );
        }
        out.push(m);
    }
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    if out.len() > MAX_ISOCHRONES {
        return Err(ApiError::bad_request(format!(
            "minutes: {} values, at most {MAX_ISOCHRONES}",
            out.len()
        ))
        .with_code(ErrorCode::BadMinutes));
    }
    Ok(out)
}

/// Isochrones of a site: where one can drive from to reach it within each time (200 m
/// EPSG:3035 cells holding a reached road point, dissolved); one MultiPolygon per value
/// (`minutes`, `cells`, `site`), largest first.
#[utoipa::path(
    get,
    path = "/api/layers/isochrones",
    tag = "layers",
    params(IsochroneQuery),
    responses(
        (status = 200, description = "One feature per minute value", body = FeatureCollectionDoc, content_type = "application/geo+json"),
        (status = 400, description = "Bad minutes, or the site is off the road network", body = ErrorBody),
        (status = 404, description = "Unknown site", body = ErrorBody)
    )
)]
async fn isochrones(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<IsochroneQuery>,
) -> Result<Response, ApiError> {
    let minutes = parse_minutes(q.minutes.as_deref())?;
    let study = st.study();
    let site = study
        .sites
        .iter()
        .position(|s| s.id == q.site)
        .ok_or_else(|| {
            ApiError::not_found(format!("no site with id `{}`", q.site))
                .with_code(ErrorCode::UnknownSite)
        })?;
    let snap = study.site_snaps[site].map_err(|why| {
        ApiError::bad_request(format!("site `{}` is off the road network: {why}", q.site))
            .with_code(ErrorCode::SiteOffNetwork)
    })?;
    st.blocking(move |st| json_bytes(&layers::isochrones(st.study(), site, snap, &minutes)))
        .await
        .map(geojson)
}

/// The road network for the basemap: one LineString per link with its `class` (the OSM
/// `highway` value), coordinates to 5 decimals.
#[utoipa::path(
    get,
    path = "/api/layers/roads",
    tag = "layers",
    responses((status = 200, description = "Roads", body = FeatureCollectionDoc, content_type = "application/geo+json"))
)]
async fn roads_layer(State(st): State<AppState>) -> Result<Response, ApiError> {
    st.roads(false).await.map(geojson)
}

/// `?kind=K&before=B`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct WhatIfQuery {
    /// Only this kind in the answer (a kind of the study or one the scenario adds); default
    /// every kind.
    kind: Option<String>,
    /// What the scenario is compared with: `study` (default), the study as loaded, its sites at
    /// its thresholds; `thresholds`, the study's sites at the scenario's thresholds, so that the
    /// diff shows what the sites change (as the map does at its threshold).
    #[param(inline)]
    before: Option<BeforeParam>,
}

/// What a what-if is compared with.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum BeforeParam {
    Study,
    Thresholds,
}

/// Runs a scenario (sites added, moved, closed; thresholds changed) against the study:
/// incremental, nothing saved.
#[utoipa::path(
    post,
    path = "/api/whatif",
    tag = "what-if",
    params(WhatIfQuery),
    request_body(content = ScenarioDoc, content_type = "application/json"),
    responses(
        (status = 200, description = "The diff, the units changing state, the zones after", body = WhatIfResponse),
        (status = 400, description = "Malformed scenario, unknown site, coordinates out of range or off the road network, threshold outside 1-240 min", body = ErrorBody),
        (status = 404, description = "`kind` is neither a kind of the study nor one the scenario adds", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody)
    )
)]
async fn whatif(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<WhatIfQuery>,
    ApiJson(sc): ApiJson<Scenario>,
) -> Result<Response, ApiError> {
    if let Some(kind) = &q.kind
        && !sc.add.iter().any(|a| &a.kind == kind)
    {
        st.check_kind(kind)?;
    }
    let before = match q.before {
        None | Some(BeforeParam::Study) => Before::Study,
        Some(BeforeParam::Thresholds) => Before::ScenarioThresholds,
    };
    st.blocking(move |st| {
        sites_on_network(st, &sc)?;
        Ok::<_, ApiError>(st.whatif(&sc, q.kind.as_deref(), before)?)
    })
    .await?
    .map(json)
}

/// A site the scenario adds or moves farther than the snapping limit from every road, as its
/// own error code (`site_off_network`; the engine refuses it too, with a message only).
/// Coordinates out of range are left to the engine's check.
fn sites_on_network(st: &AppState, sc: &Scenario) -> Result<(), ApiError> {
    let study = st.study();
    let added = sc
        .add
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("add[{i}] `{}`", a.id), a.lon, a.lat));
    let moved = sc
        .moves
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("move[{i}] `{}`", m.id), m.lon, m.lat));
    for (what, lon, lat) in added.chain(moved) {
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            continue;
        }
        if let Err(why) = study.index.snap(&study.graph, lon, lat, study.max_snap_m) {
            return Err(ApiError::bad_request(format!(
                "{what} at ({lon}, {lat}) is off the road network: {why}"
            ))
            .with_code(ErrorCode::SiteOffNetwork));
        }
    }
    Ok(())
}

/// The best places for `k` new sites of a kind among the mairies of the study's communes.
#[utoipa::path(
    post,
    path = "/api/recommend",
    tag = "what-if",
    request_body(content = RecommendRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The picks", body = RecommendResponse),
        (status = 400, description = "k outside 1-50, threshold outside 1-240 min, no candidates", body = ErrorBody),
        (status = 404, description = "Unknown kind", body = ErrorBody)
    )
)]
async fn recommend(
    State(st): State<AppState>,
    ApiJson(r): ApiJson<RecommendRequest>,
) -> Result<Response, ApiError> {
    st.check_kind(&r.kind)?;
    if !(1..=MAX_K).contains(&r.k) {
        return Err(ApiError::bad_request(format!(
            "k = {}: the number of sites to pick is between 1 and {MAX_K}",
            r.k
        ))
        .with_code(ErrorCode::KOutOfRange));
    }
    let threshold = st.threshold(&r.kind, r.threshold_min)?;
    if st.candidates().is_empty() {
        return Err(ApiError::bad_request(
            "this study has no candidate places (mairies come with a communes population source)",
        )
        .with_code(ErrorCode::NoCandidates));
    }
    let objective = match r.objective {
        ObjectiveDoc::Cover => Objective::Cover,
        ObjectiveDoc::Worst => Objective::Worst,
    };
    st.blocking(move |st| {
        let study = st.study();
        let rec = pick(study, &r.kind, r.k, st.candidates(), objective, threshold)?;
        let picks = serde_json::to_value(picks_geojson(study, &rec))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok::<_, ApiError>(json_bytes(&RecommendResponse {
            picks,
            kind: rec.kind.clone(),
            objective: r.objective,
            threshold_min: threshold,
            candidates: st.candidates().len(),
            skipped: rec
                .skipped
                .iter()
                .map(|s| SkippedDoc {
                    id: s.id.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
        }))
    })
    .await?
    .map(json)
}

/// The saved scenarios, by name.
#[utoipa::path(
    get,
    path = "/api/scenarios",
    tag = "scenarios",
    responses(
        (status = 200, description = "Saved scenarios", body = Vec<ScenarioListItemDoc>),
        (status = 503, description = "No scenario database", body = ErrorBody)
    )
)]
async fn list_scenarios(State(st): State<AppState>) -> Result<Response, ApiError> {
    st.store()?;
    st.blocking(|st| {
        let store = st
            .store()?
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        Ok::<_, ApiError>(json_bytes(&store.list()?))
    })
    .await?
    .map(json)
}

/// A saved scenario.
#[utoipa::path(
    get,
    path = "/api/scenarios/{name}",
    tag = "scenarios",
    params(("name" = String, Path, description = "The scenario's name")),
    responses(
        (status = 200, description = "The scenario, its diff summary and provenance", body = SavedScenarioDoc),
        (status = 404, description = "No such scenario", body = ErrorBody)
    )
)]
async fn get_scenario(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    st.store()?;
    st.blocking(move |st| {
        let store = st
            .store()?
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        match store.get(&name)? {
            Some(s) => Ok(json_bytes(&s)),
            None => Err(
                ApiError::not_found(format!("no saved scenario named `{name}`"))
                    .with_code(ErrorCode::ScenarioNotFound),
            ),
        }
    })
    .await?
    .map(json)
}

/// Runs a scenario and saves it (replacing one of the same name) with its diff summary and
/// provenance.
#[utoipa::path(
    post,
    path = "/api/scenarios",
    tag = "scenarios",
    request_body(content = ScenarioDoc, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved", body = SavedResponse),
        (status = 400, description = "Invalid scenario or name", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody)
    )
)]
async fn save_scenario(
    State(st): State<AppState>,
    headers: HeaderMap,
    ApiJson(sc): ApiJson<Scenario>,
) -> Result<Response, ApiError> {
    require_token(st.token(), &headers)?;
    st.store()?;
    let saved = st
        .blocking(move |st| {
            sites_on_network(st, &sc)?;
            let study = st.study();
            let w = st.baseline().apply(study, &sc)?;
            let provenance = serde_json::to_value(&study.provenance)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let saved = SavedScenario::new(
                &sc.name,
                sc.clone(),
                diff_json(&PublishedWhatIf::with_protections(
                    study,
                    &w,
                    st.publisher().protections(),
                )),
                provenance,
                Some(st.study_label().to_string()),
            );
            st.store()?
                .lock()
                .map_err(|_| ApiError::internal("store lock poisoned"))?
                .save(&saved)?;
            Ok::<_, ApiError>(saved)
        })
        .await??;
    let location = format!("/api/scenarios/{}", encode_path_segment(&saved.name));
    let mut res = (
        StatusCode::CREATED,
        json(json_bytes(&SavedResponse {
            name: saved.name,
            saved_at: saved.saved_at,
            location: location.clone(),
        })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Deletes a saved scenario.
#[utoipa::path(
    delete,
    path = "/api/scenarios/{name}",
    tag = "scenarios",
    params(("name" = String, Path, description = "The scenario's name")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "No such scenario", body = ErrorBody)
    )
)]
async fn delete_scenario(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_token(st.token(), &headers)?;
    st.store()?;
    st.blocking(move |st| {
        let deleted = st
            .store()?
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?
            .delete(&name)?;
        if deleted {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(
                ApiError::not_found(format!("no saved scenario named `{name}`"))
                    .with_code(ErrorCode::ScenarioNotFound),
            )
        }
    })
    .await?
}

/// Percent-encodes what is not unreserved (RFC 3986) in a path segment.
fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The files of `GET /api/export/{file}`.
pub const EXPORT_FILES: [&str; 6] = [
    "sites.geojson",
    "demand.geojson",
    "zones.geojson",
    "communes.geojson",
    "roads.geojson",
    "communes.csv",
];

/// A name safe in a `Content-Disposition` header and a file system.
fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Minutes in a file name: `30`, `22.5`.
fn minutes_part(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{t:.0}")
    } else {
        format!("{t}")
    }
}

/// A layer as a download, in the CLI's layout (keys sorted, properties suffixed with the kind,
/// 6-decimal coordinates except roads), with
/// `Content-Disposition: attachment; filename="zoneblanche_<layer>_<kind>_<T>min.<ext>"`
/// (`zoneblanche_sites[_<kind>].geojson` and `zoneblanche_roads.geojson` have no threshold).
#[utoipa::path(
    get,
    path = "/api/export/{file}",
    tag = "export",
    params(
        ("file" = String, Path, description = "One of sites.geojson, demand.geojson, zones.geojson, communes.geojson, roads.geojson, communes.csv"),
        KindQuery
    ),
    responses(
        (status = 200, description = "The file, as an attachment"),
        (status = 400, description = "Missing kind, bad threshold", body = ErrorBody),
        (status = 404, description = "Unknown file or kind", body = ErrorBody)
    )
)]
async fn export(
    State(st): State<AppState>,
    Path(file): Path<String>,
    ApiQuery(q): ApiQuery<KindQuery>,
) -> Result<Response, ApiError> {
    let (layer, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    if !EXPORT_FILES.contains(&file.as_str()) {
        return Err(ApiError::not_found(format!(
            "no export `{file}`: the files are {}",
            EXPORT_FILES.join(", ")
        ))
        .with_code(ErrorCode::UnknownExport));
    }
    let (name, body, content_type) = match layer {
        "roads" => (
            "zoneblanche_roads.geojson".to_string(),
            st.roads(true).await?,
            "application/geo+json",
        ),
        "sites" => {
            let mut fc = zb_publish::coverage::sites_geojson(st.study());
            if let Some(k) = &q.kind {
                st.check_kind(k)?;
                fc.features.retain(|f| {
                    f.property("kind").and_then(serde_json::Value::as_str) == Some(k.as_str())
                });
            }
            let body = Bytes::from(zb_writers::to_bytes(&fc));
            let name = match &q.kind {
                Some(k) => format!("zoneblanche_sites_{}.geojson", file_part(k)),
                None => "zoneblanche_sites.geojson".into(),
            };
            (name, body, "application/geo+json")
        }
        _ => {
            let (kind, t) = q.checked(&st)?;
            let (doc, content_type) = match file.as_str() {
                "demand.geojson" => (Doc::DemandExport, "application/geo+json"),
                "zones.geojson" => (Doc::Zones, "application/geo+json"),
                "communes.geojson" => (Doc::CommunesExport, "application/geo+json"),
                _ => (Doc::CommunesCsv, "text/csv; charset=utf-8"),
            };
            let mut body = st.coverage_doc(&kind, t, doc).await?;
            if doc == Doc::Zones {
                // The layer is compact JSON; the download has the CLI's layout.
                let v: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|e| ApiError::internal(e.to_string()))?;
                body = Bytes::from(zb_writers::to_bytes(&v));
            }
            let name = format!(
                "zoneblanche_{layer}_{}_{}min.{ext}",
                file_part(&kind),
                minutes_part(t)
            );
            (name, body, content_type)
        }
    };
    let mut res = with_type(body, content_type);
    let disposition = format!("attachment; filename=\"{name}\"");
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_lists_are_checked() {
        assert_eq!(parse_minutes(None).unwrap(), vec![45, 30, 15]);
        assert_eq!(parse_minutes(Some("10, 5,10")).unwrap(), vec![10, 5]);
        assert!(parse_minutes(Some("0")).is_err());
        assert!(parse_minutes(Some("241")).is_err());
        assert!(parse_minutes(Some("ten")).is_err());
        assert!(parse_minutes(Some("")).is_err());
        assert!(parse_minutes(Some("1,2,3,4,5,6,7,8,9")).is_err());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_part("espace_rencontre"), "espace_rencontre");
        assert_eq!(file_part("a\"b/c d"), "a_b_c_d");
        assert_eq!(minutes_part(30.0), "30");
        assert_eq!(minutes_part(22.5), "22.5");
        assert_eq!(
            encode_path_segment("Antenne à Mende"),
            "Antenne%20%C3%A0%20Mende"
        );
    }
}
