//! The shared state: the study (loaded once), the what-if baseline (built once, read-only), the
//! documents that never change (territory, sites, roads), a bounded cache of coverage results
//! per (kind, threshold), the scenario store, and the CPU work pool.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::Semaphore;
use zb_coverage::{Coverage, CoverageError, Study};
use zb_publish::coverage::sites_geojson;
use zb_publish::{Exports, WhatIfPublisher, published_population};
use zb_store::ScenarioBackend;
use zb_whatif::recommend::{
    Candidate, MAX_THRESHOLD_MIN, MIN_THRESHOLD_MIN, candidates_from_mairies, snap_candidates,
};
use zb_whatif::{Baseline, Before, Scenario};
use zb_writers::{round_to, to_bytes};

use crate::error::{ApiError, ErrorCode};
use crate::layers;
use crate::schema::{CoverageResponse, KindInfo, NetworkSize, Territory};

/// Default per-request time limit.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default largest request body (256 KiB).
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 256 * 1024;
/// Default number of (kind, threshold) coverage results kept.
pub const DEFAULT_COVERAGE_CACHE: usize = 16;

/// How the server runs. `Options::default()` is: no token, no scenario store, 10 s per request,
/// 256 KiB bodies, 16 cached coverage results, CPU work on as many threads as cores.
#[derive(Debug)]
pub struct Options {
    /// The bearer token the writing endpoints (save, delete a scenario) require. Default
    /// `None`: anyone who reaches the server may write (bind it to loopback).
    pub token: Option<String>,
    /// Where scenarios are saved (`zb_store::ScenarioStore`, or another backend). Default
    /// `None`: the scenario endpoints answer 503.
    pub store: Option<Box<dyn ScenarioBackend>>,
    /// The study's name saved with each scenario. Default: the study's `name`, else `study`.
    pub study_label: Option<String>,
    /// Per-request time limit (503 past it). Default [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// Largest request body (413 past it). Default [`DEFAULT_BODY_LIMIT_BYTES`].
    pub body_limit_bytes: usize,
    /// Coverage results kept, oldest dropped first. Default [`DEFAULT_COVERAGE_CACHE`].
    pub coverage_cache: usize,
    /// Requests computing at once (the others wait). Default: the number of cores.
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            store: None,
            study_label: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            coverage_cache: DEFAULT_COVERAGE_CACHE,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// The documents derived from one coverage result, each built on first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    /// `/api/coverage`: the summary and the commune table.
    Summary,
    /// Layers: properties named without the kind.
    DemandLayer,
    CommunesLayer,
    /// The zones blanches (layer and export are the same document).
    Zones,
    /// Exports: the CLI's format (properties suffixed with the kind, keys sorted).
    DemandExport,
    CommunesExport,
    CommunesCsv,
}

const DOCS: usize = 7;

impl Doc {
    fn index(self) -> usize {
        self as usize
    }
}

/// One kind's coverage at one threshold, and its documents.
pub struct CoverageEntry {
    pub kind: String,
    pub threshold_min: f64,
    coverage: Coverage,
    docs: [OnceLock<Bytes>; DOCS],
}

type Slot = Arc<OnceLock<Arc<CoverageEntry>>>;

/// A bounded map, oldest entry dropped first.
struct CoverageCache {
    map: HashMap<(String, u64), Slot>,
    order: VecDeque<(String, u64)>,
    capacity: usize,
}

