//! Building the frozen graph ([`Graph::from_raw`]): vertices and links from the imported ways,
//! stored along the Hilbert curve, then the junction rules, turn restrictions and turns, and the
//! strongly connected parts. The graph's own module knows nothing of turns and restrictions;
//! this one puts them together.

use crate::geom::{Coord, coord_dist_m, osrm_segment_m};
use crate::graph::*;
use crate::import::{MISSING, RawNetwork};
use crate::restrictions;
use crate::turns::{self, Incidence, VertexRule};

struct Link {
    way: u32,
    u: u32,
    v: u32,
    time_ms: u32,
    back_ms: u32,
    flags: u8,
    class: u8,
    shape: Vec<u32>,
    cum: Vec<f64>,
}

impl Graph {
    /// Builds the frozen graph from imported ways: vertices at junctions and way ends, links in
    /// between, then the turns and the strongly connected parts (small ones flagged).
    pub fn from_raw(raw: &RawNetwork) -> Graph {
        let n_nodes = raw.node_ids.len();
        // Split ways at absent nodes (and drop repeated consecutive refs) into pieces.
        let mut pieces: Vec<(usize, Vec<u32>)> = Vec::new();
        let mut extra_pieces = 0u64;
        for (wi, w) in raw.ways.iter().enumerate() {
            let mut cur: Vec<u32> = Vec::new();
            let mut made = 0u64;
            for &n in raw.way_node_slice(w) {
                if raw.node_coords[n as usize] == MISSING {
                    if cur.len() >= 2 {
                        pieces.push((wi, std::mem::take(&mut cur)));
                        made += 1;
                    }
                    cur.clear();
                } else if cur.last() != Some(&n) {
                    cur.push(n);
                }
            }
            if cur.len() >= 2 {
                pieces.push((wi, cur));
                made += 1;
            }
            extra_pieces += made.saturating_sub(1);
        }
        // A node is a vertex if a piece ends there, it is used more than once, or it does
        // something to a car (a barrier, signals…: turns there cost or are forbidden).
        let mut uses = vec![0u8; n_nodes];
        let mut is_vertex = vec![false; n_nodes];
        for (_, p) in &pieces {
            for &n in p {
                uses[n as usize] = uses[n as usize].saturating_add(1);
            }
            is_vertex[p[0] as usize] = true;
            is_vertex[*p.last().expect("pieces have 2+ nodes") as usize] = true;
        }
        for &(n, _) in &raw.node_rules {
            if uses[n as usize] > 0 {
                is_vertex[n as usize] = true;
            }
        }
        let mut vertex_of = vec![u32::MAX; n_nodes];
        let mut vertex_node = Vec::new();
        for n in 0..n_nodes {
            if is_vertex[n] || uses[n] >= 2 {
                vertex_of[n] = vertex_node.len() as u32;
                vertex_node.push(n as u32);
            }
        }
        drop(uses);
        drop(is_vertex);
        // Cut pieces into links at vertices.
        let mut links: Vec<Link> = Vec::new();
        for (wi, p) in &pieces {
            let w = &raw.ways[*wi];
            let flags =
                (if w.forward { FORWARD } else { 0 }) | (if w.backward { BACKWARD } else { 0 });
            // A whole-way duration is spread evenly over the way's segments (as OSRM does).
            let way_segments = raw.way_node_slice(w).len().saturating_sub(1).max(1);
            let link_times = |shape: &[u32], len_m: f64| -> (u32, u32) {
                let segments = shape.len() - 1;
                // The wait at the quay, this link's share of the crossing.
                let wait_ms =
                    (w.boarding_s * 1000.0 * segments as f64 / way_segments as f64).round() as u32;
                let (f, b) = match (w.duration_s, raw.osrm_segments) {
                    (Some(d), true) => {
                        let ds = ((d / way_segments as f64) * 10.0).round().max(1.0) as u32;
                        let t = ds.saturating_mul(segments as u32).saturating_mul(100);
                        (t, t)
                    }
                    (Some(d), false) => {
                        let t = (d * 1000.0 * segments as f64 / way_segments as f64).round() as u32;
                        (t, t)
                    }
                    (None, true) => {
                        // Per OSM segment: OSRM's length, 0.1 s each, at least 0.1 s.
                        let mut f = 0u32;
                        let mut b = 0u32;
                        for s in shape.windows(2) {
                            let m = osrm_segment_m(
                                raw.node_coords[s[0] as usize],
                                raw.node_coords[s[1] as usize],
                            );
                            let ds = |kmh: f64| -> u32 {
                                if kmh > 0.0 {
                                    (m / (kmh / 3.6) * 10.0).round().max(1.0) as u32
                                } else {
                                    u32::MAX / 4
                                }
                            };
                            f = f.saturating_add(ds(w.speed_kmh));
                            b = b.saturating_add(ds(w.backward_kmh));
                        }
                        (f.saturating_mul(100), b.saturating_mul(100))
                    }
                    (None, false) => (time_ms(len_m, w.speed_kmh), time_ms(len_m, w.backward_kmh)),
                };
                (f.saturating_add(wait_ms), b.saturating_add(wait_ms))
            };
            let mut start = 0;
            for i in 1..p.len() {
                if vertex_of[p[i] as usize] != u32::MAX {
                    let shape = p[start..=i].to_vec();
                    let mut cum = Vec::with_capacity(shape.len());
                    let mut acc = 0.0;
                    cum.push(0.0);
                    for s in shape.windows(2) {
                        acc += coord_dist_m(
                            raw.node_coords[s[0] as usize],
                            raw.node_coords[s[1] as usize],
                        );
                        cum.push(acc);
                    }
                    let (time_ms, back_ms) = link_times(&shape, acc);
                    links.push(Link {
                        way: *wi as u32,
                        u: vertex_of[p[start] as usize],
                        v: vertex_of[p[i] as usize],
                        time_ms,
                        back_ms,
                        flags,
                        class: w.class,
                        shape,
                        cum,
                    });
                    start = i;
                }
            }
        }
        drop(pieces);

        let n_vertices = vertex_node.len();
        let km_total: f64 = links
            .iter()
            .map(|l| l.cum.last().copied().unwrap_or(0.0))
            .sum::<f64>()
            / 1000.0;
        // Renumber the kept vertices along a Hilbert curve, for locality in searches.
        let coords: Vec<Coord> = vertex_node
            .iter()
            .map(|&n| raw.node_coords[n as usize])
            .collect();
        let mut kept: Vec<u32> = (0..n_vertices as u32).collect();
        let (min_lon, max_lon, min_lat, max_lat) = bbox(kept.iter().map(|&v| coords[v as usize]));
        kept.sort_by_cached_key(|&v| {
            let c = coords[v as usize];
            (hilbert_key(c, min_lon, max_lon, min_lat, max_lat), v)
        });
        let mut new_id = vec![u32::MAX; n_vertices];
        for (i, &v) in kept.iter().enumerate() {
            new_id[v as usize] = i as u32;
        }
        let vertex_coord: Vec<Coord> = kept.iter().map(|&v| coords[v as usize]).collect();
        // Links in the order of their first end along that curve too: a search node's turns
        // then lead to nodes stored nearby (on France, a third less time in the searches).
        links.sort_by_key(|l| {
            let (a, b) = (new_id[l.u as usize], new_id[l.v as usize]);
            a.min(b)
        });

        let mut g = Graph {
            vertex_coord,
            link_u: Vec::new(),
            link_v: Vec::new(),
            link_time_ms: Vec::new(),
            link_back_ms: Vec::new(),
            link_flags: Vec::new(),
            link_class: Vec::new(),
            shape_start: vec![0],
            shape_coord: Vec::new(),
            shape_cum_m: Vec::new(),
            fwd_first: Vec::new(),
            fwd: Vec::new(),
            bwd_first: Vec::new(),
            bwd: Vec::new(),
            turn_first: Vec::new(),
            turns: Vec::new(),
            rturn_first: Vec::new(),
            rturns: Vec::new(),
            node_copies: Vec::new(),
            copy_index: Vec::new(),
            link_ferry: Vec::new(),
            vout_first: Vec::new(),
            vout: Vec::new(),
            vin_first: Vec::new(),
            vin: Vec::new(),
            classes: raw.classes.clone(),
            profile_name: raw.profile_name.clone(),
            stats: GraphStats::default(),
        };
        let links_total = links.len() as u64;
        let mut link_way = Vec::with_capacity(links.len());
        for l in links {
            let (u, v) = (new_id[l.u as usize], new_id[l.v as usize]);
            if u == u32::MAX || v == u32::MAX {
                continue;
            }
            link_way.push(l.way);
            g.link_u.push(u);
            g.link_v.push(v);
            g.link_time_ms.push(l.time_ms);
            g.link_back_ms.push(l.back_ms);
            g.link_flags.push(l.flags);
            g.link_class.push(l.class);
            g.shape_coord
                .extend(l.shape.iter().map(|&n| raw.node_coords[n as usize]));
            g.shape_cum_m.extend(l.cum.iter().map(|&c| c as f32));
            g.shape_start.push(g.shape_coord.len() as u32);
        }
        g.build_adjacency();
        // Junction rules, turn restrictions, then the turns.
        let vertex = |node: u32| {
            let v = vertex_of[node as usize];
            (v != u32::MAX).then(|| new_id[v as usize])
        };
        let mut rules = vec![VertexRule::default(); g.num_vertices()];
        for &(n, r) in &raw.node_rules {
            if let Some(v) = vertex(n) {
                rules[v as usize] = r.into();
            }
        }
        let barriers = rules.iter().filter(|r| r.barrier).count() as u64;
        let obstacles = rules
            .iter()
            .filter(|r| r.forward_s > 0.0 || r.backward_s > 0.0)
            .count() as u64;
        let inc = Incidence::new(&g);
        let (bans, path_bans, counts) = restrictions::resolve(&g, raw, &inc, &link_way, &vertex);
        g.link_ferry = g.ferry_links();
        let (tf, tt) = turns::build(
            &g,
            &inc,
            &rules,
            &g.link_ferry,
            &bans,
            raw.turn_model.as_ref(),
        );
        let (tf, tt, copies) = if raw.turn_model.is_some() {
            restrictions::expand(tf, tt, &path_bans)
        } else {
            (tf, tt, Vec::new())
        };
        g.node_copies = copies;
        g.set_turns(tf, tt);
        let (parts, main_parts) = g.mark_small_parts();
        g.stats = GraphStats {
            ways_in_file: raw.ways_in_file,
            car_ways: raw.ways.len() as u64,
            missing_nodes: raw.missing_nodes,
            extra_pieces_from_missing: extra_pieces,
            vertices_total: n_vertices as u64,
            vertices_kept: g.vertex_coord.len() as u64,
            links_total,
            links_kept: g.link_u.len() as u64,
            km_total,
            km_kept: (0..g.num_links() as u32)
                .map(|l| g.link_length_m(l))
                .sum::<f64>()
                / 1000.0,
            parts,
            main_parts,
            km_small_parts: (0..g.num_links() as u32)
                .filter(|&l| g.link_flags[l as usize] & SMALL_PART != 0)
                .map(|l| g.link_length_m(l))
                .sum::<f64>()
                / 1000.0,
            barriers,
            obstacles,
            restrictions_applied: counts.via_node + counts.via_ways,
            restrictions_via_ways: counts.via_ways,
            restrictions_unusable: counts.unusable + raw.restrictions_unusable,
            turns: g.turns.len() as u64,
        };
        g
    }

