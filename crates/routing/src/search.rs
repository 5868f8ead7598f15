//! Dijkstra searches over the edge-based graph ([`crate::turns`]): a search node is a link
//! driven in one direction, its time measured at the link's head.
//!
//! * [`Graph::nearest_sites`]: one multi-source search from every site over the backward turns:
//!   for each search node, the time from its head TO the nearest site, which site (ties go to
//!   the lower site number, so results are deterministic) and whether the trip takes a ferry
//!   (a tie goes to the trip without). Optionally bounded.
//! * [`Scratch`]: single-source (or few-source) forward and backward searches reusing one
//!   workspace per thread; resetting it is O(1) (a generation stamp per node).
//! * [`SiteSeeds`] and [`point_time`]: sites and homes snapped *on* links; a site seeds the
//!   nodes that turn onto its link with the turn and the part of the link before it, and a
//!   home's time is the rest of its link plus its node's time, in each direction it may drive.

use std::collections::HashMap;

use crate::graph::{BACKWARD, FORWARD, Graph};
use crate::radix::RadixHeap;
use crate::snap::Snap;
use crate::turns::node_of;

/// Time of a node no search reached.
pub const UNREACHED: u32 = u32::MAX;
/// Site of a node no search reached.
pub const NO_SITE: u32 = u32::MAX;

/// A search source: from the head of search node `node`, `site` is `time_ms` away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub node: u32,
    pub time_ms: u32,
    pub site: u32,
}

/// For every search node, the time to its nearest site, which site, and whether the trip takes
/// a ferry ([`UNREACHED`] / [`NO_SITE`] where no site is within reach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearestField {
    pub time_ms: Vec<u32>,
    /// `site << 1 | ferry`.
    tag: Vec<u32>,
}

impl NearestField {
    /// The time and site of node `n`, if a site was reached.
    pub fn get(&self, n: u32) -> Option<(u32, u32)> {
        self.get_ferry(n).map(|(t, s, _)| (t, s))
    }

    /// The time, site and ferry flag of node `n`.
    pub fn get_ferry(&self, n: u32) -> Option<(u32, u32, bool)> {
        let t = self.time_ms[n as usize];
        let tag = self.tag[n as usize];
        (t != UNREACHED).then_some((t, tag >> 1, tag & 1 == 1))
    }

    /// The site serving node `n` ([`NO_SITE`] if none).
    pub fn site(&self, n: u32) -> u32 {
        self.get(n).map_or(NO_SITE, |(_, s)| s)
    }

    /// Search nodes in the field.
    pub fn len(&self) -> usize {
        self.time_ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time_ms.is_empty()
    }
}

/// Times from search nodes to sites, as [`point_time`] reads them: a [`NearestField`], or a
/// [`Scratch`] after a backward search from one site (reported as site 0, no ferry flag).
pub trait NodeTimes {
    /// Time in ms from the head of node `n` to its site, the site, and whether by ferry.
    fn time_site(&self, n: u32) -> Option<(u32, u32, bool)>;
}

impl NodeTimes for NearestField {
    fn time_site(&self, n: u32) -> Option<(u32, u32, bool)> {
        self.get_ferry(n)
    }
}

impl NodeTimes for Scratch {
    fn time_site(&self, n: u32) -> Option<(u32, u32, bool)> {
        self.time_ms(n).map(|t| (t, 0, false))
    }
}

/// The search key: time, then site, then ferry (a trip without one first).
#[inline]
fn key(time: u32, site: u32, ferry: bool) -> u64 {
    (u64::from(time) << 32) | (u64::from(site) << 1) | u64::from(ferry)
}

/// The key of node `p` reached through a turn onto `b` costing `cost`, from `b`'s key.
#[inline]
fn extend(k: u64, cost: u32, b_ferry: bool) -> u64 {
    let t = ((k >> 32) as u32).saturating_add(cost);
    (u64::from(t) << 32) | (k & 0xFFFF_FFFF) | u64::from(b_ferry)
}

