//! The junction rules of the edge-based graph on small hand-made networks: a barrier blocks, a
//! gate and signals cost, a no-left-turn forces a detour, an only-straight-on forbids the
//! turns, u-turns only where OSRM allows them, a via-way restriction binds only the cars that
//! came along its from way.

use zb_routing::geom::Coord;
use zb_routing::{
    Graph, NodeRule, Profile, RawNetwork, RawRestriction, RawWay, SiteSeeds, SnapIndex, Via,
    point_time,
};

/// A 3 x 3 grid of nodes (ids 1..=9, row by row from the south-west, about 160 m apart), one
/// two-way way per edge at 36 km/h (10 m/s), the OSRM-like turn model, and the given node rules
/// and restrictions. The ways are numbered: horizontal edges 1..=6 (row by row), vertical
/// 7..=12 (column by column); each runs from its lower-numbered node.
fn grid(rules: &[(i64, NodeRule)], restrictions: Vec<RawRestriction>) -> RawNetwork {
    let node_coords: Vec<Coord> = (0..9)
        .map(|i| Coord::from_deg(3.0 + 0.002 * (i % 3) as f64, 44.0 + 0.0015 * (i / 3) as f64))
        .collect();
    let mut pairs = Vec::new();
    for y in 0..3 {
        for x in 0..2 {
            pairs.push((y * 3 + x, y * 3 + x + 1));
        }
    }
    for x in 0..3 {
        for y in 0..2 {
            pairs.push((y * 3 + x, (y + 1) * 3 + x));
        }
    }
    let mut ways = Vec::new();
    let mut way_nodes = Vec::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        let start = way_nodes.len() as u32;
        way_nodes.extend([a as u32, b as u32]);
        ways.push(RawWay {
            osm_id: i as i64 + 1,
            class: 0,
            speed_kmh: 36.0,
            backward_kmh: 36.0,
            forward: true,
            backward: true,
            duration_s: None,
            ferry: false,
            boarding_s: 0.0,
            nodes_start: start,
            nodes_end: way_nodes.len() as u32,
        });
    }
    RawNetwork {
        node_ids: (1..=9).collect(),
        node_coords,
        ways,
        way_nodes,
        classes: vec!["residential".into()],
        profile_name: "test".into(),
        osrm_segments: true,
        node_rules: rules.iter().map(|&(id, r)| (id as u32 - 1, r)).collect(),
        restrictions,
        turn_model: Profile::default().turn_model(),
        ways_in_file: 12,
        ..Default::default()
    }
}

/// Way ids: the south arm into the centre (node 2 -> 5) is way 9, the west arm (4 -> 5) way 3,
/// the north arm (5 -> 8) way 10, the east arm (5 -> 6) way 4.
const SOUTH: i64 = 9;
const WEST: i64 = 3;
const NORTH: i64 = 10;
const EAST: i64 = 4;
const CENTRE: i64 = 5;

/// Seconds from the middle of one grid edge to the middle of another (`None`: unreachable).
fn trip_s(raw: &RawNetwork, from: (f64, f64), to: (f64, f64)) -> Option<f64> {
    let g = Graph::from_raw(raw);
    let index = SnapIndex::new(&g);
    let site = index.snap(&g, to.0, to.1, 50.0).unwrap();
    let home = index.snap(&g, from.0, from.1, 50.0).unwrap();
    let seeds = SiteSeeds::new(&g, &[(0, site)]);
    let field = seeds.field(&g, None);
    point_time(&g, &field, &seeds, &home).map(|(ms, _)| ms / 1000.0)
}