impl CoverageCache {
    fn slot(&mut self, kind: &str, threshold_min: f64) -> Slot {
        let key = (kind.to_string(), threshold_min.to_bits());
        if let Some(s) = self.map.get(&key) {
            return s.clone();
        }
        while self.map.len() >= self.capacity.max(1) {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        let s = Slot::default();
        self.map.insert(key.clone(), s.clone());
        self.order.push_back(key);
        s
    }
}

struct Inner {
    study: Arc<Study>,
    baseline: Baseline,
    /// The what-if answers' publication: the baseline protected, its zones laid out.
    publisher: WhatIfPublisher,
    kinds: Vec<String>,
    candidates: Vec<Candidate>,
    territory: Bytes,
    /// `None`: every site; else one kind's.
    sites: HashMap<Option<String>, Bytes>,
    roads: OnceLock<Bytes>,
    roads_export: OnceLock<Bytes>,
    coverage: Mutex<CoverageCache>,
    store: Option<Mutex<Box<dyn ScenarioBackend>>>,
    token: Option<String>,
    study_label: String,
    request_timeout: Duration,
    body_limit_bytes: usize,
    workers: Arc<Semaphore>,
}

/// The state every handler shares: cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// Builds the state of a loaded study: the what-if baseline (one evaluation per kind), the
    /// territory and sites documents. CPU-bound: call it before serving, or off the async
    /// workers.
    pub fn new(study: impl Into<Arc<Study>>, options: Options) -> AppState {
        let study: Arc<Study> = study.into();
        let baseline = Baseline::new(&study);
        let publisher = WhatIfPublisher::new(&study, &baseline);
        let kinds = study.kinds();
        let candidates = candidates_from_mairies(&study);
        let on_network = snap_candidates(&study, &candidates)
            .iter()
            .filter(|s| s.is_ok())
            .count();
        let territory = json_bytes(&territory_json(&study, on_network));
        let all_sites = sites_geojson(&study);
        let mut sites = HashMap::new();
        sites.insert(None, json_bytes(&all_sites));
        for k in &kinds {
            let mut fc = all_sites.clone();
            fc.features
                .retain(|f| f.property("kind").and_then(Value::as_str) == Some(k.as_str()));
            sites.insert(Some(k.clone()), json_bytes(&fc));
        }
        let study_label = options
            .study_label
            .clone()
            .or_else(|| study.name.clone())
            .unwrap_or_else(|| "study".into());
        AppState(Arc::new(Inner {
            candidates,
            baseline,
            publisher,
            kinds,
            territory,
            sites,
            roads: OnceLock::new(),
            roads_export: OnceLock::new(),
            coverage: Mutex::new(CoverageCache {
                map: HashMap::new(),
                order: VecDeque::new(),
                capacity: options.coverage_cache,
            }),
            store: options.store.map(Mutex::new),
            token: options.token,
            study_label,
            request_timeout: options.request_timeout,
            body_limit_bytes: options.body_limit_bytes,
            workers: Arc::new(Semaphore::new(options.workers.max(1))),
            study,
        }))
    }

    pub fn study(&self) -> &Study {
        &self.0.study
    }

    pub fn baseline(&self) -> &Baseline {
        &self.0.baseline
    }

    /// Applies a scenario and writes the response of `POST /api/whatif`: `{diff, changed,
    /// zones_after}` ([`WhatIfPublisher::answer`]), of one kind when `kind` is given.
    pub fn whatif(
        &self,
        scenario: &Scenario,
        kind: Option<&str>,
        before: Before,
    ) -> Result<Bytes, CoverageError> {
        let study = &*self.0.study;
        let w = self.0.baseline.apply_with(study, scenario, before)?;
        let keep = |k: &str| kind.is_none_or(|x| x == k);
        Ok(Bytes::from(self.0.publisher.answer(study, &w, keep)))
    }

    /// The what-if answers' publication (its protections serve `recommend`'s and exports too).
    pub fn publisher(&self) -> &WhatIfPublisher {
        &self.0.publisher
    }

    /// The kinds of site of the study, sorted.
    pub fn kinds(&self) -> &[String] {
        &self.0.kinds
    }

    /// Candidate places for `recommend`: the mairies of the study's communes.
    pub fn candidates(&self) -> &[Candidate] {
        &self.0.candidates
    }

    pub fn token(&self) -> Option<&str> {
        self.0.token.as_deref()
    }

    pub fn study_label(&self) -> &str {
        &self.0.study_label
    }

    pub fn request_timeout(&self) -> Duration {
        self.0.request_timeout
    }

    pub fn body_limit_bytes(&self) -> usize {
        self.0.body_limit_bytes
    }

    pub(crate) fn territory(&self) -> Bytes {
        self.0.territory.clone()
    }

    /// The scenario store, or 503 when the server has none.
    pub(crate) fn store(&self) -> Result<&Mutex<Box<dyn ScenarioBackend>>, ApiError> {
        self.0.store.as_ref().ok_or_else(|| {
            ApiError::unavailable(
                ErrorCode::NoScenarioStore,
                "this server was started without a scenario database",
            )
        })
    }

