//! Dijkstra searches over the frozen graph.
//!
//! * [`Graph::nearest_sites`]: one multi-source search from every site over the backward
//!   adjacency: for each vertex, the time from it TO its nearest site and which site (ties go
//!   to the lower site number, so results are deterministic). Optionally bounded.
//! * [`Scratch`]: single-source (or few-source) forward and backward searches reusing one
//!   workspace per thread; resetting it is O(1) (a generation stamp per vertex).
//! * [`SiteSeeds`] and [`point_time`]: sites and homes snapped *on* links; the time of a snapped
//!   point is interpolated along its link in the direction of travel (home to service).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::graph::{BACKWARD, FORWARD, Graph};
use crate::snap::Snap;

/// Time of a vertex no search reached.
pub const UNREACHED: u32 = u32::MAX;
/// Site of a vertex no search reached.
pub const NO_SITE: u32 = u32::MAX;

/// A search source: `vertex` reaches `site` in `time_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub vertex: u32,
    pub time_ms: u32,
    pub site: u32,
}

/// For every vertex, the time to its nearest site and which site ([`UNREACHED`], [`NO_SITE`]
/// where none is within reach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearestField {
    pub time_ms: Vec<u32>,
    pub site: Vec<u32>,
}

impl NearestField {
    pub fn get(&self, v: u32) -> Option<(u32, u32)> {
        let t = self.time_ms[v as usize];
        (t != UNREACHED).then(|| (t, self.site[v as usize]))
    }
}

/// Times from vertices to sites, as [`point_time`] reads them: a [`NearestField`], or a
/// [`Scratch`] after a backward search from one site (reported as site 0).
pub trait VertexTimes {
    /// Time in ms from `v` to its site, and the site.
    fn time_site(&self, v: u32) -> Option<(u32, u32)>;
}

impl VertexTimes for NearestField {
    fn time_site(&self, v: u32) -> Option<(u32, u32)> {
        self.get(v)
    }
}

impl VertexTimes for Scratch {
    fn time_site(&self, v: u32) -> Option<(u32, u32)> {
        self.time_ms(v).map(|t| (t, 0))
    }
}

#[inline]
fn key(time: u32, site: u32) -> u64 {
    (u64::from(time) << 32) | u64::from(site)
}

impl Graph {
    /// Multi-source search over the backward adjacency. `limit_ms` stops the search there:
    /// vertices farther than the limit from every site stay [`UNREACHED`].
    pub fn nearest_sites(&self, seeds: &[Seed], limit_ms: Option<u32>) -> NearestField {
        let n = self.num_vertices();
        let mut best = vec![u64::MAX; n];
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> =
            BinaryHeap::with_capacity(seeds.len() * 2 + 64);
        let limit = limit_ms.unwrap_or(UNREACHED - 1);
        for s in seeds {
            if s.time_ms > limit {
                continue;
            }
            let k = key(s.time_ms, s.site);
            if k < best[s.vertex as usize] {
                best[s.vertex as usize] = k;
                heap.push(Reverse((k, s.vertex)));
            }
        }
        while let Some(Reverse((k, v))) = heap.pop() {
            if k != best[v as usize] {
                continue;
            }
            let (t, site) = ((k >> 32) as u32, k as u32);
            for a in self.in_arcs(v) {
                let nt = t.saturating_add(a.time_ms);
                if nt > limit {
                    continue;
                }
                let nk = key(nt, site);
                if nk < best[a.other as usize] {
                    best[a.other as usize] = nk;
                    heap.push(Reverse((nk, a.other)));
                }
            }
        }
        let mut time_ms = Vec::with_capacity(n);
        let mut site = Vec::with_capacity(n);
        for k in best {
            if k == u64::MAX {
                time_ms.push(UNREACHED);
                site.push(NO_SITE);
            } else {
                time_ms.push((k >> 32) as u32);
                site.push(k as u32);
            }
        }
        NearestField { time_ms, site }
    }
}

impl Graph {
    /// Adds sites to a field in place, exactly as if the field had been computed with them:
    /// a search from their seeds that stops wherever it does not improve the current
    /// (time, site) of a vertex. Returns the vertices whose value changed.
    pub fn add_to_field(&self, field: &mut NearestField, seeds: &[Seed]) -> Vec<u32> {
        let mut heap = BinaryHeap::new();
        let mut changed = Vec::new();
        for s in seeds {
            offer(
                field,
                &mut heap,
                s.vertex,
                key(s.time_ms, s.site),
                Some(&mut changed),
            );
        }
        self.settle(field, &mut heap, Some(&mut changed));
        changed.sort_unstable();
        changed.dedup();
        changed
    }

