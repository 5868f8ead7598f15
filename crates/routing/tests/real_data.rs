//! Real OpenStreetMap extracts from `../shared/data/` (skipped with a printed reason when absent):
//! import counts, a one-way street, snapping distances against brute force, a point outside the
//! extract, and the exactness target against a plain Dijkstra over every OSM way node.

mod common;

use common::{NodeGraph, shared_data};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_routing::geom::{M_PER_DEG, haversine_m};
use zb_routing::{
    FORWARD, Graph, MISSING, NoProgress, Profile, SiteSeeds, Snap, SnapIndex, import_pbf,
    point_time,
};

/// Imports a shared extract with the `simple` profile, the one these exactness checks (against
/// a plain Dijkstra over every way node, with the same haversine link times) are defined on.
fn load(name: &str) -> Option<(zb_routing::RawNetwork, Graph)> {
    let path = shared_data(name)?;
    let raw = import_pbf(&path, &Profile::simple(), &NoProgress).expect("import");
    let graph = Graph::from_raw(&raw);
    Some((raw, graph))
}

#[test]
fn andorra_import_counts() {
    let Some((raw, graph)) = load("andorra-latest.osm.pbf") else {
        return;
    };
    let s = graph.stats();
    assert_eq!(
        s.ways_in_file, 24_607,
        "the README of the data says 24,607 ways"
    );
    assert_eq!(s.car_ways, 3_400);
    assert_eq!(raw.ways.len(), 3_400);
    assert_eq!(s.missing_nodes, 0);
    assert_eq!(s.vertices_total, 4_680);
    // Every part is kept; the largest strongly connected part held 4,551 junctions and
    // 5,483 links, the small parts hold the rest (1.7% of the road length).
    assert_eq!(graph.num_vertices(), 4_680);
    assert!(s.parts > 1 && s.main_parts >= 1, "{s:?}");
    assert!(
        s.km_kept > 500.0 && (s.km_kept - s.km_total).abs() < 0.01,
        "{s:?}"
    );
    let small = (0..graph.num_links() as u32)
        .filter(|&l| !graph.link_in_main_part(l))
        .count();
    assert!(
        small > 0 && small < graph.num_links() / 10,
        "{small} small-part links"
    );
    assert!(
        s.km_small_parts > 0.0 && s.km_small_parts < 0.05 * s.km_kept,
        "{s:?}"
    );
    assert!(
        s.left_out_summary().contains("4680 junctions"),
        "{}",
        s.left_out_summary()
    );
    // Every way node on the kept graph is a shape point: no geometry was lost.
    assert!(graph.num_shape_points() >= graph.num_links() * 2);
}

#[test]
fn monaco_import_counts() {
    let Some((_, graph)) = load("monaco-latest.osm.pbf") else {
        return;
    };
    let s = graph.stats();
    assert_eq!(s.ways_in_file, 4_218);
    assert_eq!(s.car_ways, 908);
    assert_eq!(graph.num_vertices(), 981);
}

/// Snap and time a trip from `from` to `to` (both snapped points).
fn trip_ms(graph: &Graph, from: Snap, to: Snap) -> f64 {
    let seeds = SiteSeeds::new(graph, &[(0, to)]);
    let field = seeds.field(graph, None);
    point_time(graph, &field, &seeds, &from)
        .expect("reachable")
        .0
}

