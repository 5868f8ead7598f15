//! The frozen road graph: dense `u32` vertex ids, CSR forward and backward adjacency with integer
//! millisecond times, and the exact geometry of every link.
//!
//! Vertices are the OSM nodes where ways meet or end; the OSM nodes in between (chains of degree
//! two) are not vertices but stay as the link's shape points, with their cumulative length, so a
//! position along a link is exact and its time is interpolated exactly. A link never spans two
//! OSM ways, so it has one speed. Every connected part is kept; links of small strongly
//! connected parts are flagged ([`SMALL_PART`]) and counted in [`GraphStats`]. The graph is
//! built in `build.rs`, which brings in the turns (`turns.rs`) and restrictions
//! (`restrictions.rs`); this module imports neither.

use crate::geom::Coord;

/// Link may be driven from `u` to `v`.
pub const FORWARD: u8 = 1;
/// Link may be driven from `v` to `u`.
pub const BACKWARD: u8 = 2;
/// Link in a small strongly connected part of the network (no direction of it in a part of
/// [`MAIN_PART_MIN_NODES`] directed links or more, nor in the largest part): snapping avoids
/// it when a road of a main part is within the limit.
pub const SMALL_PART: u8 = 4;

/// A strongly connected part of the edge-based graph (directed links joined by the turns a
/// car may make: barriers, turn restrictions and u-turn rules count) with at least this many
/// directed links, or the largest part, is a main part. OSRM's default: it moves points off
/// parts under 1,000 edge-based nodes.
pub const MAIN_PART_MIN_NODES: usize = 1000;

/// The search node of link `l` driven in `dir` ([`FORWARD`] or [`BACKWARD`]).
#[inline]
pub fn node_of(l: u32, dir: u8) -> u32 {
    2 * l + u32::from(dir != FORWARD)
}

/// The link and direction of a search node.
#[inline]
pub fn link_dir(n: u32) -> (u32, u8) {
    (
        n / 2,
        if n.is_multiple_of(2) {
            FORWARD
        } else {
            BACKWARD
        },
    )
}

/// Search node `n` itself when it is one of a link's two, else the node it copies.
#[inline]
pub(crate) fn base_of(n: u32, links: usize, copies: &[u32]) -> u32 {
    if (n as usize) < 2 * links {
        n
    } else {
        copies[n as usize - 2 * links]
    }
}

/// An arc of the CSR adjacency: the other end and the time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    pub other: u32,
    pub time_ms: u32,
}

/// What the import kept and left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphStats {
    pub ways_in_file: u64,
    pub car_ways: u64,
    /// Referenced nodes absent from the file (ways were split there).
    pub missing_nodes: u64,
    /// Way pieces made by splitting ways at absent nodes, beyond one per way.
    pub extra_pieces_from_missing: u64,
    pub vertices_total: u64,
    pub vertices_kept: u64,
    pub links_total: u64,
    pub links_kept: u64,
    pub km_total: f64,
    pub km_kept: f64,
    /// Strongly connected parts, and how many are main parts.
    pub parts: u64,
    pub main_parts: u64,
    /// Road length of the links in small parts.
    pub km_small_parts: f64,
    /// Junctions where a barrier blocks passage, and junctions with a cost (signals, stop,
    /// give way, gate).
    pub barriers: u64,
    pub obstacles: u64,
    /// Turn restrictions applied (via a node or via ways), of which via ways, and unusable
    /// (a member missing from the car network, from/to ways not ending at the via node, via
    /// ways that do not chain).
    pub restrictions_applied: u64,
    pub restrictions_via_ways: u64,
    pub restrictions_unusable: u64,
    /// Turns between directed links (the edges of the edge-based search).
    pub turns: u64,
}

