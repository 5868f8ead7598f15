//! Evaluating a study: per kind of site, every demand unit's minutes to its nearest site, its
//! status against the thresholds, aggregates by commune and grouping, and the zones blanches.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use zb_places::{GridCell, grid3035_cell_of};
use zb_routing::{NearestField, NodeTimes, PointTime, SiteSeeds, Snap, Unsnapped, point_trip};

use crate::dissolve::{CellIdx, dissolve};
use crate::study::Study;

/// Where a demand unit stands against the travel threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Within,
    Beyond,
    Unreachable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Within => "within",
            Status::Beyond => "beyond",
            Status::Unreachable => "unreachable",
        }
    }
}

/// Why a demand unit reaches no site of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Farther than the study's snapping limit (`max_snap_m`) from every road.
    OffNetwork,
    /// On a road, but no site of the kind can be reached from its part of the network (an
    /// island without a ferry, an isolated network).
    NoRoadLink,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::OffNetwork => "off_network",
            Reason::NoRoadLink => "no_road_link",
        }
    }

    /// The reason of a unit with this snap that reaches no site.
    pub fn of_snap(snap: &Result<Snap, Unsnapped>) -> Reason {
        match snap {
            Ok(_) => Reason::NoRoadLink,
            Err(_) => Reason::OffNetwork,
        }
    }
}

/// A unit's trip to its nearest site of a kind, or why there is none.
pub type Trip = Result<PointTime, Reason>;

/// The trip from a unit with this snap to the nearest site of `seeds`, through `field` (their
/// multi-source search).
pub fn unit_trip(
    graph: &zb_routing::Graph,
    field: &impl NodeTimes,
    seeds: &SiteSeeds,
    snap: &Result<Snap, Unsnapped>,
) -> Trip {
    match snap {
        Ok(s) => point_trip(graph, field, seeds, s).ok_or(Reason::NoRoadLink),
        Err(_) => Err(Reason::OffNetwork),
    }
}

/// One demand unit for one kind of site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitResult {
    /// Car minutes to the nearest site of the kind; `None` when unreachable.
    pub minutes: Option<f64>,
    /// That site (index into [`Study::sites`]).
    pub site: Option<u32>,
    pub status: Status,
    /// The trip to that site takes a ferry.
    pub via_ferry: bool,
    /// Why no site is reached; `Some` exactly when the status is unreachable.
    pub reason: Option<Reason>,
    /// The site's waiting days, when known.
    pub waiting_days: Option<f64>,
    /// The site's waiting days exceed the waiting threshold.
    pub waiting_beyond: bool,
}

/// Aggregates of a set of demand units (a commune, a group, the whole territory). Counts are raw
/// here; secrecy is applied at export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agg {
    /// Commune code, group value, or `all`.
    pub key: String,
    pub name: Option<String>,
    pub units: usize,
    pub total_weight: f64,
    /// The total is a published figure (a commune's census population): exempt from secrecy.
    pub total_published: bool,
    pub within_weight: f64,
    pub beyond_weight: f64,
    pub unreachable_weight: f64,
    /// The unreachable weight by reason: the two add up to `unreachable_weight`.
    pub unreachable_off_network: f64,
    pub unreachable_no_road_link: f64,
    /// Reachable weight whose trip to the nearest site takes a ferry.
    pub weight_via_ferry: f64,
    /// within / total; `None` when the total is 0.
    pub within_share: Option<f64>,
    /// Weighted median and 90th percentile of minutes over reachable weight.
    pub median_min: Option<f64>,
    pub p90_min: Option<f64>,
    /// Weighted mean of the nearest site's waiting days, over weight whose site has one.
    pub mean_waiting_days: Option<f64>,
    /// Weight whose nearest site waits longer than the waiting threshold.
    pub waiting_beyond_weight: f64,
}

/// A zone blanche: dissolved 200 m cells (EPSG:3035) holding weight beyond the threshold or
/// unreachable.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Exterior ring, WGS84 lon/lat, counter-clockwise, closed.
    pub exterior: Vec<(f64, f64)>,
    /// Holes, clockwise, closed.
    pub holes: Vec<Vec<(f64, f64)>>,
    pub cells: usize,
    pub weight: f64,
    pub unreachable_weight: f64,
    /// Weighted mean and max minutes over its reachable weight.
    pub mean_min: Option<f64>,
    pub max_min: Option<f64>,
    /// Communes whose units lie in it, sorted.
    pub communes: Vec<String>,
    /// Its cells: numbers of [`Study::unit_index`]'s cells, sorted.
    pub cell_ids: Vec<u32>,
}

