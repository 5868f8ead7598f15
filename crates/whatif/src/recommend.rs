//! Best new sites: `k` places for new sites of one kind, chosen among candidates.
//!
//! * Candidates: the town halls of the study's communes ([`candidates_from_mairies`]), a CSV
//!   file ([`candidates_from_csv`]) or the centres of grid cells holding demand
//!   ([`candidates_from_grid`]). Each is snapped onto the roads like a site; those farther than
//!   the study's snapping limit are skipped, with the reason.
//! * [`Objective::Cover`] (maximal covering): each pick maximises the weight newly brought
//!   within the threshold. A candidate's catchment — the units not within the threshold today
//!   that it would serve within it — comes from one backward search bounded at the threshold
//!   (candidates in parallel); then a lazy greedy (CELF) picks. Covered weight is submodular, so
//!   the greedy total is at least (1 − 1/e) of the best `k` candidates could bring.
//! * [`Objective::Worst`] (p-center style): each pick minimises the worst travel time over the
//!   weight. Greedy, without a guarantee; each step's searches are bounded by the best worst
//!   time found so far, which prunes candidates that cannot win.
//!
//! ```no_run
//! use zb_whatif::recommend::{Objective, candidates_from_mairies, recommend};
//! let study = zb_coverage::load_study("data/monaco/study.toml".as_ref()).unwrap();
//! let candidates = candidates_from_mairies(&study);
//! let r = recommend(&study, "mediation", 2, &candidates, Objective::Cover, 4.0).unwrap();
//! for p in &r.picks {
//!     println!("{} {} +{:.0} ({:.1}%)", p.rank, p.candidate.id, p.gain_weight, 100.0 * p.cumulative_within_share);
//! }
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use zb_routing::{
    BACKWARD, Direction, FORWARD, Graph, Scratch, SiteSeeds, Snap, Unsnapped, point_time,
};

use crate::whatif::UnitsByNode;
use zb_coverage::{CoverageError, Study};

/// Smallest travel threshold accepted, minutes.
pub const MIN_THRESHOLD_MIN: f64 = 1.0;
/// Largest travel threshold accepted, minutes.
pub const MAX_THRESHOLD_MIN: f64 = 240.0;

/// A place where a new site could open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Unique among the candidates of one run.
    pub id: String,
    /// A readable name (the commune's for a mairie), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
}

/// The town halls of the study's communes, in commune code order: id = the commune code,
/// label = its name. Only communes read from a communes source have one (none for grid or
/// point populations).
pub fn candidates_from_mairies(study: &Study) -> Vec<Candidate> {
    study
        .communes
        .iter()
        .filter_map(|c| {
            c.mairie.map(|(lon, lat)| Candidate {
                id: c.code.clone(),
                label: (!c.name.is_empty()).then(|| c.name.clone()),
                lon,
                lat,
            })
        })
        .collect()
}

/// Reads candidates from a CSV file (`,` or `;`, decimal commas in `;` files): columns
/// `id,lon,lat` (WGS84) required, `label` (or `name`) optional, other columns ignored; column
/// names match ignoring case. Errors name the file, the line and the field: empty or duplicate
/// ids, missing or non-numeric coordinates, longitudes outside [-180, 180], latitudes outside
/// [-90, 90], a file without any candidate.
pub fn candidates_from_csv(path: impl AsRef<Path>) -> Result<Vec<Candidate>, CoverageError> {
    let path = path.as_ref();
    // The sites reader already checks all of this with the messages users know; `kind` only
    // fills a field we drop.
    let sites = zb_places::read_sites_csv(path, Some("candidate")).map_err(|e| match e {
        zb_places::Error::Empty { path, .. } => CoverageError::Study {
            path,
            reason: "no candidate in file".into(),
        },
        e => CoverageError::Places(e),
    })?;
    Ok(sites
        .into_iter()
        .map(|s| {
            let label = s
                .extra
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("label"))
                .map(|(_, v)| v.trim().to_string())
                .or((s.name != s.id).then_some(s.name))
                .filter(|l| !l.is_empty());
            Candidate {
                id: s.id,
                label,
                lon: s.lon,
                lat: s.lat,
            }
        })
        .collect())
}

/// The centres of the cells of a regular EPSG:3035 grid of `cell_m` metres (aligned on
/// multiples of `cell_m`, like the INSEE grids) that hold demand weight, in cell order. The id
/// is the INSEE-style cell id (`CRS3035RES1000mN…E…`). `cell_m` = 0 is an error.
pub fn candidates_from_grid(study: &Study, cell_m: u32) -> Result<Vec<Candidate>, CoverageError> {
    if cell_m == 0 {
        return Err(CoverageError::Invalid(
            "the candidate grid's cell size must be at least 1 m".into(),
        ));
    }
    let mut cells = BTreeMap::new();
    for u in &study.units {
        if u.weight > 0.0 {
            let c = zb_places::crs::grid3035_cell_of_res(u.lon, u.lat, cell_m);
            cells.insert((c.northing, c.easting), c);
        }
    }
    Ok(cells
        .into_values()
        .map(|c| {
            let (e, n) = c.centre();
            let (lon, lat) = zb_places::crs::laea3035_inverse(e, n);
            Candidate {
                id: c.id(),
                label: None,
                lon,
                lat,
            }
        })
        .collect())
}

