//! The incremental step of a what-if: a kind's summary recomputed only where units changed
//! ([`resummarise`]), equal to a full [`Study::summarise`] of the same units. The quantiles'
//! orders ([`reach_orders`]) and the zones' cells ([`zone_layout`]) of the baseline are kept to
//! patch them.

use std::collections::BTreeMap;

use zb_coverage::evaluate::lowest;
use zb_coverage::{Agg, KindCoverage, Study, UnitResult, Zone};

/// The summary of `units` when they differ from `before.units` (same kind and thresholds)
/// only at `dirty` (sorted): the rows without a dirty unit are `before`'s, the others are
/// recomputed with their quantiles' order patched from `orders` ([`reach_orders`]
/// of `before.units`), and the zones are [`zones_patched`] (`layout_before` is
/// [`zone_layout`] of `before.units`). Equal to [`Study::summarise`] of the same
/// units, but for `sites_on_network`, left 0.
pub fn resummarise(
    study: &Study,
    before: &KindCoverage,
    sites: Vec<u32>,
    units: Vec<UnitResult>,
    dirty: &[u32],
    orders: &ReachOrders,
    layout_before: &ZoneLayout,
) -> KindCoverage {
    let ix = study.unit_index();
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
            let mut agg = aggregate_patched(
                study,
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
                    aggregate_patched(
                        study,
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
            aggregate_patched(
                study,
                ("all", None),
                &all,
                &units,
                &orders.overall,
                dirty,
                &is_dirty,
            ),
            zones_patched(study, &before.zones, layout_before, &units, dirty),
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

/// [`Study::reach_order`] of the whole territory and of every row of the study's partitions.
pub fn reach_orders(study: &Study, units: &[UnitResult]) -> ReachOrders {
    let ix = study.unit_index();
    let rows = |p: &zb_coverage::partition::Partition| -> Vec<Vec<u32>> {
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
pub fn aggregate_patched(
    study: &Study,
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
    let weights = &study.unit_index().weights;
    let sorted = reach
        .iter()
        .map(|&i| (key_of(i).0, weights[i as usize]))
        .collect();
    study.aggregate_sorted(key, name, members, units, Some(sorted))
}

/// The zones of `units` (of the same kind and thresholds as `before`) that differ from
/// the units of `before` only at `dirty`: the zones away from the dirty units are
/// `before`'s, the others are dissolved again. Equal to [`Study::zones`] of `units`.
pub fn zones_patched(
    study: &Study,
    before: &[Zone],
    layout: &ZoneLayout,
    units: &[UnitResult],
    dirty: &[u32],
) -> Vec<Zone> {
    const NONE: u32 = u32::MAX;
    let ix = study.unit_index();
    // 0: not looked at; 1: in a zone after; 2: not.
    let mut state = vec![0u8; ix.cells.len()];
    let mut in_after = |c: u32| {
        if state[c as usize] == 0 {
            state[c as usize] = if study.cell_in_zone(c, units) { 1 } else { 2 };
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
    let mut fresh = study.zones_of_cells(&region, units).into_iter().peekable();
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
pub fn zone_layout(study: &Study, zones: &[Zone]) -> ZoneLayout {
    const NONE: u32 = u32::MAX;
    let ix = study.unit_index();
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
