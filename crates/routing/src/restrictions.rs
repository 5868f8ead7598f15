//! Turn restrictions, resolved to search nodes.
//!
//! * **Via a node**: the from and to ways must start or end at the via node (as OSRM). A `no_*`
//!   forbids the turns from the from way's links arriving there onto the to way's links leaving
//!   it; an `only_*` allows only those. Several `only_*` from one way must all hold: their
//!   targets intersect (OSRM forbids a turn when any restriction does).
//! * **Via ways**: the restriction holds only for a car that came along the from way and drove
//!   the via ways in order. Such a car is a different state from one that joined the via ways
//!   elsewhere, so the via links get *copies* (extra search nodes, numbered after the `2 * links`
//!   of [`crate::turns`]): the turn from the from way onto the first via link goes to its copy,
//!   each copy turns onto the next via link's copy, and the last copy's turns obey the
//!   restriction. Copies share a trie, so restrictions with the same from way and via path share
//!   their copies. A copy has the turns of its link (minus what the restriction forbids), so its
//!   time to any site is never shorter than its link's: reading a link's own nodes gives the
//!   right time for a trip that starts there.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use crate::graph::{Arc, Graph};
use crate::import::{RawNetwork, Via};
use crate::turns::{self, Bans, Incidence};

/// How many restrictions were applied (via a node, via ways) and how many could not be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub via_node: u64,
    pub via_ways: u64,
    pub unusable: u64,
}

/// A via-way restriction on search nodes: arriving along `from`, then driving `path` (the via
/// links in order), the next turn must (`only`) or must not go onto one of `to`.
#[derive(Debug, Clone)]
pub(crate) struct PathBan {
    pub from: Vec<u32>,
    pub path: Vec<u32>,
    pub to: Vec<u32>,
    pub only: bool,
}

/// Resolves the restrictions of `raw` on graph `g` (its links' ways in `link_way`; `vertex`
/// maps a node index of `raw` to its junction, if it is one).
pub(crate) fn resolve(
    g: &Graph,
    raw: &RawNetwork,
    inc: &Incidence,
    link_way: &[u32],
    vertex: &dyn Fn(u32) -> Option<u32>,
) -> (Bans, Vec<PathBan>, Counts) {
    let mut bans = Bans::default();
    let mut paths = Vec::new();
    let mut counts = Counts::default();
    let way_index = |id: i64| raw.ways.binary_search_by_key(&id, |w| w.osm_id).ok();
    let of_ways = |n: u32, ways: &[usize]| on_ways(link_way, n, ways);
    for r in &raw.restrictions {
        let from: Option<Vec<usize>> = r.from.iter().map(|&id| way_index(id)).collect();
        let to: Option<Vec<usize>> = r.to.iter().map(|&id| way_index(id)).collect();
        let (Some(from), Some(to)) = (from, to) else {
            counts.unusable += 1;
            continue;
        };
        match &r.via {
            Via::Node(id) => {
                let Some((ni, w)) = raw
                    .node_ids
                    .binary_search(id)
                    .ok()
                    .and_then(|ni| vertex(ni as u32).map(|w| (ni as u32, w)))
                else {
                    counts.unusable += 1;
                    continue;
                };
                // From and to ways must be car ways that start or end at the via node.
                if !from
                    .iter()
                    .chain(&to)
                    .all(|&wi| way_ends(raw, wi).contains(&ni))
                {
                    counts.unusable += 1;
                    continue;
                }
                let from_nodes: Vec<u32> = turns::arriving(g, inc, w)
                    .filter(|&a| of_ways(a, &from))
                    .collect();
                let to_nodes: Vec<u32> = turns::leaving(g, inc, w)
                    .filter(|&b| of_ways(b, &to))
                    .collect();
                // No way to arrive along `from`: nothing to restrict. A `to` way that cannot be
                // left along (a one-way towards the via node) still counts: an `only_*` to it
                // then forbids every turn from `from`, as in OSRM, which does not check
                // directions.
                if from_nodes.is_empty() {
                    counts.unusable += 1;
                    continue;
                }
                for &a in &from_nodes {
                    if r.only {
                        match bans.only.entry(a) {
                            Entry::Occupied(mut e) => {
                                e.get_mut().retain(|b| to_nodes.contains(b));
                            }
                            Entry::Vacant(e) => {
                                e.insert(to_nodes.clone());
                            }
                        }
                    } else {
                        for &b in &to_nodes {
                            bans.no.insert((a, b));
                        }
                    }
                }
                counts.via_node += 1;
            }
            Via::Ways(ids) => {
                let via: Option<Vec<usize>> = ids.iter().map(|&id| way_index(id)).collect();
                let resolved = via
                    .and_then(|via| via_way_path(g, inc, link_way, vertex, raw, &from, &via, &to));
                match resolved {
                    Some((from_nodes, path, to_nodes)) if !from_nodes.is_empty() => {
                        paths.push(PathBan {
                            from: from_nodes,
                            path,
                            to: to_nodes,
                            only: r.only,
                        });
                        counts.via_ways += 1;
                    }
                    _ => counts.unusable += 1,
                }
            }
        }
    }
    (bans, paths, counts)
}

