//! What-if in milliseconds: a scenario applied incrementally to a study's baseline.
//!
//! The [`Baseline`] keeps, per kind of site, the multi-source search field and every unit's
//! time. A scenario's changes are applied to a copy: an added site runs a search from it that
//! stops where it no longer improves the current nearest-site times
//! ([`zb_routing::Graph::add_to_field`]); a closed site recomputes only the junctions it served
//! ([`zb_routing::Graph::remove_from_field`]); a move is a close then an add under the same site
//! number. Only the demand units on links touching a changed junction are re-timed. The result
//! is identical to a full recomputation (tested on random scenarios).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use zb_places::Site;
use zb_routing::{NearestField, SiteSeeds, Snap, point_nodes, point_trip};

use zb_coverage::evaluate::unit_result;
use zb_coverage::{
    Agg, CoverageError, KindCoverage, Reason, Status, Study, Thresholds, Trip, UnitResult,
    unit_trip,
};

use crate::patch::{ReachOrders, ZoneLayout, reach_orders, resummarise, zone_layout};
use crate::scenario::Scenario;

/// One kind's baseline: its search field and every unit's time.
#[derive(Debug, Clone)]
pub struct KindBase {
    pub seeds: SiteSeeds,
    pub field: NearestField,
    /// Per unit: the trip to the nearest site of the kind, or why there is none.
    pub times: Vec<Trip>,
    /// The coverage with the study's thresholds.
    pub coverage: Arc<KindCoverage>,
    /// [`reach_orders`] of the coverage's units.
    pub reach_orders: ReachOrders,
    /// [`zone_layout`] of the coverage's units.
    pub zone_layout: ZoneLayout,
}

/// What the what-if engine keeps of a study: computed once, reused for every scenario.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub kinds: BTreeMap<String, KindBase>,
    /// Demand units by the search nodes their time reads.
    units: UnitsByNode,
    /// The study's sites at other thresholds, as scenarios asked for them (the map's slider):
    /// the most recent [`AT_THRESHOLDS_KEPT`], so that the next scenario at the same slider
    /// position is answered incrementally too.
    at_thresholds: Arc<Mutex<Vec<Arc<AtThresholds>>>>,
}

/// How many other thresholds a [`Baseline`] keeps.
pub const AT_THRESHOLDS_KEPT: usize = 8;

/// A kind's baseline coverage at other thresholds (the sites and times of the study).
#[derive(Debug)]
struct AtThresholds {
    kind: String,
    threshold_min: u64,
    waiting_days: Option<u64>,
    coverage: Arc<KindCoverage>,
    reach_orders: ReachOrders,
    zone_layout: ZoneLayout,
}

/// Units indexed (CSR) by the search nodes their time reads ([`zb_routing::point_nodes`]): the
/// units a change of those nodes, or a site on their link, may retime.
#[derive(Debug, Clone)]
pub struct UnitsByNode {
    first: Vec<u32>,
    units: Vec<u32>,
}

impl UnitsByNode {
    /// `keep(i)`: whether unit `i` is indexed.
    pub fn new(study: &Study, keep: impl Fn(usize) -> bool) -> UnitsByNode {
        let graph = &*study.graph;
        let n = graph.num_nodes();
        let nodes: Vec<Vec<u32>> = study
            .unit_snaps
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Ok(s) if keep(i) => point_nodes(graph, s),
                _ => Vec::new(),
            })
            .collect();
        let mut first = vec![0u32; n + 1];
        for ns in &nodes {
            for &x in ns {
                first[x as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut pos = first.clone();
        let mut units = vec![0u32; first[n] as usize];
        for (i, ns) in nodes.iter().enumerate() {
            for &x in ns {
                units[pos[x as usize] as usize] = i as u32;
                pos[x as usize] += 1;
            }
        }
        UnitsByNode { first, units }
    }

    /// The units reading search node `n`.
    pub fn at(&self, n: u32) -> &[u32] {
        &self.units[self.first[n as usize] as usize..self.first[n as usize + 1] as usize]
    }

    /// The units on link `l` (they all read one of its two directions).
    pub fn on_link(&self, l: u32) -> impl Iterator<Item = u32> + '_ {
        self.at(2 * l).iter().chain(self.at(2 * l + 1)).copied()
    }
}