#[test]
fn a_one_way_street_takes_longer_against_its_direction() {
    let Some((_, graph)) = load("andorra-latest.osm.pbf") else {
        return;
    };
    let index = SnapIndex::new(&graph);
    // The longest one-way link of the graph.
    let l = (0..graph.num_links() as u32)
        .filter(|&l| graph.link_flags(l) == FORWARD && graph.link_shape(l).len() == 2)
        .max_by(|&a, &b| graph.link_length_m(a).total_cmp(&graph.link_length_m(b)))
        .expect("Andorra has one-way streets");
    let len = graph.link_length_m(l);
    let shape = graph.link_shape(l);
    let at = |f: f64| {
        let lon = shape[0].lon() + f * (shape[1].lon() - shape[0].lon());
        let lat = shape[0].lat() + f * (shape[1].lat() - shape[0].lat());
        index.snap(&graph, lon, lat, 5.0).expect("on the link")
    };
    let (a, b) = (at(0.25), at(0.75));
    assert_eq!((a.link, b.link), (l, l));
    let with = trip_ms(&graph, a, b);
    let against = trip_ms(&graph, b, a);
    let expect = graph.link_time_ms(l, graph.link_flags(l)) as f64 / 2.0;
    assert!(
        (with - expect).abs() < 2.0,
        "with the flow: {with} ms, expected {expect} ms ({len:.0} m link)"
    );
    assert!(
        against > with + 1_000.0,
        "against the flow {against} ms vs {with} ms"
    );
}

