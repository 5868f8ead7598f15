//! The edge-based searches against a plain Dijkstra over an explicitly expanded turn graph, on
//! seeded random networks with random barriers, junction costs, turn restrictions and OSRM's
//! turn costs. The oracle's states are directed OSM segments (every way node is a junction);
//! its turns follow the rules as written in `zb_routing::turns`, computed here from scratch,
//! with directions read `BEARING_M` along the road up to the next junction. `ZB_SEEDS=N` runs
//! N seeds (default 32; 200 agreed within 5.8 ms).

mod common;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use common::random_raw;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_routing::geom::{Coord, coord_dist_m};
use zb_routing::turns::BEARING_M;
use zb_routing::{
    Graph, MISSING, NodeRule, Profile, RawNetwork, RawRestriction, SiteSeeds, SnapIndex, Via,
    point_time,
};

/// A directed OSM segment: way `w`, its `i`-th segment, driven along the way (`fwd`) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Seg {
    w: usize,
    i: usize,
    fwd: bool,
}

struct Oracle<'a> {
    raw: &'a RawNetwork,
    rules: HashMap<u32, NodeRule>,
    /// Per node, the segment ends there: (way, segment index, node is the segment's end).
    ends: HashMap<u32, Vec<(usize, usize, bool)>>,
    /// Restrictions via one way, as segments.
    paths: Vec<PathRule>,
}

/// A via-way restriction: arriving along `from`, then driving `path`, the next turn must
/// (`only`) or must not go onto way `to`.
struct PathRule {
    from: Vec<Seg>,
    path: Vec<Seg>,
    to: usize,
    only: bool,
}

impl<'a> Oracle<'a> {
    fn new(raw: &'a RawNetwork) -> Oracle<'a> {
        let mut ends: HashMap<u32, Vec<(usize, usize, bool)>> = HashMap::new();
        for (w, way) in raw.ways.iter().enumerate() {
            for (i, p) in raw.way_node_slice(way).windows(2).enumerate() {
                if usable(raw, p[0], p[1]) {
                    ends.entry(p[0]).or_default().push((w, i, false));
                    ends.entry(p[1]).or_default().push((w, i, true));
                }
            }
        }
        let index = |id: i64| raw.ways.iter().position(|w| w.osm_id == id).unwrap();
        let paths = raw
            .restrictions
            .iter()
            .filter_map(|r| {
                let Via::Ways(v) = &r.via else { return None };
                let (f, v, t) = (index(r.from[0]), index(v[0]), index(r.to[0]));
                let (pf, pv) = (
                    raw.way_node_slice(&raw.ways[f]),
                    raw.way_node_slice(&raw.ways[v]),
                );
                let (nf, nv) = (pf.len() - 1, pv.len() - 1);
                let c0 = if pv.contains(&pf[nf]) { pf[nf] } else { pf[0] };
                // Every segment of the from way arriving there (a way that passes the node
                // twice arrives twice), as for restrictions via a node.
                let from: Vec<Seg> = (0..nf)
                    .flat_map(|i| {
                        [
                            Seg { w: f, i, fwd: true },
                            Seg {
                                w: f,
                                i,
                                fwd: false,
                            },
                        ]
                    })
                    .filter(|&x| usable(raw, pf[x.i], pf[x.i + 1]) && Oracle::head(raw, x) == c0)
                    .collect();
                let path = if pv[0] == c0 {
                    (0..nv).map(|i| Seg { w: v, i, fwd: true }).collect()
                } else {
                    (0..nv)
                        .rev()
                        .map(|i| Seg {
                            w: v,
                            i,
                            fwd: false,
                        })
                        .collect()
                };
                Some(PathRule {
                    from,
                    path,
                    to: t,
                    only: r.only,
                })
            })
            .collect();
        Oracle {
            raw,
            rules: raw.node_rules.iter().copied().collect(),
            ends,
            paths,
        }
    }

    /// The same oracle without its via-way restrictions.
    fn without_paths(&self) -> Oracle<'a> {
        Oracle {
            raw: self.raw,
            rules: self.rules.clone(),
            ends: self.ends.clone(),
            paths: Vec::new(),
        }
    }

