//! Test helpers: seeded random road networks and a slow, obviously correct oracle.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_routing::geom::{Coord, coord_dist_m};
use zb_routing::{MISSING, RawNetwork, RawWay};

/// `../shared/data/NAME`, or `None` with a printed reason when the shared data is absent.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared test data folder is not here)",
            p.display()
        );
        None
    }
}

/// A seeded random network on a jittered `side` x `side` grid near Mende: ways are random walks
/// between grid neighbours, some one-way (either direction), a few with absent nodes.
pub fn random_raw(seed: u64, side: usize, n_ways: usize) -> RawNetwork {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = side * side;
    let node_coords: Vec<Coord> = (0..n)
        .map(|i| {
            let (x, y) = ((i % side) as f64, (i / side) as f64);
            let lon = 3.40 + (x + rng.gen_range(-0.3..0.3)) * 0.002;
            let lat = 44.50 + (y + rng.gen_range(-0.3..0.3)) * 0.0015;
            if rng.gen_bool(0.01) {
                MISSING
            } else {
                Coord::from_deg(lon, lat)
            }
        })
        .collect();
    let mut ways = Vec::new();
    let mut way_nodes = Vec::new();
    for w in 0..n_ways {
        let mut cur = rng.gen_range(0..n);
        let start = way_nodes.len() as u32;
        way_nodes.push(cur as u32);
        for _ in 0..rng.gen_range(1..8) {
            let (x, y) = (cur % side, cur / side);
            let next = match rng.gen_range(0..4) {
                0 if x + 1 < side => cur + 1,
                1 if x > 0 => cur - 1,
                2 if y + 1 < side => cur + side,
                3 if y > 0 => cur - side,
                _ => continue,
            };
            way_nodes.push(next as u32);
            cur = next;
        }
        let (forward, backward) = match rng.gen_range(0..10) {
            0 | 1 => (true, false),
            2 => (false, true),
            _ => (true, true),
        };
        let speed_kmh = [30.0, 50.0, 80.0, 20.0][rng.gen_range(0..4)];
        ways.push(RawWay {
            osm_id: w as i64 + 1,
            class: 0,
            speed_kmh,
            backward_kmh: speed_kmh,
            forward,
            backward,
            duration_s: None,
            ferry: false,
            boarding_s: 0.0,
            nodes_start: start,
            nodes_end: way_nodes.len() as u32,
        });
    }
    let missing_nodes = node_coords.iter().filter(|c| **c == MISSING).count() as u64;
    RawNetwork {
        node_ids: (0..n as i64).collect(),
        node_coords,
        ways,
        way_nodes,
        classes: vec!["residential".into()],
        profile_name: "test".into(),
        osrm_segments: false,
        ways_in_file: n_ways as u64,
        missing_nodes,
        ..Default::default()
    }
}

/// The oracle: every OSM way node is a vertex, times in fractional milliseconds.
pub struct NodeGraph {
    /// Forward adjacency: (to, ms).
    pub out: Vec<Vec<(usize, f64)>>,
    /// Backward adjacency: (from, ms).
    pub inc: Vec<Vec<(usize, f64)>>,
}

impl NodeGraph {
    pub fn new(raw: &RawNetwork) -> NodeGraph {
        let n = raw.node_ids.len();
        let mut g = NodeGraph {
            out: vec![Vec::new(); n],
            inc: vec![Vec::new(); n],
        };
        for w in &raw.ways {
            for pair in raw.way_node_slice(w).windows(2) {
                let (a, b) = (pair[0] as usize, pair[1] as usize);
                let (ca, cb) = (raw.node_coords[a], raw.node_coords[b]);
                if ca == MISSING || cb == MISSING || a == b {
                    continue;
                }
                let ms = coord_dist_m(ca, cb) * 3600.0 / w.speed_kmh;
                if w.forward {
                    g.out[a].push((b, ms));
                    g.inc[b].push((a, ms));
                }
                if w.backward {
                    g.out[b].push((a, ms));
                    g.inc[a].push((b, ms));
                }
            }
        }
        g
    }

    /// Plain Dijkstra with float times; `backward` gives times TO the sources.
    /// Returns per node (time, source index) with the lower source index winning exact ties.
    pub fn dijkstra(&self, sources: &[(usize, f64)], backward: bool) -> Vec<Option<(f64, usize)>> {
        let n = self.out.len();
        let mut best: Vec<Option<(f64, usize)>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        for (i, &(v, t)) in sources.iter().enumerate() {
            if best[v].is_none_or(|(bt, _)| t < bt) {
                best[v] = Some((t, i));
                heap.push(Reverse((t.to_bits(), i, v)));
            }
        }
        let mut done = vec![false; n];
        while let Some(Reverse((tb, s, v))) = heap.pop() {
            if done[v] {
                continue;
            }
            done[v] = true;
            let t = f64::from_bits(tb);
            let arcs = if backward { &self.inc[v] } else { &self.out[v] };
            for &(w, ms) in arcs {
                let nt = t + ms;
                if best[w].is_none_or(|(bt, _)| nt < bt) {
                    best[w] = Some((nt, s));
                    heap.push(Reverse((nt.to_bits(), s, w)));
                }
            }
        }
        best
    }
}
