//! The secrecy decisions of a what-if: each kind's ([`KindSecrecy`]), decided once per what-if
//! and shared by all its documents ([`PublishedWhatIf`]); the diff's ([`DiffProtection::new`]),
//! built from a [`KindWhatIf`] and the protections of its coverages before and after. Apart
//! from `secrecy.rs`, which knows nothing of the what-if engine.
//!
//! The protections of coverages that many what-ifs compare with (the study's baseline, the same
//! sites at another threshold of the map's slider) are kept in [`Protections`], keyed by the
//! coverage itself (the same `Arc`), so that an answer protects only what it changed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use zb_coverage::{KindCoverage, Status, Study};
use zb_whatif::Baseline;
use zb_whatif::whatif::AggDiff;
use zb_whatif::{KindWhatIf, WhatIf};

use crate::secrecy::{CellId, DiffCells, DiffProtection, Protection, PublishedAgg, Table};

/// The secrecy decisions of one kind's what-if outputs.
#[derive(Debug)]
pub struct KindSecrecy {
    /// The coverage before, protected on its own: the weights its documents publish.
    pub before: Arc<Protection>,
    /// The coverage after, protected on its own (the same `Arc` when the kind is untouched).
    pub after: Arc<Protection>,
    /// The diff's rows, protected jointly with what `before` and `after` publish.
    pub diff: DiffProtection,
}

/// A bounded set of protections, by coverage. The first `pinned` kept (the baseline's) stay;
/// the others go oldest first.
#[derive(Debug)]
pub struct Protections {
    kept: Mutex<VecDeque<(Arc<KindCoverage>, Arc<Protection>)>>,
    pinned: usize,
    capacity: usize,
}

impl Protections {
    /// The baseline's protections, pinned, and room for `capacity` others.
    pub fn new(study: &Study, baseline: &Baseline, capacity: usize) -> Protections {
        let kept: VecDeque<_> = baseline
            .kinds
            .values()
            .map(|b| {
                let p = Arc::new(Protection::of_kinds(study, &[&b.coverage]));
                (Arc::clone(&b.coverage), p)
            })
            .collect();
        Protections {
            pinned: kept.len(),
            capacity: kept.len() + capacity,
            kept: Mutex::new(kept),
        }
    }

    /// No protection kept: every one is computed.
    pub fn none() -> Protections {
        Protections {
            kept: Mutex::new(VecDeque::new()),
            pinned: 0,
            capacity: 0,
        }
    }

    /// The protection of `kc` if kept.
    pub fn get(&self, kc: &Arc<KindCoverage>) -> Option<Arc<Protection>> {
        let kept = self.kept.lock().ok()?;
        kept.iter()
            .find(|(c, _)| Arc::ptr_eq(c, kc))
            .map(|(_, p)| Arc::clone(p))
    }

    /// The protection of `kc`, kept for the next answers when there is room.
    pub fn of(&self, study: &Study, kc: &Arc<KindCoverage>) -> Arc<Protection> {
        if let Some(p) = self.get(kc) {
            return p;
        }
        let p = Arc::new(Protection::of_kinds(study, &[kc]));
        if self.capacity > self.pinned
            && let Ok(mut kept) = self.kept.lock()
            && !kept.iter().any(|(c, _)| Arc::ptr_eq(c, kc))
        {
            if kept.len() >= self.capacity {
                kept.remove(self.pinned);
            }
            kept.push_back((Arc::clone(kc), Arc::clone(&p)));
        }
        p
    }
}

/// A what-if and the secrecy of its kinds, decided on first use: every document of the answer
/// reads the same decisions.
pub struct PublishedWhatIf<'a> {
    pub study: &'a Study,
    pub whatif: &'a WhatIf,
    protections: Option<&'a Protections>,
    /// Every unit's published position ([`crate::positions::unit_position`]), when computed
    /// already.
    positions: Option<&'a [(f64, f64)]>,
    secrecy: Vec<OnceLock<KindSecrecy>>,
}

impl<'a> PublishedWhatIf<'a> {
    /// Every protection computed for this what-if.
    pub fn new(study: &'a Study, whatif: &'a WhatIf) -> PublishedWhatIf<'a> {
        PublishedWhatIf {
            study,
            whatif,
            protections: None,
            positions: None,
            secrecy: whatif.kinds.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The protections of coverages before taken from (and kept in) `protections`.
    pub fn with_protections(
        study: &'a Study,
        whatif: &'a WhatIf,
        protections: &'a Protections,
    ) -> PublishedWhatIf<'a> {
        PublishedWhatIf {
            protections: Some(protections),
            ..PublishedWhatIf::new(study, whatif)
        }
    }

