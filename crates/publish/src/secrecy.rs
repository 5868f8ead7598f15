//! Statistical secrecy of the exported counts.
//!
//! **The rule.** No exported count of people or households (whatever the study's weights count)
//! lies strictly between 0 and a minimum `m` (`[secrecy] min_count`, default 11: INSEE's rule,
//! see DOMAIN "Secrecy and privacy"). Such counts are *suppressed*: written as `null` with a
//! `secret` flag, never rounded up, blurred or merged. A count of 0 may be published. Published
//! commune totals (the census figure a commune's population was read from) are exempt: they are
//! public already.
//!
//! * **Primary suppression.** A count `c` with `0 < c < m` is suppressed. This covers fractional
//!   weights from dasymetric spreading (anything strictly between 0 and `m`, also when its
//!   published rounding, one decimal, would be). It applies to a demand unit's weight (its times
//!   stay: they are not counts), a zone blanche's weight and unreachable weight, the within /
//!   beyond / unreachable counts of a commune, a group value and the whole territory, and to
//!   totals that are not published figures.
//! * **Secondary suppression.** Counts are tied by sums: a total is within + beyond + unreachable;
//!   communes (and the values of each grouping column) add up to the territory; demand units add
//!   up to their commune, group value, the territory and their zone blanche, status by status
//!   (each unit's status is published); the zones add up to the territory's beyond +
//!   unreachable. A suppressed small count must not be recomputable from the published counts
//!   through these sums, even step by step, and the suppressed counts of one sum must not add up
//!   to a small count either (when a total is shown and exactly one of its parts is suppressed,
//!   that part is the total minus the others). Whenever that happens, another published count of
//!   that sum is suppressed too — the smallest, non-zero counts first, preferring parts over
//!   totals and counts that no other sum gives straight back — and the check is repeated until
//!   nothing small can be recomputed. Counts recomputable from the published commune totals and
//!   the units' statuses alone (a small commune whose units are all beyond the threshold) are
//!   public already: they are still written as `null`, but nothing else is suppressed for them.
//! * **Shares** are suppressed with their numerator or denominator: `within_share` is `null`
//!   whenever `within` or the total is. Times, waiting days and numbers of sites or cells are not
//!   counts and are always published.
//! * **Zones blanches are not merged**: a zone with a small weight keeps its polygon, and its
//!   weight is `null` with `secret: true` (suppression is the simpler, robust choice).
//!
//! Published counts are rounded to one decimal ([`round_count`]).
//!
//! [`Table`] holds counts and the sums between them and applies the rule ([`Table::protect`]);
//! [`Protection::new`] builds that table for a [`Coverage`]; [`check_secrecy`] scans any exported
//! JSON document for a small count (tests use it on every file).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use zb_coverage::evaluate::band_of;
use zb_coverage::partition::Partition;
use zb_coverage::{Agg, Coverage, KindCoverage, Reason, Status, Study};

/// True for a count that may not be published: strictly between 0 and `min`.
pub fn is_small(count: f64, min: f64) -> bool {
    count > 0.0 && count < min
}

/// A count as published: one decimal.
pub fn round_count(count: f64) -> f64 {
    round_to(count, 1)
}

pub use zb_writers::round_to;

/// A count of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(u32);

/// Whether a count is shown, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellState {
    Shown,
    /// Small (or a small unpublished total).
    Primary,
    /// Suppressed so that a small count cannot be recomputed.
    Secondary,
    /// Never published (a count no output shows, but that sums may give away).
    Unpublished,
}

/// One sum of a [`Table`]: `cells[..lhs]` add up to `cells[lhs..]`.
struct Relation<'a> {
    cells: &'a [u32],
    lhs: usize,
}

/// Counts and the sums that tie them; [`Table::protect`] decides which to suppress.
#[derive(Debug, Clone, Default)]
pub struct Table {
    values: Vec<f64>,
    exempt: Vec<bool>,
    state: Vec<CellState>,
    /// The relations, flat: relation `r` is `rel_cells[rel_end[r - 1]..rel_end[r]]`, its first
    /// `rel_lhs[r]` counts on the left.
    rel_cells: Vec<u32>,
    rel_end: Vec<u32>,
    rel_lhs: Vec<u32>,
}

/// What can be recomputed from the shown counts.
struct Closure {
    known: Vec<bool>,
    /// The relation a suppressed count can be recomputed from.
    derived_by: Vec<Option<u32>>,
    /// Unknown counts per relation (0 or at least 2 once closed).
    unknown: Vec<u32>,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// A table with room for `cells` counts and `terms` counts in all its sums.
    pub fn with_capacity(cells: usize, terms: usize) -> Table {
        Table {
            values: Vec::with_capacity(cells),
            exempt: Vec::with_capacity(cells),
            state: Vec::with_capacity(cells),
            rel_cells: Vec::with_capacity(terms),
            rel_end: Vec::new(),
            rel_lhs: Vec::new(),
        }
    }

    /// A count subject to the rule.
    pub fn cell(&mut self, value: f64) -> CellId {
        self.push(value, false)
    }

    /// A published figure (a commune's census population): always shown.
    pub fn exempt_cell(&mut self, value: f64) -> CellId {
        self.push(value, true)
    }

    fn push(&mut self, value: f64, exempt: bool) -> CellId {
        let id = CellId(u32::try_from(self.values.len()).expect("fewer than 2^32 counts"));
        self.values
            .push(if value.is_finite() { value } else { 0.0 });
        self.exempt.push(exempt);
        self.state.push(CellState::Shown);
        id
    }

    /// Records that the counts `sum` add up to the counts `parts` (each count at most once; an
    /// empty side is a sum of 0).
    pub fn relate(&mut self, sum: &[CellId], parts: &[CellId]) {
        debug_assert!(
            sum.iter().chain(parts).collect::<BTreeSet<_>>().len() == sum.len() + parts.len(),
            "a count appears twice in one sum"
        );
        if sum.len() + parts.len() > 0 {
            self.rel_cells.extend(sum.iter().chain(parts).map(|c| c.0));
            self.rel_end.push(
                u32::try_from(self.rel_cells.len()).expect("fewer than 2^32 terms in all sums"),
            );
            self.rel_lhs.push(sum.len() as u32);
        }
    }

