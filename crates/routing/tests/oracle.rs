//! The searches against a slow, obviously correct oracle on seeded random graphs with one-way
//! edges: a plain Dijkstra where every OSM node is a vertex, and a Bellman-Ford fixpoint on the
//! frozen graph for the site assignment with its tie rule.

mod common;

use common::{NodeGraph, random_raw};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_routing::{
    Direction, Graph, MISSING, NO_SITE, Scratch, Seed, SiteSeeds, SnapIndex, UNREACHED, point_time,
};

/// Nodes of the raw network that lie on the kept graph, found by snapping their own position.
fn on_graph_nodes(raw: &zb_routing::RawNetwork, graph: &Graph, index: &SnapIndex) -> Vec<usize> {
    (0..raw.node_ids.len())
        .filter(|&i| {
            let c = raw.node_coords[i];
            c != MISSING && index.snap(graph, c.lon(), c.lat(), 0.01).is_ok()
        })
        .collect()
}

#[test]
fn nearest_site_times_match_plain_dijkstra_on_every_node() {
    for seed in 0..12u64 {
        let raw = random_raw(seed, 18, 260);
        let graph = Graph::from_raw(&raw);
        assert!(graph.num_vertices() > 20, "seed {seed}: graph too small");
        let index = SnapIndex::new(&graph);
        let oracle = NodeGraph::new(&raw);
        let nodes = on_graph_nodes(&raw, &graph, &index);
        let mut rng = StdRng::seed_from_u64(seed + 100);
        let site_nodes: Vec<usize> = (0..rng.gen_range(1..5))
            .map(|_| nodes[rng.gen_range(0..nodes.len())])
            .collect();
        let snaps: Vec<(u32, zb_routing::Snap)> = site_nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let c = raw.node_coords[n];
                (i as u32, index.snap(&graph, c.lon(), c.lat(), 1.0).unwrap())
            })
            .collect();
        let seeds = SiteSeeds::new(&graph, &snaps);
        let field = seeds.field(&graph, None);
        let expect = oracle.dijkstra(
            &site_nodes.iter().map(|&n| (n, 0.0)).collect::<Vec<_>>(),
            true,
        );
        let mut compared = 0;
        for &n in &nodes {
            let c = raw.node_coords[n];
            let snap = index.snap(&graph, c.lon(), c.lat(), 1.0).unwrap();
            assert!(
                snap.dist_m < 0.01,
                "seed {seed}: node {n} snapped {} m away",
                snap.dist_m
            );
            let got = point_time(&graph, &field, &seeds, &snap);
            match (got, expect[n]) {
                (None, None) => {}
                (Some((t, s)), Some((et, es))) => {
                    assert!(
                        (t - et).abs() <= 10.0,
                        "seed {seed} node {n}: {t} ms vs oracle {et} ms"
                    );
                    // The site may differ only on a near tie.
                    if s as usize != es {
                        let other = oracle.dijkstra(&[(site_nodes[s as usize], 0.0)], true)[n]
                            .unwrap()
                            .0;
                        assert!(
                            (other - et).abs() <= 10.0,
                            "seed {seed} node {n}: site {s} vs {es}"
                        );
                    }
                    compared += 1;
                }
                (g, e) => panic!("seed {seed} node {n}: got {g:?}, oracle {e:?}"),
            }
        }
        assert!(compared > 20, "seed {seed}: only {compared} nodes compared");
    }
}

/// Bellman-Ford to a fixpoint over the frozen graph's turns with the lexicographic (time,
/// site) rule.
fn fixpoint(graph: &Graph, seeds: &[Seed], limit: u32) -> Vec<(u32, u32)> {
    let n = graph.num_nodes();
    let mut best = vec![(UNREACHED, NO_SITE); n];
    for s in seeds {
        if s.time_ms <= limit {
            best[s.node as usize] = best[s.node as usize].min((s.time_ms, s.site));
        }
    }
    loop {
        let mut changed = false;
        for v in 0..n as u32 {
            for a in graph.node_out(v) {
                let (t, s) = best[a.other as usize];
                if t == UNREACHED {
                    continue;
                }
                let cand = (t + a.time_ms, s);
                if cand.0 <= limit && cand < best[v as usize] {
                    best[v as usize] = cand;
                    changed = true;
                }
            }
        }
        if !changed {
            return best;
        }
    }
}