/// The search nodes of a via-way restriction: the from way's nodes arriving where it meets the
/// first via way, the via links driven from there through each via way in order, and the to
/// way's nodes leaving the last via way. `None` when the ways do not chain.
#[allow(clippy::too_many_arguments)]
fn via_way_path(
    g: &Graph,
    inc: &Incidence,
    link_way: &[u32],
    vertex: &dyn Fn(u32) -> Option<u32>,
    raw: &RawNetwork,
    from: &[usize],
    via: &[usize],
    to: &[usize],
) -> Option<(Vec<u32>, Vec<u32>, Vec<u32>)> {
    let nodes_of = |wi: usize| raw.way_node_slice(&raw.ways[wi]);
    let ends = |wi: usize| way_ends(raw, wi);
    // Where two ways meet: an end of one on the other.
    let meet = |a: usize, b: usize| {
        let (na, nb) = (nodes_of(a), nodes_of(b));
        ends(a)
            .into_iter()
            .find(|n| nb.contains(n))
            .or_else(|| ends(b).into_iter().find(|n| na.contains(n)))
    };
    let first = from.iter().find_map(|&f| meet(f, via[0]))?;
    let mut joints = vec![vertex(first)?];
    for p in via.windows(2) {
        joints.push(vertex(meet(p[0], p[1])?)?);
    }
    let last = to.iter().find_map(|&t| meet(*via.last()?, t))?;
    joints.push(vertex(last)?);
    let mut path = Vec::new();
    for (i, &wi) in via.iter().enumerate() {
        path.extend(drive_along(g, inc, link_way, wi, joints[i], joints[i + 1])?);
    }
    let of_ways = |n: u32, ways: &[usize]| on_ways(link_way, n, ways);
    let from_nodes = turns::arriving(g, inc, joints[0])
        .filter(|&a| of_ways(a, from))
        .collect();
    let to_nodes = turns::leaving(g, inc, *joints.last()?)
        .filter(|&b| of_ways(b, to))
        .collect();
    Some((from_nodes, path, to_nodes))
}

/// The first and last node of way `wi`.
fn way_ends(raw: &RawNetwork, wi: usize) -> [u32; 2] {
    let s = raw.way_node_slice(&raw.ways[wi]);
    [s[0], s[s.len() - 1]]
}

/// True when search node `n` (one of a link's two) drives a link of one of `ways`.
fn on_ways(link_way: &[u32], n: u32, ways: &[usize]) -> bool {
    ways.contains(&(link_way[(n / 2) as usize] as usize))
}

/// The search nodes driving way `wi`'s links from junction `a` to junction `b` (fewest links,
/// in the directions a car may drive); `None` when there is no such drive.
fn drive_along(
    g: &Graph,
    inc: &Incidence,
    link_way: &[u32],
    wi: usize,
    a: u32,
    b: u32,
) -> Option<Vec<u32>> {
    let mut prev: HashMap<u32, (u32, u32)> = HashMap::new();
    let mut queue = VecDeque::from([a]);
    let mut seen = HashSet::from([a]);
    while let Some(x) = queue.pop_front() {
        if x == b {
            break;
        }
        for n in turns::leaving(g, inc, x) {
            if link_way[(n / 2) as usize] as usize != wi {
                continue;
            }
            let y = turns::head(g, n);
            if seen.insert(y) {
                prev.insert(y, (x, n));
                queue.push_back(y);
            }
        }
    }
    let mut path = Vec::new();
    let mut x = b;
    while x != a {
        let &(p, n) = prev.get(&x)?;
        path.push(n);
        x = p;
    }
    path.reverse();
    (!path.is_empty()).then_some(path)
}

/// Adds the copies that via-way restrictions need to a turn adjacency over `first.len() - 1`
/// search nodes. Returns the new adjacency and, per copy, the node it copies.
pub(crate) fn expand(
    first: Vec<u32>,
    turns: Vec<Arc>,
    bans: &[PathBan],
) -> (Vec<u32>, Vec<Arc>, Vec<u32>) {
    if bans.is_empty() {
        return (first, turns, Vec::new());
    }
    let n = first.len() - 1;
    let mut base: Vec<u32> = Vec::new();
    let mut child: HashMap<(u32, u32), u32> = HashMap::new();
    #[derive(Default)]
    struct End {
        no: Vec<u32>,
        only: Option<Vec<u32>>,
    }
    let mut ends: HashMap<u32, End> = HashMap::new();
    for r in bans {
        for &a in &r.from {
            let mut state = a;
            for &p in &r.path {
                state = *child.entry((state, p)).or_insert_with(|| {
                    base.push(p);
                    (n + base.len() - 1) as u32
                });
            }
            let e = ends.entry(state).or_default();
            if r.only {
                e.only = Some(match e.only.take() {
                    None => r.to.clone(),
                    Some(mut v) => {
                        v.retain(|b| r.to.contains(b));
                        v
                    }
                });
            } else {
                e.no.extend(&r.to);
            }
        }
    }
    let total = n + base.len();
    let mut out_first = Vec::with_capacity(total + 1);
    let mut out = Vec::with_capacity(turns.len() + base.len() * 4);
    out_first.push(0u32);
    for x in 0..total as u32 {
        let b = if (x as usize) < n {
            x
        } else {
            base[x as usize - n]
        };
        let end = ends.get(&x);
        for t in &turns[first[b as usize] as usize..first[b as usize + 1] as usize] {
            if let Some(e) = end
                && (e.no.contains(&t.other)
                    || e.only.as_ref().is_some_and(|o| !o.contains(&t.other)))
            {
                continue;
            }
            out.push(Arc {
                other: child.get(&(x, t.other)).copied().unwrap_or(t.other),
                time_ms: t.time_ms,
            });
        }
        out_first.push(out.len() as u32);
    }
    (out_first, out, base)
}