    fn num_relations(&self) -> usize {
        self.rel_end.len()
    }

    fn rel(&self, r: usize) -> Relation<'_> {
        let start = if r == 0 {
            0
        } else {
            self.rel_end[r - 1] as usize
        };
        Relation {
            cells: &self.rel_cells[start..self.rel_end[r] as usize],
            lhs: self.rel_lhs[r] as usize,
        }
    }

    /// A count hidden from the start (one published elsewhere as hidden).
    pub fn hidden_cell(&mut self, value: f64) -> CellId {
        let id = self.cell(value);
        self.suppress(id);
        id
    }

    /// A count no output shows: it is never published, and the rule sees that sums do not give
    /// it away when it is small.
    pub fn unpublished_cell(&mut self, value: f64) -> CellId {
        let id = self.cell(value);
        self.state[id.0 as usize] = CellState::Unpublished;
        id
    }

    /// Makes every shown count except the `late` ones a published figure (exempt): a further
    /// [`Table::protect`] then decides the `late` counts only, keeping every other decision.
    pub fn freeze_except(&mut self, late: &[CellId]) {
        let mut keep = vec![false; self.values.len()];
        for c in late {
            keep[c.0 as usize] = true;
        }
        for (i, s) in self.state.iter().enumerate() {
            if *s == CellState::Shown && !keep[i] {
                self.exempt[i] = true;
            }
        }
    }

    /// Suppresses a count on purpose (e.g. when its relations are unknown).
    pub fn suppress(&mut self, id: CellId) {
        let i = id.0 as usize;
        if !self.exempt[i] && self.state[i] == CellState::Shown {
            self.state[i] = CellState::Secondary;
        }
    }

    pub fn value(&self, id: CellId) -> f64 {
        self.values[id.0 as usize]
    }

    pub fn state(&self, id: CellId) -> CellState {
        self.state[id.0 as usize]
    }

    pub fn is_suppressed(&self, id: CellId) -> bool {
        self.state(id) != CellState::Shown
    }

    /// The count as published ([`round_count`]), `None` when suppressed.
    pub fn published(&self, id: CellId) -> Option<f64> {
        (!self.is_suppressed(id)).then(|| round_count(self.value(id)))
    }

    /// Numbers of (primary, secondary) suppressions.
    pub fn suppressed(&self) -> (usize, usize) {
        let n = |s: CellState| self.state.iter().filter(|&&x| x == s).count();
        (n(CellState::Primary), n(CellState::Secondary))
    }

    /// Applies the rule of the module documentation with minimum `min`.
    pub fn protect(&mut self, min: f64) {
        for i in 0..self.values.len() {
            let v = self.values[i];
            if !self.exempt[i]
                && self.state[i] != CellState::Unpublished
                && (is_small(v, min) || is_small(round_count(v), min))
            {
                self.state[i] = CellState::Primary;
            }
        }
        if self.state.iter().all(|&s| s == CellState::Shown) {
            // Nothing hidden and nothing small: no sum can give a small count away (the usual
            // case with safe units).
            return;
        }
        let index = self.relations_of_cells();
        // Counts recomputable from the published figures alone are public: hiding them is
        // futile, and giving them away is no leak.
        let public = self.closure(&index, self.exempt.clone()).known;
        loop {
            let closure = self.closure(&index, self.shown());
            let violated = self.violations(&closure, &public, min);
            if violated.is_empty() {
                break;
            }
            let mut progress = false;
            let mut visited = BTreeSet::new();
            for r in violated {
                if let Some(c) = self.candidate(r, &closure, &public, &index, &mut visited) {
                    self.state[c as usize] = CellState::Secondary;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
    }

    fn shown(&self) -> Vec<bool> {
        self.state.iter().map(|&s| s == CellState::Shown).collect()
    }

    /// Small counts (or small sums of suppressed counts) that can be recomputed from the shown
    /// counts, and not from the exempt published figures alone, as readable lines (one per sum
    /// giving them away): the check [`Table::protect`] repeats, for audits; empty after it
    /// unless some sum had nothing left to suppress.
    pub fn leaks(&self, min: f64) -> Vec<String> {
        if self.state.iter().all(|&s| s == CellState::Shown)
            && self.values.iter().all(|&v| !is_small(v, min))
        {
            return Vec::new();
        }
        let index = self.relations_of_cells();
        let public = self.closure(&index, self.exempt.clone()).known;
        let closure = self.closure(&index, self.shown());
        self.violations(&closure, &public, min)
            .into_iter()
            .map(|r| {
                let rel = self.rel(r as usize);
                let show = |c: &u32| {
                    let v = self.values[*c as usize];
                    match self.state[*c as usize] {
                        CellState::Shown => format!("{v}"),
                        _ if closure.known[*c as usize] => format!("({v}, recomputable)"),
                        _ => format!("({v})"),
                    }
                };
                let lhs: Vec<String> = rel.cells[..rel.lhs].iter().map(show).collect();
                let rhs: Vec<String> = rel.cells[rel.lhs..].iter().map(show).collect();
                format!("{} = {}", lhs.join(" + "), rhs.join(" + "))
            })
            .collect()
    }

    /// For each count, the relations it is in (CSR).
    fn relations_of_cells(&self) -> (Vec<usize>, Vec<u32>) {
        let mut start = vec![0usize; self.values.len() + 1];
        for &c in &self.rel_cells {
            start[c as usize + 1] += 1;
        }
        for i in 0..self.values.len() {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut rels = vec![0u32; start[self.values.len()]];
        for ri in 0..self.num_relations() {
            for &c in self.rel(ri).cells {
                rels[fill[c as usize]] = ri as u32;
                fill[c as usize] += 1;
            }
        }
        (start, rels)
    }

    /// Everything recomputable from the `known` counts: a relation with a single unknown count
    /// gives it away.
    fn closure(&self, (start, rels): &(Vec<usize>, Vec<u32>), mut known: Vec<bool>) -> Closure {
        let mut derived_by = vec![None; self.values.len()];
        let mut unknown: Vec<u32> = (0..self.num_relations())
            .map(|r| {
                self.rel(r)
                    .cells
                    .iter()
                    .filter(|&&c| !known[c as usize])
                    .count() as u32
            })
            .collect();
        let mut queue: Vec<u32> = (0..self.num_relations() as u32)
            .filter(|&r| unknown[r as usize] == 1)
            .collect();
        while let Some(r) = queue.pop() {
            if unknown[r as usize] != 1 {
                continue;
            }
            let Some(&c) = self
                .rel(r as usize)
                .cells
                .iter()
                .find(|&&c| !known[c as usize])
            else {
                continue;
            };
            known[c as usize] = true;
            derived_by[c as usize] = Some(r);
            for &r2 in &rels[start[c as usize]..start[c as usize + 1]] {
                unknown[r2 as usize] -= 1;
                if unknown[r2 as usize] == 1 {
                    queue.push(r2);
                }
            }
        }
        Closure {
            known,
            derived_by,
            unknown,
        }
    }

    /// Relations giving away a small count: a suppressed small count recomputed from them, or
    /// a small sum of their unknown counts when those are all on one side (and not all of it).
    fn violations(&self, closure: &Closure, public: &[bool], min: f64) -> BTreeSet<u32> {
        let mut out = BTreeSet::new();
        for (i, &s) in self.state.iter().enumerate() {
            if s != CellState::Shown
                && closure.known[i]
                && !public[i]
                && is_small(self.values[i], min)
                && let Some(r) = closure.derived_by[i]
            {
                out.insert(r);
            }
        }
        // With no negative count a running sum only grows: once it reaches `min` it is not small.
        let nonneg = self.values.iter().all(|&v| v >= 0.0);
        for ri in 0..self.num_relations() {
            let r = self.rel(ri);
            let unknown = closure.unknown[ri] as usize;
            if unknown < 2 {
                continue;
            }
            // The unknown counts of one side: how many, their sum, and whether one of them is
            // not public already. `stop`: give up once the sum is not small.
            let side = |cells: &[u32], stop: bool| -> (usize, f64, bool) {
                let (mut n, mut sum, mut hidden) = (0, 0.0, false);
                for &c in cells {
                    let c = c as usize;
                    if !closure.known[c] {
                        n += 1;
                        sum += self.values[c];
                        hidden |= !public[c];
                        if stop && sum >= min {
                            break;
                        }
                    }
                }
                (n, sum, hidden)
            };
            let (lhs, rhs) = r.cells.split_at(r.lhs);
            let (nl, sl, hidden_l) = side(lhs, false);
            // All the unknowns on one side (but not that whole side): their sum is recomputable.
            let one_sided = if nl == unknown {
                nl < lhs.len() && is_small(sl, min) && hidden_l
            } else if nl == 0 {
                unknown < rhs.len() && {
                    let (_, sr, hidden_r) = side(rhs, nonneg);
                    is_small(sr, min) && hidden_r
                }
            } else {
                false
            };
            // The group's sum is recomputed from the relation's known counts: when each of them
            // follows from the exempt (public) counts alone, so does the sum, and no suppression
            // can hide it; publishing adds nothing to what is public.
            let from_public = r
                .cells
                .iter()
                .all(|&c| !closure.known[c as usize] || public[c as usize]);
            if one_sided && !from_public {
                out.insert(ri as u32);
            }
        }
        out
    }

    /// The count to suppress so that relation `r` gives nothing away: first, a suppressed count
    /// of `r` that another relation recomputes is made unknown again through that relation
    /// (which completes the usual rectangle of suppressions across a row and a column); else
    /// the smallest shown, non-exempt count of `r`, preferring non-zero counts, counts that no
    /// other relation would give straight back, and parts over sums. Counts recomputable from
    /// published figures alone are never chosen. `None` when nothing is left to suppress.
    fn candidate(
        &self,
        r: u32,
        closure: &Closure,
        public: &[bool],
        index: &(Vec<usize>, Vec<u32>),
        visited: &mut BTreeSet<u32>,
    ) -> Option<u32> {
        if !visited.insert(r) {
            return None;
        }
        let (start, rels) = index;
        let rel = self.rel(r as usize);
        for &c in rel.cells {
            if self.state[c as usize] != CellState::Shown
                && !public[c as usize]
                && let Some(r2) = closure.derived_by[c as usize]
                && r2 != r
                && let Some(x) = self.candidate(r2, closure, public, index, visited)
            {
                return Some(x);
            }
        }
        let recomputable = |c: u32| {
            rels[start[c as usize]..start[c as usize + 1]]
                .iter()
                .any(|&r2| r2 != r && closure.unknown[r2 as usize] == 0)
        };
        rel.cells
            .iter()
            .enumerate()
            .filter(|&(_, &c)| {
                self.state[c as usize] == CellState::Shown
                    && !self.exempt[c as usize]
                    && !public[c as usize]
            })
            .map(|(pos, &c)| {
                let v = self.values[c as usize];
                ((v == 0.0, recomputable(c), pos < rel.lhs), v, c)
            })
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)))
            .map(|x| x.2)
    }
}