impl GraphStats {
    /// One line for a human: the parts of the network, and how much of it the small parts hold.
    pub fn left_out_summary(&self) -> String {
        let pct = |part: f64, total: f64| {
            if total > 0.0 {
                100.0 * part / total
            } else {
                0.0
            }
        };
        format!(
            "kept every part of the network: {} junctions, {} links, {:.1} km in {} strongly \
             connected parts, {} of them main; the small parts hold {:.1}% of the road length \
             (points snap to them only with no main road within the limit)",
            self.vertices_kept,
            self.links_kept,
            self.km_kept,
            self.parts,
            self.main_parts,
            pct(self.km_small_parts, self.km_kept)
        )
    }
}

/// The frozen road graph. Build it with [`Graph::from_raw`] or load it from a graph cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub(crate) vertex_coord: Vec<Coord>,
    pub(crate) link_u: Vec<u32>,
    pub(crate) link_v: Vec<u32>,
    /// Time to drive the link from `u` to `v`, and from `v` to `u` (the two differ where the
    /// way's speed depends on the direction, `maxspeed:forward`…).
    pub(crate) link_time_ms: Vec<u32>,
    pub(crate) link_back_ms: Vec<u32>,
    pub(crate) link_flags: Vec<u8>,
    pub(crate) link_class: Vec<u8>,
    /// Shape points of link `l` are `shape_start[l]..shape_start[l + 1]`.
    pub(crate) shape_start: Vec<u32>,
    pub(crate) shape_coord: Vec<Coord>,
    /// Metres from the link's first shape point, per shape point.
    pub(crate) shape_cum_m: Vec<f32>,
    pub(crate) fwd_first: Vec<u32>,
    pub(crate) fwd: Vec<Arc>,
    pub(crate) bwd_first: Vec<u32>,
    pub(crate) bwd: Vec<Arc>,
    /// The turns from each search node ([`crate::turns`]), and into each (rebuilt on load).
    pub(crate) turn_first: Vec<u32>,
    pub(crate) turns: Vec<Arc>,
    pub(crate) rturn_first: Vec<u32>,
    pub(crate) rturns: Vec<Arc>,
    /// Search nodes after the `2 * links` of the links: copies of via links that via-way turn
    /// restrictions need ([`crate::restrictions`]); per copy, the node it copies.
    pub(crate) node_copies: Vec<u32>,
    /// `(copied node, copy)`, sorted (derived).
    pub(crate) copy_index: Vec<(u32, u32)>,
    /// Per link, a ferry or shuttle train (derived from the class).
    pub(crate) link_ferry: Vec<bool>,
    /// Per junction, the search nodes leaving it and arriving at it (derived).
    pub(crate) vout_first: Vec<u32>,
    pub(crate) vout: Vec<u32>,
    pub(crate) vin_first: Vec<u32>,
    pub(crate) vin: Vec<u32>,
    pub(crate) classes: Vec<String>,
    pub(crate) profile_name: String,
    pub(crate) stats: GraphStats,
}

/// Time in ms to drive `length_m` at `speed_kmh`, rounded to the millisecond.
pub fn time_ms(length_m: f64, speed_kmh: f64) -> u32 {
    (length_m * 3600.0 / speed_kmh)
        .round()
        .min(f64::from(u32::MAX - 1)) as u32
}

impl Graph {
    /// The search nodes leaving junction `w` (its links a car may drive away from it).
    pub fn vertex_out_nodes(&self, w: u32) -> &[u32] {
        &self.vout[self.vout_first[w as usize] as usize..self.vout_first[w as usize + 1] as usize]
    }

    /// The search nodes arriving at junction `w` (copies included: a site at `w` is reached
    /// on arriving along any of them).
    pub fn vertex_in_nodes(&self, w: u32) -> &[u32] {
        &self.vin[self.vin_first[w as usize] as usize..self.vin_first[w as usize + 1] as usize]
    }