/// What the picks optimise. Default [`Objective::Cover`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Maximise the weight within the threshold (maximal covering).
    #[default]
    Cover,
    /// Minimise the worst travel time over the weight (p-center style).
    Worst,
}

impl Objective {
    /// `cover` or `worst`.
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Cover => "cover",
            Objective::Worst => "worst",
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Objective {
    type Err = CoverageError;

    /// `cover` or `worst`, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cover" => Ok(Objective::Cover),
            "worst" => Ok(Objective::Worst),
            _ => Err(CoverageError::Invalid(format!(
                "unknown objective `{s}` (expected `cover` or `worst`)"
            ))),
        }
    }
}

/// One chosen candidate, with what it brings once the earlier picks are open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    /// 1 for the first pick.
    pub rank: usize,
    pub candidate: Candidate,
    /// Weight newly within the threshold thanks to this pick (the marginal gain).
    pub gain_weight: f64,
    /// Weight within the threshold with the existing sites and the picks so far.
    pub cumulative_within_weight: f64,
    /// `cumulative_within_weight` / the study's total weight (0 when the total is 0).
    pub cumulative_within_share: f64,
    /// Worst travel time in minutes over the weight on the network, with the picks so far;
    /// `None` when some of it reaches no site (or there is no weight).
    pub worst_min_after: Option<f64>,
}

/// A candidate left out because it is off the road network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedCandidate {
    pub id: String,
    /// Why, e.g. `nearest road is 1500 m away, beyond the 1000 m snapping limit`.
    pub reason: String,
}

/// The answer of [`recommend`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub kind: String,
    pub threshold_min: f64,
    pub objective: Objective,
    /// Weight within the threshold with the existing sites only.
    pub base_within_weight: f64,
    /// Total weight of the study's demand units (on the network or not).
    pub total_weight: f64,
    /// Worst travel time in minutes with the existing sites only (see [`Pick::worst_min_after`]).
    pub base_worst_min: Option<f64>,
    /// In the order chosen.
    pub picks: Vec<Pick>,
    /// Candidates off the network, in input order.
    pub skipped: Vec<SkippedCandidate>,
}

/// Each candidate snapped onto the study's roads (in parallel): those that do not snap are left
/// out of [`recommend`].
pub fn snap_candidates(study: &Study, candidates: &[Candidate]) -> Vec<Result<Snap, Unsnapped>> {
    candidates
        .par_iter()
        .map(|c| {
            study
                .index
                .snap(&study.graph, c.lon, c.lat, study.max_snap_m)
        })
        .collect()
}