/// The coverage of one kind of site.
#[derive(Debug, Clone)]
pub struct KindCoverage {
    pub kind: String,
    pub threshold_min: f64,
    pub waiting_threshold_days: Option<f64>,
    /// Sites of this kind (indices into [`Study::sites`]) and how many are on the network.
    pub sites: Vec<u32>,
    pub sites_on_network: usize,
    /// One per demand unit, in the study's order.
    pub units: Vec<UnitResult>,
    pub overall: Agg,
    /// By commune code, sorted; units without a commune are under `""`.
    pub communes: Vec<Agg>,
    /// By grouping column, then by value, sorted.
    pub groups: BTreeMap<String, Vec<Agg>>,
    pub zones: Vec<Zone>,
}

/// A study's evaluation: one [`KindCoverage`] per kind of site, sorted by kind.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub kinds: Vec<KindCoverage>,
}

impl Coverage {
    pub fn kind(&self, kind: &str) -> Option<&KindCoverage> {
        self.kinds.iter().find(|k| k.kind == kind)
    }
}

impl Study {
    /// Evaluates every kind with the study's thresholds.
    pub fn evaluate(&self) -> Coverage {
        self.evaluate_with(&self.thresholds)
    }

    /// Evaluates every kind with the given thresholds (kinds in parallel).
    pub fn evaluate_with(&self, thresholds: &crate::Thresholds) -> Coverage {
        let kinds = self.kinds();
        let kinds = kinds
            .par_iter()
            .map(|k| self.evaluate_kind(k, thresholds.minutes(k), thresholds.waiting_days(k)))
            .collect();
        Coverage { kinds }
    }

    /// The multi-source search field of the sites of one kind.
    pub fn kind_field(&self, kind: &str) -> (Vec<u32>, SiteSeeds, NearestField) {
        let sites: Vec<u32> = (0..self.sites.len() as u32)
            .filter(|&i| self.sites[i as usize].kind == kind)
            .collect();
        let placed: Vec<_> = sites
            .iter()
            .filter_map(|&i| self.site_snaps[i as usize].ok().map(|s| (i, s)))
            .collect();
        let seeds = SiteSeeds::new(&self.graph, &placed);
        let field = seeds.field(&self.graph, None);
        (sites, seeds, field)
    }

    /// Evaluates one kind against a travel threshold (minutes) and an optional waiting one.
    pub fn evaluate_kind(
        &self,
        kind: &str,
        threshold_min: f64,
        waiting_days: Option<f64>,
    ) -> KindCoverage {
        let (sites, seeds, field) = self.kind_field(kind);
        let sites_on_network = sites
            .iter()
            .filter(|&&i| self.site_snaps[i as usize].is_ok())
            .count();
        let units: Vec<UnitResult> = self
            .unit_snaps
            .par_iter()
            .map(|snap| {
                let t = unit_trip(&self.graph, &field, &seeds, snap);
                self.unit_result(t, threshold_min, waiting_days)
            })
            .collect();
        self.summarise(
            kind,
            threshold_min,
            waiting_days,
            sites,
            sites_on_network,
            units,
        )
    }

    /// Every unit's trip when the kind has no site: why none is reached.
    pub fn no_site_trips(&self) -> Vec<Trip> {
        self.unit_snaps
            .iter()
            .map(|s| Err(Reason::of_snap(s)))
            .collect()
    }

    /// A unit's result from its trip, with the study's sites.
    pub fn unit_result(
        &self,
        t: Trip,
        threshold_min: f64,
        waiting_days: Option<f64>,
    ) -> UnitResult {
        unit_result(&self.sites, t, threshold_min, waiting_days)
    }