/// The counts of one aggregate row (a commune, a group value, the territory) for one kind.
#[derive(Debug, Clone)]
struct AggCells {
    total: CellId,
    within: CellId,
    beyond: CellId,
    unreachable: CellId,
    split: SplitCells,
    /// Reachable weight per time band.
    bands: Vec<CellId>,
}

/// The counts a row's split adds: the unreachable weight by reason and the weight reached by
/// ferry. They are decided after the other counts, which they never change (see
/// [`Protection::of_kinds`]).
#[derive(Debug, Clone, Copy)]
struct SplitCells {
    off_network: CellId,
    no_road_link: CellId,
    via_ferry: CellId,
    /// Reachable weight not by ferry: never published, but within + beyond - via ferry.
    by_road: CellId,
}

impl SplitCells {
    fn new(t: &mut Table, agg: &Agg) -> SplitCells {
        SplitCells {
            off_network: t.cell(agg.unreachable_off_network),
            no_road_link: t.cell(agg.unreachable_no_road_link),
            via_ferry: t.cell(agg.weight_via_ferry),
            by_road: t
                .unpublished_cell(agg.within_weight + agg.beyond_weight - agg.weight_via_ferry),
        }
    }

    fn cells(&self) -> [CellId; 4] {
        [
            self.off_network,
            self.no_road_link,
            self.via_ferry,
            self.by_road,
        ]
    }
}