impl Baseline {
    pub fn new(study: &Study) -> Baseline {
        let kinds = study
            .kinds()
            .into_iter()
            .map(|k| {
                let base = kind_base(study, &k, &study.thresholds);
                (k, base)
            })
            .collect();
        Baseline {
            kinds,
            units: UnitsByNode::new(study, |_| true),
            at_thresholds: Arc::default(),
        }
    }
}

fn kind_base(study: &Study, kind: &str, thresholds: &Thresholds) -> KindBase {
    let (_, seeds, field) = study.kind_field(kind);
    let times: Vec<Trip> = study
        .unit_snaps
        .iter()
        .map(|s| unit_trip(&study.graph, &field, &seeds, s))
        .collect();
    let coverage = summarise_times(study, &study.sites, kind, &times, thresholds);
    KindBase {
        seeds,
        field,
        times,
        reach_orders: reach_orders(study, &coverage.units),
        zone_layout: zone_layout(study, &coverage.zones),
        coverage: Arc::new(coverage),
    }
}

fn summarise_times(
    study: &Study,
    sites: &[Site],
    kind: &str,
    times: &[Trip],
    thresholds: &Thresholds,
) -> KindCoverage {
    let (th, wait) = (thresholds.minutes(kind), thresholds.waiting_days(kind));
    let units = times
        .iter()
        .map(|t| unit_result(sites, *t, th, wait))
        .collect();
    let kind_sites: Vec<u32> = (0..sites.len() as u32)
        .filter(|&i| sites[i as usize].kind == kind)
        .collect();
    let on = kind_sites.len();
    study.summarise(kind, th, wait, kind_sites, on, units)
}

/// A demand unit whose status changed.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChange {
    pub unit: usize,
    pub before: UnitResult,
    pub after: UnitResult,
}

/// Before/after of one aggregate row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggDiff {
    pub key: String,
    pub name: Option<String>,
    pub total_weight: f64,
    pub total_published: bool,
    pub within_before: f64,
    pub within_after: f64,
    /// Weight that was not within the threshold and now is.
    pub newly_within_weight: f64,
    /// Weight that was within the threshold and no longer is.
    pub newly_beyond_weight: f64,
    pub median_min_before: Option<f64>,
    pub median_min_after: Option<f64>,
    pub p90_min_before: Option<f64>,
    pub p90_min_after: Option<f64>,
}

/// One kind's what-if.
#[derive(Debug, Clone)]
pub struct KindWhatIf {
    pub kind: String,
    pub before: Arc<KindCoverage>,
    /// The same `Arc` as `before` when the scenario leaves the kind untouched.
    pub after: Arc<KindCoverage>,
    pub overall: AggDiff,
    pub communes: Vec<AggDiff>,
    pub groups: BTreeMap<String, Vec<AggDiff>>,
    /// Units whose status changed, in unit order.
    pub changed: Vec<UnitChange>,
    /// Search nodes (directed links) whose nearest site or time changed (the incremental
    /// searches' work).
    pub junctions_updated: usize,
}

/// A scenario's result: the sites after it, and per kind the before/after and the diff.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub scenario: Scenario,
    /// The study's sites after the scenario, indexed like the results (closed sites stay in the
    /// list, flagged in `closed`; added sites come last).
    pub sites: Vec<Site>,
    pub closed: Vec<bool>,
    pub thresholds: Thresholds,
    pub kinds: Vec<KindWhatIf>,
}

/// What a what-if compares the scenario with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Before {
    /// The study as loaded: its sites at its thresholds (a scenario's thresholds count as one of
    /// its changes).
    #[default]
    Study,
    /// The study's sites at the scenario's thresholds: the diff shows what the sites change.
    ScenarioThresholds,
}

