//! The generated territory, read back with `osmpbf` and imported with `zb-routing`: a valid
//! PBF, deterministic for a seed, every way synthetic and routable, one strongly connected
//! network reaching every commune, OSM-like node spacing.
//!
//! Most tests use the committed demo (`data/demo/territory.osm.pbf`) or a territory generated
//! from the demo's communes, so they need no shared data.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;
use zb_routing::{Graph, NoProgress, Profile, SnapIndex, import_pbf};
use zb_territory::{HeaderInfo, PbfWriter, generate_file, pbf::MAX_BLOCK_ENTITIES};

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
    // Nodes first, then ways; each by increasing id; no block over the limit.
    let first_way_block = f.blocks.iter().position(|b| !b.1).unwrap();
    assert!(f.blocks[..first_way_block].iter().all(|b| b.1));
    assert!(f.blocks[first_way_block..].iter().all(|b| !b.1));
    assert!(
        f.blocks
            .iter()
            .all(|b| b.0 >= 1 && b.0 <= MAX_BLOCK_ENTITIES)
    );
    assert!(f.nodes.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(f.ways.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(f.node_tags, 0);
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