    /// Unit positions taken from `positions` (one per unit of the study, from
    /// [`crate::positions::unit_positions`]).
    pub fn with_positions(mut self, positions: &'a [(f64, f64)]) -> PublishedWhatIf<'a> {
        if positions.len() == self.study.units.len() {
            self.positions = Some(positions);
        }
        self
    }

    /// The published position of unit `i`.
    pub fn position(&self, i: usize) -> (f64, f64) {
        match self.positions {
            Some(p) => p[i],
            None => crate::positions::unit_position(self.study, i),
        }
    }

    /// The secrecy of kind `k` of the what-if (`whatif.kinds[k]`).
    pub fn secrecy(&self, k: usize) -> &KindSecrecy {
        self.secrecy[k].get_or_init(|| {
            let study = self.study;
            let w = &self.whatif.kinds[k];
            let before = match self.protections {
                Some(p) => p.of(study, &w.before),
                None => Arc::new(Protection::of_kinds(study, &[&w.before])),
            };
            let after = if Arc::ptr_eq(&w.before, &w.after) {
                Arc::clone(&before)
            } else {
                self.protections
                    .and_then(|p| p.get(&w.after))
                    .unwrap_or_else(|| Arc::new(Protection::of_kinds(study, &[&w.after])))
            };
            let diff = DiffProtection::new(study, w, &before, &after);
            KindSecrecy {
                before,
                after,
                diff,
            }
        })
    }
}

impl DiffProtection {
    /// `before` and `after`: [`Protection::of_kinds`] of `w.before` and `w.after` alone.
    pub fn new(
        study: &Study,
        w: &KindWhatIf,
        before: &Protection,
        after: &Protection,
    ) -> DiffProtection {
        let min = study.secrecy_min_count;
        let ix = study.unit_index();
        let mut t = Table::with_capacity(8 * (w.communes.len() + 1) + w.changed.len(), 0);
        // A count another document publishes: public when shown there, hidden here too if not.
        let as_published = |t: &mut Table, value: f64, shown: bool| {
            if shown {
                t.exempt_cell(value)
            } else {
                t.hidden_cell(value)
            }
        };
        // The units that changed state into or out of the threshold, their weight as the
        // coverage before publishes it: (unit, count, into within).
        let mut unit_cells = Vec::with_capacity(w.changed.len());
        for c in &w.changed {
            let (b, a) = (
                c.before.status == Status::Within,
                c.after.status == Status::Within,
            );
            if b != a {
                let weight = study.units[c.unit].weight;
                let cell = as_published(&mut t, weight, before.unit_weight(c.unit).is_some());
                unit_cells.push((c.unit, cell, a));
            }
        }
        // The (newly within, newly beyond) units `keep` accepts.
        let changed_units = |keep: &dyn Fn(usize) -> bool| -> (Vec<CellId>, Vec<CellId>) {
            let (mut nw, mut nb) = (Vec::new(), Vec::new());
            for &(u, cell, into_within) in &unit_cells {
                if keep(u) {
                    if into_within { &mut nw } else { &mut nb }.push(cell);
                }
            }
            (nw, nb)
        };
        let row = |t: &mut Table,
                   b: Option<PublishedAgg>,
                   a: Option<PublishedAgg>,
                   d: &AggDiff,
                   (nw, nb): (Vec<CellId>, Vec<CellId>)|
         -> DiffCells {
            let total = as_published(
                t,
                d.total_weight,
                b.as_ref().is_some_and(|b| b.total.is_some()),
            );
            let within_before = as_published(
                t,
                d.within_before,
                b.as_ref().is_some_and(|b| b.within.is_some()),
            );
            let within_after = if a.as_ref().is_some_and(|a| a.within.is_none()) {
                t.hidden_cell(d.within_after)
            } else {
                t.cell(d.within_after)
            };
            let newly_within = t.cell(d.newly_within_weight);
            let newly_beyond = t.cell(d.newly_beyond_weight);
            t.relate(
                &[within_after, newly_beyond],
                &[within_before, newly_within],
            );
            t.relate(&[newly_within], &nw);
            t.relate(&[newly_beyond], &nb);
            DiffCells {
                total,
                within_before,
                within_after,
                newly_within,
                newly_beyond,
            }
        };
        let overall = row(
            &mut t,
            Some(before.overall(0, &w.before.overall)),
            Some(after.overall(0, &w.after.overall)),
            &w.overall,
            changed_units(&|_| true),
        );
        let communes: Vec<DiffCells> = w
            .communes
            .iter()
            .enumerate()
            .map(|(r, d)| {
                let b = w.before.communes.get(r).map(|a| before.commune(0, r, a));
                let a = w.after.communes.get(r).map(|a| after.commune(0, r, a));
                let in_row = |u: usize| ix.communes.row_of[u] as usize == r;
                row(&mut t, b, a, d, changed_units(&in_row))
            })
            .collect();
        diff_margins(&mut t, &overall, &communes);
        let mut groups = BTreeMap::new();
        for (col, rows) in &w.groups {
            let part = ix.groups.get(col);
            let cells: Vec<DiffCells> = rows
                .iter()
                .enumerate()
                .map(|(r, d)| {
                    let b = w.before.groups.get(col).and_then(|g| g.get(r));
                    let a = w.after.groups.get(col).and_then(|g| g.get(r));
                    let b = b.map(|agg| before.group(0, col, r, agg));
                    let a = a.map(|agg| after.group(0, col, r, agg));
                    let in_row = |u: usize| part.is_some_and(|p| p.row_of[u] as usize == r);
                    row(&mut t, b, a, d, changed_units(&in_row))
                })
                .collect();
            diff_margins(&mut t, &overall, &cells);
            groups.insert(col.clone(), cells);
        }
        t.protect(min);
        DiffProtection {
            table: t,
            overall,
            communes,
            groups,
        }
    }
}

/// The diff rows of a partition add up to the territory, count by count.
fn diff_margins(t: &mut Table, overall: &DiffCells, rows: &[DiffCells]) {
    let col = |f: fn(&DiffCells) -> CellId| -> Vec<CellId> { rows.iter().map(f).collect() };
    t.relate(&[overall.total], &col(|a| a.total));
    t.relate(&[overall.within_before], &col(|a| a.within_before));
    t.relate(&[overall.within_after], &col(|a| a.within_after));
    t.relate(&[overall.newly_within], &col(|a| a.newly_within));
    t.relate(&[overall.newly_beyond], &col(|a| a.newly_beyond));
}