    /// The via-way restrictions under way after turning from `s` onto `t` with `active` ones
    /// under way before (restriction, segments of its path driven); `None` when one forbids
    /// the turn.
    fn advance(&self, active: &[(usize, usize)], s: Seg, t: Seg) -> Option<Vec<(usize, usize)>> {
        let mut next = Vec::new();
        for &(r, k) in active {
            let p = &self.paths[r];
            if k == p.path.len() {
                if (t.w == p.to) != p.only {
                    return None;
                }
            } else if t == p.path[k] {
                next.push((r, k + 1));
            }
        }
        for (r, p) in self.paths.iter().enumerate() {
            if p.from.contains(&s) && t == p.path[0] {
                next.push((r, 1));
            }
        }
        next.sort_unstable();
        next.dedup();
        Some(next)
    }

    /// The node segment `s` leads to.
    fn head(raw: &RawNetwork, s: Seg) -> u32 {
        let p = raw.way_node_slice(&raw.ways[s.w]);
        if s.fwd { p[s.i + 1] } else { p[s.i] }
    }

    fn nodes(&self, s: Seg) -> (u32, u32) {
        let p = self.raw.way_node_slice(&self.raw.ways[s.w]);
        if s.fwd {
            (p[s.i], p[s.i + 1])
        } else {
            (p[s.i + 1], p[s.i])
        }
    }

    fn ms(&self, s: Seg) -> f64 {
        let (a, b) = self.nodes(s);
        let c = &self.raw.node_coords;
        coord_dist_m(c[a as usize], c[b as usize]) * 3600.0 / self.raw.ways[s.w].speed_kmh
    }

    fn drivable(&self, s: Seg) -> bool {
        let w = &self.raw.ways[s.w];
        if s.fwd { w.forward } else { w.backward }
    }

    /// True where the engine's links end: where ways meet or end (other than two segment ends)
    /// and at nodes with a rule.
    fn junction(&self, n: u32) -> bool {
        self.ends.get(&n).is_none_or(|e| e.len() != 2) || self.rules.contains_key(&n)
    }

    /// The point `BEARING_M` along way `w` from its node index `k`, walking by `step` and
    /// stopping at the next junction (or a gap), interpolated in degrees as the engine does.
    fn along(&self, w: usize, k: usize, step: isize) -> Coord {
        let p = self.raw.way_node_slice(&self.raw.ways[w]);
        let c = &self.raw.node_coords;
        let (mut at, mut done) = (k, 0.0);
        loop {
            let next = at as isize + step;
            if next < 0 || next as usize >= p.len() || !usable(self.raw, p[at], p[next as usize]) {
                return c[p[at] as usize];
            }
            let next = next as usize;
            let (a, b) = (c[p[at] as usize], c[p[next] as usize]);
            let d = coord_dist_m(a, b);
            if done + d >= BEARING_M {
                let t = ((BEARING_M - done) / d).clamp(0.0, 1.0);
                return Coord::from_deg(
                    a.lon() + t * (b.lon() - a.lon()),
                    a.lat() + t * (b.lat() - a.lat()),
                );
            }
            done += d;
            at = next;
            if self.junction(p[at]) {
                return b;
            }
        }
    }

    /// Direction of `s` leaving its tail, and arriving at its head, read `BEARING_M` along.
    fn bearings(&self, s: Seg) -> (f64, f64) {
        let (a, b) = self.nodes(s);
        let c = &self.raw.node_coords;
        let (tail, head) = (c[a as usize], c[b as usize]);
        let (from_tail, from_head) = if s.fwd {
            (self.along(s.w, s.i, 1), self.along(s.w, s.i + 1, -1))
        } else {
            (self.along(s.w, s.i + 1, -1), self.along(s.w, s.i, 1))
        };
        (compass(tail, from_tail), compass(from_head, head))
    }

    /// The turns from `s` at its head, with their cost (turn + the next segment's time).
    fn turns(&self, s: Seg) -> Vec<(Seg, f64)> {
        let model = self.raw.turn_model.unwrap();
        let (_, b) = self.nodes(s);
        let rule = self.rules.get(&b).copied().unwrap_or_default();
        let here = &self.ends[&b];
        let roads = here.len();
        let mut allowed = Vec::new();
        for &(w, i, at_end) in here {
            let t = Seg { w, i, fwd: !at_end };
            if !self.drivable(t) {
                continue;
            }
            let u_turn = t.w == s.w && t.i == s.i;
            if rule.barrier && !u_turn {
                continue;
            }
            if self.banned(s, t, b) {
                continue;
            }
            allowed.push((t, u_turn));
        }
        let others = allowed.iter().filter(|(_, u)| !u).count();
        let u_ok = roads == 1 || rule.barrier || rule.turning || others == 0;
        allowed
            .into_iter()
            .filter(|&(_, u)| !u || u_ok)
            .map(|(t, u_turn)| {
                let mut a = self.bearings(t).0 - self.bearings(s).1;
                while a > 180.0 {
                    a -= 360.0;
                }
                while a <= -180.0 {
                    a += 360.0;
                }
                let obstacle = if s.fwd {
                    rule.forward_s
                } else {
                    rule.backward_s
                };
                let turn = model.turn_s(a, roads, false, u_turn) + obstacle;
                (t, (turn * 10.0).floor() * 100.0 + self.ms(t))
            })
            .collect()
    }