/// Sums recorded while the other counts are decided, added to the table afterwards.
#[derive(Default)]
struct Deferred {
    relations: Vec<(Vec<CellId>, Vec<CellId>)>,
    late: Vec<CellId>,
}

impl Deferred {
    fn relate(&mut self, sum: &[CellId], parts: Vec<CellId>) {
        self.relations.push((sum.to_vec(), parts));
    }
}

/// An aggregate as it may be published: `None` is a suppressed count.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedAgg {
    pub total: Option<f64>,
    /// The total is a published figure (exempt).
    pub total_published: bool,
    pub within: Option<f64>,
    pub beyond: Option<f64>,
    pub unreachable: Option<f64>,
    /// The unreachable weight farther than the snapping limit from every road, and the one
    /// on a road with no road link to a site: both shown or both suppressed.
    pub unreachable_off_network: Option<f64>,
    pub unreachable_no_road_link: Option<f64>,
    /// The weight whose trip to the nearest site takes a ferry.
    pub weight_via_ferry: Option<f64>,
    /// `None` when the total is 0, or `within` or the total is suppressed; 4 decimals.
    pub within_share: Option<f64>,
    /// Reachable weight per time band ([`Agg::bands`]).
    pub bands: Vec<Option<f64>>,
    /// Some count of this row and kind (total included) is suppressed.
    pub secret: bool,
}

#[derive(Debug, Clone)]
struct KindCells {
    overall: AggCells,
    communes: Vec<AggCells>,
    groups: BTreeMap<String, Vec<AggCells>>,
    /// (weight, unreachable weight) per zone.
    zones: Vec<(CellId, CellId)>,
}

/// The secrecy decisions for every count a [`Coverage`] exports.
#[derive(Debug, Clone)]
pub struct Protection {
    table: Table,
    min: f64,
    units: Vec<CellId>,
    kinds: Vec<KindCells>,
    /// Zones whose units could not be matched: suppressed wholesale.
    zones_unmatched: usize,
}

impl Protection {
    /// Builds the table of every exported count of `coverage` and the sums between them, and
    /// applies the rule with `study.secrecy_min_count`.
    pub fn new(study: &Study, coverage: &Coverage) -> Protection {
        let kinds: Vec<&KindCoverage> = coverage.kinds.iter().collect();
        Protection::of_kinds(study, &kinds)
    }

