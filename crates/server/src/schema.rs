//! The JSON shapes of the API, for the OpenAPI document. Most are what the handlers serialise;
//! the `*Doc` ones describe documents built by `zb_coverage` (exports, scenarios), and the tests
//! check that their properties are the real ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `GET /api/territory`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Territory {
    /// The study's name.
    pub name: Option<String>,
    /// True when some input is made up (demo, tests): say so on the map.
    pub synthetic: bool,
    /// What the weights count (`people`, `households`...).
    pub counts: String,
    /// `[minlon, minlat, maxlon, maxlat]` of the road network, WGS84; empty without roads.
    pub extent: Vec<f64>,
    pub network: NetworkSize,
    /// Total weight of the demand units (one decimal); `null` when secret (1 to 10).
    pub population: Option<f64>,
    pub population_secret: bool,
    /// Number of demand units (commune pieces on roads, grid cells or points).
    pub demand_units: usize,
    /// Number of communes the study reports on.
    pub communes: usize,
    /// Kinds of site, sorted, with their sites and default thresholds.
    pub kinds: Vec<KindInfo>,
    /// The study's default travel threshold, minutes.
    pub default_threshold_min: f64,
    /// The snapping limit, metres: a demand unit or site farther than this from every road is
    /// off the road network (reason `off_network`).
    pub max_snap_m: f64,
    /// Candidate places of `POST /api/recommend` on the road network (the mairies of the
    /// study's communes): the most sites it can pick.
    pub recommend_candidates: usize,
    /// Inputs left out or doubtful, with counts (small weights redacted).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Value,
    /// `min_count` and method of the statistical secrecy.
    #[schema(value_type = Object)]
    pub secrecy: Value,
    /// Input files with SHA-256, software version, profile, time.
    #[schema(value_type = Object)]
    pub provenance: Value,
}

/// Size of the road network.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NetworkSize {
    pub junctions: usize,
    pub links: usize,
    /// Length of the links, km (one decimal).
    pub km: f64,
    /// The car profile the graph was built with.
    pub profile: String,
}

/// One kind of site of the study.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KindInfo {
    pub kind: String,
    pub sites: usize,
    /// Sites within the snapping distance of a road.
    pub sites_on_network: usize,
    /// The study's travel threshold for this kind, minutes.
    pub threshold_min: f64,
    /// The study's waiting threshold for this kind, days.
    pub waiting_threshold_days: Option<f64>,
}

/// `GET /api/coverage`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoverageResponse {
    pub kind: String,
    pub threshold_min: f64,
    pub waiting_threshold_days: Option<f64>,
    pub counts: String,
    pub synthetic: bool,
    #[schema(value_type = CoverageSummaryDoc)]
    pub summary: Value,
    /// One row per commune, sorted by code (units without a commune first, code `null`).
    #[schema(value_type = Vec<CommuneRowDoc>)]
    pub communes: Value,
    /// The secrecy rule and how many counts it suppressed.
    #[schema(value_type = Object)]
    pub secrecy: Value,
}

/// The whole territory for one kind and threshold. Counts of people or households strictly
/// between 0 and the secrecy minimum are `null`, with `secret: true`.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct CoverageSummaryDoc {
    pub total_weight: Option<f64>,
    pub within_weight: Option<f64>,
    pub beyond_weight: Option<f64>,
    pub unreachable_weight: Option<f64>,
    /// The unreachable weight farther than `max_snap_m` from every road; shown or `null`
    /// together with `unreachable_no_road_link`.
    pub unreachable_off_network: Option<f64>,
    /// The unreachable weight on a road from which no site of the kind can be driven to (an
    /// island without a ferry, an isolated network).
    pub unreachable_no_road_link: Option<f64>,
    /// The weight whose trip to the nearest site takes a ferry.
    pub weight_via_ferry: Option<f64>,
    /// within / total, 4 decimals.
    pub within_share: Option<f64>,
    /// Weighted median of minutes over reachable weight.
    pub median_min: Option<f64>,
    pub p90_min: Option<f64>,
    pub mean_waiting_days: Option<f64>,
    /// The reachable weight per time band (the study's `[bands]`, by default 0-15, 15-30,
    /// 30-45, 45-60 and 60 minutes or more).
    pub bands: Vec<BandDoc>,
    pub secret: bool,
    /// Sites of the kind, and how many are on the network.
    pub sites: usize,
    pub sites_on_network: usize,
    /// Number of zones blanches.
    pub zones: usize,
}

/// One time band of a summary.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct BandDoc {
    pub from_min: f64,
    /// `null` for the last band (from `from_min` on).
    pub to_min: Option<f64>,
    /// The reachable weight whose minutes lie in [from_min, to_min).
    pub weight: Option<f64>,
}

