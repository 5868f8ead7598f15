//! The edge-based layer: searches run over *directed links* (one search node per link and
//! direction, `2 * link + 0` from `u` to `v`, `2 * link + 1` from `v` to `u`), joined by the
//! turns a car may make where links meet. A turn's cost is what the profile charges for it
//! (its angle, a u-turn, the node's signals, stop, give way or gate) plus the time to drive the
//! link it turns onto, so a search node's time is measured at the *head* of its link, having
//! driven it.
//!
//! What the layer encodes, as OSRM does:
//! * blocking barriers: at a barrier node a car may only turn back;
//! * u-turns only at dead ends, barriers, turning circles and where no other exit is allowed;
//! * turn restrictions via a node (`no_*`, `only_*`), whose from and to ways start or end at
//!   the via node (restrictions via ways add copies of their via links:
//!   [`crate::restrictions`]);
//! * turn costs from the angle between the link's directions near the junction.
//!
//! With no [`TurnModel`] (the `simple` profile) every turn is free and allowed, u-turns
//! included: times equal a plain Dijkstra over junctions.

use std::collections::{HashMap, HashSet};

use crate::geom::Coord;
use crate::graph::{Arc, BACKWARD, FORWARD, Graph};
pub use crate::graph::{link_dir, node_of};
use crate::profile::{NodeRule, TurnModel};

/// How far along a link its direction at a junction is read, in metres (a shorter link is
/// read whole). OSRM reads a representative coordinate a few metres along each road.
pub const BEARING_M: f64 = 10.0;

/// The turn restrictions of a graph, resolved to search nodes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bans {
    /// `(from, to)` turns a `no_*` restriction forbids.
    pub no: HashSet<(u32, u32)>,
    /// From a node an `only_*` restriction governs, the only nodes it may turn onto.
    pub only: HashMap<u32, Vec<u32>>,
}

/// What a junction does to a car, by vertex.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VertexRule {
    pub barrier: bool,
    pub turning: bool,
    /// Seconds charged when arriving along a link driven [`FORWARD`] (in the way's order) and
    /// [`BACKWARD`].
    pub forward_s: f64,
    pub backward_s: f64,
}

impl From<NodeRule> for VertexRule {
    fn from(r: NodeRule) -> VertexRule {
        VertexRule {
            barrier: r.barrier,
            turning: r.turning,
            forward_s: r.forward_s,
            backward_s: r.backward_s,
        }
    }
}

/// Per vertex, the links that touch it and which end (`false`: the link's `u`).
pub(crate) struct Incidence {
    first: Vec<u32>,
    items: Vec<(u32, bool)>,
}

impl Incidence {
    pub fn new(g: &Graph) -> Incidence {
        let n = g.num_vertices();
        let mut first = vec![0u32; n + 1];
        for l in 0..g.num_links() as u32 {
            let (u, v) = g.link_ends(l);
            first[u as usize + 1] += 1;
            first[v as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut pos = first.clone();
        let mut items = vec![(0, false); first[n] as usize];
        for l in 0..g.num_links() as u32 {
            let (u, v) = g.link_ends(l);
            items[pos[u as usize] as usize] = (l, false);
            pos[u as usize] += 1;
            items[pos[v as usize] as usize] = (l, true);
            pos[v as usize] += 1;
        }
        Incidence { first, items }
    }

    pub fn at(&self, w: u32) -> &[(u32, bool)] {
        &self.items[self.first[w as usize] as usize..self.first[w as usize + 1] as usize]
    }
}

/// The search nodes leaving vertex `w` (links drivable away from it), given its incidence.
pub(crate) fn leaving<'a>(
    g: &'a Graph,
    inc: &'a Incidence,
    w: u32,
) -> impl Iterator<Item = u32> + 'a {
    inc.at(w).iter().filter_map(move |&(l, at_v)| {
        let dir = if at_v { BACKWARD } else { FORWARD };
        (g.link_flags(l) & dir != 0).then(|| node_of(l, dir))
    })
}

/// The search nodes arriving at vertex `w`.
pub(crate) fn arriving<'a>(
    g: &'a Graph,
    inc: &'a Incidence,
    w: u32,
) -> impl Iterator<Item = u32> + 'a {
    inc.at(w).iter().filter_map(move |&(l, at_v)| {
        let dir = if at_v { FORWARD } else { BACKWARD };
        (g.link_flags(l) & dir != 0).then(|| node_of(l, dir))
    })
}

/// The vertex a search node's link leads to.
pub fn head(g: &Graph, n: u32) -> u32 {
    let (l, dir) = link_dir(n);
    let (u, v) = g.link_ends(l);
    if dir == FORWARD { v } else { u }
}

/// The vertex a search node's link starts from.
pub fn tail(g: &Graph, n: u32) -> u32 {
    let (l, dir) = link_dir(n);
    let (u, v) = g.link_ends(l);
    if dir == FORWARD { u } else { v }
}

