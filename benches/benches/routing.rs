//! Routing benchmarks on the real Andorra extract (`../shared/data/andorra-latest.osm.pbf`),
//! with 10 synthetic sites and 5,000 synthetic demand points near roads (fixed seeds).
//! Run: `cargo bench -p zb-benches --bench routing`.

use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;
use zb_routing::{Graph, NoProgress, Profile, SiteSeeds, SnapIndex, cache, import_pbf, point_time};

fn routing(c: &mut Criterion) {
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return;
    };
    let profile = Profile::default();
    let graph = Graph::from_raw(&import_pbf(&pbf, &profile, &NoProgress).unwrap());
    let index = SnapIndex::new(&graph);
    let sites = zb_benches::points_near_roads(&graph, 10, 50.0, 1, "synthetic-site");
    let homes = zb_benches::points_near_roads(&graph, 5_000, 300.0, 2, "synthetic-home");
    let site_snaps: Vec<_> = sites
        .iter()
        .enumerate()
        .map(|(i, (_, lon, lat))| (i as u32, index.snap(&graph, *lon, *lat, 1_000.0).unwrap()))
        .collect();
    let seeds = SiteSeeds::new(&graph, &site_snaps);
    let field = seeds.field(&graph, None);
    let home_snaps: Vec<_> = homes
        .iter()
        .filter_map(|(_, lon, lat)| index.snap(&graph, *lon, *lat, 1_000.0).ok())
        .collect();

    let mut g = c.benchmark_group("andorra");
    g.sample_size(30);
    g.bench_function("import_pbf", |b| {
        b.iter(|| Graph::from_raw(&import_pbf(&pbf, &profile, &NoProgress).unwrap()))
    });
    let dir = std::env::temp_dir().join(format!("zb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zbg = dir.join("andorra.zbg");
    cache::write_graph(&graph, &zbg).unwrap();
    g.bench_function("load_graph_cache", |b| {
        b.iter(|| cache::read_graph(&zbg).unwrap())
    });
    g.bench_function("build_snap_index", |b| b.iter(|| SnapIndex::new(&graph)));
    g.sample_size(100);
    g.bench_function("multi_source_search_10_sites", |b| {
        b.iter(|| seeds.field(&graph, None))
    });
    g.bench_function("bounded_search_10_sites_15min", |b| {
        b.iter(|| seeds.field(&graph, Some(15 * 60_000)))
    });
    g.bench_function("snap_5000_points_parallel", |b| {
        b.iter(|| {
            homes
                .par_iter()
                .filter_map(|(_, lon, lat)| index.snap(&graph, *lon, *lat, 1_000.0).ok())
                .count()
        })
    });
    g.bench_function("point_times_5000", |b| {
        b.iter(|| {
            home_snaps
                .iter()
                .filter_map(|s| point_time(&graph, &field, &seeds, s))
                .count()
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, routing);
criterion_main!(benches);