impl Graph {
    /// Multi-source search over the backward turns. `limit_ms` stops the search there: nodes
    /// farther than the limit from every site stay [`UNREACHED`].
    pub fn nearest_sites(&self, seeds: &[Seed], limit_ms: Option<u32>) -> NearestField {
        let n = self.num_nodes();
        let mut best = vec![u64::MAX; n];
        let mut heap = RadixHeap::default();
        let limit = limit_ms.unwrap_or(UNREACHED - 1);
        for s in seeds {
            if s.time_ms > limit {
                continue;
            }
            let k = key(s.time_ms, s.site, false);
            if k < best[s.node as usize] {
                best[s.node as usize] = k;
                heap.push(k, s.node);
            }
        }
        while let Some((k, b)) = heap.pop() {
            if k != best[b as usize] {
                continue;
            }
            let ferry = self.node_is_ferry(b);
            for a in self.node_in(b) {
                let nk = extend(k, a.time_ms, ferry);
                if (nk >> 32) as u32 > limit {
                    continue;
                }
                if nk < best[a.other as usize] {
                    best[a.other as usize] = nk;
                    heap.push(nk, a.other);
                }
            }
        }
        let mut time_ms = Vec::with_capacity(n);
        let mut tag = Vec::with_capacity(n);
        for k in best {
            if k == u64::MAX {
                time_ms.push(UNREACHED);
                tag.push(NO_SITE);
            } else {
                time_ms.push((k >> 32) as u32);
                tag.push(k as u32);
            }
        }
        NearestField { time_ms, tag }
    }
}

impl Graph {
    /// Adds sites to a field in place, exactly as if the field had been computed with them:
    /// a search from their seeds that stops wherever it does not improve the current
    /// (time, site, ferry) of a node. Returns the nodes whose value changed.
    pub fn add_to_field(&self, field: &mut NearestField, seeds: &[Seed]) -> Vec<u32> {
        let mut heap = RadixHeap::default();
        let mut changed = Vec::new();
        for s in seeds {
            offer(
                field,
                &mut heap,
                s.node,
                key(s.time_ms, s.site, false),
                Some(&mut changed),
            );
        }
        self.settle(field, &mut heap, Some(&mut changed));
        changed.sort_unstable();
        changed.dedup();
        changed
    }

    /// Removes a site from a field in place, exactly as if the field had been computed without
    /// it: only the nodes it served are recomputed, from their neighbours' values and from
    /// `remaining` (the seeds of the other sites). Returns the nodes it served.
    pub fn remove_from_field(
        &self,
        field: &mut NearestField,
        site: u32,
        remaining: &[Seed],
    ) -> Vec<u32> {
        let served: Vec<u32> = (0..self.num_nodes() as u32)
            .filter(|&n| {
                field.time_ms[n as usize] != UNREACHED && field.tag[n as usize] >> 1 == site
            })
            .collect();
        for &n in &served {
            field.time_ms[n as usize] = UNREACHED;
            field.tag[n as usize] = NO_SITE;
        }
        let mut heap = RadixHeap::default();
        // The boundary: a served node may now go through a next node that kept its site.
        for &a in &served {
            let mut best = u64::MAX;
            for b in self.node_out(a) {
                let kb = current_key(field, b.other);
                if kb != u64::MAX {
                    best = best.min(extend(kb, b.time_ms, self.node_is_ferry(b.other)));
                }
            }
            offer(field, &mut heap, a, best, None);
        }
        for s in remaining.iter().filter(|s| s.site != site) {
            offer(
                field,
                &mut heap,
                s.node,
                key(s.time_ms, s.site, false),
                None,
            );
        }
        self.settle(field, &mut heap, None);
        served
    }

    /// Dijkstra over the backward turns from the offered keys, improving the field where the
    /// lexicographic (time, site, ferry) key is lower.
    fn settle(
        &self,
        field: &mut NearestField,
        heap: &mut RadixHeap,
        mut changed: Option<&mut Vec<u32>>,
    ) {
        while let Some((k, b)) = heap.pop() {
            if k != current_key(field, b) {
                continue;
            }
            let ferry = self.node_is_ferry(b);
            for a in self.node_in(b) {
                offer(
                    field,
                    heap,
                    a.other,
                    extend(k, a.time_ms, ferry),
                    changed.as_deref_mut(),
                );
            }
        }
    }
}