/// The point `d_m` metres along link `l` from its `u` end (clamped to the link).
fn point_along(g: &Graph, l: u32, d_m: f64) -> Coord {
    let shape = g.link_shape(l);
    let cum = g.link_cum_m(l);
    let d = d_m.clamp(0.0, f64::from(*cum.last().expect("2+ shape points")));
    let i = cum
        .partition_point(|&c| f64::from(c) < d)
        .clamp(1, cum.len() - 1);
    let (a, b) = (shape[i - 1], shape[i]);
    let span = f64::from(cum[i] - cum[i - 1]);
    let t = if span > 0.0 {
        ((d - f64::from(cum[i - 1])) / span).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Coord::from_deg(
        a.lon() + t * (b.lon() - a.lon()),
        a.lat() + t * (b.lat() - a.lat()),
    )
}

/// Compass bearing in degrees (0 north, 90 east) from `a` to `b`.
fn bearing(a: Coord, b: Coord) -> f64 {
    let dx = (b.lon() - a.lon()) * a.lat().to_radians().cos();
    let dy = b.lat() - a.lat();
    dx.atan2(dy).to_degrees()
}

/// The direction of travel of node `n` as it arrives at its head.
fn arrival_bearing(g: &Graph, n: u32) -> f64 {
    let (l, dir) = link_dir(n);
    let len = g.link_length_m(l);
    if dir == FORWARD {
        let (_, v) = g.link_ends(l);
        bearing(point_along(g, l, len - BEARING_M), g.vertex_coord(v))
    } else {
        let (u, _) = g.link_ends(l);
        bearing(point_along(g, l, BEARING_M), g.vertex_coord(u))
    }
}

/// The direction of travel of node `n` as it leaves its tail.
fn departure_bearing(g: &Graph, n: u32) -> f64 {
    let (l, dir) = link_dir(n);
    let len = g.link_length_m(l);
    if dir == FORWARD {
        let (u, _) = g.link_ends(l);
        bearing(g.vertex_coord(u), point_along(g, l, BEARING_M))
    } else {
        let (_, v) = g.link_ends(l);
        bearing(g.vertex_coord(v), point_along(g, l, len - BEARING_M))
    }
}

/// The turn angle from arriving node `a` to leaving node `b`: 0 straight on, + right, - left,
/// in (-180, 180].
pub(crate) fn turn_angle(g: &Graph, a: u32, b: u32) -> f64 {
    let mut d = departure_bearing(g, b) - arrival_bearing(g, a);
    while d > 180.0 {
        d -= 360.0;
    }
    while d <= -180.0 {
        d += 360.0;
    }
    d
}

/// The forward turn adjacency, as CSR over search nodes: `(first, turns)` where the turns of
/// node `a` are `turns[first[a]..first[a + 1]]`, each to the next node with the turn's cost
/// plus that node's link time, in ms.
pub(crate) fn build(
    g: &Graph,
    inc: &Incidence,
    rules: &[VertexRule],
    ferry: &[bool],
    bans: &Bans,
    model: Option<&TurnModel>,
) -> (Vec<u32>, Vec<Arc>) {
    let n_nodes = 2 * g.num_links();
    let mut first = Vec::with_capacity(n_nodes + 1);
    let mut turns = Vec::new();
    first.push(0u32);
    let mut allowed: Vec<(u32, bool)> = Vec::new();
    for a in 0..n_nodes as u32 {
        let (la, da) = link_dir(a);
        if g.link_flags(la) & da != 0 {
            let w = head(g, a);
            let rule = rules[w as usize];
            allowed.clear();
            for b in leaving(g, inc, w) {
                let u_turn = b == a ^ 1;
                let ok = match model {
                    None => true,
                    Some(_) => {
                        (!rule.barrier || u_turn)
                            && !bans.no.contains(&(a, b))
                            && bans.only.get(&a).is_none_or(|to| to.contains(&b))
                    }
                };
                if ok {
                    allowed.push((b, u_turn));
                }
            }
            if let Some(m) = model {
                // U-turns only at dead ends, barriers, turning circles, or with no other exit.
                let roads = inc.at(w).len();
                let others = allowed.iter().filter(|(_, u)| !u).count();
                let u_ok = roads == 1 || rule.barrier || rule.turning || others == 0;
                allowed.retain(|&(_, u)| !u || u_ok);
                for &(b, u_turn) in &allowed {
                    let (lb, db) = link_dir(b);
                    let angle = if u_turn { 180.0 } else { turn_angle(g, a, b) };
                    let mode_change = ferry[la as usize] != ferry[lb as usize];
                    let obstacle = if da == FORWARD {
                        rule.forward_s
                    } else {
                        rule.backward_s
                    };
                    let s = m.turn_s(angle, roads, mode_change, u_turn) + obstacle;
                    // OSRM keeps turn durations in whole deciseconds, truncated.
                    let turn_ms = ((s * 10.0).floor().max(0.0) as u32) * 100;
                    turns.push(Arc {
                        other: b,
                        time_ms: turn_ms.saturating_add(g.link_time_ms(lb, db)),
                    });
                }
            } else {
                for &(b, _) in &allowed {
                    let (lb, db) = link_dir(b);
                    turns.push(Arc {
                        other: b,
                        time_ms: g.link_time_ms(lb, db),
                    });
                }
            }
        }
        first.push(turns.len() as u32);
    }
    (first, turns)
}

/// The backward turn adjacency from the forward one: per node, the nodes that turn onto it,
/// with the same costs (counting sort, stable by source node).
pub(crate) fn reverse(first: &[u32], turns: &[Arc]) -> (Vec<u32>, Vec<Arc>) {
    let n = first.len() - 1;
    let mut rfirst = vec![0u32; n + 1];
    for t in turns {
        rfirst[t.other as usize + 1] += 1;
    }
    for i in 0..n {
        rfirst[i + 1] += rfirst[i];
    }
    let mut pos = rfirst.clone();
    let mut rturns = vec![
        Arc {
            other: 0,
            time_ms: 0
        };
        turns.len()
    ];
    for a in 0..n {
        for t in &turns[first[a] as usize..first[a + 1] as usize] {
            let p = &mut pos[t.other as usize];
            rturns[*p as usize] = Arc {
                other: a as u32,
                time_ms: t.time_ms,
            };
            *p += 1;
        }
    }
    (rfirst, rturns)
}