/// Middle of the edge between two grid nodes (ids 1..=9).
fn mid(a: i64, b: i64) -> (f64, f64) {
    let p = |i: i64| {
        let i = i - 1;
        (3.0 + 0.002 * (i % 3) as f64, 44.0 + 0.0015 * (i / 3) as f64)
    };
    let (pa, pb) = (p(a), p(b));
    ((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0)
}

fn restriction(only: bool, from: i64, to: i64) -> RawRestriction {
    RawRestriction {
        osm_id: 1,
        only,
        from: vec![from],
        via: Via::Node(CENTRE),
        to: vec![to],
    }
}

#[test]
fn a_left_turn_costs_more_than_a_right_turn_and_straight_on_least() {
    let raw = grid(&[], Vec::new());
    let south = mid(2, 5);
    let (left, right, straight) = (
        trip_s(&raw, south, mid(4, 5)).unwrap(),
        trip_s(&raw, south, mid(5, 6)).unwrap(),
        trip_s(&raw, south, mid(5, 8)).unwrap(),
    );
    // Half an edge each side at 10 m/s, plus the turn: about 7.3 s left, 2.1 s right at a
    // four-road junction (OSRM's sigmoid with its oncoming-traffic cost for the left).
    let legs = |a: (f64, f64), b: (f64, f64)| {
        zb_routing::geom::haversine_m(a.0, a.1, 3.002, 44.0015) / 10.0
            + zb_routing::geom::haversine_m(b.0, b.1, 3.002, 44.0015) / 10.0
    };
    let turn = |t: f64, b: (f64, f64)| t - legs(south, b);
    assert!((turn(left, mid(4, 5)) - 7.3).abs() < 0.4, "left {left}");
    assert!((turn(right, mid(5, 6)) - 2.1).abs() < 0.4, "right {right}");
    assert!(turn(straight, mid(5, 8)).abs() < 0.4, "straight {straight}");
}

#[test]
fn a_no_left_turn_forces_a_detour_and_only_straight_on_forbids_the_turns() {
    let south = mid(2, 5);
    let free = trip_s(&grid(&[], Vec::new()), south, mid(4, 5)).unwrap();
    let banned = trip_s(
        &grid(&[], vec![restriction(false, SOUTH, WEST)]),
        south,
        mid(4, 5),
    )
    .unwrap();
    // The detour goes round a block (about 320 m more), not through a u-turn at the centre.
    assert!(banned > free + 25.0, "{banned} vs {free}");
    let only = grid(&[], vec![restriction(true, SOUTH, NORTH)]);
    let right_free = trip_s(&grid(&[], Vec::new()), south, mid(5, 6)).unwrap();
    assert!(trip_s(&only, south, mid(5, 6)).unwrap() > right_free + 25.0);
    // Straight on is unchanged.
    let straight = trip_s(&grid(&[], Vec::new()), south, mid(5, 8)).unwrap();
    assert!((trip_s(&only, south, mid(5, 8)).unwrap() - straight).abs() < 1e-9);
    // A restriction for the other direction does nothing here.
    let other = grid(&[], vec![restriction(false, EAST, WEST)]);
    assert!((trip_s(&other, south, mid(4, 5)).unwrap() - free).abs() < 1e-9);
}

#[test]
fn a_barrier_blocks_and_a_gate_or_signals_cost() {
    let south = mid(2, 5);
    let north = mid(5, 8);
    let free = trip_s(&grid(&[], Vec::new()), south, north).unwrap();
    let barrier = NodeRule {
        barrier: true,
        ..NodeRule::default()
    };
    // A bollard at the centre: round the block instead.
    let round = trip_s(&grid(&[(CENTRE, barrier)], Vec::new()), south, north).unwrap();
    assert!(round > free + 25.0, "{round} vs {free}");
    let gate = NodeRule {
        forward_s: 60.0,
        backward_s: 60.0,
        ..NodeRule::default()
    };
    let gated = trip_s(&grid(&[(CENTRE, gate)], Vec::new()), south, north).unwrap();
    // The gate costs 60 s, unless going round the block is cheaper (it is not).
    assert!((gated - free - 60.0).abs() < 0.2, "{gated} vs {free}");
    let signals = NodeRule {
        forward_s: 2.0,
        backward_s: 2.0,
        ..NodeRule::default()
    };
    let lights = trip_s(&grid(&[(CENTRE, signals)], Vec::new()), south, north).unwrap();
    assert!((lights - free - 2.0).abs() < 0.2, "{lights} vs {free}");
    // Barriers on every exit of the south-west corner's neighbours cut it off.
    let cut = grid(&[(2, barrier), (4, barrier)], Vec::new());
    assert_eq!(trip_s(&cut, mid(1, 2), north), None);
}

#[test]
fn u_turns_only_at_dead_ends() {
    // A straight road 1 - 2 - 3 with a side road at 2: the home, on 1-2 facing 2, turns back
    // only at the dead end 1 (a u-turn mid-road or at the junction 2 is not allowed).
    let c = |lon: f64| Coord::from_deg(lon, 44.0);
    let way = |id: i64, fwd: bool, bwd: bool| RawWay {
        osm_id: id,
        class: 0,
        speed_kmh: 36.0,
        backward_kmh: 36.0,
        forward: fwd,
        backward: bwd,
        duration_s: None,
        ferry: false,
        boarding_s: 0.0,
        nodes_start: 2 * (id as u32 - 1),
        nodes_end: 2 * id as u32,
    };
    let raw = RawNetwork {
        node_ids: vec![1, 2, 3, 4],
        node_coords: vec![c(3.0), c(3.002), c(3.004), Coord::from_deg(3.002, 44.0015)],
        ways: vec![way(1, true, true), way(2, true, true), way(3, true, true)],
        way_nodes: vec![0, 1, 1, 2, 1, 3],
        classes: vec!["residential".into()],
        profile_name: "test".into(),
        osrm_segments: true,
        turn_model: Profile::default().turn_model(),
        ..Default::default()
    };
    let g = Graph::from_raw(&raw);
    // 3 links, each two-way: 6 directed links. At the dead ends (1, 3, 4) the u-turn is the
    // only turn; at junction 2 each arrival turns onto the two other roads, not back.
    let turns: usize = (0..g.num_nodes() as u32).map(|n| g.node_out(n).len()).sum();
    assert_eq!(turns, 3 + 3 * 2);
    for n in 0..g.num_nodes() as u32 {
        for t in g.node_out(n) {
            if t.other == n ^ 1 {
                // A u-turn: 20 s plus the sigmoid's 7.4 s, on top of the link.
                let extra = t.time_ms - g.node_time_ms(t.other);
                assert_eq!(extra, 27_400, "u-turn cost");
            }
        }
    }
}

fn via_ways(only: bool, from: i64, via: &[i64], to: i64) -> RawRestriction {
    RawRestriction {
        osm_id: 2,
        only,
        from: vec![from],
        via: Via::Ways(via.to_vec()),
        to: vec![to],
    }
}

/// From the south arm (way 9) right onto the east arm (way 4, 5 -> 6), then right again onto
/// way 11 (6 -> 3) is the quickest way to the middle of 3-6 (two right turns). A `no_*` via way
/// 4 forbids that sequence only for cars that came along way 9: they go round by node 2 (a left
/// turn, the same length), exactly as when the second right turn is forbidden for everyone; a
/// car that joins way 4 from the west arm still turns right at 6.
#[test]
fn a_via_way_restriction_binds_only_cars_that_came_along_its_from_way() {
    let (south, west, target) = (mid(2, 5), mid(4, 5), mid(3, 6));
    let free = grid(&[], Vec::new());
    let banned = grid(&[], vec![via_ways(false, SOUTH, &[EAST], 11)]);
    let stats = Graph::from_raw(&banned).stats().clone();
    assert_eq!(
        (
            stats.restrictions_applied,
            stats.restrictions_via_ways,
            stats.restrictions_unusable
        ),
        (1, 1, 0)
    );
    let t_free = trip_s(&free, south, target).unwrap();
    let t_banned = trip_s(&banned, south, target).unwrap();
    assert!(t_banned > t_free + 1.0, "{t_banned} vs {t_free}");
    // The same detour as with the right turn at node 6 forbidden for every car.
    let everyone = grid(
        &[],
        vec![RawRestriction {
            osm_id: 3,
            only: false,
            from: vec![EAST],
            via: Via::Node(6),
            to: vec![11],
        }],
    );
    let t_everyone = trip_s(&everyone, south, target).unwrap();
    assert!(
        (t_banned - t_everyone).abs() < 1e-9,
        "{t_banned} vs {t_everyone}"
    );
    // From the west arm the via way is joined elsewhere: unchanged.
    let w_free = trip_s(&free, west, target).unwrap();
    assert!((trip_s(&banned, west, target).unwrap() - w_free).abs() < 1e-9);
    assert!(trip_s(&everyone, west, target).unwrap() > w_free + 1.0);
    // `only_*` via way 4 onto way 12 (a left at 6): the right onto 11 is forbidden too, the
    // left itself unchanged.
    let only = grid(&[], vec![via_ways(true, SOUTH, &[EAST], 12)]);
    assert!((trip_s(&only, south, target).unwrap() - t_banned).abs() < 1e-9);
    let north_east = mid(6, 9);
    assert!(
        (trip_s(&only, south, north_east).unwrap() - trip_s(&free, south, north_east).unwrap())
            .abs()
            < 1e-9
    );
}

/// Via ways must chain from the from way to the to way; two via ways that do are applied, a
/// restriction whose via way does not touch its from way is unusable.
#[test]
fn via_ways_must_chain() {
    let chained = grid(&[], vec![via_ways(false, WEST, &[EAST, 12], 6)]);
    let s = Graph::from_raw(&chained).stats().clone();
    assert_eq!((s.restrictions_via_ways, s.restrictions_unusable), (1, 0));
    let broken = grid(&[], vec![via_ways(false, WEST, &[12], 6)]);
    let s = Graph::from_raw(&broken).stats().clone();
    assert_eq!((s.restrictions_via_ways, s.restrictions_unusable), (0, 1));
    // Copies of the via links exist only for the chained one.
    assert!(Graph::from_raw(&chained).num_nodes() > Graph::from_raw(&broken).num_nodes());
}

/// A ferry carries cars across but no trip starts on one: a point on the ferry line joins the
/// nearest road, or none within the limit.
#[test]
fn points_never_snap_onto_a_ferry() {
    let mut raw = grid(&[], Vec::new());
    raw.classes.push("ferry".into());
    // Way 5 (nodes 7 -> 8, the north row's west edge) becomes a ferry.
    raw.ways[4].class = 1;
    raw.ways[4].ferry = true;
    let g = Graph::from_raw(&raw);
    let index = SnapIndex::new(&g);
    let (lon, lat) = mid(7, 8);
    assert!(index.snap(&g, lon, lat, 50.0).is_err());
    let s = index.snap(&g, lon, lat, 1000.0).unwrap();
    assert!(!g.link_is_ferry(s.link));
    assert!(s.dist_m > 70.0, "{}", s.dist_m);
    // Without the ferry the same point is on the road.
    let plain = grid(&[], Vec::new());
    let g = Graph::from_raw(&plain);
    assert!(SnapIndex::new(&g).snap(&g, lon, lat, 1.0).is_ok());
}