/// A commune's row (also the properties of the communes layer).
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct CommuneRowDoc {
    /// INSEE code (a string: `06012`, `2A004`).
    pub code_insee: Option<String>,
    pub nom: Option<String>,
    pub total: Option<f64>,
    /// The total is the published census figure (exempt from secrecy).
    pub total_published: bool,
    pub total_secret: bool,
    pub within: Option<f64>,
    pub beyond: Option<f64>,
    pub unreachable: Option<f64>,
    /// `unreachable` split by reason (both shown or both `null`): farther than `max_snap_m`
    /// from every road, and on a road with no road link to a site.
    pub unreachable_off_network: Option<f64>,
    pub unreachable_no_road_link: Option<f64>,
    /// The weight whose trip to the nearest site takes a ferry.
    pub weight_via_ferry: Option<f64>,
    pub within_share: Option<f64>,
    pub median_min: Option<f64>,
    pub p90_min: Option<f64>,
    pub mean_waiting_days: Option<f64>,
    /// The reachable weight per time band: these names with the default `[bands]`
    /// (`band_A_B`: from A to B minutes; `band_A_plus`: A minutes or more).
    pub band_0_15: Option<f64>,
    pub band_15_30: Option<f64>,
    pub band_30_45: Option<f64>,
    pub band_45_60: Option<f64>,
    pub band_60_plus: Option<f64>,
    pub secret: bool,
}

/// A GeoJSON FeatureCollection (RFC 7946, WGS84). Collections made from exports carry the
/// foreign members `provenance`, `counts` and `synthetic`.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct FeatureCollectionDoc {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = Vec<Object>)]
    pub features: Vec<Value>,
}

/// A what-if scenario (the fields of a scenario file, as JSON).
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct ScenarioDoc {
    pub name: String,
    pub description: Option<String>,
    pub add: Option<Vec<AddSiteDoc>>,
    #[serde(rename = "move")]
    pub moves: Option<Vec<MoveSiteDoc>>,
    pub close: Option<Vec<CloseSiteDoc>>,
    /// Threshold changes: `<kind>_min` (1-240), `<kind>_waiting_days`, `default_min`.
    pub thresholds: Option<BTreeMap<String, f64>>,
}

/// A new site (WGS84; snapped onto the nearest road within the study's limit).
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct AddSiteDoc {
    pub id: String,
    pub kind: String,
    /// -180 to 180.
    pub lon: f64,
    /// -90 to 90.
    pub lat: f64,
    pub name: Option<String>,
    pub capacity: Option<f64>,
    pub waiting_days: Option<f64>,
    pub opening: Option<f64>,
}

/// An existing site at a new position.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct MoveSiteDoc {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
}

/// An existing site closed.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct CloseSiteDoc {
    pub id: String,
}

/// `POST /api/whatif`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhatIfResponse {
    /// Per kind: overall, commune and group rows before/after (counts protected), units
    /// changing state, zones before/after.
    #[schema(value_type = Object)]
    pub diff: Value,
    /// The demand units that change state, with minutes, site and reason (`reason_before`,
    /// `reason_after`: `off_network`, `no_road_link` or `null`) before and after.
    #[schema(value_type = FeatureCollectionDoc)]
    pub changed: Value,
    /// The zones blanches after the scenario, of every kind (or of `?kind=`).
    #[schema(value_type = FeatureCollectionDoc)]
    pub zones_after: Value,
}

/// What `recommend` optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveDoc {
    /// The most weight brought within the threshold (maximal covering).
    #[default]
    Cover,
    /// The lowest worst travel time over the weight.
    Worst,
}

/// `POST /api/recommend`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendRequest {
    /// A kind of the study.
    pub kind: String,
    /// How many sites to pick, 1-50.
    pub k: usize,
    /// Default `cover`.
    #[serde(default)]
    pub objective: ObjectiveDoc,
    /// Travel threshold, 1-240 minutes; default the study's for the kind.
    #[serde(default)]
    pub threshold_min: Option<f64>,
}

/// A candidate left out (off the road network).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkippedDoc {
    pub id: String,
    pub reason: String,
}

/// The answer of `POST /api/recommend`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecommendResponse {
    /// Points in the order chosen: `rank, id, label, kind, gain_weight,
    /// cumulative_within_weight, cumulative_within_share, worst_min_after, secret`.
    #[schema(value_type = FeatureCollectionDoc)]
    pub picks: Value,
    pub kind: String,
    pub objective: ObjectiveDoc,
    pub threshold_min: f64,
    /// Candidates considered (the mairies of the study's communes).
    pub candidates: usize,
    pub skipped: Vec<SkippedDoc>,
}

/// One saved scenario in `GET /api/scenarios`.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct ScenarioListItemDoc {
    pub name: String,
    /// RFC 3339 UTC.
    pub saved_at: String,
    pub study: Option<String>,
    pub description: Option<String>,
}

/// A saved scenario: its inputs, the diff summary of its results and their provenance.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
pub struct SavedScenarioDoc {
    pub name: String,
    pub scenario: ScenarioDoc,
    /// The `diff` of `POST /api/whatif` when it was saved.
    #[schema(value_type = Object)]
    pub summary: Value,
    #[schema(value_type = Object)]
    pub provenance: Value,
    pub study: Option<String>,
    pub saved_at: String,
}

/// The answer of `POST /api/scenarios`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SavedResponse {
    pub name: String,
    pub saved_at: String,
    /// Where to read it back.
    pub location: String,
}
