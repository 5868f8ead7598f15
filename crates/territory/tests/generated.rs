//! The generated territory, read back with `osmpbf` and imported with `zb-routing`: a valid
//! PBF, deterministic for a seed, every way synthetic and routable, one strongly connected
//! network reaching every commune, OSM-like node spacing; node tags and turn restrictions
//! well-formed; islands reached by one ferry each, never by road.
//!
//! Most tests use the committed demo (`data/demo/territory.osm.pbf`) or a territory generated
//! from the demo's communes, so they need no shared data.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use zb_routing::{Graph, NoProgress, Profile, SnapIndex, import_pbf};
use zb_territory::islands::ISLANDS;
use zb_territory::{HeaderInfo, MemberType, PbfWriter, generate_file, pbf::MAX_BLOCK_ENTITIES};

fn demo_pbf() -> PathBuf {
    demo_dir().join("territory.osm.pbf")
}

/// Generates the demo's communes with `seed` into `dir`.
fn generate_fixture(dir: &Path, seed: u64, name: &str) -> PathBuf {
    let csv = dir.join("communes.csv");
    if !csv.exists() {
        write_fixture_csv(&csv);
    }
    let out = dir.join(name);
    let s = generate_file(&csv, &["48".to_string()], seed, &out).unwrap();
    assert_eq!(s.communes, 152);
    assert_eq!(s.components, 1);
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(generate_fixture(dir.path(), 1, "a.osm.pbf")).unwrap();
    let b = std::fs::read(generate_fixture(dir.path(), 1, "b.osm.pbf")).unwrap();
    let c = std::fs::read(generate_fixture(dir.path(), 2, "c.osm.pbf")).unwrap();
    assert!(a.len() > 100_000);
    assert_eq!(a, b, "same seed, different bytes");
    assert_ne!(a, c, "different seeds, same bytes");
    // Nothing is left beside the outputs.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a.osm.pbf", "b.osm.pbf", "c.osm.pbf", "communes.csv"]
    );
}

#[test]
fn the_committed_demo_is_what_the_generator_gives() {
    let Some(csv) = shared_communes_csv() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lozere.osm.pbf");
    let s = generate_file(&csv, &["48".to_string()], 1, &out).unwrap();
    assert_eq!(s.communes, 152);
    assert!(s.without_position.is_empty() && s.without_population.is_empty());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(demo_pbf()).unwrap(),
        "data/demo/territory.osm.pbf is stale: regenerate it (see data/README.md)"
    );
}

