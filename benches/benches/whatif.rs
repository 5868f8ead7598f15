//! What-if benchmarks on the real Andorra road graph with a synthetic study (10 sites of two
//! kinds, 5,000 demand units): one site added or closed incrementally vs a full recomputation
//! of the kind's search and unit times, and a whole scenario with its diff.
//! Run: `cargo bench -p zb-benches --bench whatif`.

use criterion::{Criterion, criterion_group, criterion_main};
use zb_routing::{Graph, NoProgress, Profile, import_pbf, point_time};
use zb_whatif::Baseline;
use zb_whatif::Scenario;

fn whatif(c: &mut Criterion) {
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return;
    };
    let graph = Graph::from_raw(&import_pbf(&pbf, &Profile::default(), &NoProgress).unwrap());
    let study = zb_benches::synthetic_study(graph, 10, 5_000);
    let base = Baseline::new(&study);
    let kind = "mediation";
    let (lon, lat) = (study.units[17].lon, study.units[17].lat);
    let snap = study.index.snap(&study.graph, lon, lat, 1_000.0).unwrap();
    let new_site = study.sites.len() as u32;
    let closed = study.sites.iter().position(|s| s.kind == kind).unwrap() as u32;

    let mut g = c.benchmark_group("andorra_whatif_5000_units");
    g.sample_size(50);
    g.bench_function("full_recomputation_one_kind", |b| {
        b.iter(|| {
            let (_, seeds, field) = study.kind_field(kind);
            study
                .unit_snaps
                .iter()
                .map(|s| {
                    s.as_ref()
                        .ok()
                        .and_then(|s| point_time(&study.graph, &field, &seeds, s))
                })
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("add_one_site", |b| {
        b.iter(|| base.apply_kind(&study, kind, &[], &[(new_site, snap)]))
    });
    g.bench_function("close_one_site", |b| {
        b.iter(|| base.apply_kind(&study, kind, &[closed], &[]))
    });
    let sc = Scenario::from_toml_str(&format!(
        "name = \"bench\"\n[[add]]\nid = \"new-1\"\nkind = \"{kind}\"\nlon = {lon}\nlat = {lat}\n"
    ))
    .unwrap();
    g.bench_function("scenario_add_one_site_with_diff", |b| {
        b.iter(|| base.apply(&study, &sc).unwrap())
    });
    g.finish();
}

criterion_group!(benches, whatif);
criterion_main!(benches);
