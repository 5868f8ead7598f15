//! `zoneblanche import` and `times --graph`: the graph file gives the same output as the PBF,
//! loads faster, and a wrong, truncated or corrupt file is a clear one-line error.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::*;

/// `zoneblanche import <pbf> -o <out> [extra]`.
fn import(pbf: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        OsStr::new("import"),
        pbf.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    zoneblanche(args)
}

/// Imports `pbf` into the scratch folder and returns the graph path.
#[track_caller]
fn imported(s: &Scratch, pbf: &Path, extra: &[&str]) -> PathBuf {
    let zbg = s.path("network.zbg");
    let run = import(pbf, &zbg, extra);
    run.assert_ok();
    assert!(run.stderr.contains("network.zbg"), "{}", run.stderr);
    assert!(zbg.exists());
    zbg
}

/// The sum of the stage times whose names are in `names`, from the `stages:` line.
fn stage_ms(run: &Run, names: &[&str]) -> f64 {
    let line = run.stderr_line("stages:");
    names.iter().map(|n| number_after(line, n)).sum()
}

/// `times --pbf` and `times --graph` give byte-identical output and the same summary.
fn graph_matches_pbf(pbf: &Path, sites_csv: &str, demand_csv: &str) {
    let s = Scratch::new();
    let sites = s.file("sites.csv", sites_csv);
    let demand = s.file("demand.csv", demand_csv);
    let zbg = imported(&s, pbf, &[]);
    let from_pbf = s.path("from-pbf.csv");
    let run_pbf = times("--pbf", pbf, &sites, &demand, &from_pbf, &[]);
    run_pbf.assert_ok();
    let run_graph = times("--graph", &zbg, &sites, &demand, &s.out, &[]);
    run_graph.assert_ok();
    let a = std::fs::read(&from_pbf).expect("pbf output");
    let b = std::fs::read(&s.out).expect("graph output");
    assert!(a == b, "outputs differ");
    assert_eq!(
        run_pbf.stderr_line("demand points"),
        run_graph.stderr_line("demand points")
    );
    // The output is not trivial: some points are reached.
    assert!(
        read_out(&s.out)
            .iter()
            .any(|r| r.secs().is_some_and(|t| t > 0.0))
    );
}

#[test]
fn monaco_graph_gives_byte_identical_output() {
    let Some(pbf) = data(MONACO) else { return };
    let mut points = Vec::new();
    let ids: Vec<String> = (0..60).map(|i| format!("synthetic-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let lon = 7.402 + 0.0007 * (i % 10) as f64 * 6.0;
        let lat = 43.722 + 0.005 * (i / 10) as f64;
        points.push((id.as_str(), (lon, lat)));
    }
    points.push(("synthetic-paris", PARIS));
    let sites = points_csv(&[
        ("synthetic-site-mc", MONTE_CARLO),
        ("synthetic-site-mv", MONACO_VILLE),
    ]);
    graph_matches_pbf(&pbf, &sites, &points_csv(&points));
}

#[test]
fn andorra_graph_gives_byte_identical_output() {
    let Some(pbf) = data(ANDORRA) else { return };
    let sites = points_csv(&[
        ("synthetic-site-andorra-la-vella", (1.5218, 42.5063)),
        ("synthetic-site-north", (1.53, 42.55)),
    ]);
    let mut points = Vec::new();
    let ids: Vec<String> = (0..49).map(|i| format!("synthetic-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let lon = 1.42 + 0.05 * (i % 7) as f64;
        let lat = 42.44 + 0.04 * (i / 7) as f64;
        points.push((id.as_str(), (lon, lat)));
    }
    graph_matches_pbf(&pbf, &sites, &points_csv(&points));
}

#[test]
fn graph_loads_faster_than_the_pbf() {
    let Some(pbf) = data(ANDORRA) else { return };
    let s = Scratch::new();
    let sites = s.file(
        "sites.csv",
        points_csv(&[("synthetic-site", (1.5218, 42.5063))]),
    );
    let demand = s.file("demand.csv", points_csv(&[("synthetic-1", (1.53, 42.55))]));
    let zbg = imported(&s, &pbf, &[]);
    let run_pbf = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run_pbf.assert_ok();
    let run_graph = times("--graph", &zbg, &sites, &demand, &s.out, &[]);
    run_graph.assert_ok();
    let pbf_ms = stage_ms(&run_pbf, &["import", "graph"]);
    let graph_ms = stage_ms(&run_graph, &["load graph"]);
    // In practice about 50 times faster; allow a wide margin for a busy machine.
    assert!(
        graph_ms * 2.0 < pbf_ms,
        "graph load {graph_ms} ms, PBF import {pbf_ms} ms"
    );
}

#[test]
fn graph_keeps_the_profile_it_was_built_with() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let slow = s.file("slow.toml", scaled_profile("synthetic-slow-car", 0.5));
    let slow_arg = slow.to_str().expect("utf-8");
    let zbg = imported(&s, &pbf, &["--profile", slow_arg]);
    let sites = s.file("sites.csv", SITES);
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-1", MONACO_VILLE),
            ("synthetic-2", (7.4300, 43.7450)),
            ("synthetic-3", (7.4100, 43.7290)),
        ]),
    );
    let slow_pbf = s.path("slow-pbf.csv");
    times(
        "--pbf",
        &pbf,
        &sites,
        &demand,
        &slow_pbf,
        &["--profile", slow_arg],
    )
    .assert_ok();
    let default_pbf = s.path("default-pbf.csv");
    times("--pbf", &pbf, &sites, &demand, &default_pbf, &[]).assert_ok();
    times("--graph", &zbg, &sites, &demand, &s.out, &[]).assert_ok();
    let graph = std::fs::read(&s.out).expect("graph output");
    assert!(graph == std::fs::read(&slow_pbf).expect("slow"));
    assert!(graph != std::fs::read(&default_pbf).expect("default"));
}

