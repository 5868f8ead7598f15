//! Bad files: PBF and graph cache, each with a clear error and never a panic.

mod common;

use common::{random_raw, shared_data};
use zb_routing::cache::{FORMAT_VERSION, read_graph, write_graph};
use zb_routing::{Graph, NoProgress, Profile, RoutingError, import_pbf};

fn import(path: &std::path::Path) -> Result<zb_routing::RawNetwork, RoutingError> {
    import_pbf(path, &Profile::default(), &NoProgress)
}

#[test]
fn missing_empty_and_non_pbf_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.osm.pbf");
    let e = import(&missing).unwrap_err();
    assert!(matches!(e, RoutingError::Io { .. }), "{e}");
    assert!(e.to_string().contains("nope.osm.pbf"));

    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    let e = import(&empty).unwrap_err();
    assert!(matches!(e, RoutingError::NotPbf { .. }), "{e}");
    assert!(e.to_string().contains("empty"), "{e}");

    let text = dir.path().join("sites.csv");
    std::fs::write(&text, "id,lon,lat\na,1,2\n").unwrap();
    let e = import(&text).unwrap_err();
    assert!(
        matches!(
            e,
            RoutingError::NotPbf { .. } | RoutingError::CorruptPbf { .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("sites.csv"));
}

#[test]
fn truncated_and_corrupt_pbf() {
    let Some(path) = shared_data("monaco-latest.osm.pbf") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for cut in [10, 200, bytes.len() / 3, bytes.len() - 7] {
        let p = dir.path().join(format!("cut{cut}.osm.pbf"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let e = import(&p).unwrap_err();
        assert!(
            matches!(
                e,
                RoutingError::TruncatedPbf { .. }
                    | RoutingError::CorruptPbf { .. }
                    | RoutingError::NotPbf { .. }
            ),
            "cut at {cut}: {e}"
        );
    }
    // Flipped bytes inside a compressed blob.
    let mut bad = bytes.clone();
    for b in &mut bad[bytes.len() / 2..bytes.len() / 2 + 64] {
        *b ^= 0x5a;
    }
    let p = dir.path().join("flipped.osm.pbf");
    std::fs::write(&p, &bad).unwrap();
    assert!(import(&p).is_err());
}

#[test]
fn graph_cache_round_trips() {
    let graph = Graph::from_raw(&random_raw(5, 20, 300));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.zbg");
    let n = write_graph(&graph, &p).unwrap();
    assert_eq!(n, std::fs::metadata(&p).unwrap().len());
    assert_eq!(read_graph(&p).unwrap(), graph);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn wrong_truncated_corrupt_and_newer_graph_files() {
    let graph = Graph::from_raw(&random_raw(6, 12, 100));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.zbg");
    write_graph(&graph, &p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let q = dir.path().join("bad.zbg");
    let check = |data: &[u8], want: &str| {
        std::fs::write(&q, data).unwrap();
        let e = read_graph(&q).unwrap_err().to_string();
        assert!(
            e.contains("bad.zbg") && e.contains(want),
            "want `{want}`: {e}"
        );
    };
    check(b"", "not a zoneblanche graph file");
    check(b"PK\x03\x04 zip file", "not a zoneblanche graph file");
    check(&bytes[..16], "truncated");
    check(&bytes[..bytes.len() - 1], "truncated");
    for at in [30, bytes.len() / 2, bytes.len() - 1] {
        let mut c = bytes.clone();
        c[at] ^= 1;
        check(&c, "corrupt");
    }
    let mut extra = bytes.clone();
    extra.push(0);
    check(&extra, "corrupt");
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    check(&newer, "newer");
    let mut older = bytes.clone();
    older[8..12].copy_from_slice(&0u32.to_le_bytes());
    check(&older, "no longer supported");
}

#[test]
fn real_graph_cache_round_trips() {
    let Some(path) = shared_data("monaco-latest.osm.pbf") else {
        return;
    };
    let graph = Graph::from_raw(&import(&path).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("monaco.zbg");
    write_graph(&graph, &p).unwrap();
    assert_eq!(read_graph(&p).unwrap(), graph);
}