    /// Removes a site from a field in place, exactly as if the field had been computed without
    /// it: only the vertices it served are recomputed, from their neighbours' values and from
    /// `remaining` (the seeds of the other sites). Returns the vertices it served.
    pub fn remove_from_field(
        &self,
        field: &mut NearestField,
        site: u32,
        remaining: &[Seed],
    ) -> Vec<u32> {
        let served: Vec<u32> = (0..self.num_vertices() as u32)
            .filter(|&v| field.site[v as usize] == site)
            .collect();
        for &v in &served {
            field.time_ms[v as usize] = UNREACHED;
            field.site[v as usize] = NO_SITE;
        }
        let mut heap = BinaryHeap::new();
        // The boundary: a served vertex may now go through a neighbour that kept its site.
        for &v in &served {
            let mut best = u64::MAX;
            for a in self.out_arcs(v) {
                if let Some((t, s)) = field.get(a.other) {
                    best = best.min(key(t.saturating_add(a.time_ms), s));
                }
            }
            offer(field, &mut heap, v, best, None);
        }
        for s in remaining.iter().filter(|s| s.site != site) {
            offer(field, &mut heap, s.vertex, key(s.time_ms, s.site), None);
        }
        self.settle(field, &mut heap, None);
        served
    }

    /// Dijkstra over the backward adjacency from the offered keys, improving the field where
    /// the lexicographic (time, site) key is lower.
    fn settle(
        &self,
        field: &mut NearestField,
        heap: &mut BinaryHeap<Reverse<(u64, u32)>>,
        mut changed: Option<&mut Vec<u32>>,
    ) {
        while let Some(Reverse((k, v))) = heap.pop() {
            if k != current_key(field, v) {
                continue;
            }
            let (t, site) = ((k >> 32) as u32, k as u32);
            for a in self.in_arcs(v) {
                offer(
                    field,
                    heap,
                    a.other,
                    key(t.saturating_add(a.time_ms), site),
                    changed.as_deref_mut(),
                );
            }
        }
    }
}

/// The (time, site) key of a vertex in a field; `u64::MAX` when unreached.
fn current_key(f: &NearestField, v: u32) -> u64 {
    f.get(v).map_or(u64::MAX, |(t, s)| key(t, s))
}

/// Sets `v` to key `k` and queues it when `k` improves on its current key.
fn offer(
    field: &mut NearestField,
    heap: &mut BinaryHeap<Reverse<(u64, u32)>>,
    v: u32,
    k: u64,
    changed: Option<&mut Vec<u32>>,
) {
    if k < current_key(field, v) {
        set(field, v, k);
        heap.push(Reverse((k, v)));
        if let Some(c) = changed {
            c.push(v);
        }
    }
}

fn set(field: &mut NearestField, v: u32, k: u64) {
    field.time_ms[v as usize] = (k >> 32) as u32;
    field.site[v as usize] = k as u32;
}

/// Direction of a single-source search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Times FROM the sources to every vertex (forward adjacency).
    Forward,
    /// Times from every vertex TO the sources (backward adjacency).
    Backward,
}

/// A reusable search workspace; one per thread (e.g. rayon `map_init`). Reset is O(1).
#[derive(Debug, Clone)]
pub struct Scratch {
    dist: Vec<u32>,
    stamp: Vec<u32>,
    epoch: u32,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    settled: Vec<u32>,
}