/// The key of a node in a field; `u64::MAX` when unreached.
fn current_key(f: &NearestField, n: u32) -> u64 {
    let t = f.time_ms[n as usize];
    if t == UNREACHED {
        u64::MAX
    } else {
        (u64::from(t) << 32) | u64::from(f.tag[n as usize])
    }
}

/// Sets `n` to key `k` and queues it when `k` improves on its current key.
fn offer(
    field: &mut NearestField,
    heap: &mut RadixHeap,
    n: u32,
    k: u64,
    changed: Option<&mut Vec<u32>>,
) {
    if k < current_key(field, n) {
        field.time_ms[n as usize] = (k >> 32) as u32;
        field.tag[n as usize] = k as u32;
        heap.push(k, n);
        if let Some(c) = changed {
            c.push(n);
        }
    }
}

/// Direction of a single-source search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Times FROM the sources to every node (forward turns).
    Forward,
    /// Times from every node TO the sources (backward turns).
    Backward,
}

/// A reusable search workspace; one per thread (e.g. rayon `map_init`). Reset is O(1).
#[derive(Debug, Clone)]
pub struct Scratch {
    dist: Vec<u32>,
    stamp: Vec<u32>,
    epoch: u32,
    heap: RadixHeap,
    settled: Vec<u32>,
}

impl Scratch {
    pub fn new(graph: &Graph) -> Scratch {
        let n = graph.num_nodes().max(graph.num_vertices());
        Scratch {
            dist: vec![UNREACHED; n],
            stamp: vec![0; n],
            epoch: 0,
            heap: RadixHeap::default(),
            settled: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        self.heap.clear();
        self.settled.clear();
    }

    /// Time of node (or junction, after [`Scratch::run_junctions`]) `v` in the last search.
    pub fn time_ms(&self, v: u32) -> Option<u32> {
        (self.stamp[v as usize] == self.epoch && self.dist[v as usize] != UNREACHED)
            .then(|| self.dist[v as usize])
    }

    /// Nodes (or junctions) the last search settled, in order of time.
    pub fn settled(&self) -> &[u32] {
        &self.settled
    }

    /// Runs a search over the turns from `(node, start time)` sources; stops at `limit_ms`.
    pub fn run(
        &mut self,
        graph: &Graph,
        dir: Direction,
        sources: &[(u32, u32)],
        limit_ms: Option<u32>,
    ) {
        self.search(sources, limit_ms, |v| match dir {
            Direction::Forward => graph.node_out(v),
            Direction::Backward => graph.node_in(v),
        });
    }

    /// Runs a search over junctions (links as arcs, turns free and unrestricted) from
    /// `(junction, start time)` sources. Its times are lower bounds of the turn-aware ones.
    pub fn run_junctions(
        &mut self,
        graph: &Graph,
        dir: Direction,
        sources: &[(u32, u32)],
        limit_ms: Option<u32>,
    ) {
        self.search(sources, limit_ms, |v| match dir {
            Direction::Forward => graph.out_arcs(v),
            Direction::Backward => graph.in_arcs(v),
        });
    }

    fn search<'g>(
        &mut self,
        sources: &[(u32, u32)],
        limit_ms: Option<u32>,
        arcs: impl Fn(u32) -> &'g [crate::graph::Arc],
    ) {
        self.reset();
        let limit = limit_ms.unwrap_or(UNREACHED - 1);
        let epoch = self.epoch;
        for &(v, t) in sources {
            if t <= limit && self.get(v) > t {
                self.set(v, t);
                self.heap.push(u64::from(t), v);
            }
        }
        while let Some((t, v)) = self.heap.pop() {
            let t = t as u32;
            if t != self.dist[v as usize] || self.stamp[v as usize] != epoch {
                continue;
            }
            // Times only ever decrease strictly, so each node is popped at its final time once.
            self.settled.push(v);
            for a in arcs(v) {
                let nt = t.saturating_add(a.time_ms);
                if nt <= limit && nt < self.get(a.other) {
                    self.set(a.other, nt);
                    self.heap.push(u64::from(nt), a.other);
                }
            }
        }
    }

    #[inline]
    fn get(&self, v: u32) -> u32 {
        if self.stamp[v as usize] == self.epoch {
            self.dist[v as usize]
        } else {
            UNREACHED
        }
    }