/// Checks the structure of a file this crate wrote.
fn check_structure(path: &Path) -> ReadPbf {
    let f = ReadPbf::read(path);
    assert!(
        f.writing_program.contains("SYNTHETIC"),
        "{}",
        f.writing_program
    );
    assert!(f.source.contains("SYNTHETIC"), "{}", f.source);
    assert_eq!(f.required_features, ["OsmSchema-V0.6", "DenseNodes"]);
    assert_eq!(f.optional_features, ["Sort.Type_then_ID"]);
    // Nodes first, then ways, then relations; each by increasing id; no block over the limit.
    let mut kinds: Vec<char> = f.blocks.iter().map(|b| b.1).collect();
    kinds.dedup();
    assert!(kinds == ['n', 'w'] || kinds == ['n', 'w', 'r'], "{kinds:?}");
    assert!(
        f.blocks
            .iter()
            .all(|b| b.0 >= 1 && b.0 <= MAX_BLOCK_ENTITIES)
    );
    assert!(f.nodes.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(f.ways.windows(2).all(|w| w[0].id < w[1].id));
    assert!(f.relations.windows(2).all(|w| w[0].id < w[1].id));
    check_restrictions(&f);
    // The header's box holds every node, tightly.
    let (left, right, top, bottom) = f.bbox.unwrap();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(_, x, y) in &f.nodes {
        let (x, y) = (f64::from(x) / 1e7, f64::from(y) / 1e7);
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    for (got, want) in [(left, x0), (right, x1), (top, y1), (bottom, y0)] {
        assert!((got - want).abs() < 1e-7, "bbox {got} != {want}");
    }
    // Every reference resolves; every node is used.
    let ids: BTreeSet<i64> = f.nodes.iter().map(|n| n.0).collect();
    let mut used = BTreeSet::new();
    for w in &f.ways {
        assert!(w.refs.len() >= 2, "way {} has {} nodes", w.id, w.refs.len());
        for r in &w.refs {
            assert!(ids.contains(r), "way {} refers to absent node {r}", w.id);
            used.insert(*r);
        }
    }
    assert_eq!(used.len(), ids.len(), "unused nodes");
    f
}

/// Every relation is a synthetic turn restriction `from` a way, `via` a node, `to` a way, the
/// two ways starting or ending at the via node (as OSRM requires).
fn check_restrictions(f: &ReadPbf) {
    let ways: BTreeMap<i64, &ReadWay> = f.ways.iter().map(|w| (w.id, w)).collect();
    for r in &f.relations {
        let tag = |k: &str| r.tags.get(k).map(String::as_str);
        assert_eq!(tag("type"), Some("restriction"), "relation {}", r.id);
        assert_eq!(
            tag("zoneblanche:synthetic"),
            Some("yes"),
            "relation {}",
            r.id
        );
        assert!(
            matches!(
                tag("restriction"),
                Some("no_left_turn" | "no_u_turn" | "only_straight_on")
            ),
            "relation {}: {:?}",
            r.id,
            r.tags
        );
        let roles: Vec<(char, &str)> = r.members.iter().map(|m| (m.0, m.2.as_str())).collect();
        assert_eq!(
            roles,
            [('w', "from"), ('n', "via"), ('w', "to")],
            "{}",
            r.id
        );
        let via = r.members[1].1;
        for m in [&r.members[0], &r.members[2]] {
            let w = ways
                .get(&m.1)
                .unwrap_or_else(|| panic!("relation {}: no way {}", r.id, m.1));
            assert!(
                w.refs.first() == Some(&via) || w.refs.last() == Some(&via),
                "relation {}: way {} does not end at node {via}",
                r.id,
                w.id
            );
        }
    }
}

#[test]
fn the_file_is_a_sorted_valid_pbf() {
    check_structure(&demo_pbf());
    let dir = tempfile::tempdir().unwrap();
    check_structure(&generate_fixture(dir.path(), 7, "t.osm.pbf"));
}

#[test]
fn every_way_is_synthetic_and_routable_with_realistic_tags() {
    let f = ReadPbf::read(&demo_pbf());
    let (car, simple) = (Profile::default(), Profile::simple());
    let mut highways: BTreeMap<String, usize> = BTreeMap::new();
    let mut maxspeeds: BTreeSet<String> = BTreeSet::new();
    let (mut roundabouts, mut oneway) = (0, 0);
    for w in &f.ways {
        let tag = |k: &str| w.tags.get(k).map(String::as_str);
        assert_eq!(tag("zoneblanche:synthetic"), Some("yes"), "way {}", w.id);
        for profile in [&car, &simple] {
            assert!(
                profile.rule(|k| tag(k)).is_some(),
                "way {} is not routable with {}: {:?}",
                w.id,
                profile.name(),
                w.tags
            );
        }
        if let Some(m) = tag("maxspeed") {
            // Zone values (FR:zone30) are read by the simple profile, ignored by OSRM's.
            assert!(simple.maxspeed_kmh(m).is_some(), "maxspeed {m}");
            maxspeeds.insert(m.to_string());
        }
        *highways
            .entry(tag("highway").unwrap().to_string())
            .or_default() += 1;
        if tag("junction") == Some("roundabout") {
            roundabouts += 1;
            assert_eq!(
                w.refs.first(),
                w.refs.last(),
                "a roundabout is a closed way"
            );
            assert!(w.refs.len() >= 6);
        }
        if tag("oneway") == Some("yes") {
            oneway += 1;
        }
    }
    for h in [
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "service",
    ] {
        assert!(highways.contains_key(h), "no {h} in {highways:?}");
    }
    for m in ["FR:urban", "FR:rural", "FR:zone30", "70", "50"] {
        assert!(maxspeeds.contains(m), "no maxspeed {m} in {maxspeeds:?}");
    }
    assert!(roundabouts >= 5, "{roundabouts} roundabouts");
    assert!(oneway >= 5, "{oneway} one-way streets");
}

#[test]
fn the_largest_strongly_connected_part_holds_nearly_everything() {
    let dir = tempfile::tempdir().unwrap();
    let other = generate_fixture(dir.path(), 3, "t.osm.pbf");
    for path in [demo_pbf(), other] {
        let raw = import_pbf(&path, &Profile::default(), &NoProgress).unwrap();
        assert_eq!(
            raw.ways_in_file,
            raw.ways.len() as u64,
            "every way is a car way"
        );
        assert_eq!(raw.missing_nodes, 0);
        let graph = Graph::from_raw(&raw);
        let s = graph.stats();
        let junctions = s.vertices_kept as f64 / s.vertices_total as f64;
        let length = s.km_kept / s.km_total;
        assert!(junctions >= 0.98, "{}", s.left_out_summary());
        assert!(length >= 0.98, "{}", s.left_out_summary());
        assert!(s.km_total > 2_000.0, "{} km", s.km_total);
    }
}

#[test]
fn every_mairie_is_within_500_m_of_the_kept_network() {
    let raw = import_pbf(&demo_pbf(), &Profile::default(), &NoProgress).unwrap();
    let graph = Graph::from_raw(&raw);
    let index = SnapIndex::new(&graph);
    let communes = demo_communes();
    assert_eq!(communes.len(), 152);
    for c in &communes {
        let snap = index.snap(&graph, c.mairie.0, c.mairie.1, 500.0);
        assert!(snap.is_ok(), "{} {}: no road within 500 m", c.code, c.name);
    }
}

#[test]
fn node_spacing_is_osm_like() {
    let f = ReadPbf::read(&demo_pbf());
    let pos = f.positions();
    let mut gaps: Vec<f64> = f
        .ways
        .iter()
        .flat_map(|w| {
            w.refs
                .windows(2)
                .map(|r| haversine_m(pos[&r[0]], pos[&r[1]]))
        })
        .collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    let p99 = gaps[gaps.len() * 99 / 100];
    eprintln!("node spacing: median {median:.1} m, 99th percentile {p99:.1} m");
    assert!(
        (10.0..=100.0).contains(&median),
        "median spacing {median} m"
    );
    assert!(p99 <= 200.0, "99th percentile spacing {p99} m");
}

#[test]
fn the_writer_round_trips_through_osmpbf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.osm.pbf");
    let header = HeaderInfo {
        bbox: None,
        writing_program: "test (SYNTHETIC)".into(),
        source: "SYNTHETIC test".into(),
    };
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PbfWriter::new(std::io::BufWriter::new(file), &header).unwrap();
    // More nodes than one block holds, with negative, extreme and repeated coordinates.
    let n = 2 * MAX_BLOCK_ENTITIES as i64 + 17;
    let node = |i: i64| {
        let lon = ((i * 7_919) % 3_600_000_000 - 1_800_000_000) as i32;
        let lat = ((i * 104_729) % 1_700_000_000 - 850_000_000) as i32;
        (i * 3 + 5, lon, lat)
    };
    for i in 0..n {
        let (id, lon, lat) = node(i);
        w.add_node(id, lon, lat).unwrap();
    }
    let tags = [
        ("highway", "residential"),
        ("name", "Rue de l'Église"),
        ("é", ""),
    ];
    let ways: Vec<(i64, Vec<i64>)> = (0..MAX_BLOCK_ENTITIES as i64 + 3)
        .map(|k| {
            (
                k + 1,
                vec![node(k).0, node(k + 1).0, node(n - 1 - k).0, node(k).0],
            )
        })
        .collect();
    for (id, refs) in &ways {
        let t = if id % 2 == 0 { &tags[..] } else { &tags[..1] };
        w.add_way(*id, refs, t).unwrap();
    }
    let (_, stats) = w.finish().unwrap();
    assert_eq!(stats.nodes, n as u64);
    assert_eq!(stats.ways, ways.len() as u64);
    assert_eq!(stats.bytes, std::fs::metadata(&path).unwrap().len());

    let f = ReadPbf::read(&path);
    assert_eq!(f.writing_program, "test (SYNTHETIC)");
    assert_eq!(f.bbox, None);
    let want: Vec<(i64, i32, i32)> = (0..n).map(node).collect();
    assert_eq!(f.nodes, want);
    assert_eq!(f.ways.len(), ways.len());
    for (got, (id, refs)) in f.ways.iter().zip(&ways) {
        assert_eq!(got.id, *id);
        assert_eq!(&got.refs, refs);
        let t = if id % 2 == 0 { &tags[..] } else { &tags[..1] };
        let want: BTreeMap<String, String> = t
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got.tags, want);
    }
    assert_eq!(
        f.blocks.iter().map(|b| b.0).collect::<Vec<_>>(),
        [8000, 8000, 17, 8000, 3]
    );
}