    /// A kind of the study, or 404 listing the known ones.
    pub fn check_kind(&self, kind: &str) -> Result<(), ApiError> {
        if self.0.kinds.iter().any(|k| k == kind) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!(
                "unknown kind `{kind}`: this study's kinds are {}",
                self.0.kinds.join(", ")
            ))
            .with_code(ErrorCode::UnknownKind))
        }
    }

    /// The travel threshold asked for (1-240 minutes), or the study's for the kind.
    pub fn threshold(&self, kind: &str, asked: Option<f64>) -> Result<f64, ApiError> {
        match asked {
            None => Ok(self.0.study.thresholds.minutes(kind)),
            Some(t) if (MIN_THRESHOLD_MIN..=MAX_THRESHOLD_MIN).contains(&t) => Ok(t),
            Some(t) => Err(ApiError::bad_request(format!(
                "threshold_min = {t}: a travel threshold is between {MIN_THRESHOLD_MIN} and {MAX_THRESHOLD_MIN} minutes"
            ))
            .with_code(ErrorCode::ThresholdOutOfRange)),
        }
    }

    /// The sites of one kind (or all) as GeoJSON.
    pub(crate) fn sites(&self, kind: Option<&str>) -> Result<Bytes, ApiError> {
        if let Some(k) = kind {
            self.check_kind(k)?;
        }
        self.0
            .sites
            .get(&kind.map(str::to_string))
            .cloned()
            .ok_or_else(|| ApiError::internal("sites document missing"))
    }

    /// The road basemap, built once (`export`: the download's layout).
    pub(crate) async fn roads(&self, export: bool) -> Result<Bytes, ApiError> {
        let cell = if export {
            &self.0.roads_export
        } else {
            &self.0.roads
        };
        if let Some(b) = cell.get() {
            return Ok(b.clone());
        }
        self.blocking(move |st| {
            let cell = if export {
                &st.0.roads_export
            } else {
                &st.0.roads
            };
            cell.get_or_init(|| {
                let fc = layers::roads_geojson(&st.0.study.graph);
                if export {
                    Bytes::from(to_bytes(&fc))
                } else {
                    json_bytes(&fc)
                }
            })
            .clone()
        })
        .await
    }

    /// Runs CPU work on the blocking pool, at most `workers` at once.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> T + Send + 'static,
    {
        let permit = self
            .0
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(format!("worker pool closed: {e}")))?;
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&st)
        })
        .await
        .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))
    }

    /// The coverage of `kind` at `threshold_min` (checked by the caller), from the cache or
    /// computed once.
    async fn coverage_entry(
        &self,
        kind: &str,
        threshold_min: f64,
    ) -> Result<Arc<CoverageEntry>, ApiError> {
        let slot = self
            .0
            .coverage
            .lock()
            .map_err(|_| ApiError::internal("coverage cache lock poisoned"))?
            .slot(kind, threshold_min);
        if let Some(e) = slot.get() {
            return Ok(e.clone());
        }
        let kind = kind.to_string();
        self.blocking(move |st| {
            // Concurrent first requests wait here for the one computing.
            slot.get_or_init(|| {
                let study = &st.0.study;
                let kc =
                    study.evaluate_kind(&kind, threshold_min, study.thresholds.waiting_days(&kind));
                Arc::new(CoverageEntry {
                    kind,
                    threshold_min,
                    coverage: Coverage { kinds: vec![kc] },
                    docs: Default::default(),
                })
            })
            .clone()
        })
        .await
    }

    /// A document of the coverage of `kind` at `threshold_min`, built once per cached result.
    pub(crate) async fn coverage_doc(
        &self,
        kind: &str,
        threshold_min: f64,
        doc: Doc,
    ) -> Result<Bytes, ApiError> {
        let entry = self.coverage_entry(kind, threshold_min).await?;
        if let Some(b) = entry.docs[doc.index()].get() {
            return Ok(b.clone());
        }
        self.blocking(move |st| {
            entry.docs[doc.index()]
                .get_or_init(|| build_doc(&st.0.study, &entry, doc))
                .clone()
        })
        .await
    }
}

pub(crate) fn json_bytes(v: &impl serde::Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(v).expect("API documents serialise to JSON"))
}