    /// Aggregates and zones from per-unit results.
    pub fn summarise(
        &self,
        kind: &str,
        threshold_min: f64,
        waiting_threshold_days: Option<f64>,
        sites: Vec<u32>,
        sites_on_network: usize,
        units: Vec<UnitResult>,
    ) -> KindCoverage {
        let ix = self.unit_index();
        let communes = (0..ix.communes.rows.len())
            .map(|r| self.commune_agg(r, &units))
            .collect();
        let groups = ix
            .groups
            .iter()
            .map(|(col, p)| {
                let rows = p
                    .rows
                    .iter()
                    .map(|row| self.aggregate(&row.key, None, &row.members, &units))
                    .collect();
                (col.clone(), rows)
            })
            .collect();
        let zones = self.zones(&units);
        KindCoverage {
            kind: kind.to_string(),
            threshold_min,
            waiting_threshold_days,
            sites,
            sites_on_network,
            overall: self.overall_agg(&units),
            units,
            communes,
            groups,
            zones,
        }
    }

    /// The summary of `units` when they differ from `before.units` (same kind and thresholds)
    /// only at `dirty` (sorted): the rows without a dirty unit are `before`'s, the others are
    /// recomputed with their quantiles' order patched from `orders` ([`Study::reach_orders`]
    /// of `before.units`), and the zones are [`Study::zones_patched`] (`layout_before` is
    /// [`Study::zone_layout`] of `before.units`). Equal to [`Study::summarise`] of the same
    /// units, but for `sites_on_network`, left 0.
    pub(crate) fn resummarise(
        &self,
        before: &KindCoverage,
        sites: Vec<u32>,
        units: Vec<UnitResult>,
        dirty: &[u32],
        orders: &ReachOrders,
        layout_before: &ZoneLayout,
    ) -> KindCoverage {
        let ix = self.unit_index();
        let mut is_dirty = vec![false; units.len()];
        for &u in dirty {
            is_dirty[u as usize] = true;
        }
        // The dirty units of each row, in unit order.
        let by_row = |row_of: &[u32], rows: usize| -> Vec<Vec<u32>> {
            let mut t = vec![Vec::new(); rows];
            for &u in dirty {
                t[row_of[u as usize] as usize].push(u);
            }
            t
        };
        let d = by_row(&ix.communes.row_of, ix.communes.rows.len());
        let communes = before
            .communes
            .iter()
            .enumerate()
            .map(|(r, a)| {
                if d[r].is_empty() {
                    return a.clone();
                }
                let row = &ix.communes.rows[r];
                let mut agg = self.aggregate_patched(
                    (&a.key, a.name.clone()),
                    &row.members,
                    &units,
                    &orders.communes[r],
                    &d[r],
                    &is_dirty,
                );
                agg.total_published = a.total_published;
                agg
            })
            .collect();
        let groups = ix
            .groups
            .iter()
            .zip(&before.groups)
            .map(|((col, p), (_, rows))| {
                let d = by_row(&p.row_of, p.rows.len());
                let rows = rows
                    .iter()
                    .zip(&p.rows)
                    .enumerate()
                    .map(|(r, (a, row))| {
                        if d[r].is_empty() {
                            return a.clone();
                        }
                        self.aggregate_patched(
                            (&row.key, None),
                            &row.members,
                            &units,
                            &orders.groups[col][r],
                            &d[r],
                            &is_dirty,
                        )
                    })
                    .collect();
                (col.clone(), rows)
            })
            .collect();
        let (overall, zones) = if dirty.is_empty() {
            (before.overall.clone(), before.zones.clone())
        } else {
            let all: Vec<u32> = (0..units.len() as u32).collect();
            (
                self.aggregate_patched(
                    ("all", None),
                    &all,
                    &units,
                    &orders.overall,
                    dirty,
                    &is_dirty,
                ),
                self.zones_patched(&before.zones, layout_before, &units, dirty),
            )
        };
        KindCoverage {
            kind: before.kind.clone(),
            threshold_min: before.threshold_min,
            waiting_threshold_days: before.waiting_threshold_days,
            sites,
            sites_on_network: 0,
            units,
            overall,
            communes,
            groups,
            zones,
        }
    }

    /// The reachable units of `members` (of `units`), by minutes then unit number: the order
    /// of the weighted quantiles.
    pub fn reach_order(units: &[UnitResult], members: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut order: Vec<u32> = members
            .filter(|&i| units[i as usize].minutes.is_some())
            .collect();
        order.sort_by(|&a, &b| {
            let m = |i: u32| units[i as usize].minutes.unwrap_or(0.0);
            m(a).total_cmp(&m(b)).then(a.cmp(&b))
        });
        order
    }