#[test]
fn node_tags_and_relations_round_trip_through_osmpbf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.osm.pbf");
    let header = HeaderInfo {
        bbox: None,
        writing_program: "test (SYNTHETIC)".into(),
        source: "SYNTHETIC test".into(),
    };
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PbfWriter::new(std::io::BufWriter::new(file), &header).unwrap();
    // Tagged nodes in the first block only; the second has none (no keys_vals at all).
    let n = MAX_BLOCK_ENTITIES as i64 + 10;
    let tags_of = |id: i64| -> Vec<(&'static str, &'static str)> {
        match id % 7 {
            0 => vec![("highway", "traffic_signals")],
            3 => vec![("barrier", "gate"), ("access", "private")],
            _ => vec![],
        }
    };
    for id in 1..=n {
        let tags = if id <= MAX_BLOCK_ENTITIES as i64 {
            tags_of(id)
        } else {
            vec![]
        };
        w.add_node_with_tags(id, id as i32, -(id as i32), &tags)
            .unwrap();
    }
    w.add_way(1, &[1, 2, 3], &[("highway", "residential")])
        .unwrap();
    w.add_way(2, &[3, 4], &[("highway", "service")]).unwrap();
    let relations = MAX_BLOCK_ENTITIES as i64 + 2;
    for id in 1..=relations {
        let members = [
            (MemberType::Way, 1, "from"),
            (MemberType::Node, 3 + id, "via"),
            (MemberType::Way, 2, "to"),
            (MemberType::Relation, id, ""),
        ];
        w.add_relation(
            id * 2,
            &members,
            &[("type", "restriction"), ("restriction", "no_u_turn")],
        )
        .unwrap();
    }
    let (_, stats) = w.finish().unwrap();
    assert_eq!(stats.relations, relations as u64);

    let f = ReadPbf::read(&path);
    let want: BTreeMap<i64, BTreeMap<String, String>> = (1..=MAX_BLOCK_ENTITIES as i64)
        .filter(|&id| !tags_of(id).is_empty())
        .map(|id| {
            let t = tags_of(id)
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (id, t)
        })
        .collect();
    assert_eq!(f.node_tags, want);
    assert_eq!(stats.tagged_nodes, want.len() as u64);
    assert_eq!(f.nodes.len() as i64, n);
    assert_eq!(f.relations.len() as i64, relations);
    for (k, r) in f.relations.iter().enumerate() {
        let id = k as i64 + 1;
        assert_eq!(r.id, 2 * id);
        assert_eq!(
            r.members,
            [
                ('w', 1, "from".to_string()),
                ('n', 3 + id, "via".to_string()),
                ('w', 2, "to".to_string()),
                ('r', id, String::new()),
            ]
        );
        assert_eq!(r.tags["restriction"], "no_u_turn");
    }
    assert_eq!(
        f.blocks,
        [(8000, 'n'), (10, 'n'), (2, 'w'), (8000, 'r'), (2, 'r')]
    );
}