fn build_doc(study: &Study, entry: &CoverageEntry, doc: Doc) -> Bytes {
    // One kind's coverage: secrecy is decided on its counts (see `Exports`).
    let ex = Exports::new(study, &entry.coverage);
    let kind = entry.kind.as_str();
    match doc {
        Doc::Summary => json_bytes(&coverage_json(study, &ex, entry)),
        Doc::DemandLayer => {
            let mut fc = ex.demand();
            layers::strip_kind_suffix(&mut fc, kind);
            json_bytes(&fc)
        }
        Doc::CommunesLayer => {
            let mut fc = ex.communes();
            layers::strip_kind_suffix(&mut fc, kind);
            json_bytes(&fc)
        }
        Doc::Zones => json_bytes(&ex.zones()),
        Doc::DemandExport => Bytes::from(to_bytes(&ex.demand())),
        Doc::CommunesExport => Bytes::from(to_bytes(&ex.communes())),
        Doc::CommunesCsv => Bytes::from(ex.communes_csv()),
    }
}

/// `/api/coverage`: the kind's line of `summary.json` and the commune table, counts protected.
fn coverage_json(study: &Study, ex: &Exports<'_>, entry: &CoverageEntry) -> CoverageResponse {
    let summary = ex.summary();
    let mut line = summary["kinds"][entry.kind.as_str()].clone();
    let waiting = line
        .as_object_mut()
        .and_then(|o| {
            o.remove("threshold_min");
            o.remove("waiting_threshold_days")
        })
        .unwrap_or(Value::Null);
    let mut communes = ex.communes();
    layers::strip_kind_suffix(&mut communes, &entry.kind);
    CoverageResponse {
        kind: entry.kind.clone(),
        threshold_min: entry.threshold_min,
        waiting_threshold_days: waiting.as_f64(),
        counts: study.counts.clone(),
        synthetic: study.provenance.synthetic,
        summary: line,
        communes: Value::Array(layers::properties(communes)),
        secrecy: summary["secrecy"].clone(),
    }
}

/// `/api/territory`.
/// The territory document; `candidates`: the candidate places of `recommend` on the network.
fn territory_json(study: &Study, candidates: usize) -> Territory {
    let g = &study.graph;
    let (mut minlon, mut minlat, mut maxlon, mut maxlat) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut km = 0.0;
    for l in 0..g.num_links() as u32 {
        km += g.link_length_m(l) / 1000.0;
        for c in g.link_shape(l) {
            minlon = minlon.min(c.lon());
            maxlon = maxlon.max(c.lon());
            minlat = minlat.min(c.lat());
            maxlat = maxlat.max(c.lat());
        }
    }
    let extent = if minlon <= maxlon {
        vec![
            round_to(minlon, 6),
            round_to(minlat, 6),
            round_to(maxlon, 6),
            round_to(maxlat, 6),
        ]
    } else {
        Vec::new()
    };
    // Warnings (small weights redacted), provenance and secrecy as `summary.json` words them.
    let summary = Exports::new(study, &Coverage { kinds: Vec::new() }).summary();
    let population = published_population(study);
    let kinds = study
        .kinds()
        .into_iter()
        .map(|k| {
            let (sites, on_network) = study
                .sites
                .iter()
                .zip(&study.site_snaps)
                .filter(|(s, _)| s.kind == k)
                .fold((0, 0), |(n, on), (_, snap)| {
                    (n + 1, on + usize::from(snap.is_ok()))
                });
            KindInfo {
                threshold_min: study.thresholds.minutes(&k),
                waiting_threshold_days: study.thresholds.waiting_days(&k),
                kind: k,
                sites,
                sites_on_network: on_network,
            }
        })
        .collect();
    Territory {
        name: study.name.clone(),
        synthetic: study.provenance.synthetic,
        counts: study.counts.clone(),
        extent,
        network: NetworkSize {
            junctions: g.num_vertices(),
            links: g.num_links(),
            km: round_to(km, 1),
            profile: g.profile_name().to_string(),
        },
        population,
        population_secret: population.is_none(),
        demand_units: study.units.len(),
        communes: study.communes.len(),
        kinds,
        default_threshold_min: study.thresholds.default_min,
        max_snap_m: study.max_snap_m,
        recommend_candidates: candidates,
        warnings: summary["warnings"].clone(),
        secrecy: summary["secrecy"].clone(),
        provenance: summary["provenance"].clone(),
    }
}