#[test]
fn multi_source_and_bounded_search_match_a_fixpoint_exactly() {
    for seed in 0..20u64 {
        let graph = Graph::from_raw(&random_raw(seed, 14, 180));
        let n = graph.num_nodes() as u32;
        let mut rng = StdRng::seed_from_u64(seed);
        let seeds: Vec<Seed> = (0..rng.gen_range(1..6))
            .map(|i| Seed {
                node: rng.gen_range(0..n),
                time_ms: rng.gen_range(0..3000),
                site: i,
            })
            .collect();
        for limit in [None, Some(20_000), Some(60_000)] {
            let field = graph.nearest_sites(&seeds, limit);
            let expect = fixpoint(&graph, &seeds, limit.unwrap_or(UNREACHED - 1));
            for v in 0..n {
                assert_eq!(
                    field.get(v).unwrap_or((UNREACHED, NO_SITE)),
                    expect[v as usize],
                    "seed {seed} limit {limit:?} node {v}"
                );
            }
        }
    }
}

/// The junction searches (free turns: the lower bounds best-site search uses).
#[test]
fn single_source_searches_match_the_oracle_both_ways() {
    for seed in 0..10u64 {
        let raw = random_raw(seed, 16, 220);
        let graph = Graph::from_raw(&raw);
        let index = SnapIndex::new(&graph);
        let oracle = NodeGraph::new(&raw);
        let nodes = on_graph_nodes(&raw, &graph, &index);
        // Junctions of the graph are OSM nodes: find the node of each vertex.
        let vertex_node = |v: u32| {
            let c = graph.vertex_coord(v);
            *nodes.iter().find(|&&n| raw.node_coords[n] == c).unwrap()
        };
        let mut scratch = Scratch::new(&graph);
        for src in [
            0,
            graph.num_vertices() as u32 / 2,
            graph.num_vertices() as u32 - 1,
        ] {
            for (dir, backward) in [(Direction::Forward, false), (Direction::Backward, true)] {
                scratch.run_junctions(&graph, dir, &[(src, 0)], None);
                let expect = oracle.dijkstra(&[(vertex_node(src), 0.0)], backward);
                for v in 0..graph.num_vertices() as u32 {
                    let e = expect[vertex_node(v)].map(|(t, _)| t);
                    let got = scratch.time_ms(v).map(f64::from);
                    match (got, e) {
                        (Some(g), Some(e)) => assert!(
                            (g - e).abs() <= 10.0,
                            "seed {seed} {dir:?} v{v}: {g} vs {e}"
                        ),
                        // Every part is kept: a vertex of another part is unreached by both.
                        (None, None) => {}
                        (g, e) => panic!("seed {seed} {dir:?} v{v}: got {g:?}, oracle {e:?}"),
                    }
                }
                // Settled vertices come out in order of time.
                let times: Vec<u32> = scratch
                    .settled()
                    .iter()
                    .map(|&v| scratch.time_ms(v).unwrap())
                    .collect();
                assert!(times.windows(2).all(|w| w[0] <= w[1]));
            }
            // A bounded search reaches exactly the vertices within the limit.
            scratch.run_junctions(&graph, Direction::Forward, &[(src, 0)], None);
            let full: Vec<Option<u32>> = (0..graph.num_vertices() as u32)
                .map(|v| scratch.time_ms(v))
                .collect();
            scratch.run_junctions(&graph, Direction::Forward, &[(src, 0)], Some(30_000));
            for v in 0..graph.num_vertices() as u32 {
                let expect = full[v as usize].filter(|&t| t <= 30_000);
                assert_eq!(scratch.time_ms(v), expect, "seed {seed} bounded v{v}");
            }
        }
    }
}

#[test]
fn searches_are_deterministic() {
    let raw = random_raw(7, 20, 350);
    let a = Graph::from_raw(&raw);
    let b = Graph::from_raw(&raw);
    assert_eq!(a, b);
    let seeds: Vec<Seed> = (0..5)
        .map(|i| Seed {
            node: i * 7,
            time_ms: 0,
            site: i,
        })
        .collect();
    let f1 = a.nearest_sites(&seeds, None);
    let f2 = b.nearest_sites(&seeds, None);
    assert_eq!(f1, f2);
    // Giving the same seeds in another order changes nothing (ties go to the lower site).
    let mut rev = seeds.clone();
    rev.reverse();
    assert_eq!(a.nearest_sites(&rev, None), f1);
}