/// Brute force: the nearest position on any segment, in a local plane at the point: its
/// great-circle distance, and the first (link, segment) at that distance.
fn brute_snap_segment(graph: &Graph, lon: f64, lat: f64, main_only: bool) -> (f64, (u32, u32)) {
    let k = lat.to_radians().cos();
    let mut best = (f64::INFINITY, (u32::MAX, u32::MAX));
    for l in 0..graph.num_links() as u32 {
        if main_only && !graph.link_in_main_part(l) {
            continue;
        }
        for (i, w) in graph.link_shape(l).windows(2).enumerate() {
            let (ax, ay) = ((w[0].lon() - lon) * k, w[0].lat() - lat);
            let (bx, by) = ((w[1].lon() - lon) * k, w[1].lat() - lat);
            let (dx, dy) = (bx - ax, by - ay);
            let l2 = dx * dx + dy * dy;
            let t = if l2 > 0.0 {
                (-(ax * dx + ay * dy) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (plon, plat) = (
                w[0].lon() + t * (w[1].lon() - w[0].lon()),
                w[0].lat() + t * (w[1].lat() - w[0].lat()),
            );
            let d = haversine_m(lon, lat, plon, plat);
            if d < best.0 {
                best = (d, (l, i as u32));
            }
        }
    }
    best
}

#[test]
fn snapping_finds_the_nearest_position_on_a_segment() {
    let Some((_, graph)) = load("andorra-latest.osm.pbf") else {
        return;
    };
    let index = SnapIndex::new(&graph);
    let mut rng = StdRng::seed_from_u64(3);
    let mut far = 0;
    for n in 0..600 {
        let v = rng.gen_range(0..graph.num_vertices() as u32);
        let c = graph.vertex_coord(v);
        // Near the roads, and now and then kilometres away.
        let spread = if n % 10 == 0 { 0.08 } else { 0.01 };
        let lon = c.lon() + rng.gen_range(-spread..spread);
        let lat = c.lat() + rng.gen_range(-spread..spread);
        // A main part's road within the limit first, else any road (the snapping rule).
        let main = brute_snap_segment(&graph, lon, lat, true);
        let (expect, segment) = if main.0 <= 1_000.0 {
            main
        } else {
            brute_snap_segment(&graph, lon, lat, false)
        };
        match index.snap(&graph, lon, lat, 1_000.0) {
            Ok(s) => {
                assert!(
                    (s.dist_m - expect).abs() < 1e-6,
                    "{lon},{lat}: {} vs {expect}",
                    s.dist_m
                );
                if s.dist_m == expect {
                    // The same segment (the first at that distance).
                    assert_eq!(s.link, segment.0, "{lon},{lat}");
                }
                assert!((haversine_m(lon, lat, s.lon, s.lat) - s.dist_m).abs() < 1e-9);
                assert!(s.offset_m >= 0.0 && s.offset_m <= graph.link_length_m(s.link) + 1e-9);
            }
            Err(u) => {
                far += 1;
                assert!(
                    expect > 1_000.0,
                    "{lon},{lat}: unsnapped but a road is {expect} m away"
                );
                // The nearest road; far away, a road at least as far and at most √2 farther.
                let got = u.nearest_m.unwrap();
                if expect <= 3_000.0 {
                    assert!((got - expect).abs() < 1e-6, "{u:?} vs {expect}");
                } else {
                    assert!(
                        got >= expect - 1e-6 && got <= expect * 1.5,
                        "{u:?} vs {expect}"
                    );
                }
            }
        }
    }
    assert!(far > 0 && far < 100, "{far} of 600 beyond 1 km");
    // A point 100 m due north of the middle of an east-west segment snaps 100 m.
    let l = (0..graph.num_links() as u32).find(|&l| {
        let s = graph.link_shape(l);
        s.len() == 2 && (s[0].lat() - s[1].lat()).abs() < 1e-5 && graph.link_length_m(l) > 50.0
    });
    if let Some(l) = l {
        let s = graph.link_shape(l);
        let (lon, lat) = (
            (s[0].lon() + s[1].lon()) / 2.0,
            (s[0].lat() + s[1].lat()) / 2.0,
        );
        let snap = index
            .snap(&graph, lon, lat + 2.0 / M_PER_DEG, 1_000.0)
            .unwrap();
        assert!((snap.dist_m - 2.0).abs() < 0.05, "{}", snap.dist_m);
    }
}

#[test]
fn a_point_outside_the_extract_is_unreachable_with_a_reason() {
    let Some((_, graph)) = load("andorra-latest.osm.pbf") else {
        return;
    };
    let index = SnapIndex::new(&graph);
    // Paris, Notre-Dame: far outside the Andorra extract.
    let err = index.snap(&graph, 2.3499, 48.8530, 1_000.0).unwrap_err();
    assert!(err.nearest_m.unwrap() > 600_000.0, "{err:?}");
    assert!(
        err.to_string().contains("beyond the 1000 m snapping limit"),
        "{err}"
    );
    // A tighter limit makes a point 11 m from a main road unreachable too.
    let l = (0..graph.num_links() as u32)
        .find(|&l| graph.link_in_main_part(l))
        .unwrap();
    let c = graph.vertex_coord(graph.link_ends(l).0);
    let near = index
        .snap(&graph, c.lon(), c.lat() + 0.0001, 1_000.0)
        .unwrap();
    assert!(near.dist_m > 0.0);
    assert!(
        index
            .snap(&graph, c.lon(), c.lat() + 0.0001, near.dist_m / 2.0)
            .is_err()
    );
}

/// The exactness target: sites and homes on OSM way nodes, every time within 1 s of a plain
/// Dijkstra over the same profile with every OSM way node a vertex.
#[test]
fn andorra_times_match_a_plain_dijkstra_over_every_way_node() {
    let Some((raw, graph)) = load("andorra-latest.osm.pbf") else {
        return;
    };
    let index = SnapIndex::new(&graph);
    let oracle = NodeGraph::new(&raw);
    let mut rng = StdRng::seed_from_u64(11);
    // OSM nodes that lie on the kept graph.
    let mut pick = |n: usize| -> Vec<(usize, Snap)> {
        let mut out = Vec::new();
        while out.len() < n {
            let i = rng.gen_range(0..raw.node_ids.len());
            let c = raw.node_coords[i];
            if c == MISSING {
                continue;
            }
            if let Ok(s) = index.snap(&graph, c.lon(), c.lat(), 0.001) {
                out.push((i, s));
            }
        }
        out
    };
    let sites = pick(10);
    let homes = pick(5_000);
    let seeds = SiteSeeds::new(
        &graph,
        &sites
            .iter()
            .enumerate()
            .map(|(i, (_, s))| (i as u32, *s))
            .collect::<Vec<_>>(),
    );
    let field = seeds.field(&graph, None);
    let expect = oracle.dijkstra(
        &sites.iter().map(|(n, _)| (*n, 0.0)).collect::<Vec<_>>(),
        true,
    );
    let mut worst: f64 = 0.0;
    let mut unreachable = 0;
    for (n, snap) in &homes {
        // Every part is kept: a home on a part no site reaches is unreachable for both.
        match (point_time(&graph, &field, &seeds, snap), expect[*n]) {
            (Some((t, _)), Some((e, _))) => worst = worst.max((t - e).abs()),
            (None, None) => unreachable += 1,
            (got, e) => panic!("node {n}: {got:?} vs the oracle's {e:?}"),
        }
    }
    assert!(
        unreachable < homes.len() / 20,
        "{unreachable} unreachable homes"
    );
    eprintln!(
        "andorra exactness: worst difference {worst:.1} ms over {} homes",
        homes.len()
    );
    assert!(worst <= 1_000.0, "worst difference {worst} ms");
}

/// The default `car` profile on Andorra, against `simple` on the same points: OSRM's slower
/// speeds (0.8 × maxspeed, primary 65) make every trip at least as long, and the most specific
/// access tag wins (Andorra's primary roads tagged `access=no` + `motor_vehicle=yes` are kept).
#[test]
fn andorra_car_profile_is_slower_than_simple_and_reads_the_specific_access_tag() {
    let Some(path) = shared_data("andorra-latest.osm.pbf") else {
        return;
    };
    let car_raw = import_pbf(&path, &Profile::default(), &NoProgress).expect("import");
    let simple_raw = import_pbf(&path, &Profile::simple(), &NoProgress).expect("import");
    assert!(car_raw.osrm_segments && !simple_raw.osrm_segments);
    let ids = |raw: &zb_routing::RawNetwork| -> std::collections::BTreeSet<i64> {
        raw.ways.iter().map(|w| w.osm_id).collect()
    };
    let (car_ids, simple_ids) = (ids(&car_raw), ids(&simple_raw));
    let only_car = car_ids.difference(&simple_ids).count();
    assert!(only_car > 0, "no way that only the car profile keeps");
    let car = Graph::from_raw(&car_raw);
    let simple = Graph::from_raw(&simple_raw);
    assert_eq!(car.profile_name(), "car");
    // Trips from junctions of both graphs to one site in Andorra la Vella.
    let (ci, si) = (SnapIndex::new(&car), SnapIndex::new(&simple));
    let site = (1.5218, 42.5063);
    let (cs, ss) = (
        ci.snap(&car, site.0, site.1, 200.0).unwrap(),
        si.snap(&simple, site.0, site.1, 200.0).unwrap(),
    );
    let (cseeds, sseeds) = (
        SiteSeeds::new(&car, &[(0, cs)]),
        SiteSeeds::new(&simple, &[(0, ss)]),
    );
    let (cf, sf) = (cseeds.field(&car, None), sseeds.field(&simple, None));
    let mut ratios = Vec::new();
    for v in (0..simple.num_vertices() as u32).step_by(7) {
        let c = simple.vertex_coord(v);
        let (Ok(a), Ok(b)) = (
            ci.snap(&car, c.lon(), c.lat(), 1.0),
            si.snap(&simple, c.lon(), c.lat(), 1.0),
        ) else {
            continue;
        };
        if let (Some((tc, _)), Some((ts, _))) = (
            point_time(&car, &cf, &cseeds, &a),
            point_time(&simple, &sf, &sseeds, &b),
        ) && ts > 60_000.0
        {
            ratios.push(tc / ts);
        }
    }
    ratios.sort_by(f64::total_cmp);
    assert!(ratios.len() > 300, "{} trips", ratios.len());
    let median = ratios[ratios.len() / 2];
    // OSRM measured +34 % on Andorra against the simple profile, turns included: the speeds
    // alone give most of it.
    assert!((1.15..1.45).contains(&median), "median car/simple {median}");
}
