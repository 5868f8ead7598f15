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

/// `n` points exactly on OSM way nodes of the graph (a random shape point of a random link),
/// with a fixed seed: the peers snap them onto the same road position, not beside it.
pub fn points_on_way_nodes(graph: &Graph, n: usize, seed: u64, prefix: &str) -> Vec<Point> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Road links in an order of their own geometry (not of how the graph stores them), so the
    // same extract gives the same points whatever the engine's internal numbering.
    let key = |l: u32| {
        let s = graph.link_shape(l);
        let (a, b) = (s[0], s[s.len() - 1]);
        (a.lon_e7, a.lat_e7, b.lon_e7, b.lat_e7, s.len())
    };
    let mut links: Vec<u32> = (0..graph.num_links() as u32)
        .filter(|&l| !graph.link_is_ferry(l))
        .collect();
    links.sort_by_cached_key(|&l| key(l));
    (0..n)
        .map(|i| {
            let l = links[rng.gen_range(0..links.len())];
            let shape = graph.link_shape(l);
            let c = shape[rng.gen_range(0..shape.len())];
            (format!("{prefix}-{i}"), c.lon(), c.lat())
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

/// A synthetic study on a real road graph: `n_sites` sites alternating between the two kinds
/// and `n_units` demand units near roads with weights 1 to 20 (fixed seeds). Everything in it
/// is synthetic and flagged so.
pub fn synthetic_study(graph: Graph, n_sites: usize, n_units: usize) -> zb_coverage::Study {
    let mut rng = StdRng::seed_from_u64(7);
    let sites = points_near_roads(&graph, n_sites, 50.0, 3, "synthetic-site")
        .into_iter()
        .enumerate()
        .map(|(i, (id, lon, lat))| zb_places::Site {
            name: id.clone(),
            id,
            kind: if i % 2 == 0 {
                "mediation"
            } else {
                "espace_rencontre"
            }
            .to_string(),
            lon,
            lat,
            capacity: None,
            waiting_days: Some(rng.gen_range(10.0..120.0)),
            opening: None,
            synthetic: true,
            extra: Default::default(),
        })
        .collect();
    let units = points_near_roads(&graph, n_units, 400.0, 4, "synthetic-home")
        .into_iter()
        .enumerate()
        .map(|(i, (id, lon, lat))| zb_places::DemandUnit {
            id,
            lon,
            lat,
            weight: rng.gen_range(1..=20) as f64,
            commune: Some(format!("SYN{:02}", i % 37)),
            cell: None,
            groups: Default::default(),
        })
        .collect();
    let population = zb_places::Population::from_units(units, "people (synthetic)");
    let provenance = zb_coverage::provenance::Provenance::new(
        Some("synthetic benchmark".into()),
        Vec::new(),
        graph.profile_name().into(),
        true,
    );
    let thresholds = zb_coverage::Thresholds {
        default_min: 10.0,
        ..Default::default()
    };
    zb_coverage::Study::from_parts(
        Some("synthetic benchmark".into()),
        true,
        graph,
        sites,
        vec![population],
        thresholds,
        11.0,
        1_000.0,
        provenance,
    )
}