/// The per-kind state after applying site changes, before summarising.
pub struct KindState {
    pub seeds: SiteSeeds,
    pub field: NearestField,
    pub times: Vec<Trip>,
    pub junctions_updated: usize,
    /// The units whose time was recomputed (sorted): the others' are the baseline's.
    pub retimed: Vec<u32>,
}

/// The sites after a scenario, with the snapped positions of the changed ones.
struct SiteChanges {
    sites: Vec<Site>,
    closed: Vec<bool>,
    /// (kind, site number) closed or moved away.
    removals: Vec<(String, u32)>,
    /// (kind, site number, snap) added or moved in.
    additions: Vec<(String, u32, Snap)>,
}

fn site_changes(study: &Study, sc: &Scenario) -> Result<SiteChanges, CoverageError> {
    sc.check().map_err(CoverageError::Invalid)?;
    let index: HashMap<&str, usize> = study
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut sites = study.sites.clone();
    let mut closed = vec![false; sites.len()];
    let mut removals = Vec::new();
    let mut additions = Vec::new();
    let mut touched: BTreeSet<usize> = BTreeSet::new();
    let snap = |what: String, lon: f64, lat: f64| -> Result<Snap, CoverageError> {
        study
            .index
            .snap(&study.graph, lon, lat, study.max_snap_m)
            .map_err(|why| {
                CoverageError::Invalid(format!(
                    "{what} at ({lon}, {lat}) is off the road network: {why}"
                ))
            })
    };
    for (i, c) in sc.close.iter().enumerate() {
        let Some(&s) = index.get(c.id.as_str()) else {
            return Err(CoverageError::Invalid(format!(
                "close[{i}]: no site with id `{}` in the study",
                c.id
            )));
        };
        if !touched.insert(s) {
            return Err(CoverageError::Invalid(format!(
                "close[{i}]: site `{}` is changed twice",
                c.id
            )));
        }
        closed[s] = true;
        if study.site_snaps[s].is_ok() {
            removals.push((sites[s].kind.clone(), s as u32));
        }
    }
    for (i, m) in sc.moves.iter().enumerate() {
        let Some(&s) = index.get(m.id.as_str()) else {
            return Err(CoverageError::Invalid(format!(
                "move[{i}]: no site with id `{}` in the study",
                m.id
            )));
        };
        if !touched.insert(s) {
            return Err(CoverageError::Invalid(format!(
                "move[{i}]: site `{}` is changed twice",
                m.id
            )));
        }
        let to = snap(format!("move[{i}] `{}`", m.id), m.lon, m.lat)?;
        if study.site_snaps[s].is_ok() {
            removals.push((sites[s].kind.clone(), s as u32));
        }
        sites[s].lon = m.lon;
        sites[s].lat = m.lat;
        additions.push((sites[s].kind.clone(), s as u32, to));
    }
    for (i, a) in sc.add.iter().enumerate() {
        if index.contains_key(a.id.as_str()) {
            return Err(CoverageError::Invalid(format!(
                "add[{i}]: id `{}` is already a site of the study",
                a.id
            )));
        }
        let to = snap(format!("add[{i}] `{}`", a.id), a.lon, a.lat)?;
        let n = sites.len() as u32;
        sites.push(Site {
            id: a.id.clone(),
            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            kind: a.kind.clone(),
            lon: a.lon,
            lat: a.lat,
            capacity: a.capacity,
            waiting_days: a.waiting_days,
            opening: a.opening,
            synthetic: false,
            extra: [("scenario".to_string(), sc.name.clone())]
                .into_iter()
                .collect(),
        });
        closed.push(false);
        additions.push((a.kind.clone(), n, to));
    }
    Ok(SiteChanges {
        sites,
        closed,
        removals,
        additions,
    })
}