/// Picks `k` candidates for new sites of `kind` against a travel threshold (minutes), by the
/// given objective (see the module doc). A kind without any site yet is allowed: everybody
/// starts beyond the threshold or unreachable. Deterministic: ties go to the earlier candidate.
///
/// Errors ([`CoverageError::Invalid`]): empty kind, `k` = 0, a threshold outside
/// [`MIN_THRESHOLD_MIN`]–[`MAX_THRESHOLD_MIN`], duplicate candidate ids, `k` larger than the
/// number of candidates on the network.
pub fn recommend(
    study: &Study,
    kind: &str,
    k: usize,
    candidates: &[Candidate],
    objective: Objective,
    threshold_min: f64,
) -> Result<Recommendation, CoverageError> {
    let invalid = |m: String| Err(CoverageError::Invalid(m));
    if kind.trim().is_empty() {
        return invalid("the kind of site to recommend must not be empty".into());
    }
    if !(MIN_THRESHOLD_MIN..=MAX_THRESHOLD_MIN).contains(&threshold_min) {
        return invalid(format!(
            "threshold {threshold_min} min is outside {MIN_THRESHOLD_MIN}–{MAX_THRESHOLD_MIN} min"
        ));
    }
    if k == 0 {
        return invalid("k (the number of sites to pick) must be at least 1".into());
    }
    let mut seen = HashMap::with_capacity(candidates.len());
    for (i, c) in candidates.iter().enumerate() {
        if let Some(first) = seen.insert(c.id.as_str(), i) {
            return invalid(format!(
                "candidate id `{}` appears twice (candidates {} and {})",
                c.id,
                first + 1,
                i + 1
            ));
        }
    }

    let snapped = snap_candidates(study, candidates);
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for (i, (c, s)) in candidates.iter().zip(snapped).enumerate() {
        match s {
            Ok(s) => usable.push((i, s)),
            Err(e) => skipped.push(SkippedCandidate {
                id: c.id.clone(),
                reason: e.to_string(),
            }),
        }
    }
    if k > usable.len() {
        let off = match skipped.len() {
            0 => String::new(),
            1 => format!(
                " (1 more is farther than {} m from any road)",
                study.max_snap_m
            ),
            n => format!(
                " ({n} more are farther than {} m from any road)",
                study.max_snap_m
            ),
        };
        return invalid(format!(
            "k = {k} but only {} candidates are on the network{off}",
            usable.len()
        ));
    }
    let snaps: Vec<Snap> = usable.iter().map(|&(_, s)| s).collect();

    let mut state = State::base(study, kind, threshold_min);
    let base_within_weight = state.within_weight;
    let base_worst_min = state.worst_min();
    let order = match objective {
        Objective::Cover => {
            let eligible: Vec<bool> = (0..study.units.len())
                .map(|i| !state.within[i] && study.unit_snaps[i].is_ok())
                .collect();
            let catch = catchments(study, &snaps, &eligible, threshold_min);
            let weight: Vec<f64> = study.units.iter().map(|u| u.weight).collect();
            lazy_greedy(&catch, &weight, &state.within, k)
        }
        Objective::Worst => {
            // Each step depends on the previous picks; they are replayed below from the base
            // state to report them like the cover picks.
            let mut trial = state.clone();
            let mut picked = vec![false; snaps.len()];
            let mut order = Vec::with_capacity(k);
            for _ in 0..k {
                let costs = worst_costs(study, &snaps, &picked, &trial);
                let best = argmin(&costs).expect("k <= candidates on the network");
                picked[best] = true;
                trial.apply(study, &snaps[best], threshold_min);
                order.push(best);
            }
            order
        }
    };

    let total_weight = study.total_weight();
    let picks = order
        .iter()
        .enumerate()
        .map(|(r, &c)| {
            let gain_weight = state.apply(study, &snaps[c], threshold_min);
            Pick {
                rank: r + 1,
                candidate: candidates[usable[c].0].clone(),
                gain_weight,
                cumulative_within_weight: state.within_weight,
                cumulative_within_share: if total_weight > 0.0 {
                    state.within_weight / total_weight
                } else {
                    0.0
                },
                worst_min_after: state.worst_min(),
            }
        })
        .collect();
    Ok(Recommendation {
        kind: kind.to_string(),
        threshold_min,
        objective,
        base_within_weight,
        total_weight,
        base_worst_min,
        picks,
        skipped,
    })
}

/// Whether a time in ms is within a threshold in minutes, exactly as [`Study::unit_result`]
/// decides it.
fn within(ms: f64, threshold_min: f64) -> bool {
    ms / 60_000.0 <= threshold_min
}

/// The threshold as a search limit in whole ms: vertex times are integers, so every vertex
/// on a route within the threshold is within this limit.
fn limit_ms(threshold_min: f64) -> u32 {
    (threshold_min * 60_000.0).ceil() as u32
}

/// Every unit's current time to its nearest site (existing sites plus the picks applied so
/// far).
#[derive(Clone)]
struct State {
    /// ms; infinite when the unit is off the network or reaches no site.
    cur_ms: Vec<f64>,
    within: Vec<bool>,
    /// Sum of the weights of the units within, in unit order.
    within_weight: f64,
    /// Units on the network with a positive weight: those the worst time is taken over.
    active: Vec<u32>,
}

impl State {
    fn base(study: &Study, kind: &str, threshold_min: f64) -> State {
        let (_, seeds, field) = study.kind_field(kind);
        let cur_ms: Vec<f64> = study
            .unit_snaps
            .par_iter()
            .map(|s| {
                s.as_ref()
                    .ok()
                    .and_then(|s| point_time(&study.graph, &field, &seeds, s))
                    .map_or(f64::INFINITY, |(ms, _)| ms)
            })
            .collect();
        let within: Vec<bool> = cur_ms.iter().map(|&t| within(t, threshold_min)).collect();
        let within_weight = study
            .units
            .iter()
            .zip(&within)
            .filter(|(_, w)| **w)
            .fold(0.0, |acc, (u, _)| acc + u.weight);
        let active = (0..study.units.len() as u32)
            .filter(|&i| {
                study.unit_snaps[i as usize].is_ok() && study.units[i as usize].weight > 0.0
            })
            .collect();
        State {
            cur_ms,
            within,
            within_weight,
            active,
        }
    }

    /// Opens a site at `snap`: updates every unit's time; returns the weight newly within.
    fn apply(&mut self, study: &Study, snap: &Snap, threshold_min: f64) -> f64 {
        let graph = &*study.graph;
        let seeds = SiteSeeds::new(graph, &[(0, *snap)]);
        let mut scratch = Scratch::new(graph);
        scratch.run(graph, Direction::Backward, &seeds.sources(), None);
        let times: Vec<Option<f64>> = study
            .unit_snaps
            .par_iter()
            .map(|s| {
                let s = s.as_ref().ok()?;
                point_time(graph, &scratch, &seeds, s).map(|(ms, _)| ms)
            })
            .collect();
        let mut gain = 0.0;
        for (i, t) in times.into_iter().enumerate() {
            let Some(t) = t else { continue };
            if t < self.cur_ms[i] {
                self.cur_ms[i] = t;
                if !self.within[i] && within(t, threshold_min) {
                    self.within[i] = true;
                    gain += study.units[i].weight;
                }
            }
        }
        self.within_weight += gain;
        gain
    }

