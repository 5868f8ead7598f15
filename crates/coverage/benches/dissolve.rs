//! Benchmarks of `dissolve` on random cell sets.
//!
//! Run with `cargo bench -p zb-coverage --bench dissolve`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use zb_coverage::dissolve::{CellIdx, dissolve};

/// About `n` cells drawn with probability `density` on a square grid, in
/// random order.
fn random_cells(n: usize, density: f64, seed: u64) -> Vec<CellIdx> {
    let mut rng = StdRng::seed_from_u64(seed);
    let side = ((n as f64 / density).sqrt().ceil()) as i64;
    let mut cells = Vec::with_capacity(n + n / 8);
    for row in 0..side {
        for col in 0..side {
            if rng.gen_bool(density) {
                cells.push(CellIdx::new(col + 18_000, row + 12_000));
            }
        }
    }
    cells.shuffle(&mut rng);
    cells
}

fn bench_dissolve(c: &mut Criterion) {
    let mut group = c.benchmark_group("dissolve");
    group.sample_size(10);
    for &n in &[10_000usize, 1_000_000] {
        for &density in &[0.5, 0.9] {
            let cells = random_cells(n, density, 42);
            let id = BenchmarkId::new(format!("density{density}"), cells.len());
            group.bench_with_input(id, &cells, |b, cells| b.iter(|| dissolve(black_box(cells))));
        }
    }
    group.finish();
}

criterion_group!(benches, bench_dissolve);
criterion_main!(benches);