    /// Per link, true for a ferry or shuttle train (a change of mode when turning on or off).
    pub(crate) fn ferry_links(&self) -> Vec<bool> {
        let ferry_class: Vec<bool> = self
            .classes
            .iter()
            .map(|c| c == "ferry" || c == "shuttle_train")
            .collect();
        self.link_class
            .iter()
            .map(|&c| ferry_class.get(c as usize).copied().unwrap_or(false))
            .collect()
    }

    /// True when link `l` is a ferry (or shuttle train).
    pub fn link_is_ferry(&self, l: u32) -> bool {
        self.link_ferry[l as usize]
    }

    /// Search nodes: one per link and direction ([`node_of`]); a direction a car
    /// may not drive has no turns.
    pub fn num_nodes(&self) -> usize {
        2 * self.link_u.len() + self.node_copies.len()
    }
    /// The link direction node `n` drives: `n` itself, or the node a copy copies.
    #[inline]
    pub fn base_node(&self, n: u32) -> u32 {
        base_of(n, self.link_u.len(), &self.node_copies)
    }
    /// The copies of node `n` that via-way restrictions made (none for most nodes).
    pub fn node_copies_of(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        let i = self.copy_index.partition_point(|&(b, _)| b < n);
        self.copy_index[i..]
            .iter()
            .take_while(move |&&(b, _)| b == n)
            .map(|&(_, c)| c)
    }
    /// True when node `n`'s link is a ferry (or shuttle train).
    #[inline]
    pub fn node_is_ferry(&self, n: u32) -> bool {
        self.link_ferry[(self.base_node(n) / 2) as usize]
    }
    /// The turns out of search node `n`: the next node, and the turn's cost plus that node's
    /// link time (ms).
    pub fn node_out(&self, n: u32) -> &[Arc] {
        &self.turns[self.turn_first[n as usize] as usize..self.turn_first[n as usize + 1] as usize]
    }
    /// The turns into search node `n`: the previous node, and the same cost.
    pub fn node_in(&self, n: u32) -> &[Arc] {
        &self.rturns
            [self.rturn_first[n as usize] as usize..self.rturn_first[n as usize + 1] as usize]
    }
    /// Time in ms to drive the link of search node `n` in its direction.
    pub fn node_time_ms(&self, n: u32) -> u32 {
        let (l, d) = link_dir(self.base_node(n));
        self.link_time_ms(l, d)
    }
    /// True when a car may drive the link of node `n` in its direction.
    pub fn node_drivable(&self, n: u32) -> bool {
        let (l, d) = link_dir(self.base_node(n));
        self.link_flags(l) & d != 0
    }

    /// (Re)builds the CSR adjacency from the links (counting sort, stable by link id).
    pub(crate) fn build_adjacency(&mut self) {
        let n = self.vertex_coord.len();
        let mut fwd_first = vec![0u32; n + 1];
        let mut bwd_first = vec![0u32; n + 1];
        let each_arc = |g: &Graph, f: &mut dyn FnMut(u32, u32, u32)| {
            for l in 0..g.link_u.len() {
                let (u, v) = (g.link_u[l], g.link_v[l]);
                if g.link_flags[l] & FORWARD != 0 {
                    f(u, v, g.link_time_ms[l]);
                }
                if g.link_flags[l] & BACKWARD != 0 {
                    f(v, u, g.link_back_ms[l]);
                }
            }
        };
        each_arc(self, &mut |a, b, _| {
            fwd_first[a as usize + 1] += 1;
            bwd_first[b as usize + 1] += 1;
        });
        for i in 0..n {
            fwd_first[i + 1] += fwd_first[i];
            bwd_first[i + 1] += bwd_first[i];
        }
        let m = fwd_first[n] as usize;
        let empty = Arc {
            other: 0,
            time_ms: 0,
        };
        let mut fwd = vec![empty; m];
        let mut bwd = vec![empty; m];
        let mut fpos = fwd_first.clone();
        let mut bpos = bwd_first.clone();
        each_arc(self, &mut |a, b, t| {
            fwd[fpos[a as usize] as usize] = Arc {
                other: b,
                time_ms: t,
            };
            fpos[a as usize] += 1;
            bwd[bpos[b as usize] as usize] = Arc {
                other: a,
                time_ms: t,
            };
            bpos[b as usize] += 1;
        });
        self.fwd_first = fwd_first;
        self.fwd = fwd;
        self.bwd_first = bwd_first;
        self.bwd = bwd;
    }