    #[inline]
    fn set(&mut self, v: u32, t: u32) {
        self.stamp[v as usize] = self.epoch;
        self.dist[v as usize] = t;
    }
}

/// Sites snapped on links, as search seeds, plus the sites sharing a link with a home (reached
/// straight along the link).
#[derive(Debug, Clone, Default)]
pub struct SiteSeeds {
    pub seeds: Vec<Seed>,
    /// Per link, its sites and where they sit along it ([`fraction`]).
    on_link: HashMap<u32, Vec<(u32, f64)>>,
}

/// Where a point at fraction `f` (from `u`) sits along search node `n`'s direction of travel.
#[inline]
fn along(n: u32, f: f64) -> f64 {
    if n.is_multiple_of(2) { f } else { 1.0 - f }
}

impl SiteSeeds {
    /// `sites`: (site number, where it snapped). The site number is what searches report.
    pub fn new(graph: &Graph, sites: &[(u32, Snap)]) -> SiteSeeds {
        let mut out = SiteSeeds::default();
        for &(site, snap) in sites {
            let f = fraction(graph, &snap);
            // A site exactly at a junction is reached on arriving there by any link.
            if let Some(w) = at_end(graph, &snap) {
                for &p in graph.vertex_in_nodes(w) {
                    out.seeds.push(Seed {
                        node: p,
                        time_ms: 0,
                        site,
                    });
                }
            }
            // A node turning onto the site's link reaches the site after the turn and the part
            // of the link before it.
            let nodes: Vec<u32> = link_nodes(graph, &snap)
                .flat_map(|b| std::iter::once(b).chain(graph.node_copies_of(b)))
                .collect();
            for b in nodes {
                let dur = graph.node_time_ms(b);
                let before = along(b, f) * f64::from(dur);
                for p in graph.node_in(b) {
                    let turn = f64::from(p.time_ms - dur);
                    out.seeds.push(Seed {
                        node: p.other,
                        time_ms: (turn + before).round() as u32,
                        site,
                    });
                }
            }
            out.on_link.entry(snap.link).or_default().push((site, f));
        }
        out
    }

    /// Adds one site; returns its seeds (to pass to [`Graph::add_to_field`]).
    pub fn add(&mut self, graph: &Graph, site: u32, snap: Snap) -> Vec<Seed> {
        let other = SiteSeeds::new(graph, &[(site, snap)]);
        self.seeds.extend(other.seeds.iter().copied());
        for (l, v) in other.on_link {
            self.on_link.entry(l).or_default().extend(v);
        }
        other.seeds
    }

    /// Removes one site (its seeds and its place on its link).
    pub fn remove(&mut self, site: u32) {
        self.seeds.retain(|s| s.site != site);
        self.on_link.retain(|_, v| {
            v.retain(|(s, _)| *s != site);
            !v.is_empty()
        });
    }

    /// The seeds as `(node, time)` sources for a [`Scratch`] search (sites not told apart).
    pub fn sources(&self) -> Vec<(u32, u32)> {
        self.seeds.iter().map(|s| (s.node, s.time_ms)).collect()
    }

    /// The multi-source search from these sites.
    pub fn field(&self, graph: &Graph, limit_ms: Option<u32>) -> NearestField {
        graph.nearest_sites(&self.seeds, limit_ms)
    }
}

/// The search nodes of a snapped point's link, in the directions a car may drive it.
fn link_nodes(graph: &Graph, snap: &Snap) -> impl Iterator<Item = u32> + use<> {
    let flags = graph.link_flags(snap.link);
    let l = snap.link;
    [
        (FORWARD, node_of(l, FORWARD)),
        (BACKWARD, node_of(l, BACKWARD)),
    ]
    .into_iter()
    .filter(move |(d, _)| flags & d != 0)
    .map(|(_, n)| n)
}