    /// [`Study::reach_order`] of the whole territory and of every row of the study's partitions.
    pub fn reach_orders(&self, units: &[UnitResult]) -> ReachOrders {
        let ix = self.unit_index();
        let rows = |p: &crate::partition::Partition| -> Vec<Vec<u32>> {
            p.rows
                .iter()
                .map(|r| Study::reach_order(units, r.members.iter().copied()))
                .collect()
        };
        ReachOrders {
            overall: Study::reach_order(units, 0..units.len() as u32),
            communes: rows(&ix.communes),
            groups: ix
                .groups
                .iter()
                .map(|(c, p)| (c.clone(), rows(p)))
                .collect(),
        }
    }

    /// The aggregate of `members` given their [`Study::reach_order`] in units that differ from
    /// `units` only at the `dirty` units (`is_dirty` of every unit; `dirty` the row's, sorted):
    /// the order is patched, not sorted again.
    fn aggregate_patched(
        &self,
        (key, name): (&str, Option<String>),
        members: &[u32],
        units: &[UnitResult],
        order_before: &[u32],
        dirty: &[u32],
        is_dirty: &[bool],
    ) -> Agg {
        let key_of = |i: u32| (units[i as usize].minutes.unwrap_or(0.0), i);
        let less = |a: (f64, u32), b: (f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).is_lt();
        let moved = Study::reach_order(units, dirty.iter().copied());
        let mut reach = Vec::with_capacity(order_before.len() + moved.len());
        let mut moved = moved.into_iter().peekable();
        for i in order_before
            .iter()
            .copied()
            .filter(|&i| !is_dirty[i as usize])
        {
            while let Some(&j) = moved.peek()
                && less(key_of(j), key_of(i))
            {
                reach.push(j);
                moved.next();
            }
            reach.push(i);
        }
        reach.extend(moved);
        let weights = &self.unit_index().weights;
        let sorted = reach
            .iter()
            .map(|&i| (key_of(i).0, weights[i as usize]))
            .collect();
        self.aggregate_sorted(key, name, members, units, Some(sorted))
    }

    /// The aggregate of every unit.
    pub(crate) fn overall_agg(&self, units: &[UnitResult]) -> Agg {
        let all: Vec<u32> = (0..units.len() as u32).collect();
        self.aggregate("all", None, &all, units)
    }

    /// The aggregate of commune row `r` of [`Study::unit_index`].
    pub(crate) fn commune_agg(&self, r: usize, units: &[UnitResult]) -> Agg {
        let ix = self.unit_index();
        let row = &ix.communes.rows[r];
        let c = ix.commune_info[r].map(|i| &self.communes[i as usize]);
        let mut a = self.aggregate(
            &row.key,
            c.map(|c| c.name.clone()).filter(|n| !n.is_empty()),
            &row.members,
            units,
        );
        a.total_published = c.is_some_and(|c| c.published_total.is_some());
        a
    }

    pub(crate) fn aggregate(
        &self,
        key: &str,
        name: Option<String>,
        idx: &[u32],
        units: &[UnitResult],
    ) -> Agg {
        self.aggregate_sorted(key, name, idx, units, None)
    }

    /// [`Study::aggregate`], with the reachable `(minutes, weight)` of `idx` already sorted by
    /// minutes then unit when `sorted` is given.
    fn aggregate_sorted(
        &self,
        key: &str,
        name: Option<String>,
        idx: &[u32],
        units: &[UnitResult],
        sorted: Option<Vec<(f64, f64)>>,
    ) -> Agg {
        let presorted = sorted.is_some();
        let (mut total, mut within, mut beyond, mut unreachable, mut wait_beyond) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut off_network, mut no_road_link, mut via_ferry) = (0.0, 0.0, 0.0);
        let (mut wait_sum, mut wait_w) = (0.0, 0.0);
        let mut reach: Vec<(f64, f64)> = sorted.unwrap_or_else(|| Vec::with_capacity(idx.len()));
        let weights = &self.unit_index().weights;
        for &i in idx {
            let i = i as usize;
            let w = weights[i];
            let r = &units[i];
            total += w;
            match r.status {
                Status::Within => within += w,
                Status::Beyond => beyond += w,
                Status::Unreachable => unreachable += w,
            }
            match r.reason {
                Some(Reason::OffNetwork) => off_network += w,
                Some(Reason::NoRoadLink) => no_road_link += w,
                None if r.via_ferry => via_ferry += w,
                None => {}
            }
            if let Some(m) = r.minutes
                && !presorted
            {
                reach.push((m, w));
            }
            if let Some(d) = r.waiting_days {
                wait_sum += d * w;
                wait_w += w;
            }
            if r.waiting_beyond {
                wait_beyond += w;
            }
        }
        if !presorted {
            reach.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Agg {
            key: key.to_string(),
            name,
            units: idx.len(),
            total_weight: total,
            total_published: false,
            within_weight: within,
            beyond_weight: beyond,
            unreachable_weight: unreachable,
            unreachable_off_network: off_network,
            unreachable_no_road_link: no_road_link,
            weight_via_ferry: via_ferry,
            within_share: (total > 0.0).then(|| within / total),
            median_min: weighted_quantile(&reach, 0.5),
            p90_min: weighted_quantile(&reach, 0.9),
            mean_waiting_days: (wait_w > 0.0).then(|| wait_sum / wait_w),
            waiting_beyond_weight: wait_beyond,
        }
    }