#[test]
fn import_of_a_bad_pbf_leaves_no_graph_file() {
    let s = Scratch::new();
    let bad = s.file("not-a-pbf.osm.pbf", "id,lon,lat\n1,2,3\n");
    let zbg = s.out.with_file_name("network.zbg");
    let run = import(&bad, &zbg, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let msg = run.stderr.trim_end();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(msg.contains("not-a-pbf.osm.pbf"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(s.out_dir_entries().is_empty(), "{:?}", s.out_dir_entries());

    let Some(monaco) = data(MONACO) else { return };
    let bytes = std::fs::read(monaco).expect("read");
    let truncated = s.file("truncated.osm.pbf", &bytes[..bytes.len() / 2]);
    let run = import(&truncated, &zbg, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let msg = run.stderr.trim_end();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(
        msg.contains("truncated.osm.pbf") && msg.contains("truncated"),
        "{msg}"
    );
    assert!(s.out_dir_entries().is_empty(), "{:?}", s.out_dir_entries());
}

/// `times --graph <bad>` with the bytes `bad` fails with a one-line error naming the file.
#[track_caller]
fn bad_graph(bytes: &[u8], contains: &str) {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let zbg = s.file("bad-network.zbg", bytes);
    let run = times("--graph", &zbg, &sites, &demand, &s.out, &[]);
    assert_bad_input(
        &run,
        &s,
        &zbg,
        Expect {
            contains: Some(contains),
            ..Expect::default()
        },
    );
}

#[test]
fn non_graph_files_given_as_graph() {
    bad_graph(b"", "not a zoneblanche graph file");
    bad_graph(DEMAND.as_bytes(), "not a zoneblanche graph file");
    if let Some(pbf) = data(MONACO) {
        bad_graph(
            &std::fs::read(pbf).expect("read"),
            "not a zoneblanche graph file",
        );
    }
}

#[test]
fn truncated_graph_is_a_clear_error() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let bytes = std::fs::read(imported(&s, &pbf, &[])).expect("read graph");
    // Inside the magic bytes, then inside the header, then inside the payload.
    bad_graph(&bytes[..4], "not a zoneblanche graph file");
    for n in [8, 12, 20, 23] {
        bad_graph(&bytes[..n], "truncated");
    }
    for n in [24, 100, bytes.len() / 2, bytes.len() - 1] {
        bad_graph(&bytes[..n], "truncated");
    }
}

#[test]
fn corrupt_graph_is_a_clear_error() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let good = std::fs::read(imported(&s, &pbf, &[])).expect("read graph");

    // A flipped byte at several places in the payload.
    for at in [24, 30, 200, good.len() / 2, good.len() - 1] {
        let mut bytes = good.clone();
        bytes[at] ^= 0x5a;
        bad_graph(&bytes, "corrupt");
    }
    // A corrupt checksum.
    let mut bytes = good.clone();
    bytes[21] ^= 0xff;
    bad_graph(&bytes, "corrupt");
    // Bytes after the end of the payload.
    let mut bytes = good.clone();
    bytes.extend_from_slice(b"trailing");
    bad_graph(&bytes, "corrupt");
    // A newer, and an older, format version.
    let mut bytes = good.clone();
    bytes[8..12].copy_from_slice(&999u32.to_le_bytes());
    bad_graph(&bytes, "version 999");
    let mut bytes = good;
    bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
    bad_graph(&bytes, "version 0");
}

#[test]
fn missing_graph_file() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let zbg = s.path("absent.zbg");
    let run = times("--graph", &zbg, &sites, &demand, &s.out, &[]);
    assert_bad_input(&run, &s, &zbg, Expect::default());
}

#[test]
fn graph_and_profile_together_are_refused() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let zbg = imported(&s, &pbf, &[]);
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let profile = s.file("slow.toml", scaled_profile("synthetic-slow", 0.5));
    let run = times(
        "--graph",
        &zbg,
        &sites,
        &demand,
        &s.out,
        &["--profile", profile.to_str().expect("utf-8")],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--profile"), "{}", run.stderr);
    assert!(!s.out.exists());
}