#[test]
fn one_way_links_make_trips_asymmetric_and_points_interpolate_along_the_link() {
    // Synthetic: a square loop A->B->C->D->A of one-way streets plus nothing else.
    let c = |lon: f64, lat: f64| zb_routing::geom::Coord::from_deg(lon, lat);
    let raw = zb_routing::RawNetwork {
        node_ids: vec![1, 2, 3, 4],
        node_coords: vec![c(3.0, 44.0), c(3.01, 44.0), c(3.01, 44.01), c(3.0, 44.01)],
        ways: vec![zb_routing::RawWay {
            osm_id: 1,
            class: 0,
            speed_kmh: 36.0,
            backward_kmh: 36.0,
            forward: true,
            backward: false,
            duration_s: None,
            ferry: false,
            boarding_s: 0.0,
            nodes_start: 0,
            nodes_end: 5,
        }],
        way_nodes: vec![0, 1, 2, 3, 0],
        classes: vec!["residential".into()],
        profile_name: "test".into(),
        osrm_segments: false,
        ways_in_file: 1,
        missing_nodes: 0,
        ..Default::default()
    };
    let graph = Graph::from_raw(&raw);
    let index = SnapIndex::new(&graph);
    let side_ab = zb_routing::geom::haversine_m(3.0, 44.0, 3.01, 44.0);
    let side_bc = zb_routing::geom::haversine_m(3.01, 44.0, 3.01, 44.01);
    let side_cd = zb_routing::geom::haversine_m(3.01, 44.01, 3.0, 44.01);
    // Site in the middle of A->B; a home a quarter of the way along A->B, 20 m south of it.
    let site = index.snap(&graph, 3.005, 44.0, 100.0).unwrap();
    let home = index
        .snap(
            &graph,
            3.0025,
            44.0 - 20.0 / zb_routing::geom::M_PER_DEG,
            100.0,
        )
        .unwrap();
    assert!((home.dist_m - 20.0).abs() < 0.01, "{}", home.dist_m);
    let seeds = SiteSeeds::new(&graph, &[(0, site)]);
    let field = seeds.field(&graph, None);
    let (t, s) = point_time(&graph, &field, &seeds, &home).unwrap();
    assert_eq!(s, 0);
    // Straight along the street: a quarter of AB at 10 m/s.
    assert!((t - side_ab / 4.0 * 100.0).abs() < 2.0, "{t}");
    // Back: from the site to the home point goes all the way round the loop.
    let seeds_back = SiteSeeds::new(&graph, &[(0, home)]);
    let field_back = seeds_back.field(&graph, None);
    let (t_back, _) = point_time(&graph, &field_back, &seeds_back, &site).unwrap();
    let round = (side_ab + side_cd + side_bc * 2.0) * 100.0;
    assert!(
        (t_back - (round - side_ab / 4.0 * 100.0)).abs() < 2.0,
        "{t_back}"
    );
    assert!(t_back > 10.0 * t);
}

#[test]
fn incremental_add_and_remove_equal_a_full_recomputation() {
    for seed in 0..40u64 {
        let graph = Graph::from_raw(&random_raw(seed, 14, 180));
        let n = graph.num_nodes() as u32;
        let mut rng = StdRng::seed_from_u64(seed + 1000);
        let mut seeds: Vec<Seed> = (0..rng.gen_range(1..6))
            .map(|i| Seed {
                node: rng.gen_range(0..n),
                time_ms: rng.gen_range(0..2000),
                site: i,
            })
            .collect();
        let mut field = graph.nearest_sites(&seeds, None);
        let mut next_site = seeds.len() as u32;
        for _step in 0..8 {
            if rng.gen_bool(0.5) || seeds.is_empty() {
                // Open a site (sometimes with two seeds, like a site on a two-way link).
                let new: Vec<Seed> = (0..rng.gen_range(1..3))
                    .map(|_| Seed {
                        node: rng.gen_range(0..n),
                        time_ms: rng.gen_range(0..2000),
                        site: next_site,
                    })
                    .collect();
                next_site += 1;
                let changed = graph.add_to_field(&mut field, &new);
                seeds.extend(new);
                assert!(changed.iter().all(|&v| field.site(v) == next_site - 1));
            } else {
                let gone = seeds[rng.gen_range(0..seeds.len())].site;
                seeds.retain(|s| s.site != gone);
                graph.remove_from_field(&mut field, gone, &seeds);
            }
            assert_eq!(field, graph.nearest_sites(&seeds, None), "seed {seed}");
        }
    }
}