    /// The EPSG:3035 200 m cell of a unit: its own when it is such a cell, else the one it lies in.
    pub fn unit_cell(&self, i: usize) -> GridCell {
        let u = &self.units[i];
        match u.cell {
            Some(c) if c.epsg == 3035 && c.res_m == 200 => c,
            _ => grid3035_cell_of(u.lon, u.lat),
        }
    }

    /// Zones blanches: the cells of the units beyond the threshold or unreachable, dissolved. A
    /// unit of several cells counts its weight in the zone of its representative cell.
    pub fn zones(&self, units: &[UnitResult]) -> Vec<Zone> {
        let ix = self.unit_index();
        let cells: Vec<u32> = (0..ix.cells.len() as u32)
            .filter(|&c| self.cell_in_zone(c, units))
            .collect();
        self.zones_of_cells(&cells, units)
            .into_iter()
            .map(|(z, _)| z)
            .collect()
    }

    /// The zones of `units` (of the same kind and thresholds as `before`) that differ from
    /// the units of `before` only at `dirty`: the zones away from the dirty units are
    /// `before`'s, the others are dissolved again. Equal to [`Study::zones`] of `units`.
    pub(crate) fn zones_patched(
        &self,
        before: &[Zone],
        layout: &ZoneLayout,
        units: &[UnitResult],
        dirty: &[u32],
    ) -> Vec<Zone> {
        const NONE: u32 = u32::MAX;
        let ix = self.unit_index();
        // 0: not looked at; 1: in a zone after; 2: not.
        let mut state = vec![0u8; ix.cells.len()];
        let mut in_after = |c: u32| {
            if state[c as usize] == 0 {
                state[c as usize] = if self.cell_in_zone(c, units) { 1 } else { 2 };
            }
            state[c as usize] == 1
        };
        let mut dropped = vec![false; before.len()];
        let mut seeds: Vec<u32> = Vec::new();
        for &u in dirty {
            if ix.weights[u as usize] <= 0.0 {
                continue;
            }
            for &c in &ix.unit_cells[u as usize] {
                seeds.push(c);
                let z = layout.zone_of_cell[c as usize];
                if z != NONE && !std::mem::replace(&mut dropped[z as usize], true) {
                    seeds.extend(&before[z as usize].cell_ids);
                }
            }
        }
        // The cells of the zones after that hold a dirty cell or a cell of a dropped zone: a
        // flood over the cells in a zone after, by shared edges.
        let mut flooded = vec![false; ix.cells.len()];
        let mut region: Vec<u32> = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        for c in seeds {
            if !flooded[c as usize] && in_after(c) {
                flooded[c as usize] = true;
                stack.push(c);
            }
            while let Some(c) = stack.pop() {
                region.push(c);
                let z = layout.zone_of_cell[c as usize];
                if z != NONE {
                    dropped[z as usize] = true;
                }
                let (col, row) = ix.cells[c as usize];
                for key in [
                    (col + 1, row),
                    (col - 1, row),
                    (col, row + 1),
                    (col, row - 1),
                ] {
                    if let Ok(n) = ix.cells.binary_search(&key) {
                        let n = n as u32;
                        if !flooded[n as usize] && in_after(n) {
                            flooded[n as usize] = true;
                            stack.push(n);
                        }
                    }
                }
            }
        }
        region.sort_unstable();
        let mut fresh = self.zones_of_cells(&region, units).into_iter().peekable();
        let mut out = Vec::with_capacity(before.len() + 1);
        for (z, zone) in before.iter().enumerate() {
            if dropped[z] {
                continue;
            }
            while let Some((_, first)) = fresh.peek()
                && *first < layout.zone_first[z]
            {
                out.push(fresh.next().expect("peeked").0);
            }
            out.push(zone.clone());
        }
        out.extend(fresh.map(|(z, _)| z));
        out
    }

