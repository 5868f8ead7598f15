//! The default `car` profile against OSRM itself (`osrm-bindings` 26.10, its own car.lua) on the
//! real Andorra extract: the same synthetic sites and homes (on junctions of the road graph,
//! fixed seed), OSRM's Table durations (`benches/peers/osrm_peer.py table`) against
//! `zoneblanche times`. Needs the OSRM peer (`scripts/setup test` installs it into
//! `benches/peers/.venv-osrm`, or set `ZB_OSRM_PYTHON`); skipped with the reason otherwise.
//! The bounds guard the agreement measured in the README (`benches/peers/osrm.sh`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ANDORRA, Scratch, data, zoneblanche};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// A Python that can import `osrm`, or `None` after printing why the test is skipped.
fn osrm_python() -> Option<PathBuf> {
    let py = std::env::var_os("ZB_OSRM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("benches/peers/.venv-osrm/bin/python"));
    let ok = Command::new(&py)
        .args(["-c", "import osrm"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipped: no OSRM peer at {} (scripts/setup test or benches/peers/osrm.sh install)",
            py.display()
        );
    }
    ok.then_some(py)
}

/// `n` junction positions of the Andorra graph, picked with a fixed-seed generator.
fn junctions(graph: &zb_routing::Graph, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = ((x >> 33) % graph.num_vertices() as u64) as u32;
            let c = graph.vertex_coord(v);
            (c.lon(), c.lat())
        })
        .collect()
}

fn points_file(scratch: &Scratch, name: &str, prefix: &str, pts: &[(f64, f64)]) -> PathBuf {
    let mut s = String::from("id,lon,lat\n");
    for (i, (lon, lat)) in pts.iter().enumerate() {
        s.push_str(&format!("synthetic-{prefix}-{i},{lon:.7},{lat:.7}\n"));
    }
    scratch.file(name, s)
}

/// `id -> seconds` (`None` when empty) from a CSV with those two columns.
fn seconds(path: &Path) -> Vec<(String, Option<f64>)> {
    let mut rdr = csv::Reader::from_path(path).expect("read times");
    let h = rdr.headers().expect("header").clone();
    let col = |name: &str| h.iter().position(|c| c == name).expect("column");
    let (id, sec) = (col("id"), col("seconds"));
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            (r[id].to_string(), r[sec].parse().ok())
        })
        .collect()
}

#[test]
fn the_car_profile_agrees_with_osrm_on_andorra() {
    let Some(pbf) = data(ANDORRA) else { return };
    let Some(py) = osrm_python() else { return };
    let raw = zb_routing::import_pbf(
        &pbf,
        &zb_routing::Profile::default(),
        &zb_routing::NoProgress,
    )
    .expect("import");
    let graph = zb_routing::Graph::from_raw(&raw);
    let scratch = Scratch::new();
    let sites = points_file(&scratch, "sites.csv", "site", &junctions(&graph, 10, 11));
    let demand = points_file(&scratch, "demand.csv", "home", &junctions(&graph, 2000, 12));
    let zb_out = scratch.path("zb.csv");
    zoneblanche([
        "times".as_ref(),
        "--pbf".as_ref(),
        pbf.as_os_str(),
        "--sites".as_ref(),
        sites.as_os_str(),
        "--demand".as_ref(),
        demand.as_os_str(),
        "--max-snap-m".as_ref(),
        "100000".as_ref(),
        "--out".as_ref(),
        zb_out.as_os_str(),
    ])
    .assert_ok();
    let osrm_out = scratch.path("osrm.csv");
    let work = scratch.path("osrm-work");
    std::fs::create_dir_all(&work).unwrap();
    let status = Command::new(&py)
        .arg(Path::new(ROOT).join("benches/peers/osrm_peer.py"))
        .arg("table")
        .args([&work, &pbf, &sites, &demand, &osrm_out])
        .status()
        .expect("run the OSRM peer");
    assert!(status.success(), "the OSRM peer failed");
    let (zb, osrm) = (seconds(&zb_out), seconds(&osrm_out));
    assert_eq!(zb.len(), osrm.len());
    let mut d = Vec::new();
    let (mut agree15, mut one_sided) = (0usize, 0usize);
    for ((id_z, z), (id_o, o)) in zb.iter().zip(&osrm) {
        assert_eq!(id_z, id_o);
        let flag = |t: &Option<f64>| t.is_none_or(|t| t > 900.0);
        agree15 += usize::from(flag(z) == flag(o));
        match (z, o) {
            (Some(z), Some(o)) => d.push((z - o).abs()),
            (None, None) => {}
            _ => one_sided += 1,
        }
    }
    d.sort_by(f64::total_cmp);
    let median = d[d.len() / 2];
    let p95 = d[d.len() * 95 / 100];
    let agree = 100.0 * agree15 as f64 / zb.len() as f64;
    eprintln!(
        "Andorra, 10 sites, {} homes: median |Δ| {median:.1} s, p95 {p95:.1} s, flags at 15 min \
         agree for {agree:.2} %, {one_sided} timed by one engine only",
        zb.len()
    );
    assert!(agree >= 99.0, "flags agree for {agree:.2} % of homes");
    assert!(median <= 6.0, "median |Δ| {median:.1} s");
    assert!(
        one_sided * 100 <= zb.len(),
        "{one_sided} homes timed by one engine only"
    );
}