impl Baseline {
    /// Applies site changes of one kind incrementally: the engine's core step.
    pub fn apply_kind(
        &self,
        study: &Study,
        kind: &str,
        removals: &[u32],
        additions: &[(u32, Snap)],
    ) -> KindState {
        let graph = &study.graph;
        let (mut seeds, mut field, mut times) = match self.kinds.get(kind) {
            Some(b) => (b.seeds.clone(), b.field.clone(), b.times.clone()),
            None => (
                SiteSeeds::default(),
                graph.nearest_sites(&[], None),
                study.no_site_trips(),
            ),
        };
        let mut dirty_nodes: Vec<u32> = Vec::new();
        let mut dirty_links: Vec<u32> = Vec::new();
        for &s in removals {
            if let Ok(snap) = study.site_snaps[s as usize] {
                dirty_links.push(snap.link);
            }
            seeds.remove(s);
            dirty_nodes.extend(graph.remove_from_field(&mut field, s, &seeds.seeds));
        }
        for &(s, snap) in additions {
            let new = seeds.add(graph, s, snap);
            dirty_links.push(snap.link);
            dirty_nodes.extend(graph.add_to_field(&mut field, &new));
        }
        let junctions_updated = dirty_nodes.len();
        // The units reading a changed search node or sharing a link with a changed site, each
        // once, in unit order: sorted when they are few, marked in a bitmap of every unit when
        // they are many.
        let mut units: Vec<u32> = dirty_nodes
            .iter()
            .flat_map(|&n| self.units.at(n).iter().copied())
            .chain(dirty_links.iter().flat_map(|&l| self.units.on_link(l)))
            .collect();
        if units.len() * 8 < study.units.len() {
            units.sort_unstable();
            units.dedup();
        } else {
            let mut marked = vec![false; study.units.len()];
            for &u in &units {
                marked[u as usize] = true;
            }
            units = (0..marked.len() as u32)
                .filter(|&u| marked[u as usize])
                .collect();
        }
        for &u in &units {
            // A unit off the network stays so.
            if let Ok(s) = &study.unit_snaps[u as usize] {
                times[u as usize] = point_trip(graph, &field, &seeds, s).ok_or(Reason::NoRoadLink);
            }
        }
        KindState {
            seeds,
            field,
            times,
            junctions_updated,
            retimed: units,
        }
    }

    /// Applies a scenario: validates it against the study, updates the touched kinds
    /// incrementally, and diffs every kind before/after.
    pub fn apply(&self, study: &Study, sc: &Scenario) -> Result<WhatIf, CoverageError> {
        self.apply_with(study, sc, Before::Study)
    }