    fn banned(&self, s: Seg, t: Seg, via: u32) -> bool {
        let id = |w: usize| self.raw.ways[w].osm_id;
        let ends_at = |w: usize| {
            let p = self.raw.way_node_slice(&self.raw.ways[w]);
            p[0] == via || *p.last().unwrap() == via
        };
        self.raw.restrictions.iter().any(|r| {
            let Via::Node(v) = r.via else { return false };
            if v != self.raw.node_ids[via as usize]
                || !r.from.contains(&id(s.w))
                || !r.from.iter().chain(&r.to).all(|&x| {
                    let w = self.raw.ways.iter().position(|w| w.osm_id == x).unwrap();
                    ends_at(w)
                })
            {
                return false;
            }
            if r.only {
                !r.to.contains(&id(t.w))
            } else {
                r.to.contains(&id(t.w))
            }
        })
    }

    /// Plain Dijkstra over the expanded graph from a home in the middle of segment `home`
    /// to the nearest site in the middle of one of `sites`: ms. A state is a segment and the
    /// via-way restrictions under way.
    fn time(&self, home: (usize, usize), sites: &[(usize, usize)]) -> Option<f64> {
        let mut search = Search::default();
        for fwd in [true, false] {
            let s = Seg {
                w: home.0,
                i: home.1,
                fwd,
            };
            if self.drivable(s) {
                search.reach((s, Vec::new()), self.ms(s) / 2.0);
            }
        }
        let mut best = f64::INFINITY;
        let mut done = std::collections::HashSet::new();
        while let Some(Reverse((_, i))) = search.heap.pop() {
            if !done.insert(i) {
                continue;
            }
            let d = search.dist[i];
            if d >= best {
                break;
            }
            let (s, active) = search.states[i].clone();
            for (t, c) in self.turns(s) {
                let Some(next) = self.advance(&active, s, t) else {
                    continue;
                };
                // Entering a site's segment: the site is half way along it.
                if sites.contains(&(t.w, t.i)) {
                    best = best.min(d + c - self.ms(t) / 2.0);
                }
                search.reach((t, next), d + c);
            }
        }
        best.is_finite().then_some(best)
    }
}

type State = (Seg, Vec<(usize, usize)>);