    /// Which cells make which of `zones` (of this study).
    pub fn zone_layout(&self, zones: &[Zone]) -> ZoneLayout {
        const NONE: u32 = u32::MAX;
        let ix = self.unit_index();
        let mut zone_of_cell = vec![NONE; ix.cells.len()];
        for (z, zone) in zones.iter().enumerate() {
            for &c in &zone.cell_ids {
                zone_of_cell[c as usize] = z as u32;
            }
        }
        ZoneLayout {
            zone_of_cell,
            zone_first: zones
                .iter()
                .map(|z| lowest(z.cell_ids.iter().map(|&c| ix.cells[c as usize])))
                .collect(),
        }
    }

    /// True when unit `i` counts in a zone blanche: weight beyond the threshold or unreachable.
    pub(crate) fn in_zone(&self, units: &[UnitResult], i: u32) -> bool {
        units[i as usize].status != Status::Within && self.unit_index().weights[i as usize] > 0.0
    }

    /// True when cell `c` of [`Study::unit_index`] holds weight beyond the threshold or
    /// unreachable.
    pub(crate) fn cell_in_zone(&self, c: u32, units: &[UnitResult]) -> bool {
        self.unit_index().cell_cover[c as usize]
            .iter()
            .any(|&i| self.in_zone(units, i))
    }

    /// The zones of `cells` (sorted cell numbers of [`Study::unit_index`], each holding weight
    /// beyond the threshold or unreachable), dissolved: every zone made of whole 4-connected
    /// components of `cells`, sorted by its lowest cell (row, then column).
    pub(crate) fn zones_of_cells(
        &self,
        cells: &[u32],
        units: &[UnitResult],
    ) -> Vec<(Zone, (i64, i64))> {
        #[derive(Default)]
        struct CellAcc {
            weight: f64,
            unreachable: f64,
            min_sum: f64,
            min_w: f64,
            max: Option<f64>,
            /// Commune rows of its units.
            communes: Vec<u32>,
        }
        let ix = self.unit_index();
        let accs: Vec<CellAcc> = cells
            .iter()
            .map(|&c| {
                let mut acc = CellAcc::default();
                for &i in &ix.cell_cover[c as usize] {
                    if !self.in_zone(units, i) {
                        continue;
                    }
                    acc.communes.extend(ix.commune_of[i as usize]);
                    if ix.cell_of[i as usize] != c {
                        // A unit of several cells counts once, at its representative cell.
                        continue;
                    }
                    let (r, w) = (&units[i as usize], ix.weights[i as usize]);
                    acc.weight += w;
                    match r.minutes {
                        Some(m) => {
                            acc.min_sum += m * w;
                            acc.min_w += w;
                            acc.max = Some(acc.max.map_or(m, |x: f64| x.max(m)));
                        }
                        None => acc.unreachable += w,
                    }
                }
                acc
            })
            .collect();
        let idx: Vec<CellIdx> = cells
            .iter()
            .map(|&c| {
                let (col, row) = ix.cells[c as usize];
                CellIdx { col, row }
            })
            .collect();
        let to_lonlat = |(c, r): (i64, i64)| {
            let (lon, lat) = zb_places::crs::laea3035_inverse(c as f64 * 200.0, r as f64 * 200.0);
            (lon, lat)
        };
        dissolve(&idx)
            .into_iter()
            .map(|p| {
                let mut z = Zone {
                    exterior: p.exterior.iter().map(|&v| to_lonlat(v)).collect(),
                    holes: p
                        .holes
                        .iter()
                        .map(|h| h.iter().map(|&v| to_lonlat(v)).collect())
                        .collect(),
                    cells: p.cells.len(),
                    weight: 0.0,
                    unreachable_weight: 0.0,
                    mean_min: None,
                    max_min: None,
                    communes: Vec::new(),
                    cell_ids: p.cells.iter().map(|&ci| cells[ci]).collect(),
                };
                let (mut ms, mut mw) = (0.0, 0.0);
                let mut communes: Vec<u32> = Vec::new();
                for &ci in &p.cells {
                    let a = &accs[ci];
                    z.weight += a.weight;
                    z.unreachable_weight += a.unreachable;
                    ms += a.min_sum;
                    mw += a.min_w;
                    if let Some(m) = a.max {
                        z.max_min = Some(z.max_min.map_or(m, |x: f64| x.max(m)));
                    }
                    communes.extend(&a.communes);
                }
                communes.sort_unstable();
                communes.dedup();
                z.mean_min = (mw > 0.0).then(|| ms / mw);
                z.communes = communes
                    .into_iter()
                    .map(|r| ix.communes.rows[r as usize].key.clone())
                    .collect();
                let first = lowest(p.cells.iter().map(|&ci| ix.cells[cells[ci] as usize]));
                (z, first)
            })
            .collect()
    }
}