    /// [`Baseline::apply`], with "before" as `before` says.
    pub fn apply_with(
        &self,
        study: &Study,
        sc: &Scenario,
        before_is: Before,
    ) -> Result<WhatIf, CoverageError> {
        let ch = site_changes(study, sc)?;
        let mut thresholds = study.thresholds.clone();
        for (k, v) in &sc.thresholds {
            thresholds.set(k, *v).map_err(CoverageError::Invalid)?;
        }
        // Added and moved sites snapped (or the scenario was refused); others as loaded.
        let on_network = |sites: &[u32]| {
            sites
                .iter()
                .filter(|&&s| {
                    ch.additions.iter().any(|a| a.1 == s) || study.site_snaps[s as usize].is_ok()
                })
                .count()
        };
        let mut kinds: BTreeSet<String> = self.kinds.keys().cloned().collect();
        kinds.extend(ch.additions.iter().map(|a| a.0.clone()));
        let mut out = Vec::new();
        for kind in kinds {
            let removals: Vec<u32> = ch
                .removals
                .iter()
                .filter(|r| r.0 == kind)
                .map(|r| r.1)
                .collect();
            let additions: Vec<(u32, Snap)> = ch
                .additions
                .iter()
                .filter(|a| a.0 == kind)
                .map(|a| (a.1, a.2))
                .collect();
            let base = self.kinds.get(&kind);
            let before_thresholds = match before_is {
                Before::Study => &study.thresholds,
                Before::ScenarioThresholds => &thresholds,
            };
            // The coverage before, with what the incremental summary needs of it.
            let mut view: Option<Arc<AtThresholds>> = None;
            let before = match base {
                Some(b)
                    if before_thresholds.minutes(&kind) == b.coverage.threshold_min
                        && before_thresholds.waiting_days(&kind)
                            == b.coverage.waiting_threshold_days =>
                {
                    Arc::clone(&b.coverage)
                }
                Some(b) => {
                    // The study's sites at other thresholds: kept for the next scenario.
                    let a = self.at_thresholds(study, &kind, b, before_thresholds);
                    let out = Arc::clone(&a.coverage);
                    view = Some(a);
                    out
                }
                None => {
                    // A new kind: no site before.
                    let no_times = study.no_site_trips();
                    let c =
                        summarise_times(study, &study.sites, &kind, &no_times, before_thresholds);
                    Arc::new(c)
                }
            };
            let same_thresholds = thresholds.minutes(&kind) == before.threshold_min
                && thresholds.waiting_days(&kind) == before.waiting_threshold_days;
            if same_thresholds && removals.is_empty() && additions.is_empty() {
                out.push(diff_kind(study, kind, Arc::clone(&before), before, 0));
                continue;
            }
            // The baseline, when "before" is its coverage at the scenario's thresholds: the
            // incremental summary starts there.
            let incremental = base.filter(|_| same_thresholds).and_then(|b| {
                if Arc::ptr_eq(&b.coverage, &before) {
                    Some((&b.reach_orders, &b.zone_layout))
                } else {
                    view.as_deref().map(|a| (&a.reach_orders, &a.zone_layout))
                }
            });
            let (mut after, junctions_updated) = if let Some((reach_orders, zone_layout)) =
                incremental
            {
                // Only the re-timed units can change: the rows and zones without one are kept.
                let st = self.apply_kind(study, &kind, &removals, &additions);
                let (th, wait) = (before.threshold_min, before.waiting_threshold_days);
                let mut units = before.units.clone();
                let mut dirty = Vec::new();
                for &u in &st.retimed {
                    let r = unit_result(&ch.sites, st.times[u as usize], th, wait);
                    if r != units[u as usize] {
                        units[u as usize] = r;
                        dirty.push(u);
                    }
                }
                let kind_sites: Vec<u32> = (0..ch.sites.len() as u32)
                    .filter(|&i| ch.sites[i as usize].kind == kind && !ch.closed[i as usize])
                    .collect();
                let after = resummarise(
                    study,
                    &before,
                    kind_sites,
                    units,
                    &dirty,
                    reach_orders,
                    zone_layout,
                );
                (after, st.junctions_updated)
            } else {
                let (times, junctions_updated) = if removals.is_empty() && additions.is_empty() {
                    (
                        base.map_or_else(|| study.no_site_trips(), |b| b.times.clone()),
                        0,
                    )
                } else {
                    let st = self.apply_kind(study, &kind, &removals, &additions);
                    (st.times, st.junctions_updated)
                };
                let mut after = summarise_times(study, &ch.sites, &kind, &times, &thresholds);
                after.sites.retain(|&s| !ch.closed[s as usize]);
                (after, junctions_updated)
            };
            after.sites_on_network = on_network(&after.sites);
            out.push(diff_kind(
                study,
                kind,
                before,
                Arc::new(after),
                junctions_updated,
            ));
        }
        Ok(WhatIf {
            scenario: sc.clone(),
            sites: ch.sites,
            closed: ch.closed,
            thresholds,
            kinds: out,
        })
    }
}