    /// The worst time in ms over the active units (0 when there are none).
    fn worst_ms(&self) -> f64 {
        self.active
            .iter()
            .map(|&i| self.cur_ms[i as usize])
            .fold(0.0, f64::max)
    }

    fn worst_min(&self) -> Option<f64> {
        let w = self.worst_ms();
        (!self.active.is_empty() && w.is_finite()).then(|| w / 60_000.0)
    }
}

/// For each candidate, the eligible units (sorted) it serves within the threshold.
fn catchments(
    study: &Study,
    snaps: &[Snap],
    eligible: &[bool],
    threshold_min: f64,
) -> Vec<Vec<u32>> {
    let graph: &Graph = &study.graph;
    let by_node = UnitsByNode::new(study, |i| eligible[i]);
    let limit = limit_ms(threshold_min);
    snaps
        .par_iter()
        .map_init(
            || (Scratch::new(graph), Vec::new()),
            |(scratch, reached), snap| {
                let seeds = SiteSeeds::new(graph, &[(0, *snap)]);
                scratch.run(graph, Direction::Backward, &seeds.sources(), Some(limit));
                // A unit is served only through a direction of its link the search reached,
                // or straight along the candidate's own link.
                reached.clear();
                for &n in scratch.settled() {
                    reached.extend_from_slice(by_node.at(n));
                }
                reached.extend(by_node.on_link(snap.link));
                reached.sort_unstable();
                reached.dedup();
                let scratch: &Scratch = scratch;
                reached
                    .iter()
                    .copied()
                    .filter(|&i| {
                        study.unit_snaps[i as usize].as_ref().is_ok_and(|s| {
                            point_time(graph, scratch, &seeds, s)
                                .is_some_and(|(ms, _)| within(ms, threshold_min))
                        })
                    })
                    .collect()
            },
        )
        .collect()
}

/// The weight of the catchment not covered yet, summed in unit order. (A fold from +0.0:
/// `sum` of nothing is -0.0, which `total_cmp` ranks below the +0.0 of a sum of zeros.)
fn gain(catchment: &[u32], weight: &[f64], covered: &[bool]) -> f64 {
    catchment
        .iter()
        .filter(|&&i| !covered[i as usize])
        .fold(0.0, |acc, &i| acc + weight[i as usize])
}

/// A stale or fresh marginal gain in the lazy greedy's heap: the largest gain first, then the
/// earliest candidate.
struct Bound {
    gain: f64,
    cand: usize,
    /// The pick round the gain was computed for.
    round: usize,
}

impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then(other.cand.cmp(&self.cand))
    }
}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Bound {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Bound {}

/// Greedy maximal covering with lazy evaluation (CELF): gains only shrink as units get
/// covered (with non-negative weights, also in floating point), so a gain computed in an
/// earlier round bounds the current one, and a fresh gain on top of the heap is the best.
/// Picks the same candidates as the plain greedy, ties to the earliest. `k` <= candidates.
fn lazy_greedy(catchments: &[Vec<u32>], weight: &[f64], covered: &[bool], k: usize) -> Vec<usize> {
    let mut covered = covered.to_vec();
    let mut heap: BinaryHeap<Bound> = catchments
        .iter()
        .enumerate()
        .map(|(cand, c)| Bound {
            gain: gain(c, weight, &covered),
            cand,
            round: 0,
        })
        .collect();
    let mut picks = Vec::with_capacity(k);
    for round in 0..k.min(catchments.len()) {
        while let Some(mut top) = heap.pop() {
            if top.round == round {
                for &i in &catchments[top.cand] {
                    covered[i as usize] = true;
                }
                picks.push(top.cand);
                break;
            }
            top.gain = gain(&catchments[top.cand], weight, &covered);
            top.round = round;
            heap.push(top);
        }
    }
    picks
}

/// The index of the smallest cost, ties to the earliest; `None` when all are `None`.
fn argmin(costs: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for (c, cost) in costs.iter().enumerate() {
        if let Some(x) = *cost
            && best.is_none_or(|(b, _)| x < b)
        {
            best = Some((x, c));
        }
    }
    best.map(|(_, c)| c)
}

/// How many of the worst-off units are probed for the lower bounds of [`worst_costs`].
const PROBES: usize = 8;
/// Slack of those lower bounds: forward and backward searches round a snapped point's offset
/// on its link to whole ms at opposite ends of a route (at most 1 ms apart in all).
const PROBE_SLACK_MS: f64 = 2.0;

/// For each candidate not picked yet, the worst time in ms over the active units once it is
/// open: `None` for the picked ones and for those proven worse than another candidate.
///
/// The candidates share the best worst time found so far, `b`. A candidate whose lower bound
/// (see [`probe_bounds`]) exceeds `b` is not searched; the others are searched from the most
/// promising, bounded at `b`: such a search gives exact times up to `b`, and a unit beyond
/// `b` both today and from the candidate proves the candidate worse. The units are scanned
/// from the worst today down, and the scan stops when today's time is no more than the
/// candidate's worst so far. Candidates tying with the best are never pruned, so the result
/// does not depend on the order the threads run in.
fn worst_costs(study: &Study, snaps: &[Snap], picked: &[bool], state: &State) -> Vec<Option<f64>> {
    let graph: &Graph = &study.graph;
    let cur = &state.cur_ms;
    let mut order = state.active.clone();
    order.sort_by(|&a, &b| cur[b as usize].total_cmp(&cur[a as usize]).then(a.cmp(&b)));
    if order.is_empty() {
        return picked.iter().map(|&p| (!p).then_some(0.0)).collect();
    }
    let today_worst = cur[order[0] as usize];
    let lower = probe_bounds(study, snaps, &order[..order.len().min(PROBES)], cur);
    let mut by_bound: Vec<usize> = (0..snaps.len()).filter(|&c| !picked[c]).collect();
    by_bound.sort_by(|&a, &b| lower[a].total_cmp(&lower[b]).then(a.cmp(&b)));
    // Non-negative floats order like their bits.
    let best = AtomicU64::new(today_worst.to_bits());
    let found: Vec<(usize, Option<f64>)> = by_bound
        .par_iter()
        .map_init(
            || Scratch::new(graph),
            |scratch, &c| {
                let b = f64::from_bits(best.load(AtomicOrdering::Relaxed));
                if lower[c] > b {
                    return (c, None);
                }
                let limit = b
                    .is_finite()
                    .then(|| b.ceil().min(f64::from(u32::MAX - 1)) as u32);
                let seeds = SiteSeeds::new(graph, &[(0, snaps[c])]);
                scratch.run(graph, Direction::Backward, &seeds.sources(), limit);
                let scratch: &Scratch = scratch;
                let mut worst = f64::NEG_INFINITY;
                for &i in &order {
                    let today = cur[i as usize];
                    if today <= worst {
                        break;
                    }
                    let Ok(s) = &study.unit_snaps[i as usize] else {
                        continue;
                    };
                    let t = point_time(graph, scratch, &seeds, s).map(|(ms, _)| ms);
                    // The unit's exact time to the candidate, when the search can tell.
                    let exact = match (t, limit) {
                        (Some(t), Some(l)) if t <= f64::from(l) => Some(t),
                        (t, None) => Some(t.unwrap_or(f64::INFINITY)),
                        _ => None,
                    };
                    // Unknown: beyond `b`; then either today's time is the lesser, or both are
                    // beyond `b` and the check below prunes the candidate.
                    let after = exact.map_or(today, |t| today.min(t));
                    worst = worst.max(after);
                    if worst > b {
                        return (c, None);
                    }
                }
                best.fetch_min(worst.to_bits(), AtomicOrdering::Relaxed);
                (c, Some(worst))
            },
        )
        .collect();
    let mut costs = vec![None; snaps.len()];
    for (c, cost) in found {
        costs[c] = cost;
    }
    costs
}

/// Per candidate, a lower bound (ms) of the worst time once it is open: the largest over the
/// probed units of min(today, time to the candidate − [`PROBE_SLACK_MS`]), the times coming
/// from one forward search per probed unit. The searches leave each point's link by both
/// ends whatever its directions, which only shortens routes: a bound, never more.
fn probe_bounds(study: &Study, snaps: &[Snap], probes: &[u32], cur: &[f64]) -> Vec<f64> {
    let graph: &Graph = &study.graph;
    let worst = probes.iter().map(|&i| cur[i as usize]).fold(0.0, f64::max);
    // Beyond `worst` + slack, a probed unit's bound is today's time whatever the candidate.
    let limit = worst
        .is_finite()
        .then(|| (worst + PROBE_SLACK_MS).ceil().min(f64::from(u32::MAX - 1)) as u32);
    // A point's link ends and the times between them and the point, the shorter of the two
    // directions' (a lower bound whatever the direction driven).
    let ends = |snap: &Snap| {
        let (u, v) = graph.link_ends(snap.link);
        let f = zb_routing::fraction(graph, snap);
        let (fwd, bwd) = (
            f64::from(graph.link_time_ms(snap.link, FORWARD)),
            f64::from(graph.link_time_ms(snap.link, BACKWARD)),
        );
        let fast = fwd.min(bwd);
        (u, f * fast, v, (1.0 - f) * fast)
    };
    let per_probe: Vec<Vec<f64>> = probes
        .par_iter()
        .map_init(
            || Scratch::new(graph),
            |scratch, &i| {
                let today = cur[i as usize];
                let Ok(home) = &study.unit_snaps[i as usize] else {
                    return vec![0.0; snaps.len()];
                };
                let (u, a, v, rest) = ends(home);
                let sources = [(u, a.round() as u32), (v, rest.round() as u32)];
                // Over junctions, turns free: a lower bound of the turn-aware times.
                scratch.run_junctions(graph, Direction::Forward, &sources, limit);
                let at = |x: u32, extra: f64| {
                    scratch
                        .time_ms(x)
                        .map_or(f64::INFINITY, |t| f64::from(t) + extra)
                };
                snaps
                    .iter()
                    .map(|site| {
                        let (su, sa, sv, srest) = ends(site);
                        let mut t = at(su, sa).min(at(sv, srest));
                        if site.link == home.link {
                            t = t.min((sa - a).abs());
                        }
                        today.min(t - PROBE_SLACK_MS)
                    })
                    .collect()
            },
        )
        .collect();
    (0..snaps.len())
        .map(|c| per_probe.iter().map(|p| p[c]).fold(0.0, f64::max))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use zb_places::{DemandUnit, Population, Site};
    use zb_routing::{NoProgress, Profile, import_pbf};

    use super::*;
    use zb_coverage::provenance::Provenance;
    use zb_coverage::{Status, Thresholds};

    const KIND: &str = "mediation";

    fn monaco() -> Option<&'static Graph> {
        static GRAPH: OnceLock<Option<Graph>> = OnceLock::new();
        GRAPH
            .get_or_init(|| {
                let p = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/data/monaco-latest.osm.pbf");
                if !p.exists() {
                    eprintln!("skipped: {} is absent", p.display());
                    return None;
                }
                let raw = import_pbf(&p, &Profile::default(), &NoProgress).unwrap();
                Some(Graph::from_raw(&raw))
            })
            .as_ref()
    }

    fn near_road(graph: &Graph, rng: &mut StdRng, jitter_m: f64) -> (f64, f64) {
        let c = graph.vertex_coord(rng.gen_range(0..graph.num_vertices() as u32));
        let m = zb_routing::geom::M_PER_DEG;
        (
            c.lon() + rng.gen_range(-1.0..=1.0) * jitter_m / (m * c.lat().to_radians().cos()),
            c.lat() + rng.gen_range(-1.0..=1.0) * jitter_m / m,
        )
    }

    /// A random study on the real Monaco roads: 0–2 sites of the kind (plus one of another),
    /// 100–250 units of integer weights 0–9, 8–12 candidates (sometimes one far off the roads),
    /// a threshold of 1–3 min.
    fn random_case(graph: &Graph, seed: u64) -> (Study, Vec<Candidate>, f64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let n_sites = rng.gen_range(0..=2);
        let mut sites = Vec::new();
        for i in 0..=n_sites {
            let (lon, lat) = near_road(graph, &mut rng, 100.0);
            sites.push(Site {
                id: format!("s{i}"),
                name: format!("s{i}"),
                kind: if i < n_sites { KIND } else { "other" }.into(),
                lon,
                lat,
                capacity: None,
                waiting_days: None,
                opening: None,
                synthetic: true,
                extra: Default::default(),
            });
        }
        let units = (0..rng.gen_range(100..=250))
            .map(|i| {
                let (lon, lat) = near_road(graph, &mut rng, 300.0);
                DemandUnit {
                    id: format!("u{i}"),
                    lon,
                    lat,
                    weight: f64::from(rng.gen_range(0..10)),
                    commune: None,
                    cell: None,
                    groups: Default::default(),
                }
            })
            .collect();
        let mut candidates: Vec<Candidate> = (0..rng.gen_range(8..=12))
            .map(|i| {
                let (lon, lat) = near_road(graph, &mut rng, 150.0);
                Candidate {
                    id: format!("c{i}"),
                    label: None,
                    lon,
                    lat,
                }
            })
            .collect();
        if rng.gen_bool(0.5) {
            let at = rng.gen_range(0..candidates.len());
            candidates[at].lat += 0.2;
        }
        let study = Study::from_parts(
            None,
            true,
            graph.clone(),
            sites,
            vec![Population::from_units(units, "people")],
            Thresholds::default(),
            11.0,
            1_000.0,
            Provenance::new(None, Vec::new(), "car".into(), true),
        );
        (study, candidates, rng.gen_range(1.0..3.0))
    }

    /// Per candidate (None when off the network), each unit's time in ms from a full
    /// multi-source field: the slow, obviously correct times.
    fn full_times(study: &Study, candidates: &[Candidate]) -> Vec<Option<Vec<Option<f64>>>> {
        let g = &*study.graph;
        candidates
            .iter()
            .map(|c| {
                let snap = study.index.snap(g, c.lon, c.lat, study.max_snap_m).ok()?;
                let seeds = SiteSeeds::new(g, &[(0, snap)]);
                let field = seeds.field(g, None);
                Some(
                    study
                        .unit_snaps
                        .iter()
                        .map(|s| {
                            let s = s.as_ref().ok()?;
                            point_time(g, &field, &seeds, s).map(|(ms, _)| ms)
                        })
                        .collect(),
                )
            })
            .collect()
    }

    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        if k == 0 {
            return vec![Vec::new()];
        }
        (0..n)
            .flat_map(|last| {
                subsets(last, k - 1).into_iter().map(move |mut s| {
                    s.push(last);
                    s
                })
            })
            .collect()
    }

    #[test]
    fn cover_greedy_against_brute_force() {
        let Some(graph) = monaco() else { return };
        let mut checked = 0;
        for seed in 0..12 {
            let (study, cands, thr) = random_case(graph, seed);
            let base = study.evaluate_kind(KIND, thr, None);
            let base_within: Vec<bool> = base
                .units
                .iter()
                .map(|u| u.status == Status::Within)
                .collect();
            let times = full_times(&study, &cands);
            let usable: Vec<usize> = (0..cands.len()).filter(|&c| times[c].is_some()).collect();
            // The weight a set of candidates brings within the threshold.
            let brings = |set: &[usize]| -> f64 {
                (0..study.units.len())
                    .filter(|&i| {
                        !base_within[i]
                            && set.iter().any(|&c| {
                                times[c].as_ref().unwrap()[i].is_some_and(|t| t / 60_000.0 <= thr)
                            })
                    })
                    .map(|i| study.units[i].weight)
                    .sum()
            };
            for k in 1..=3 {
                let r = recommend(&study, KIND, k, &cands, Objective::Cover, thr).unwrap();
                assert_eq!(
                    r.base_within_weight, base.overall.within_weight,
                    "seed {seed}"
                );
                assert_eq!(r.skipped.len(), cands.len() - usable.len());
                let picked: Vec<usize> = r
                    .picks
                    .iter()
                    .map(|p| cands.iter().position(|c| c.id == p.candidate.id).unwrap())
                    .collect();
                // The first pick is the best single candidate (ties to the earliest).
                let best_single = usable
                    .iter()
                    .copied()
                    .fold(None::<(f64, usize)>, |b, c| {
                        let g = brings(&[c]);
                        if b.is_none_or(|(bg, _)| g > bg) {
                            Some((g, c))
                        } else {
                            b
                        }
                    })
                    .unwrap();
                assert_eq!(picked[0], best_single.1, "seed {seed} k {k}");
                assert_eq!(r.picks[0].gain_weight, best_single.0, "seed {seed} k {k}");
                // The gains add up to what the picked set brings, within (1 − 1/e) of the best.
                let total: f64 = r.picks.iter().map(|p| p.gain_weight).sum();
                assert_eq!(total, brings(&picked), "seed {seed} k {k}");
                let opt = subsets(usable.len(), k)
                    .iter()
                    .map(|s| brings(&s.iter().map(|&j| usable[j]).collect::<Vec<_>>()))
                    .fold(0.0, f64::max);
                assert!(total <= opt + 1e-9, "seed {seed} k {k}: {total} > {opt}");
                assert!(
                    total >= (1.0 - (-1.0f64).exp()) * opt - 1e-9,
                    "seed {seed} k {k}: {total} vs optimum {opt}"
                );
                let last = r.picks.last().unwrap();
                assert_eq!(last.cumulative_within_weight, r.base_within_weight + total);
                checked += 1;
            }
        }
        assert_eq!(checked, 36);
    }

    #[test]
    fn catchments_match_full_fields() {
        let Some(graph) = monaco() else { return };
        let mut telling = 0;
        for seed in 0..12 {
            let (study, cands, thr) = random_case(graph, seed);
            let base = study.evaluate_kind(KIND, thr, None);
            let eligible: Vec<bool> = (0..study.units.len())
                .map(|i| base.units[i].status != Status::Within && study.unit_snaps[i].is_ok())
                .collect();
            let times = full_times(&study, &cands);
            let snaps: Vec<Snap> = cands
                .iter()
                .filter_map(|c| study.index.snap(graph, c.lon, c.lat, 1_000.0).ok())
                .collect();
            let fast = catchments(&study, &snaps, &eligible, thr);
            let slow: Vec<Vec<u32>> = times
                .iter()
                .flatten()
                .map(|t| {
                    (0..study.units.len() as u32)
                        .filter(|&i| {
                            eligible[i as usize]
                                && t[i as usize].is_some_and(|ms| ms / 60_000.0 <= thr)
                        })
                        .collect()
                })
                .collect();
            assert_eq!(fast, slow, "seed {seed}");
            let n_eligible = eligible.iter().filter(|e| **e).count();
            if fast.iter().any(|c| !c.is_empty()) && fast.iter().any(|c| c.len() < n_eligible) {
                telling += 1;
            }
        }
        assert!(telling >= 8, "only {telling} cases tell catchments apart");
    }

    fn plain_greedy(
        catchments: &[Vec<u32>],
        weight: &[f64],
        covered: &[bool],
        k: usize,
    ) -> Vec<usize> {
        let mut covered = covered.to_vec();
        let mut picks: Vec<usize> = Vec::new();
        for _ in 0..k {
            let mut best: Option<(f64, usize)> = None;
            for (c, catchment) in catchments.iter().enumerate() {
                let g = gain(catchment, weight, &covered);
                if !picks.contains(&c) && best.is_none_or(|(b, _)| g > b) {
                    best = Some((g, c));
                }
            }
            let (_, c) = best.unwrap();
            for &i in &catchments[c] {
                covered[i as usize] = true;
            }
            picks.push(c);
        }
        picks
    }

    #[test]
    fn lazy_greedy_equals_plain_greedy() {
        // Random set systems with many ties (few small weights, overlapping sets) and
        // fractional weights.
        for seed in 0..500u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let n = rng.gen_range(1..60);
            let weight: Vec<f64> = (0..n)
                .map(|_| {
                    if seed % 2 == 0 {
                        f64::from(rng.gen_range(0..3))
                    } else {
                        rng.gen_range(0.0..10.0)
                    }
                })
                .collect();
            let covered: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.2)).collect();
            let n_cand = rng.gen_range(1..15);
            let catch: Vec<Vec<u32>> = (0..n_cand)
                .map(|_| {
                    let mut c: Vec<u32> = (0..n as u32).filter(|_| rng.gen_bool(0.15)).collect();
                    c.sort_unstable();
                    c
                })
                .collect();
            let k = rng.gen_range(1..=n_cand);
            assert_eq!(
                lazy_greedy(&catch, &weight, &covered, k),
                plain_greedy(&catch, &weight, &covered, k),
                "seed {seed}"
            );
        }
        // On the real catchments too.
        let Some(graph) = monaco() else { return };
        for seed in 0..12 {
            let (study, cands, thr) = random_case(graph, seed);
            let base = State::base(&study, KIND, thr);
            let eligible: Vec<bool> = (0..study.units.len())
                .map(|i| !base.within[i] && study.unit_snaps[i].is_ok())
                .collect();
            let snaps: Vec<Snap> = cands
                .iter()
                .filter_map(|c| study.index.snap(graph, c.lon, c.lat, 1_000.0).ok())
                .collect();
            let catch = catchments(&study, &snaps, &eligible, thr);
            let weight: Vec<f64> = study.units.iter().map(|u| u.weight).collect();
            for k in 1..=snaps.len() {
                assert_eq!(
                    lazy_greedy(&catch, &weight, &base.within, k),
                    plain_greedy(&catch, &weight, &base.within, k),
                    "seed {seed} k {k}"
                );
            }
        }
    }

    #[test]
    fn worst_steps_against_brute_force() {
        let Some(graph) = monaco() else { return };
        for seed in 0..12 {
            let (study, cands, thr) = random_case(graph, seed);
            let times = full_times(&study, &cands);
            let r = recommend(&study, KIND, 3, &cands, Objective::Worst, thr).unwrap();
            // Today's minutes (infinite when unreachable), from the plain evaluation.
            let mut cur: Vec<f64> = study
                .evaluate_kind(KIND, thr, None)
                .units
                .iter()
                .map(|u| u.minutes.unwrap_or(f64::INFINITY))
                .collect();
            let active: Vec<usize> = (0..study.units.len())
                .filter(|&i| study.unit_snaps[i].is_ok() && study.units[i].weight > 0.0)
                .collect();
            let mut picked: Vec<usize> = Vec::new();
            for p in &r.picks {
                // Each step picks the candidate whose worst time after is the smallest.
                let after = |c: usize| -> f64 {
                    let t = times[c].as_ref().unwrap();
                    active
                        .iter()
                        .map(|&i| cur[i].min(t[i].map_or(f64::INFINITY, |ms| ms / 60_000.0)))
                        .fold(0.0, f64::max)
                };
                let (best_cost, best) = (0..cands.len())
                    .filter(|c| times[*c].is_some() && !picked.contains(c))
                    .fold(None::<(f64, usize)>, |b, c| {
                        let x = after(c);
                        if b.is_none_or(|(bx, _)| x < bx) {
                            Some((x, c))
                        } else {
                            b
                        }
                    })
                    .unwrap();
                assert_eq!(
                    p.candidate.id, cands[best].id,
                    "seed {seed} rank {}",
                    p.rank
                );
                let worst = p.worst_min_after.unwrap();
                assert!(
                    (worst - best_cost).abs() < 1e-9,
                    "seed {seed}: {worst} vs {best_cost}"
                );
                let t = times[best].as_ref().unwrap();
                for i in 0..cur.len() {
                    cur[i] = cur[i].min(t[i].map_or(f64::INFINITY, |ms| ms / 60_000.0));
                }
                picked.push(best);
            }
            // Worst times only go down.
            assert!(
                r.picks
                    .windows(2)
                    .all(|w| w[1].worst_min_after <= w[0].worst_min_after)
            );
        }
    }

    #[test]
    fn deterministic() {
        let Some(graph) = monaco() else { return };
        let (study, cands, thr) = random_case(graph, 3);
        for objective in [Objective::Cover, Objective::Worst] {
            let a = recommend(&study, KIND, 3, &cands, objective, thr).unwrap();
            for _ in 0..3 {
                assert_eq!(
                    recommend(&study, KIND, 3, &cands, objective, thr).unwrap(),
                    a
                );
            }
        }
    }
}