    /// [`Protection::new`] of a coverage made of `kinds`.
    pub fn of_kinds(study: &Study, coverage_kinds: &[&KindCoverage]) -> Protection {
        let min = study.secrecy_min_count;
        // Each unit is in about 3 + 2 x (groupings + 1) sums per kind.
        let n = study.units.len();
        let terms = n * (2 + coverage_kinds.len() * (3 + 2 * (study.group_columns.len() + 1)));
        let mut t = Table::with_capacity(n + 1024, terms);
        let units: Vec<CellId> = study.units.iter().map(|u| t.cell(u.weight)).collect();
        let all: Vec<u32> = (0..study.units.len() as u32).collect();
        let overall_total = t.cell(study.total_weight());
        t.relate(&[overall_total], &units);

        // Row totals do not depend on the kind: one count each, tied to its units.
        let ix = study.unit_index();
        let row_of = |p: &Partition, key: &str| -> Option<usize> {
            p.rows.binary_search_by(|r| r.key.as_str().cmp(key)).ok()
        };
        let mut commune_totals: Vec<Option<CellId>> = vec![None; ix.communes.rows.len()];
        let mut group_totals: BTreeMap<&str, Vec<Option<CellId>>> = ix
            .groups
            .iter()
            .map(|(col, p)| (col.as_str(), vec![None; p.rows.len()]))
            .collect();
        let total_of = |t: &mut Table, slot: &mut Option<CellId>, agg: &Agg, members: &[u32]| {
            *slot.get_or_insert_with(|| {
                let c = if agg.total_published {
                    t.exempt_cell(agg.total_weight)
                } else {
                    t.cell(agg.total_weight)
                };
                let m: Vec<CellId> = members.iter().map(|&i| units[i as usize]).collect();
                t.relate(&[c], &m);
                c
            })
        };

        let mut kinds = Vec::with_capacity(coverage_kinds.len());
        let mut late = Deferred::default();
        for &kc in coverage_kinds {
            let overall = agg_cells(
                &mut t,
                &mut late,
                overall_total,
                &kc.overall,
                &all,
                kc,
                &units,
                &study.bands_min,
            );
            let mut communes = Vec::with_capacity(kc.communes.len());
            for a in &kc.communes {
                let (members, total) = match row_of(&ix.communes, &a.key) {
                    Some(r) => (
                        &ix.communes.rows[r].members[..],
                        total_of(
                            &mut t,
                            &mut commune_totals[r],
                            a,
                            &ix.communes.rows[r].members,
                        ),
                    ),
                    None => (&[][..], total_of(&mut t, &mut None, a, &[])),
                };
                communes.push(agg_cells(
                    &mut t,
                    &mut late,
                    total,
                    a,
                    members,
                    kc,
                    &units,
                    &study.bands_min,
                ));
            }
            margins(&mut t, &mut late, &overall, &communes, kinds.is_empty());
            let mut groups = BTreeMap::new();
            for (col, rows) in &kc.groups {
                let part = ix.groups.get(col);
                let cells: Vec<AggCells> = rows
                    .iter()
                    .map(|a| {
                        let found = part.and_then(|p| Some((p, row_of(p, &a.key)?)));
                        let (members, total) = match found {
                            Some((p, r)) => {
                                let slot =
                                    &mut group_totals.get_mut(col.as_str()).expect("a column")[r];
                                (
                                    &p.rows[r].members[..],
                                    total_of(&mut t, slot, a, &p.rows[r].members),
                                )
                            }
                            None => (&[][..], total_of(&mut t, &mut None, a, &[])),
                        };
                        agg_cells(
                            &mut t,
                            &mut late,
                            total,
                            a,
                            members,
                            kc,
                            &units,
                            &study.bands_min,
                        )
                    })
                    .collect();
                margins(&mut t, &mut late, &overall, &cells, kinds.is_empty());
                groups.insert(col.clone(), cells);
            }
            let zones: Vec<(CellId, CellId)> = kc
                .zones
                .iter()
                .map(|z| (t.cell(z.weight), t.cell(z.unreachable_weight)))
                .collect();
            kinds.push(KindCells {
                overall,
                communes,
                groups,
                zones,
            });
        }
        let mut zones_unmatched = 0;
        for (&kc, cells) in coverage_kinds.iter().zip(&kinds) {
            match zone_members(study, kc) {
                Some(members) => {
                    for (m, &(w, unr)) in members.iter().zip(&cells.zones) {
                        let all: Vec<CellId> = m.iter().map(|&i| units[i]).collect();
                        let unreachable: Vec<CellId> = m
                            .iter()
                            .filter(|&&i| kc.units[i].status == Status::Unreachable)
                            .map(|&i| units[i])
                            .collect();
                        t.relate(&[w], &all);
                        t.relate(&[unr], &unreachable);
                    }
                    let (w, unr): (Vec<CellId>, Vec<CellId>) = cells.zones.iter().copied().unzip();
                    t.relate(&[cells.overall.beyond, cells.overall.unreachable], &w);
                    t.relate(&[cells.overall.unreachable], &unr);
                }
                None => {
                    // The zones do not match the cells they should be made of: suppress their
                    // counts rather than risk giving a small one away.
                    zones_unmatched += cells.zones.len();
                    for &(w, unr) in &cells.zones {
                        t.suppress(w);
                        t.suppress(unr);
                    }
                }
            }
        }
        t.protect(min);
        // Then the splits, without changing any count decided above: those shown are public
        // from now on, those suppressed stay so, and the sums tying the splits to them are
        // added. A row's split by reason is shown whole or not at all.
        t.freeze_except(&late.late);
        for (sum, parts) in &late.relations {
            t.relate(sum, parts);
        }
        let splits: Vec<SplitCells> = kinds
            .iter()
            .flat_map(|k: &KindCells| {
                std::iter::once(&k.overall)
                    .chain(&k.communes)
                    .chain(k.groups.values().flatten())
                    .map(|a| a.split)
            })
            .collect();
        loop {
            t.protect(min);
            let mut changed = false;
            for s in &splits {
                if t.is_suppressed(s.off_network) != t.is_suppressed(s.no_road_link) {
                    t.suppress(s.off_network);
                    t.suppress(s.no_road_link);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Protection {
            table: t,
            min,
            units,
            kinds,
            zones_unmatched,
        }
    }

    /// The minimum count published.
    pub fn min_count(&self) -> f64 {
        self.min
    }

    /// The table of counts (for audits: [`Table::leaks`]).
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Numbers of (primary, secondary) suppressions.
    pub fn suppressed(&self) -> (usize, usize) {
        self.table.suppressed()
    }

    /// Zones whose counts were suppressed because their units could not be matched (0 unless
    /// the zone computation changed without this module).
    pub fn zones_unmatched(&self) -> usize {
        self.zones_unmatched
    }

    /// A demand unit's weight as published.
    pub fn unit_weight(&self, unit: usize) -> Option<f64> {
        self.table.published(self.units[unit])
    }

    /// The whole territory, kind `k` (index into [`Coverage::kinds`]).
    pub fn overall(&self, k: usize, agg: &Agg) -> PublishedAgg {
        self.publish(&self.kinds[k].overall, agg)
    }

    /// Row `row` of [`KindCoverage::communes`] of kind `k`.
    pub fn commune(&self, k: usize, row: usize, agg: &Agg) -> PublishedAgg {
        self.publish(&self.kinds[k].communes[row], agg)
    }

    /// Row `row` of grouping column `col` of kind `k`.
    pub fn group(&self, k: usize, col: &str, row: usize, agg: &Agg) -> PublishedAgg {
        self.publish(&self.kinds[k].groups[col][row], agg)
    }

    /// A zone's (weight, unreachable weight) as published.
    pub fn zone(&self, k: usize, zone: usize) -> (Option<f64>, Option<f64>) {
        let (w, u) = self.kinds[k].zones[zone];
        (self.table.published(w), self.table.published(u))
    }

    fn publish(&self, c: &AggCells, agg: &Agg) -> PublishedAgg {
        let t = &self.table;
        let total = t.published(c.total);
        let within = t.published(c.within);
        let within_share = match (total, within) {
            (Some(_), Some(_)) => agg.within_share.map(|s| round_to(s, 4)),
            _ => None,
        };
        let sp = &c.split;
        PublishedAgg {
            total,
            total_published: agg.total_published,
            within,
            beyond: t.published(c.beyond),
            unreachable: t.published(c.unreachable),
            unreachable_off_network: t.published(sp.off_network),
            unreachable_no_road_link: t.published(sp.no_road_link),
            weight_via_ferry: t.published(sp.via_ferry),
            within_share,
            bands: c.bands.iter().map(|&b| t.published(b)).collect(),
            secret: c.bands.iter().any(|&b| t.is_suppressed(b))
                || [
                    c.total,
                    c.within,
                    c.beyond,
                    c.unreachable,
                    sp.off_network,
                    sp.no_road_link,
                    sp.via_ferry,
                ]
                .iter()
                .any(|&x| t.is_suppressed(x)),
        }
    }
}

/// A what-if diff row as it may be published: `None` is a suppressed count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedDiff {
    pub total: Option<f64>,
    pub within_before: Option<f64>,
    pub within_after: Option<f64>,
    pub newly_within: Option<f64>,
    pub newly_beyond: Option<f64>,
    /// Some count of the row is suppressed.
    pub secret: bool,
}

/// The counts of one diff row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DiffCells {
    pub(crate) total: CellId,
    pub(crate) within_before: CellId,
    pub(crate) within_after: CellId,
    pub(crate) newly_within: CellId,
    pub(crate) newly_beyond: CellId,
}

/// The secrecy decisions of one kind's what-if diff. The counts before are published as the
/// kind's coverage publishes them (`before`: shown ones are public, hidden ones stay hidden), the
/// within-after counts are hidden where the coverage after hides them (`after`), and the diff's
/// own sums are added: per row, within after + newly beyond = within before + newly within; the
/// rows add up to the territory; the newly within (beyond) weight of a row is the weight of its
/// units that changed state that way, each unit weight published as `before` publishes it. Then
/// the rule of the module applies: nothing small can be recomputed, through any of these sums.
#[derive(Debug, Clone)]
pub struct DiffProtection {
    pub(crate) table: Table,
    pub(crate) overall: DiffCells,
    pub(crate) communes: Vec<DiffCells>,
    pub(crate) groups: BTreeMap<String, Vec<DiffCells>>,
}

impl DiffProtection {
    /// The table of the diff's counts (for audits: [`Table::leaks`]).
    pub fn table(&self) -> &Table {
        &self.table
    }