impl Scratch {
    pub fn new(graph: &Graph) -> Scratch {
        let n = graph.num_vertices();
        Scratch {
            dist: vec![UNREACHED; n],
            stamp: vec![0; n],
            epoch: 0,
            heap: BinaryHeap::new(),
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

    /// Time of `v` in the last search, if it reached `v`.
    pub fn time_ms(&self, v: u32) -> Option<u32> {
        (self.stamp[v as usize] == self.epoch && self.dist[v as usize] != UNREACHED)
            .then(|| self.dist[v as usize])
    }

    /// Vertices the last search settled, in order of time.
    pub fn settled(&self) -> &[u32] {
        &self.settled
    }

    /// Runs a search from `(vertex, start time)` sources; stops at `limit_ms` when given.
    pub fn run(
        &mut self,
        graph: &Graph,
        dir: Direction,
        sources: &[(u32, u32)],
        limit_ms: Option<u32>,
    ) {
        self.reset();
        let limit = limit_ms.unwrap_or(UNREACHED - 1);
        let epoch = self.epoch;
        for &(v, t) in sources {
            if t <= limit && self.get(v) > t {
                self.set(v, t);
                self.heap.push(Reverse((t, v)));
            }
        }
        while let Some(Reverse((t, v))) = self.heap.pop() {
            if t != self.dist[v as usize] || self.stamp[v as usize] != epoch {
                continue;
            }
            // Times only ever decrease strictly, so each vertex is popped at its final time once.
            self.settled.push(v);
            let arcs = match dir {
                Direction::Forward => graph.out_arcs(v),
                Direction::Backward => graph.in_arcs(v),
            };
            for a in arcs {
                let nt = t.saturating_add(a.time_ms);
                if nt <= limit && nt < self.get(a.other) {
                    self.set(a.other, nt);
                    self.heap.push(Reverse((nt, a.other)));
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
/// straight along the link, not through its ends).
#[derive(Debug, Clone, Default)]
pub struct SiteSeeds {
    pub seeds: Vec<Seed>,
    /// Per link, its sites and where they sit along it ([`fraction`]).
    on_link: HashMap<u32, Vec<(u32, f64)>>,
}

impl SiteSeeds {
    /// `sites`: (site number, where it snapped). The site number is what searches report.
    pub fn new(graph: &Graph, sites: &[(u32, Snap)]) -> SiteSeeds {
        let mut out = SiteSeeds::default();
        for &(site, snap) in sites {
            let (u, v) = graph.link_ends(snap.link);
            let f = fraction(graph, &snap);
            let flags = graph.link_flags(snap.link);
            // A site exactly at a junction is reached by every link into it.
            if let Some(end) = at_end(graph, &snap) {
                out.seeds.push(Seed {
                    vertex: end,
                    time_ms: 0,
                    site,
                });
                out.on_link.entry(snap.link).or_default().push((site, f));
                continue;
            }
            // From `u`, driving forward along the link reaches the site after `f` of its time.
            if flags & FORWARD != 0 {
                let t = f * f64::from(graph.link_time_ms(snap.link, FORWARD));
                out.seeds.push(Seed {
                    vertex: u,
                    time_ms: t.round() as u32,
                    site,
                });
            }
            // From `v`, driving backward reaches it after `1 - f` of the backward time.
            if flags & BACKWARD != 0 {
                let t = (1.0 - f) * f64::from(graph.link_time_ms(snap.link, BACKWARD));
                out.seeds.push(Seed {
                    vertex: v,
                    time_ms: t.round().max(0.0) as u32,
                    site,
                });
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

    /// The seeds as `(vertex, time)` sources for a [`Scratch`] search (sites not told apart).
    pub fn sources(&self) -> Vec<(u32, u32)> {
        self.seeds.iter().map(|s| (s.vertex, s.time_ms)).collect()
    }

    /// The multi-source search from these sites.
    pub fn field(&self, graph: &Graph, limit_ms: Option<u32>) -> NearestField {
        graph.nearest_sites(&self.seeds, limit_ms)
    }
}

/// Time in ms from a snapped home to its nearest site, and which site, given the field of the
/// sites' multi-source search. `None` when no site can be reached from there.
pub fn point_time(
    graph: &Graph,
    field: &impl VertexTimes,
    sites: &SiteSeeds,
    snap: &Snap,
) -> Option<(f64, u32)> {
    let l = snap.link;
    let (u, v) = graph.link_ends(l);
    let fwd = f64::from(graph.link_time_ms(l, FORWARD));
    let bwd = f64::from(graph.link_time_ms(l, BACKWARD));
    let g = fraction(graph, snap);
    let flags = graph.link_flags(l);
    let mut best: Option<(f64, u32)> = None;
    let mut offer = |t: f64, s: u32| {
        if best.is_none_or(|(bt, bs)| t < bt || (t == bt && s < bs)) {
            best = Some((t, s));
        }
    };
    // A home exactly at a junction may leave by any link.
    if let Some(end) = at_end(graph, snap)
        && let Some((t, s)) = field.time_site(end)
    {
        offer(f64::from(t), s);
    }
    if flags & FORWARD != 0
        && let Some((tv, s)) = field.time_site(v)
    {
        offer((1.0 - g) * fwd + f64::from(tv), s);
    }
    if flags & BACKWARD != 0
        && let Some((tu, s)) = field.time_site(u)
    {
        offer(g * bwd + f64::from(tu), s);
    }
    if let Some(on) = sites.on_link.get(&l) {
        for &(s, f) in on {
            if flags & FORWARD != 0 && f >= g {
                offer((f - g) * fwd, s);
            }
            if flags & BACKWARD != 0 && f <= g {
                offer((g - f) * bwd, s);
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

/// The vertex a snapped position sits on, when it is at one end of its link.
fn at_end(graph: &Graph, snap: &Snap) -> Option<u32> {
    const EPS_M: f64 = 1e-6;
    let (u, v) = graph.link_ends(snap.link);
    if snap.offset_m <= EPS_M {
        Some(u)
    } else if snap.offset_m >= graph.link_length_m(snap.link) - EPS_M {
        Some(v)
    } else {
        None
    }
}