/// The orders of [`Study::reach_order`] of a coverage: the territory's, and per row of the
/// study's partitions.
#[derive(Debug, Clone, PartialEq)]
pub struct ReachOrders {
    pub overall: Vec<u32>,
    pub communes: Vec<Vec<u32>>,
    pub groups: BTreeMap<String, Vec<Vec<u32>>>,
}

/// Which 200 m cells make each zone blanche of a coverage (numbers of [`Study::unit_index`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneLayout {
    /// Per cell: its zone, or `u32::MAX`.
    pub zone_of_cell: Vec<u32>,
    /// Per zone: its lowest cell as `(row, col)`, the order of the zones.
    pub zone_first: Vec<(i64, i64)>,
}

/// The lowest of `(col, row)` cells as `(row, col)`.
fn lowest(cells: impl Iterator<Item = (i64, i64)>) -> (i64, i64) {
    cells
        .map(|(col, row)| (row, col))
        .min()
        .unwrap_or((i64::MAX, i64::MAX))
}

/// Weighted quantile of `(value, weight)` sorted by value: the smallest value whose cumulative
/// weight reaches `q` of the total. `None` when the total weight is 0.
pub fn weighted_quantile(sorted: &[(f64, f64)], q: f64) -> Option<f64> {
    let total: f64 = sorted.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        return None;
    }
    let target = q * total;
    let mut acc = 0.0;
    for &(v, w) in sorted {
        acc += w;
        if acc >= target - 1e-9 * total && w > 0.0 {
            return Some(v);
        }
    }
    sorted.iter().rev().find(|p| p.1 > 0.0).map(|p| p.0)
}

/// A unit's result from its trip; `sites` is indexed by the site number.
pub fn unit_result(
    sites: &[zb_places::Site],
    t: Trip,
    threshold_min: f64,
    waiting_days: Option<f64>,
) -> UnitResult {
    match t {
        Err(reason) => UnitResult {
            minutes: None,
            site: None,
            status: Status::Unreachable,
            via_ferry: false,
            reason: Some(reason),
            waiting_days: None,
            waiting_beyond: false,
        },
        Ok(PointTime {
            ms,
            site,
            via_ferry,
        }) => {
            let minutes = ms / 60_000.0;
            let w = sites[site as usize].waiting_days;
            UnitResult {
                minutes: Some(minutes),
                site: Some(site),
                status: if minutes <= threshold_min {
                    Status::Within
                } else {
                    Status::Beyond
                },
                via_ferry,
                reason: None,
                waiting_days: w,
                waiting_beyond: matches!((w, waiting_days), (Some(w), Some(limit)) if w > limit),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_quantiles() {
        let v = [(1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)];
        assert_eq!(weighted_quantile(&v, 0.5), Some(2.0));
        assert_eq!(weighted_quantile(&v, 0.9), Some(4.0));
        let v = [(10.0, 9.0), (50.0, 1.0)];
        assert_eq!(weighted_quantile(&v, 0.5), Some(10.0));
        assert_eq!(weighted_quantile(&v, 0.9), Some(10.0));
        assert_eq!(weighted_quantile(&v, 0.95), Some(50.0));
        assert_eq!(weighted_quantile(&[(5.0, 0.0)], 0.5), None);
        assert_eq!(weighted_quantile(&[], 0.5), None);
        assert_eq!(weighted_quantile(&[(1.0, 0.0), (7.0, 2.0)], 0.1), Some(7.0));
    }
}