    pub fn overall(&self) -> PublishedDiff {
        self.publish(&self.overall)
    }

    /// Row `row` of the diff's communes.
    pub fn commune(&self, row: usize) -> PublishedDiff {
        self.publish(&self.communes[row])
    }

    /// Row `row` of grouping column `col`.
    pub fn group(&self, col: &str, row: usize) -> PublishedDiff {
        self.publish(&self.groups[col][row])
    }

    fn publish(&self, c: &DiffCells) -> PublishedDiff {
        let t = &self.table;
        let cells = [
            c.total,
            c.within_before,
            c.within_after,
            c.newly_within,
            c.newly_beyond,
        ];
        PublishedDiff {
            total: t.published(c.total),
            within_before: t.published(c.within_before),
            within_after: t.published(c.within_after),
            newly_within: t.published(c.newly_within),
            newly_beyond: t.published(c.newly_beyond),
            secret: cells.iter().any(|&x| t.is_suppressed(x)),
        }
    }
}

/// The counts of one aggregate row, tied to its total and to its units; the sums of its split
/// go to `late`.
#[allow(clippy::too_many_arguments)]
fn agg_cells(
    t: &mut Table,
    late: &mut Deferred,
    total: CellId,
    agg: &Agg,
    members: &[u32],
    kc: &KindCoverage,
    units: &[CellId],
    band_limits: &[f64],
) -> AggCells {
    let within = t.cell(agg.within_weight);
    let beyond = t.cell(agg.beyond_weight);
    let unreachable = t.cell(agg.unreachable_weight);
    t.relate(&[total], &[within, beyond, unreachable]);
    // The units of each status, and of each part of the split (each unit's status, reason
    // and ferry are published), in one pass.
    let mut by_status: [Vec<CellId>; 3] = Default::default();
    let mut by_split: [Vec<CellId>; 4] = Default::default();
    for &i in members {
        let r = &kc.units[i as usize];
        let s = match r.status {
            Status::Within => 0,
            Status::Beyond => 1,
            Status::Unreachable => 2,
        };
        let p = match (r.reason, r.via_ferry) {
            (Some(Reason::OffNetwork), _) => 0,
            (Some(Reason::NoRoadLink), _) => 1,
            (None, true) => 2,
            (None, false) => 3,
        };
        by_status[s].push(units[i as usize]);
        by_split[p].push(units[i as usize]);
    }
    for (cell, parts) in [within, beyond, unreachable].into_iter().zip(&by_status) {
        t.relate(&[cell], parts);
    }
    let split = SplitCells::new(t, agg);
    late.late.extend(split.cells());
    late.relate(&[unreachable], vec![split.off_network, split.no_road_link]);
    late.relate(&[within, beyond], vec![split.via_ferry, split.by_road]);
    for (cell, parts) in split.cells().into_iter().zip(by_split) {
        late.relate(&[cell], parts);
    }
    // The time bands: decided late too, as sums of the reachable units (their minutes are
    // published, so is their band), adding up to within + beyond.
    let bands: Vec<CellId> = agg.bands.iter().map(|&w| t.cell(w)).collect();
    late.late.extend(&bands);
    late.relate(&[within, beyond], bands.clone());
    let mut by_band: Vec<Vec<CellId>> = vec![Vec::new(); bands.len()];
    for &i in members {
        if let Some(m) = kc.units[i as usize].minutes {
            by_band[band_of(band_limits, m)].push(units[i as usize]);
        }
    }
    for (&cell, parts) in bands.iter().zip(by_band) {
        late.relate(&[cell], parts);
    }
    AggCells {
        total,
        within,
        beyond,
        unreachable,
        split,
        bands,
    }
}

/// The rows of a partition add up to the territory, count by count (the splits' in `late`).
fn margins(
    t: &mut Table,
    late: &mut Deferred,
    overall: &AggCells,
    rows: &[AggCells],
    totals: bool,
) {
    let col = |f: fn(&AggCells) -> CellId| -> Vec<CellId> { rows.iter().map(f).collect() };
    if totals {
        // The totals are shared by every kind: once is enough.
        t.relate(&[overall.total], &col(|a| a.total));
    }
    t.relate(&[overall.within], &col(|a| a.within));
    t.relate(&[overall.beyond], &col(|a| a.beyond));
    t.relate(&[overall.unreachable], &col(|a| a.unreachable));
    for (p, cell) in overall.split.cells().into_iter().enumerate() {
        late.relate(&[cell], rows.iter().map(|a| a.split.cells()[p]).collect());
    }
    for (b, &cell) in overall.bands.iter().enumerate() {
        late.relate(
            &[cell],
            rows.iter()
                .filter_map(|a| a.bands.get(b).copied())
                .collect(),
        );
    }
}

/// The demand units of each zone of `kc`, from its cells; `None` when they do not match the
/// zone (its number of cells and weight).
fn zone_members(study: &Study, kc: &KindCoverage) -> Option<Vec<Vec<usize>>> {
    let ix = study.unit_index();
    let selected = |i: u32| study.in_zone(&kc.units, i);
    let mut out = Vec::with_capacity(kc.zones.len());
    for z in &kc.zones {
        let members: Vec<usize> = z
            .cell_ids
            .iter()
            .filter_map(|&c| ix.cell_members.get(c as usize))
            .flat_map(|m| m.iter().copied())
            .filter(|&i| selected(i))
            .map(|i| i as usize)
            .collect();
        let w: f64 = members.iter().map(|&i| study.units[i].weight).sum();
        if z.cell_ids.len() != z.cells || (w - z.weight).abs() > 1e-9 * w.max(1.0) {
            return None;
        }
        out.push(members);
    }
    Some(out)
}

/// True for the name of a count field in the exports: `weight`, `total`, `within_*`,
/// `beyond_*`, `unreachable_*`, `*_weight`, `weight_*` (shares excluded).
pub fn is_count_field(name: &str) -> bool {
    if name.contains("share") {
        return false;
    }
    name == "weight"
        || name == "total"
        || name.ends_with("_weight")
        || name.starts_with("weight_")
        || ["within", "beyond", "unreachable"]
            .iter()
            .any(|p| name == *p || name.starts_with(&format!("{p}_")))
}

/// Every count field of a JSON document (any depth) holding a number strictly between 0 and
/// `min`, as `path: value` lines. A `total` is allowed when its object says
/// `"total_published": true`.
pub fn check_secrecy(value: &Value, min: f64) -> Vec<String> {
    fn walk(v: &Value, path: &str, min: f64, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let published = map.get("total_published") == Some(&Value::Bool(true));
                for (k, x) in map {
                    let p = format!("{path}/{k}");
                    if is_count_field(k)
                        && let Some(n) = x.as_f64()
                        && is_small(n, min)
                        && !(k == "total" && published)
                    {
                        out.push(format!("{p}: {n}"));
                    }
                    walk(x, &p, min, out);
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, &format!("{path}/{i}"), min, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", min, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const MIN: f64 = 11.0;

    /// A row: total = within + beyond + unreachable.
    fn row(t: &mut Table, published: bool, parts: [f64; 3]) -> (CellId, [CellId; 3]) {
        let sum: f64 = parts.iter().sum();
        let total = if published {
            t.exempt_cell(sum)
        } else {
            t.cell(sum)
        };
        let p = parts.map(|v| t.cell(v));
        t.relate(&[total], &p);
        (total, p)
    }

    fn shown(t: &Table, ids: &[CellId]) -> Vec<Option<f64>> {
        ids.iter().map(|&c| t.published(c)).collect()
    }

    #[test]
    fn small_is_strictly_between_zero_and_min() {
        assert!(!is_small(0.0, MIN));
        assert!(is_small(0.04, MIN));
        assert!(is_small(1.0, MIN));
        assert!(is_small(10.99, MIN));
        assert!(!is_small(11.0, MIN));
        assert!(!is_small(4594.0, MIN));
        assert_eq!(round_to(-0.00001, 2).to_bits(), 0f64.to_bits());
        assert_eq!(round_count(10.96), 11.0);
    }

    #[test]
    fn small_counts_are_suppressed_zero_is_shown() {
        let mut t = Table::new();
        let (total, p) = row(&mut t, false, [120.0, 0.0, 0.0]);
        let lone = t.cell(5.0);
        let frac = t.cell(10.96);
        t.protect(MIN);
        assert_eq!(t.published(total), Some(120.0));
        assert_eq!(shown(&t, &p), vec![Some(120.0), Some(0.0), Some(0.0)]);
        assert_eq!(t.published(lone), None);
        assert_eq!(t.state(lone), CellState::Primary);
        // 10.96 would be published as 11.0, but it is less than 11.
        assert_eq!(t.published(frac), None);
    }

    #[test]
    fn published_totals_are_exempt_unpublished_small_totals_are_not() {
        let mut t = Table::new();
        let (published, _) = row(&mut t, true, [0.0, 0.0, 3.0]);
        let (unpublished, up) = row(&mut t, false, [2.0, 0.0, 3.0]);
        t.protect(MIN);
        assert_eq!(t.published(published), Some(3.0));
        assert_eq!(t.published(unpublished), None);
        assert_eq!(shown(&t, &up), vec![None, Some(0.0), None]);
    }

    #[test]
    fn one_suppressed_part_takes_the_smallest_other_non_zero_part_with_it() {
        let mut t = Table::new();
        let (total, p) = row(&mut t, true, [95.0, 5.0, 0.0]);
        t.protect(MIN);
        assert_eq!(t.published(total), Some(100.0));
        // beyond = 100 - 95 - 0 would give 5 away.
        assert_eq!(shown(&t, &p), vec![None, None, Some(0.0)]);
        assert_eq!(t.state(p[0]), CellState::Secondary);
        assert_eq!(t.state(p[1]), CellState::Primary);

        let mut t = Table::new();
        let (_, p) = row(&mut t, false, [400.0, 5.0, 30.0]);
        t.protect(MIN);
        assert_eq!(shown(&t, &p), vec![Some(400.0), None, None]);
    }

    #[test]
    fn suppressed_parts_must_not_add_up_to_a_small_count() {
        // 3 + 4 = 7 would be total - within.
        let mut t = Table::new();
        let (_, p) = row(&mut t, true, [200.0, 3.0, 4.0]);
        t.protect(MIN);
        assert_eq!(shown(&t, &p), vec![None, None, None]);
        // 6 + 8 = 14 is not small: within stays.
        let mut t = Table::new();
        let (_, p) = row(&mut t, true, [200.0, 6.0, 8.0]);
        t.protect(MIN);
        assert_eq!(shown(&t, &p), vec![Some(200.0), None, None]);
    }

    #[test]
    fn a_published_small_total_hides_its_whole_split() {
        // within = 5 - 0 - 0: the zeros go too.
        let mut t = Table::new();
        let (total, p) = row(&mut t, true, [5.0, 0.0, 0.0]);
        t.protect(MIN);
        assert_eq!(t.published(total), Some(5.0));
        assert_eq!(shown(&t, &p), vec![None, None, None]);
        assert!(t.leaks(MIN).is_empty(), "{:?}", t.leaks(MIN));
    }

    #[test]
    fn margins_do_not_give_a_row_away() {
        // Two communes and the territory: within 95 + 300, beyond 5 + 40.
        let mut t = Table::new();
        let (a, ap) = row(&mut t, true, [95.0, 5.0, 0.0]);
        let (b, bp) = row(&mut t, true, [300.0, 40.0, 0.0]);
        let (all, allp) = row(&mut t, false, [395.0, 45.0, 0.0]);
        t.relate(&[all], &[a, b]);
        for ((all, a), b) in allp.iter().zip(&ap).zip(&bp) {
            t.relate(&[*all], &[*a, *b]);
        }
        t.protect(MIN);
        assert!(t.leaks(MIN).is_empty(), "{:?}", t.leaks(MIN));
        // A rectangle: a's beyond (5) and within; b's beyond (else 45 - 40 = 5) and within
        // (else 340 - 300 = 40); the territory's counts stay.
        assert_eq!(shown(&t, &ap), vec![None, None, Some(0.0)]);
        assert_eq!(shown(&t, &bp), vec![None, None, Some(0.0)]);
        assert_eq!(shown(&t, &allp), vec![Some(395.0), Some(45.0), Some(0.0)]);
        assert_eq!(t.suppressed(), (1, 3));
    }

    #[test]
    fn share_is_null_with_within_or_total() {
        let study_agg = |within: f64, beyond: f64, published: bool| Agg {
            key: "x".into(),
            name: None,
            units: 1,
            total_weight: within + beyond,
            total_published: published,
            within_weight: within,
            beyond_weight: beyond,
            unreachable_weight: 0.0,
            unreachable_off_network: 0.0,
            unreachable_no_road_link: 0.0,
            weight_via_ferry: 0.0,
            within_share: Some(within / (within + beyond)),
            median_min: None,
            p90_min: None,
            mean_waiting_days: None,
            waiting_beyond_weight: 0.0,
            bands: vec![within + beyond],
        };
        for (within, beyond, published, share) in [
            (95.0, 5.0, true, None),
            (5.0, 95.0, true, None),
            (3.0, 4.0, false, None),
            (300.0, 0.0, false, Some(1.0)),
            (200.0, 100.0, true, Some(0.6667)),
        ] {
            let agg = study_agg(within, beyond, published);
            let mut t = Table::new();
            let total = if published {
                t.exempt_cell(agg.total_weight)
            } else {
                t.cell(agg.total_weight)
            };
            let split = SplitCells::new(&mut t, &agg);
            let c = AggCells {
                total,
                within: t.cell(within),
                beyond: t.cell(beyond),
                unreachable: t.cell(0.0),
                split,
                bands: Vec::new(),
            };
            t.relate(&[c.total], &[c.within, c.beyond, c.unreachable]);
            t.protect(MIN);
            let p = Protection {
                table: t,
                min: MIN,
                units: Vec::new(),
                kinds: Vec::new(),
                zones_unmatched: 0,
            };
            let out = p.publish(&c, &agg);
            assert_eq!(out.within_share, share, "{within} {beyond}");
            assert_eq!(out.secret, share.is_none(), "{within} {beyond}");
            if out.within.is_none() || out.total.is_none() {
                assert_eq!(out.within_share, None);
            }
        }
    }

    /// Random tables of communes x (within, beyond, unreachable) with units inside: after
    /// protection every small count is suppressed and nothing small can be recomputed (the
    /// published totals are not small here, so every leak could be fixed).
    #[test]
    fn random_tables_leak_nothing() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut with_secondary = 0;
        for case in 0..400 {
            let mut t = Table::new();
            let n_rows = rng.gen_range(1..6);
            let mut all_units = Vec::new();
            let mut rows = Vec::new();
            for _ in 0..n_rows {
                let n_units = rng.gen_range(1..5);
                let mut parts = [Vec::new(), Vec::new(), Vec::new()];
                for _ in 0..n_units {
                    let w = match rng.gen_range(0..4) {
                        0 => 0.0,
                        1 => rng.gen_range(0.1..11.0),
                        _ => rng.gen_range(11.0..300.0),
                    };
                    let u = t.cell(w);
                    parts[rng.gen_range(0..3)].push((u, w));
                    all_units.push(u);
                }
                let sums = parts.each_ref().map(|p| p.iter().map(|x| x.1).sum::<f64>());
                let published = rng.gen_bool(0.5) && sums.iter().sum::<f64>() >= MIN;
                let (total, cells) = row(&mut t, published, sums);
                let units: Vec<CellId> = parts.iter().flatten().map(|x| x.0).collect();
                t.relate(&[total], &units);
                for (cell, part) in cells.iter().zip(&parts) {
                    let members: Vec<CellId> = part.iter().map(|x| x.0).collect();
                    t.relate(&[*cell], &members);
                }
                rows.push((total, cells, sums));
            }
            let sum = |j: usize| rows.iter().map(|r| r.2[j]).sum::<f64>();
            let (all, allp) = row(&mut t, false, [sum(0), sum(1), sum(2)]);
            let totals: Vec<CellId> = rows.iter().map(|r| r.0).collect();
            t.relate(&[all], &totals);
            t.relate(&[all], &all_units);
            for (j, all) in allp.iter().enumerate() {
                let col: Vec<CellId> = rows.iter().map(|r| r.1[j]).collect();
                t.relate(&[*all], &col);
            }
            t.protect(MIN);
            for i in 0..t.values.len() {
                if is_small(t.values[i], MIN) && !t.exempt[i] {
                    assert_eq!(t.published(CellId(i as u32)), None, "case {case}");
                }
            }
            let leaks = t.leaks(MIN);
            assert!(leaks.is_empty(), "case {case}: {leaks:?}");
            with_secondary += usize::from(t.suppressed().1 > 0);
        }
        assert!(with_secondary > 100, "{with_secondary}");
    }

    #[test]
    fn count_fields_and_the_scanner() {
        for f in [
            "weight",
            "total",
            "within_mediation",
            "beyond_weight",
            "unreachable_espace_rencontre",
            "total_weight",
        ] {
            assert!(is_count_field(f), "{f}");
        }
        for f in [
            "within_share",
            "within_share_mediation",
            "minutes_mediation",
            "cells",
        ] {
            assert!(!is_count_field(f), "{f}");
        }
        let doc = serde_json::json!({
            "features": [
                {"properties": {"weight": 5.0, "minutes_x": 3.0}},
                {"properties": {"weight": null, "secret": true}},
                {"properties": {"total": 7.0, "total_published": true, "within_x": 0.0}},
                {"properties": {"total": 7.0, "within_share_x": 0.5}},
            ],
            "kinds": {"x": {"within_weight": 10.5, "total_weight": 12.0}}
        });
        assert_eq!(
            check_secrecy(&doc, MIN),
            vec![
                "/features/0/properties/weight: 5".to_string(),
                "/features/3/properties/total: 7".to_string(),
                "/kinds/x/within_weight: 10.5".to_string(),
            ]
        );
    }
}
