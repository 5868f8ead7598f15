//! Evaluating a study: per kind of site, every demand unit's minutes to its nearest site, its
//! status against the thresholds, aggregates by commune and grouping, and the zones blanches.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use zb_places::GridCell;
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
    /// Reachable weight per time band ([`Study::bands_min`]): below the first limit, between
    /// each two, from the last on. They add up to within + beyond.
    pub bands: Vec<f64>,
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

    /// The aggregate of every unit.
    pub fn overall_agg(&self, units: &[UnitResult]) -> Agg {
        let all: Vec<u32> = (0..units.len() as u32).collect();
        self.aggregate("all", None, &all, units)
    }

    /// The aggregate of commune row `r` of [`Study::unit_index`].
    pub fn commune_agg(&self, r: usize, units: &[UnitResult]) -> Agg {
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

    pub fn aggregate(
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
    pub fn aggregate_sorted(
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
        let mut bands = vec![0.0; self.bands_min.len() + 1];
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
            if let Some(m) = r.minutes {
                bands[band_of(&self.bands_min, m)] += w;
                if !presorted {
                    reach.push((m, w));
                }
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
            bands,
        }
    }

    /// The EPSG:3035 200 m cell of a unit: its own when it is such a cell, else the one it lies in.
    pub fn unit_cell(&self, i: usize) -> GridCell {
        zb_places::unit_cell_3035(&self.units[i])
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

    /// True when unit `i` counts in a zone blanche: weight beyond the threshold or unreachable.
    pub fn in_zone(&self, units: &[UnitResult], i: u32) -> bool {
        units[i as usize].status != Status::Within && self.unit_index().weights[i as usize] > 0.0
    }

    /// True when cell `c` of [`Study::unit_index`] holds weight beyond the threshold or
    /// unreachable.
    pub fn cell_in_zone(&self, c: u32, units: &[UnitResult]) -> bool {
        self.unit_index().cell_cover[c as usize]
            .iter()
            .any(|&i| self.in_zone(units, i))
    }

    /// The zones of `cells` (sorted cell numbers of [`Study::unit_index`], each holding weight
    /// beyond the threshold or unreachable), dissolved: every zone made of whole 4-connected
    /// components of `cells`, sorted by its lowest cell (row, then column).
    pub fn zones_of_cells(&self, cells: &[u32], units: &[UnitResult]) -> Vec<(Zone, (i64, i64))> {
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

/// The time band of `minutes` given the bands' upper limits: the number of limits at or below
/// it (a trip of exactly 15 minutes is in 15-30).
pub fn band_of(limits: &[f64], minutes: f64) -> usize {
    limits.partition_point(|&l| l <= minutes)
}

/// The lowest of `(col, row)` cells as `(row, col)`.
pub fn lowest(cells: impl Iterator<Item = (i64, i64)>) -> (i64, i64) {
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