    pub fn num_vertices(&self) -> usize {
        self.vertex_coord.len()
    }
    pub fn num_links(&self) -> usize {
        self.link_u.len()
    }
    pub fn num_arcs(&self) -> usize {
        self.fwd.len()
    }
    pub fn num_shape_points(&self) -> usize {
        self.shape_coord.len()
    }
    pub fn stats(&self) -> &GraphStats {
        &self.stats
    }
    pub fn profile_name(&self) -> &str {
        &self.profile_name
    }
    /// The `highway` values, indexed by [`Graph::link_class`].
    pub fn classes(&self) -> &[String] {
        &self.classes
    }
    pub fn vertex_coord(&self, v: u32) -> Coord {
        self.vertex_coord[v as usize]
    }
    /// Arcs leaving `v` (to `other`).
    pub fn out_arcs(&self, v: u32) -> &[Arc] {
        &self.fwd[self.fwd_first[v as usize] as usize..self.fwd_first[v as usize + 1] as usize]
    }
    /// Arcs entering `v` (from `other`).
    pub fn in_arcs(&self, v: u32) -> &[Arc] {
        &self.bwd[self.bwd_first[v as usize] as usize..self.bwd_first[v as usize + 1] as usize]
    }
    pub fn link_ends(&self, l: u32) -> (u32, u32) {
        (self.link_u[l as usize], self.link_v[l as usize])
    }
    /// Time in ms to drive link `l` in direction `dir` ([`FORWARD`]: from `u` to `v`, else from
    /// `v` to `u`).
    pub fn link_time_ms(&self, l: u32, dir: u8) -> u32 {
        if dir == FORWARD {
            self.link_time_ms[l as usize]
        } else {
            self.link_back_ms[l as usize]
        }
    }
    /// [`FORWARD`] and/or [`BACKWARD`] (the directions a car may drive it).
    pub fn link_flags(&self, l: u32) -> u8 {
        self.link_flags[l as usize] & (FORWARD | BACKWARD)
    }
    /// True when the link belongs to a main strongly connected part ([`SMALL_PART`]).
    pub fn link_in_main_part(&self, l: u32) -> bool {
        self.link_flags[l as usize] & SMALL_PART == 0
    }
    pub fn link_class(&self, l: u32) -> u8 {
        self.link_class[l as usize]
    }
    pub fn link_shape(&self, l: u32) -> &[Coord] {
        &self.shape_coord[self.shape_range(l)]
    }
    /// Cumulative metres from the link start, per shape point.
    pub fn link_cum_m(&self, l: u32) -> &[f32] {
        &self.shape_cum_m[self.shape_range(l)]
    }
    pub fn link_length_m(&self, l: u32) -> f64 {
        self.link_cum_m(l).last().map_or(0.0, |&c| f64::from(c))
    }
    fn shape_range(&self, l: u32) -> std::ops::Range<usize> {
        self.shape_start[l as usize] as usize..self.shape_start[l as usize + 1] as usize
    }
    /// Time in ms (fractional) to drive the first `offset_m` metres of the link (from `u`), at
    /// the link's speed in direction `dir`: the way from `u` is the forward time of that part,
    /// the way back to `u` its backward time.
    pub fn link_offset_ms(&self, l: u32, offset_m: f64, dir: u8) -> f64 {
        let len = self.link_length_m(l);
        if len <= 0.0 {
            0.0
        } else {
            f64::from(self.link_time_ms(l, dir)) * (offset_m / len).clamp(0.0, 1.0)
        }
    }
    /// Bytes held by the graph's arrays (not counting the snapping index).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.vertex_coord.len() * size_of::<Coord>()
            + self.link_u.len() * (4 + 4 + 4 + 4 + 1 + 1 + 4)
            + self.shape_coord.len() * (size_of::<Coord>() + 4)
            + (self.fwd.len() + self.bwd.len()) * size_of::<Arc>()
            + (self.fwd_first.len() + self.bwd_first.len()) * 4
            + (self.turns.len() + self.rturns.len()) * size_of::<Arc>()
            + (self.turn_first.len() + self.rturn_first.len()) * 4
            + self.node_copies.len() * 4
            + self.copy_index.len() * 8
    }
}