    /// Finds the strongly connected parts of the edge-based graph and flags the links of small
    /// parts ([`SMALL_PART`]). Returns the number of parts (of drivable directed links) and of
    /// main parts.
    fn mark_small_parts(&mut self) -> (u64, u64) {
        let n = self.num_nodes();
        // The turns' CSR as it is (4 bytes an arc for the heads, not a list of pairs: on France
        // that list and its sort took several hundred MB at the import's peak).
        let heads: Vec<u32> = self.turns.iter().map(|t| t.other).collect();
        let (comp_of, comp_sizes) = strong_components_csr(&self.turn_first, &heads);
        drop(heads);
        let drivable: Vec<bool> = (0..n as u32).map(|x| self.node_drivable(x)).collect();
        let largest = comp_sizes
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i);
        let main =
            |c: u32| comp_sizes[c as usize] >= MAIN_PART_MIN_NODES || Some(c as usize) == largest;
        let mut seen = vec![false; comp_sizes.len()];
        let (mut parts, mut main_parts) = (0u64, 0u64);
        for x in 0..n {
            let c = comp_of[x];
            if drivable[x] && !seen[c as usize] {
                seen[c as usize] = true;
                parts += 1;
                main_parts += u64::from(main(c));
            }
        }
        for l in 0..self.num_links() {
            let in_main = (0..2).any(|d| drivable[2 * l + d] && main(comp_of[2 * l + d]));
            if !in_main {
                self.link_flags[l] |= SMALL_PART;
            }
        }
        (parts, main_parts)
    }

    /// Sets the forward turn adjacency and derives the backward one and the junctions' nodes
    /// (`link_ferry` must be set).
    pub(crate) fn set_turns(&mut self, first: Vec<u32>, turns: Vec<Arc>) {
        let (rf, rt) = turns::reverse(&first, &turns);
        self.turn_first = first;
        self.turns = turns;
        self.rturn_first = rf;
        self.rturns = rt;
        let base = 2 * self.num_links() as u32;
        self.copy_index = (base..)
            .zip(&self.node_copies)
            .map(|(c, &b)| (b, c))
            .collect();
        self.copy_index.sort_unstable();
        let inc = Incidence::new(self);
        let (mut of, mut o, mut inf, mut i) = (vec![0u32], Vec::new(), vec![0u32], Vec::new());
        for w in 0..self.num_vertices() as u32 {
            o.extend(turns::leaving(self, &inc, w));
            let start = i.len();
            i.extend(turns::arriving(self, &inc, w));
            for k in start..i.len() {
                let n = i[k];
                i.extend(self.node_copies_of(n));
            }
            of.push(o.len() as u32);
            inf.push(i.len() as u32);
        }
        (self.vout_first, self.vout, self.vin_first, self.vin) = (of, o, inf, i);
    }
}