#[test]
fn junctions_get_signals_signs_barriers_and_turn_restrictions() {
    let dir = tempfile::tempdir().unwrap();
    let f = check_structure(&generate_fixture(dir.path(), 1, "t.osm.pbf"));
    let mut ways_of: BTreeMap<i64, Vec<&ReadWay>> = BTreeMap::new();
    for w in &f.ways {
        for r in &w.refs {
            ways_of.entry(*r).or_default().push(w);
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, tags) in &f.node_tags {
        assert_eq!(tags.len(), 1, "node {id}: {tags:?}");
        let (k, v) = tags.iter().next().unwrap();
        *counts.entry(format!("{k}={v}")).or_default() += 1;
        let ways = &ways_of[id];
        let highway = |w: &ReadWay| w.tags["highway"].clone();
        match (k.as_str(), v.as_str()) {
            // At a crossing: two ways, or more where a way was cut for a restriction.
            ("highway", "traffic_signals" | "stop" | "give_way") => {
                assert!(ways.len() >= 2, "node {id} {v}: {} ways", ways.len())
            }
            ("barrier", "gate") => {
                assert_eq!(ways.len(), 1);
                assert_eq!(highway(ways[0]), "service");
            }
            ("barrier", "bollard") => {
                // Inside one two-way residential street: traffic goes round it.
                assert_eq!(ways.len(), 1);
                let w = ways[0];
                assert_eq!(highway(w), "residential");
                assert!(!w.tags.contains_key("oneway"));
                assert!(w.refs.first() != Some(id) && w.refs.last() != Some(id));
            }
            _ => panic!("node {id}: unexpected tag {k}={v}"),
        }
    }
    eprintln!("node tags: {counts:?}");
    for (tag, at_least) in [
        ("highway=traffic_signals", 5),
        ("highway=stop", 20),
        ("highway=give_way", 20),
        ("barrier=gate", 20),
        ("barrier=bollard", 3),
    ] {
        let n = counts.get(tag).copied().unwrap_or(0);
        assert!(n >= at_least, "{n} nodes {tag}");
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &f.relations {
        *kinds.entry(r.tags["restriction"].as_str()).or_default() += 1;
    }
    eprintln!("restrictions: {kinds:?}");
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(
        f.relations.len() >= 10,
        "{} restrictions",
        f.relations.len()
    );
}

/// Real rows of `communes_france.csv`: Quiberon, its neighbours, Belle-Île's four communes,
/// Houat and Hœdic (mairie positions as the file gives them: Houat's lies on the mainland
/// coast, which makes the "no road to an island" rule all the more visible).
const QUIBERON: &str =
    "code_insee,nom,dep,population_municipale,mairie_lon,mairie_lat,area_km2_approx
56186,Quiberon,56,4741,-3.119258,47.486352,9.181
56234,Saint-Pierre-Quiberon,56,2060,-3.13013,47.5205,7.596
56168,Plouharnel,56,2160,-3.11262,47.5979,18.748
56152,Palais,56,2571,-3.15676,47.347401,17.636
56009,Bangor,56,999,-3.188146,47.315739,25.412
56114,Locmaria,56,868,-3.083774,47.294017,20.788
56241,Sauzon,56,988,-3.22332,47.371127,22.461
56086,Île-d'Houat,56,231,-2.83128,47.622398,3.093
56085,Hœdic,56,99,-2.879322,47.339719,2.228
";

/// Ferries, islands and roads of a generated file: each ferry's inner nodes are its own, its
/// two ends are on roads, and no road joins an island's quay to a port's.
fn check_ferries(f: &ReadPbf) -> Vec<&ReadWay> {
    let ferries: Vec<&ReadWay> = f
        .ways
        .iter()
        .filter(|w| w.tags.get("route").map(String::as_str) == Some("ferry"))
        .collect();
    let mut parent: BTreeMap<i64, i64> = BTreeMap::new();
    fn root(p: &mut BTreeMap<i64, i64>, x: i64) -> i64 {
        let up = *p.entry(x).or_insert(x);
        if up == x {
            return x;
        }
        let r = root(p, up);
        p.insert(x, r);
        r
    }
    let mut on_road: BTreeSet<i64> = BTreeSet::new();
    for w in f.ways.iter().filter(|w| !w.tags.contains_key("route")) {
        assert!(w.tags.contains_key("highway"), "way {}", w.id);
        on_road.extend(&w.refs);
        for r in w.refs.windows(2) {
            let (a, b) = (root(&mut parent, r[0]), root(&mut parent, r[1]));
            if a != b {
                parent.insert(a, b);
            }
        }
    }
    let (mut ports, mut landings) = (BTreeSet::new(), BTreeSet::new());
    for w in &ferries {
        let tag = |k: &str| w.tags.get(k).map(String::as_str);
        assert_eq!(tag("motor_vehicle"), Some("yes"));
        assert_eq!(tag("zoneblanche:synthetic"), Some("yes"));
        assert!(w.refs.len() >= 4, "ferry {}: {} nodes", w.id, w.refs.len());
        let (first, last) = (w.refs[0], *w.refs.last().unwrap());
        assert!(on_road.contains(&first) && on_road.contains(&last));
        for r in &w.refs[1..w.refs.len() - 1] {
            assert!(
                !on_road.contains(r),
                "ferry {}: node {r} is on a road",
                w.id
            );
        }
        ports.insert(root(&mut parent, first));
        landings.insert(root(&mut parent, last));
    }
    assert!(
        ports.is_disjoint(&landings),
        "a road joins an island to a port"
    );
    ferries
}

#[test]
fn islands_are_reached_by_one_ferry_each_and_no_road() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("quiberon.csv");
    std::fs::write(&csv, QUIBERON).unwrap();
    let (a, b) = (dir.path().join("a.osm.pbf"), dir.path().join("b.osm.pbf"));
    let s = generate_file(&csv, &["56".to_string()], 1, &a).unwrap();
    assert_eq!(s.components, 1);
    assert_eq!(s.roads.ferries, 3);
    generate_file(&csv, &["56".to_string()], 1, &b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let f = check_structure(&a);
    let ferries = check_ferries(&f);
    let got: Vec<(&str, &str)> = ferries
        .iter()
        .map(|w| (w.tags["name"].as_str(), w.tags["duration"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Quiberon – Belle-Île", "00:45"),
            ("Quiberon – Houat", "00:40"),
            ("Quiberon – Hœdic", "01:00"),
        ]
    );
    assert_eq!(ferries[1].tags["zoneblanche:real_car_ferry"], "no");
    // The car profile takes every ferry: one network, as the plan says.
    let raw = import_pbf(&a, &Profile::default(), &NoProgress).unwrap();
    assert_eq!(raw.ways_in_file, raw.ways.len() as u64);

    // Without their port, the islands get no ferry and stay apart.
    let no_port: String = QUIBERON
        .lines()
        .filter(|l| !l.starts_with("56186"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&csv, no_port).unwrap();
    let s = generate_file(&csv, &["56".to_string()], 1, &a).unwrap();
    assert_eq!(s.roads.ferries, 0);
    assert_eq!(s.components, 4);
}

#[test]
fn the_islands_of_the_table_get_their_ferries_in_brittany_and_guadeloupe() {
    let Some(csv) = shared_communes_csv() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("islands.osm.pbf");
    let deps = ["29", "56", "971"].map(String::from);
    generate_file(&csv, &deps, 1, &out).unwrap();
    let f = check_structure(&out);
    let ferries = check_ferries(&f);
    let expected: Vec<_> = ISLANDS
        .iter()
        .filter(|i| deps.iter().any(|d| i.port.starts_with(d.as_str())))
        .collect();
    assert_eq!(ferries.len(), expected.len());
    for island in expected {
        let suffix = format!(" – {}", island.name);
        let found: Vec<_> = ferries
            .iter()
            .filter(|w| w.tags["name"].ends_with(&suffix))
            .collect();
        assert_eq!(found.len(), 1, "{}", island.name);
        assert_eq!(
            found[0].tags["duration"],
            island.duration(),
            "{}",
            island.name
        );
    }
}

#[test]
fn the_embedded_island_table_is_the_shared_one() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/island_communes.csv");
    if !p.exists() {
        eprintln!("skipped: {} is absent", p.display());
        return;
    }
    let mut rdr = csv::Reader::from_path(&p).unwrap();
    let mut rows: Vec<(String, String, String, u32, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                r[1].to_string(),
                r[3].to_string(),
                r[4].parse().unwrap(),
                r[5].to_string(),
            )
        })
        .collect();
    let mut ours: Vec<(String, String, String, u32, String)> = ISLANDS
        .iter()
        .flat_map(|i| {
            i.communes.iter().map(|(code, name)| {
                (
                    code.to_string(),
                    name.to_string(),
                    i.port.to_string(),
                    i.crossing_min,
                    i.car_ferry.as_str().to_string(),
                )
            })
        })
        .collect();
    rows.sort();
    ours.sort();
    assert_eq!(ours, rows);
}