pub(crate) fn bbox(coords: impl Iterator<Item = Coord>) -> (i32, i32, i32, i32) {
    coords.fold(
        (i32::MAX, i32::MIN, i32::MAX, i32::MIN),
        |(a, b, c, d), p| {
            (
                a.min(p.lon_e7),
                b.max(p.lon_e7),
                c.min(p.lat_e7),
                d.max(p.lat_e7),
            )
        },
    )
}

/// Position of a coordinate along a 2^16 x 2^16 Hilbert curve over the bbox.
pub(crate) fn hilbert_key(c: Coord, min_lon: i32, max_lon: i32, min_lat: i32, max_lat: i32) -> u64 {
    let scale = |v: i32, lo: i32, hi: i32| -> u32 {
        let span = (i64::from(hi) - i64::from(lo)).max(1);
        ((i64::from(v) - i64::from(lo)) * 65535 / span) as u32
    };
    let (mut x, mut y) = (
        scale(c.lon_e7, min_lon, max_lon),
        scale(c.lat_e7, min_lat, max_lat),
    );
    let mut d: u64 = 0;
    let mut s: u32 = 1 << 15;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = 65535 - x;
                y = 65535 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    d
}

/// The strongly connected component of every vertex, and the size of each (iterative Tarjan).
#[cfg(test)]
pub(crate) fn strong_components(n: usize, arcs: &[(u32, u32)]) -> (Vec<u32>, Vec<usize>) {
    let mut first = vec![0u32; n + 1];
    for &(a, _) in arcs {
        first[a as usize + 1] += 1;
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut heads = vec![0u32; arcs.len()];
    let mut pos = first.clone();
    for &(a, b) in arcs {
        heads[pos[a as usize] as usize] = b;
        pos[a as usize] += 1;
    }
    strong_components_csr(&first, &heads)
}

/// Tarjan's strongly connected components over a CSR adjacency (`heads[first[v]..first[v + 1]]`
/// are the successors of `v`), iteratively: per vertex its component, and the components' sizes.
pub(crate) fn strong_components_csr(first: &[u32], heads: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let n = first.len() - 1;
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp_of = vec![u32::MAX; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, u32)> = Vec::new(); // (vertex, next arc position)
    let mut next_index = 0u32;
    let mut comp_sizes: Vec<usize> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        call.push((root, first[root as usize]));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut ai)) = call.last_mut() {
            if *ai < first[v as usize + 1] {
                let w = heads[*ai as usize];
                *ai += 1;
                if index[w as usize] == UNSEEN {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, first[w as usize]));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let c = comp_sizes.len() as u32;
                    let mut size = 0;
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        comp_of[w as usize] = c;
                        size += 1;
                        if w == v {
                            break;
                        }
                    }
                    comp_sizes.push(size);
                }
            }
        }
    }
    (comp_of, comp_sizes)
}