/// Every search node [`point_time`] reads for a snapped home (what its time depends on): its
/// link's directions, and at a junction the nodes arriving there and leaving it.
pub fn point_nodes(graph: &Graph, snap: &Snap) -> Vec<u32> {
    let mut out: Vec<u32> = link_nodes(graph, snap).collect();
    if let Some(w) = at_end(graph, snap) {
        out.extend_from_slice(graph.vertex_in_nodes(w));
        out.extend_from_slice(graph.vertex_out_nodes(w));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A home's trip to its nearest site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointTime {
    pub ms: f64,
    pub site: u32,
    /// The trip takes a ferry.
    pub via_ferry: bool,
}

/// Time in ms from a snapped home to its nearest site, and which site, given the field of the
/// sites' multi-source search. `None` when no site can be reached from there.
pub fn point_time(
    graph: &Graph,
    field: &impl NodeTimes,
    sites: &SiteSeeds,
    snap: &Snap,
) -> Option<(f64, u32)> {
    point_trip(graph, field, sites, snap).map(|p| (p.ms, p.site))
}

/// [`point_time`] with the ferry flag: the home drives the rest of its link in each direction
/// it may, then follows its node's time; or reaches a site on its own link straight ahead.
/// Ties go to the lower site, then to the trip without a ferry.
pub fn point_trip(
    graph: &Graph,
    field: &impl NodeTimes,
    sites: &SiteSeeds,
    snap: &Snap,
) -> Option<PointTime> {
    let l = snap.link;
    let g = fraction(graph, snap);
    let mut best: Option<PointTime> = None;
    let mut offer = |ms: f64, site: u32, via_ferry: bool| {
        if best.is_none_or(|b| {
            (ms, site, via_ferry as u8)
                .partial_cmp(&(b.ms, b.site, b.via_ferry as u8))
                .is_some_and(|o| o.is_lt())
        }) {
            best = Some(PointTime {
                ms,
                site,
                via_ferry,
            });
        }
    };
    for a in link_nodes(graph, snap) {
        if let Some((t, s, ferry)) = field.time_site(a) {
            let rest = (1.0 - along(a, g)) * f64::from(graph.node_time_ms(a));
            offer(rest + f64::from(t), s, ferry || graph.link_is_ferry(l));
        }
    }
    // A home exactly at a junction may leave by any link: driving it whole, or as if it had
    // arrived there (which finds a site at the junction or on a link leaving it, at the price
    // of the turn).
    if let Some(w) = at_end(graph, snap) {
        for &b in graph.vertex_out_nodes(w) {
            if let Some((t, s, ferry)) = field.time_site(b) {
                let (lb, _) = crate::turns::link_dir(b);
                offer(
                    f64::from(graph.node_time_ms(b)) + f64::from(t),
                    s,
                    ferry || graph.link_is_ferry(lb),
                );
            }
        }
        for &p in graph.vertex_in_nodes(w) {
            if let Some((t, s, ferry)) = field.time_site(p) {
                offer(f64::from(t), s, ferry);
            }
        }
    }
    if let Some(on) = sites.on_link.get(&l) {
        let flags = graph.link_flags(l);
        let fwd = f64::from(graph.link_time_ms(l, FORWARD));
        let bwd = f64::from(graph.link_time_ms(l, BACKWARD));
        for &(s, f) in on {
            if flags & FORWARD != 0 && f >= g {
                offer((f - g) * fwd, s, false);
            }
            if flags & BACKWARD != 0 && f <= g {
                offer((g - f) * bwd, s, false);
            }
        }
    }
    best
}

/// Where a snapped position sits along its link, from 0 (at `u`) to 1 (at `v`).
pub fn fraction(graph: &Graph, snap: &Snap) -> f64 {
    let len = graph.link_length_m(snap.link);
    if len <= 0.0 {
        0.0
    } else {
        (snap.offset_m / len).clamp(0.0, 1.0)
    }
}

/// The junction a snapped position sits on, when it is at one end of its link.
fn at_end(graph: &Graph, snap: &Snap) -> Option<u32> {
    // Link lengths are kept in f32 metres: a centimetre absorbs their rounding, so a point at
    // a junction is seen there whichever of its links it snapped to.
    const EPS_M: f64 = 0.01;
    let (u, v) = graph.link_ends(snap.link);
    if snap.offset_m <= EPS_M {
        Some(u)
    } else if snap.offset_m >= graph.link_length_m(snap.link) - EPS_M {
        Some(v)
    } else {
        None
    }
}