impl Baseline {
    /// The study's sites at `thresholds` for `kind`, from the kept ones or computed and kept.
    fn at_thresholds(
        &self,
        study: &Study,
        kind: &str,
        base: &KindBase,
        thresholds: &Thresholds,
    ) -> Arc<AtThresholds> {
        let key = (
            thresholds.minutes(kind).to_bits(),
            thresholds.waiting_days(kind).map(f64::to_bits),
        );
        let found =
            |a: &Arc<AtThresholds>| a.kind == kind && (a.threshold_min, a.waiting_days) == key;
        {
            let mut kept = self.at_thresholds.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = kept.iter().position(found) {
                let a = kept.remove(i);
                kept.push(Arc::clone(&a));
                return a;
            }
        }
        let coverage = summarise_times(study, &study.sites, kind, &base.times, thresholds);
        let a = Arc::new(AtThresholds {
            kind: kind.to_string(),
            threshold_min: key.0,
            waiting_days: key.1,
            reach_orders: reach_orders(study, &coverage.units),
            zone_layout: zone_layout(study, &coverage.zones),
            coverage: Arc::new(coverage),
        });
        let mut kept = self.at_thresholds.lock().unwrap_or_else(|e| e.into_inner());
        if !kept.iter().any(found) {
            kept.push(Arc::clone(&a));
            if kept.len() > AT_THRESHOLDS_KEPT {
                kept.remove(0);
            }
        }
        a
    }
}

/// Before/after of one aggregate row, with the weight changing state in it.
fn agg_diff(before: &Agg, after: &Agg, newly: (f64, f64)) -> AggDiff {
    AggDiff {
        key: before.key.clone(),
        name: before.name.clone(),
        total_weight: before.total_weight,
        total_published: before.total_published,
        within_before: before.within_weight,
        within_after: after.within_weight,
        newly_within_weight: newly.0,
        newly_beyond_weight: newly.1,
        median_min_before: before.median_min,
        median_min_after: after.median_min,
        p90_min_before: before.p90_min,
        p90_min_after: after.p90_min,
    }
}

fn diff_kind(
    study: &Study,
    kind: String,
    before: Arc<KindCoverage>,
    after: Arc<KindCoverage>,
    junctions_updated: usize,
) -> KindWhatIf {
    let changed: Vec<UnitChange> = if Arc::ptr_eq(&before, &after) {
        Vec::new()
    } else {
        before
            .units
            .iter()
            .zip(&after.units)
            .enumerate()
            .filter(|(_, (b, a))| b.status != a.status)
            .map(|(unit, (b, a))| UnitChange {
                unit,
                before: *b,
                after: *a,
            })
            .collect()
    };
    // (newly within, newly beyond) weight per row of a partition, summed in unit order.
    let newly = |row_of: Option<&[u32]>, rows: usize| -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); rows];
        for c in &changed {
            let w = study.units[c.unit].weight;
            let r = row_of.map_or(0, |r| r[c.unit] as usize);
            match (
                c.before.status == Status::Within,
                c.after.status == Status::Within,
            ) {
                (false, true) => out[r].0 += w,
                (true, false) => out[r].1 += w,
                _ => {}
            }
        }
        out
    };
    let ix = study.unit_index();
    let overall = agg_diff(&before.overall, &after.overall, newly(None, 1)[0]);
    // Aggregate rows come out in the order of the study's partitions in both coverages.
    let by_commune = newly(Some(&ix.communes.row_of), ix.communes.rows.len());
    let communes = before
        .communes
        .iter()
        .zip(&after.communes)
        .zip(by_commune)
        .map(|((b, a), n)| agg_diff(b, a, n))
        .collect();
    let mut groups = BTreeMap::new();
    for (col, p) in &ix.groups {
        let (Some(gb), Some(ga)) = (before.groups.get(col), after.groups.get(col)) else {
            continue;
        };
        let by = newly(Some(&p.row_of), p.rows.len());
        groups.insert(
            col.clone(),
            gb.iter()
                .zip(ga)
                .zip(by)
                .map(|((b, a), n)| agg_diff(b, a, n))
                .collect(),
        );
    }
    KindWhatIf {
        kind,
        before,
        after,
        overall,
        communes,
        groups,
        changed,
        junctions_updated,
    }
}