/// The oracle's Dijkstra state space, numbered as states are met.
#[derive(Default)]
struct Search {
    states: Vec<State>,
    id: HashMap<State, usize>,
    dist: Vec<f64>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl Search {
    fn reach(&mut self, st: State, d: f64) {
        let i = match self.id.get(&st) {
            Some(&i) => i,
            None => {
                self.states.push(st.clone());
                self.dist.push(f64::INFINITY);
                self.id.insert(st, self.states.len() - 1);
                self.states.len() - 1
            }
        };
        if d < self.dist[i] {
            self.dist[i] = d;
            self.heap.push(Reverse(((d * 1e3) as u64, i)));
        }
    }
}

/// Compass bearing in degrees from `a` to `b`.
fn compass(a: Coord, b: Coord) -> f64 {
    let dx = (b.lon() - a.lon()) * a.lat().to_radians().cos();
    dx.atan2(b.lat() - a.lat()).to_degrees()
}

fn usable(raw: &RawNetwork, a: u32, b: u32) -> bool {
    a != b && raw.node_coords[a as usize] != MISSING && raw.node_coords[b as usize] != MISSING
}

fn mid(raw: &RawNetwork, w: usize, i: usize) -> Coord {
    let p = raw.way_node_slice(&raw.ways[w]);
    let (a, b) = (
        raw.node_coords[p[i] as usize],
        raw.node_coords[p[i + 1] as usize],
    );
    Coord::from_deg((a.lon() + b.lon()) / 2.0, (a.lat() + b.lat()) / 2.0)
}

/// Adds random barriers, junction costs and via-node restrictions, and the car turn model.
fn with_rules(mut raw: RawNetwork, rng: &mut StdRng) -> RawNetwork {
    raw.turn_model = Profile::default().turn_model();
    let n = raw.node_ids.len() as u32;
    let mut rules: Vec<(u32, NodeRule)> = (0..n)
        .filter_map(|i| {
            let x: f64 = rng.r#gen();
            let r = if x < 0.03 {
                NodeRule {
                    barrier: true,
                    ..NodeRule::default()
                }
            } else if x < 0.10 {
                NodeRule {
                    forward_s: [2.0, 1.0, 60.0][rng.gen_range(0..3)],
                    backward_s: [0.0, 2.0][rng.gen_range(0..2)],
                    ..NodeRule::default()
                }
            } else if x < 0.12 {
                NodeRule {
                    turning: true,
                    ..NodeRule::default()
                }
            } else {
                return None;
            };
            Some((i, r))
        })
        .collect();
    rules.sort_by_key(|r| r.0);
    raw.node_rules = rules;
    // Restrictions between ways that end at a shared node (and have no absent node).
    let whole = |w: &zb_routing::RawWay| {
        raw.way_node_slice(w)
            .iter()
            .all(|&x| raw.node_coords[x as usize] != MISSING)
    };
    let mut by_end: HashMap<u32, Vec<i64>> = HashMap::new();
    for w in raw.ways.iter().filter(|w| whole(w)) {
        let p = raw.way_node_slice(w);
        by_end.entry(p[0]).or_default().push(w.osm_id);
        by_end.entry(*p.last().unwrap()).or_default().push(w.osm_id);
    }
    let mut keys: Vec<u32> = by_end.keys().copied().collect();
    keys.sort_unstable();
    let mut restrictions = Vec::new();
    for node in keys {
        let ws = &by_end[&node];
        if ws.len() >= 2 && rng.gen_bool(0.3) {
            let from = ws[rng.gen_range(0..ws.len())];
            let to = ws[rng.gen_range(0..ws.len())];
            restrictions.push(RawRestriction {
                osm_id: restrictions.len() as i64 + 1,
                only: rng.gen_bool(0.3),
                from: vec![from],
                via: Via::Node(raw.node_ids[node as usize]),
                to: vec![to],
            });
        }
    }
    // Restrictions via one way: from a way ending at one end of the via way to a way ending at
    // the other, each meeting the via way only there; a via way is never another one's from
    // way (the engine keeps one restriction under way at a time).
    let n_ways = raw.ways.len();
    let nodes = |w: usize| raw.way_node_slice(&raw.ways[w]);
    let (mut via_used, mut from_used) = (Vec::new(), Vec::new());
    for v in 0..n_ways {
        let pv = nodes(v);
        let simple = (1..pv.len()).all(|i| !pv[..i].contains(&pv[i]));
        if pv.len() < 2
            || !whole(&raw.ways[v])
            || !simple
            || from_used.contains(&v)
            || !rng.gen_bool(0.5)
        {
            continue;
        }
        let (mut a, mut b) = (pv[0], pv[pv.len() - 1]);
        if rng.gen_bool(0.5) {
            std::mem::swap(&mut a, &mut b);
        }
        let meets_only_at = |w: usize, at: u32| {
            let p = nodes(w);
            w != v
                && p.len() >= 2
                && whole(&raw.ways[w])
                && (p[0] == at || p[p.len() - 1] == at)
                && p.iter().filter(|x| pv.contains(x)).all(|&x| x == at)
        };
        let froms: Vec<usize> = (0..n_ways)
            .filter(|&w| meets_only_at(w, a) && !via_used.contains(&w))
            .collect();
        let tos: Vec<usize> = (0..n_ways).filter(|&w| meets_only_at(w, b)).collect();
        if froms.is_empty() || tos.is_empty() {
            continue;
        }
        let (f, t) = (
            froms[rng.gen_range(0..froms.len())],
            tos[rng.gen_range(0..tos.len())],
        );
        via_used.push(v);
        from_used.push(f);
        restrictions.push(RawRestriction {
            osm_id: restrictions.len() as i64 + 1,
            only: rng.gen_bool(0.6),
            from: vec![raw.ways[f].osm_id],
            via: Via::Ways(vec![raw.ways[v].osm_id]),
            to: vec![raw.ways[t].osm_id],
        });
    }
    raw.restrictions = restrictions;
    raw
}

/// Barriers, junction costs, u-turn rules and turn costs.
#[test]
fn edge_based_times_match_a_dijkstra_over_the_expanded_turn_graph() {
    compare_with_oracle(false);
}

/// The same with random via-node turn restrictions, `only_*` ones from the same way included
/// (a turn must satisfy each of them).
#[test]
fn edge_based_times_with_turn_restrictions_match_the_expanded_turn_graph() {
    compare_with_oracle(true);
}

fn compare_with_oracle(restrictions: bool) {
    let mut compared = 0;
    let mut unreachable = 0;
    let mut worst = 0.0f64;
    let mut via_ways = 0;
    let mut changed_by_via_ways = 0;
    for seed in 0..std::env::var("ZB_SEEDS").map_or(32, |s| s.parse().unwrap_or(32)) {
        let mut rng = StdRng::seed_from_u64(seed + 7000);
        let mut raw = with_rules(random_raw(seed, 12, 140), &mut rng);
        if !restrictions {
            raw.restrictions.clear();
        }
        let graph = Graph::from_raw(&raw);
        via_ways += graph.stats().restrictions_via_ways;
        let index = SnapIndex::new(&graph);
        let oracle = Oracle::new(&raw);
        // Segments that are the only one between their two nodes (so that snapping finds that
        // very segment), long enough to read their direction from the first one.
        let mut count: HashMap<(u32, u32), usize> = HashMap::new();
        for w in &raw.ways {
            for p in raw.way_node_slice(w).windows(2) {
                *count.entry((p[0].min(p[1]), p[0].max(p[1]))).or_default() += 1;
            }
        }
        let segs: Vec<(usize, usize)> = raw
            .ways
            .iter()
            .enumerate()
            .flat_map(|(w, way)| {
                let p = raw.way_node_slice(way);
                (0..p.len() - 1)
                    .filter(|&i| {
                        usable(&raw, p[i], p[i + 1])
                            && count[&(p[i].min(p[i + 1]), p[i].max(p[i + 1]))] == 1
                    })
                    .map(move |i| (w, i))
                    .collect::<Vec<_>>()
            })
            .collect();
        let sites: Vec<(usize, usize)> = (0..rng.gen_range(1..4))
            .map(|_| segs[rng.gen_range(0..segs.len())])
            .collect();
        let snaps: Vec<(u32, zb_routing::Snap)> = sites
            .iter()
            .enumerate()
            .map(|(k, &(w, i))| {
                let c = mid(&raw, w, i);
                (k as u32, index.snap(&graph, c.lon(), c.lat(), 1.0).unwrap())
            })
            .collect();
        let seeds = SiteSeeds::new(&graph, &snaps);
        let field = seeds.field(&graph, None);
        for _ in 0..60 {
            let home = segs[rng.gen_range(0..segs.len())];
            if sites.contains(&home) {
                continue;
            }
            let c = mid(&raw, home.0, home.1);
            let snap = index.snap(&graph, c.lon(), c.lat(), 1.0).unwrap();
            let got = point_time(&graph, &field, &seeds, &snap).map(|(ms, _)| ms);
            let expect = oracle.time(home, &sites);
            if restrictions && expect != oracle.without_paths().time(home, &sites) {
                changed_by_via_ways += 1;
            }
            match (got, expect) {
                (Some(g), Some(e)) => {
                    // Links sum their segments to whole ms: a few ms over a path (200 seeds:
                    // 5.8 ms at worst). A turn read at another angle would cost 100 ms or more.
                    assert!(
                        (g - e).abs() <= 20.0,
                        "seed {seed} home {home:?}: {g} ms vs oracle {e} ms"
                    );
                    worst = worst.max((g - e).abs());
                    compared += 1;
                }
                (None, None) => unreachable += 1,
                (g, e) => panic!("seed {seed} home {home:?}: got {g:?}, oracle {e:?}"),
            }
        }
    }
    assert!(compared > 400, "only {compared} homes compared");
    eprintln!(
        "{compared} homes compared, {unreachable} unreachable by both, worst {worst:.1} ms; \
         {via_ways} via-way restrictions, changing {changed_by_via_ways} times"
    );
    if restrictions {
        // 32 seeds: 293 via-way restrictions, 2 nearest-site times they change.
        assert!(
            via_ways > 100 && changed_by_via_ways > 0,
            "via ways not exercised"
        );
    }
}

#[test]
fn edge_based_graph_is_deterministic() {
    let mut rng = StdRng::seed_from_u64(3);
    let raw = with_rules(random_raw(3, 14, 200), &mut rng);
    let (a, b) = (Graph::from_raw(&raw), Graph::from_raw(&raw));
    assert_eq!(a, b);
    assert!(a.stats().turns > 0);
}
