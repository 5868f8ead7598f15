//! Best new sites on the real Andorra road graph with a synthetic study: 10 sites of two kinds,
//! 5,000 demand units, 500 synthetic candidates near roads, k = 3 (fixed seeds).
//! Run: `cargo bench -p zb-benches --bench recommend`.

use criterion::{Criterion, criterion_group, criterion_main};
use zb_routing::{Graph, NoProgress, Profile, import_pbf};
use zb_whatif::recommend::{Candidate, Objective, recommend};

fn bench(c: &mut Criterion) {
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return;
    };
    let graph = Graph::from_raw(&import_pbf(&pbf, &Profile::default(), &NoProgress).unwrap());
    let candidates: Vec<Candidate> =
        zb_benches::points_near_roads(&graph, 500, 100.0, 11, "synthetic-candidate")
            .into_iter()
            .map(|(id, lon, lat)| Candidate {
                id,
                label: None,
                lon,
                lat,
            })
            .collect();
    let study = zb_benches::synthetic_study(graph, 10, 5_000);
    let mut g = c.benchmark_group("andorra_recommend_5k_units_500_candidates_k3");
    g.sample_size(20);
    for (objective, threshold_min) in [(Objective::Cover, 10.0), (Objective::Worst, 10.0)] {
        g.bench_function(objective.as_str(), |b| {
            b.iter(|| {
                recommend(
                    &study,
                    "mediation",
                    3,
                    &candidates,
                    objective,
                    threshold_min,
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