/// Marks the vertices of the largest strongly connected component; ties go to the lower
/// component number (deterministic).
#[cfg(test)]
fn largest_scc(n: usize, arcs: &[(u32, u32)]) -> Vec<bool> {
    let (comp_of, comp_sizes) = strong_components(n, arcs);
    let best = comp_sizes
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i as u32);
    comp_of.iter().map(|&c| Some(c) == best).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::osrm_segment_m;
    use crate::import::RawNetwork;

    #[test]
    fn scc_picks_the_largest_cycle() {
        // 0<->1<->2 is strongly connected; 3 only reachable; 4->5->6->4 is a 3-cycle too, but
        // smaller than {0,1,2,7}.
        let arcs = [
            (0, 1),
            (1, 0),
            (1, 2),
            (2, 1),
            (2, 7),
            (7, 0),
            (2, 3),
            (4, 5),
            (5, 6),
            (6, 4),
        ];
        let c = largest_scc(8, &arcs);
        assert_eq!(c, vec![true, true, true, false, false, false, false, true]);
    }

    #[test]
    fn scc_of_a_one_way_chain_is_one_vertex() {
        let c = largest_scc(3, &[(0, 1), (1, 2)]);
        assert_eq!(c.iter().filter(|&&b| b).count(), 1);
    }

    #[test]
    fn hilbert_keys_are_distinct_at_corners() {
        let k = |lon, lat| {
            hilbert_key(
                Coord {
                    lon_e7: lon,
                    lat_e7: lat,
                },
                0,
                100,
                0,
                100,
            )
        };
        let keys = [k(0, 0), k(0, 100), k(100, 100), k(100, 0)];
        assert_eq!(keys[0], 0);
        let mut sorted = keys.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 4);
    }

    /// A straight way of `n` segments of about 100 m, one piece, as the import gives it.
    fn one_way_network(n: usize, way: crate::RawWay, osrm: bool) -> RawNetwork {
        let coords: Vec<Coord> = (0..=n)
            .map(|i| Coord::from_deg(3.0 + 0.001 * i as f64, 44.0))
            .collect();
        RawNetwork {
            node_ids: (0..=n as i64).collect(),
            node_coords: coords,
            ways: vec![crate::RawWay {
                nodes_start: 0,
                nodes_end: n as u32 + 1,
                ..way
            }],
            way_nodes: (0..=n as u32).collect(),
            classes: vec!["ferry".into()],
            profile_name: "test".into(),
            osrm_segments: osrm,
            ways_in_file: 1,
            missing_nodes: 0,
            ..Default::default()
        }
    }

    fn way(kmh: f64, back_kmh: f64, duration_s: Option<f64>) -> crate::RawWay {
        crate::RawWay {
            osm_id: 1,
            class: 0,
            speed_kmh: kmh,
            backward_kmh: back_kmh,
            forward: true,
            backward: true,
            duration_s,
            ferry: duration_s.is_some(),
            boarding_s: 0.0,
            nodes_start: 0,
            nodes_end: 0,
        }
    }

    #[test]
    fn a_ferry_duration_is_spread_over_its_segments() {
        // 45 min over 3 segments: 900 s each, both ways, whatever the speed.
        let g = Graph::from_raw(&one_way_network(3, way(5.0, 5.0, Some(2700.0)), true));
        assert_eq!(g.num_links(), 1);
        assert_eq!(g.link_time_ms(0, FORWARD), 2_700_000);
        assert_eq!(g.link_time_ms(0, BACKWARD), 2_700_000);
        // Without a duration, the ferry speed: 5 km/h over ~240 m (0.001° of longitude at 44°N
        // is about 80 m), each segment rounded to 0.1 s.
        let g = Graph::from_raw(&one_way_network(3, way(5.0, 5.0, None), true));
        let seg = osrm_segment_m(Coord::from_deg(3.0, 44.0), Coord::from_deg(3.001, 44.0));
        let ds = (seg / (5.0 / 3.6) * 10.0).round() as u32;
        assert_eq!(g.link_time_ms(0, FORWARD), 3 * ds * 100);
        // A wait at the quay adds to the whole crossing, once.
        let waiting = crate::RawWay {
            boarding_s: 600.0,
            ..way(5.0, 5.0, Some(2700.0))
        };
        let g = Graph::from_raw(&one_way_network(3, waiting, true));
        assert_eq!(g.link_time_ms(0, FORWARD), 3_300_000);
    }

    #[test]
    fn osrm_segments_round_each_segment_and_directions_keep_their_speeds() {
        let g = Graph::from_raw(&one_way_network(4, way(40.0, 56.0, None), true));
        let seg = osrm_segment_m(Coord::from_deg(3.0, 44.0), Coord::from_deg(3.001, 44.0));
        let ds = |kmh: f64| (seg / (kmh / 3.6) * 10.0).round().max(1.0) as u32 * 100;
        assert_eq!(g.link_time_ms(0, FORWARD), 4 * ds(40.0));
        assert_eq!(g.link_time_ms(0, BACKWARD), 4 * ds(56.0));
        // The simple profile's rule: the haversine length to the millisecond.
        let g = Graph::from_raw(&one_way_network(4, way(40.0, 56.0, None), false));
        let len = g.link_length_m(0);
        assert_eq!(g.link_time_ms(0, FORWARD), time_ms(len, 40.0));
        assert_eq!(g.link_time_ms(0, BACKWARD), time_ms(len, 56.0));
    }

    #[test]
    fn every_part_is_kept_and_snapping_prefers_a_main_part_within_the_limit() {
        // A: a two-way chain of 4 nodes along 44.0°N (the largest part, so a main one);
        // B: an isolated two-way road 0.002° (about 220 m) north of A's middle.
        let c = |lon: f64, lat: f64| Coord::from_deg(lon, lat);
        let two_way = |start: u32, end: u32| crate::RawWay {
            nodes_start: start,
            nodes_end: end,
            ..way(30.0, 30.0, None)
        };
        let raw = RawNetwork {
            node_ids: (0..6).collect(),
            node_coords: vec![
                c(3.000, 44.0),
                c(3.001, 44.0),
                c(3.002, 44.0),
                c(3.003, 44.0),
                c(3.0010, 44.002),
                c(3.0020, 44.002),
            ],
            ways: vec![two_way(0, 4), two_way(4, 6)],
            way_nodes: vec![0, 1, 2, 3, 4, 5],
            classes: vec!["residential".into()],
            profile_name: "test".into(),
            osrm_segments: false,
            ways_in_file: 2,
            missing_nodes: 0,
            ..Default::default()
        };
        let g = Graph::from_raw(&raw);
        assert_eq!(g.num_vertices(), 4, "both ends of both ways");
        assert_eq!((g.stats().parts, g.stats().main_parts), (2, 1));
        let small: Vec<u32> = (0..g.num_links() as u32)
            .filter(|&l| !g.link_in_main_part(l))
            .collect();
        assert_eq!(small.len(), 1);
        let index = crate::SnapIndex::new(&g);
        // 30 m south of B, about 190 m north of A.
        let (lon, lat) = (3.0015, 44.00173);
        let s = index.snap(&g, lon, lat, 1_000.0).unwrap();
        assert!(
            g.link_in_main_part(s.link),
            "main road within the limit: {s:?}"
        );
        assert!(s.dist_m > 150.0);
        // No main road within 100 m: the nearest road of the small part.
        let s = index.snap(&g, lon, lat, 100.0).unwrap();
        assert_eq!(s.link, small[0]);
        assert!(s.dist_m < 40.0);
        assert!(index.snap(&g, lon, lat, 10.0).is_err());
    }

    #[test]
    fn time_is_length_over_speed_in_ms() {
        assert_eq!(time_ms(1000.0, 36.0), 100_000);
        assert_eq!(time_ms(0.0, 50.0), 0);
        assert_eq!(time_ms(1.0, 3600.0), 1);
    }
}
