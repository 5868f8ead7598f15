//! Coverage benchmarks on the real Andorra road graph with a synthetic study: 50 sites of two
//! kinds and 50,000 demand units (fixed seeds): evaluation, writing the six output files
//! (GeoJSON, CSV, summary, with secrecy applied), and every deliverable (with the GeoPackage);
//! and the study's unit index (its units by
//! commune, group and cell), built once per study.
//! Run: `cargo bench -p zb-benches --bench coverage`.

use criterion::{Criterion, criterion_group, criterion_main};
use zb_routing::{Graph, NoProgress, Profile, import_pbf};

fn coverage(c: &mut Criterion) {
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return;
    };
    let graph = Graph::from_raw(&import_pbf(&pbf, &Profile::default(), &NoProgress).unwrap());
    let study = zb_benches::synthetic_study(graph, 50, 50_000);
    let mut g = c.benchmark_group("andorra_study_50k_units_50_sites");
    g.sample_size(30);
    // Built once per study, on first use (below, by the first evaluation), then shared.
    g.bench_function("unit_index_once", |b| {
        b.iter(|| zb_coverage::partition::UnitIndex::new(&study))
    });
    g.bench_function("evaluate", |b| b.iter(|| study.evaluate()));
    let coverage = study.evaluate();
    let dir = std::env::temp_dir().join(format!("zb-bench-exports-{}", std::process::id()));
    g.sample_size(10);
    g.bench_function("write_all_outputs", |b| {
        b.iter(|| zb_publish::write_outputs(&study, &coverage, &dir).unwrap())
    });
    // What `zoneblanche coverage` writes: the six files, resultats.gpkg, communes_fr.csv and
    // the QML styles.
    g.bench_function("write_all_deliverables", |b| {
        b.iter(|| zb_publish::write_deliverables(&study, &coverage, &dir).unwrap())
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, coverage);
criterion_main!(benches);
