//! Shared helpers for zoneblanche's benchmarks: locating the shared test data and making
//! deterministic synthetic points (sites and demand) on a real road network.
//!
//! Everything generated here is synthetic and labelled so in the ids (`synthetic-site-N`,
//! `synthetic-home-N`).

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zb_routing::Graph;

/// `../shared/data/NAME` from the workspace root, if present.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(name);
    p.exists().then_some(p)
}

/// A synthetic point: id, lon, lat.
pub type Point = (String, f64, f64);

/// `n` points near random junctions of the graph, jittered by up to `jitter_m` metres
/// (deterministic for a seed).
pub fn points_near_roads(
    graph: &Graph,
    n: usize,
    jitter_m: f64,
    seed: u64,
    prefix: &str,
) -> Vec<Point> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let v = rng.gen_range(0..graph.num_vertices() as u32);
            let c = graph.vertex_coord(v);
            let dlat = rng.gen_range(-1.0..=1.0) * jitter_m / zb_routing::geom::M_PER_DEG;
            let dlon = rng.gen_range(-1.0..=1.0) * jitter_m
                / (zb_routing::geom::M_PER_DEG * c.lat().to_radians().cos());
            (format!("{prefix}-{i}"), c.lon() + dlon, c.lat() + dlat)
        })
        .collect()
}

/// CSV text `id,lon,lat[,weight]` for points (weight 1 when `weighted`).
pub fn points_csv(points: &[Point], weighted: bool) -> String {
    let mut s = String::from(if weighted {
        "id,lon,lat,weight\n"
    } else {
        "id,lon,lat\n"
    });
    for (id, lon, lat) in points {
        s.push_str(&format!("{id},{lon:.7},{lat:.7}"));
        s.push_str(if weighted { ",1\n" } else { "\n" });
    }
    s
}
