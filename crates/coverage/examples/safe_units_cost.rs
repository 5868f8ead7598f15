//! What safe units cost (SECRECY.md §6.4): a study's figures with its safe units against the
//! same study cut as finely as possible (`min_count = 1`: about one unit per commune and 200 m
//! cell). Internal figures for the developers, printed here and never written to an output.
//!
//! `cargo run --release -p zb-coverage --example safe_units_cost -- data/demo/study.toml`

use std::path::{Path, PathBuf};

use zb_coverage::{Study, load_study};

/// The study file with its relative paths made absolute and `[secrecy] min_count = 1`.
fn finest(path: &Path, dir: &Path) -> PathBuf {
    let base = path
        .parent()
        .unwrap_or(Path::new("."))
        .canonicalize()
        .unwrap();
    let mut doc: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
    fn absolute(v: &mut toml::Value, base: &Path) {
        match v {
            toml::Value::Table(t) => {
                for (k, x) in t.iter_mut() {
                    match x {
                        toml::Value::String(s)
                            if ["file", "pbf", "graph", "profile"].contains(&k.as_str()) =>
                        {
                            if !["car", "simple"].contains(&s.as_str()) {
                                *s = base.join(&*s).display().to_string();
                            }
                        }
                        _ => absolute(x, base),
                    }
                }
            }
            toml::Value::Array(a) => a.iter_mut().for_each(|x| absolute(x, base)),
            _ => {}
        }
    }
    let mut v = toml::Value::Table(std::mem::take(&mut doc));
    absolute(&mut v, &base);
    let mut doc = match v {
        toml::Value::Table(t) => t,
        _ => unreachable!(),
    };
    let mut secrecy = toml::Table::new();
    secrecy.insert("min_count".into(), toml::Value::Float(1.0));
    doc.insert("secrecy".into(), toml::Value::Table(secrecy));
    let out = dir.join("study.toml");
    std::fs::write(&out, toml::to_string(&doc).unwrap()).unwrap();
    out
}

fn describe(name: &str, s: &Study) {
    let a = &s.atoms;
    let mut sizes: Vec<usize> = s.footprints.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    let q = |p: f64| sizes[((sizes.len() - 1) as f64 * p) as usize];
    let multi: f64 = s
        .units
        .iter()
        .zip(&s.footprints)
        .filter(|(_, f)| f.len() > 1)
        .map(|(u, _)| u.weight)
        .sum();
    println!(
        "{name}: {} raw units -> {} units ({} of several cells, holding {:.1} % of the weight); cells per unit median {}, p90 {}, max {}; {} communes merged",
        a.raw_units,
        a.units,
        a.multi_cell_units,
        100.0 * multi / s.total_weight().max(1e-9),
        q(0.5),
        q(0.9),
        q(1.0),
        a.communes_merged
    );
}

fn main() {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "data/demo/study.toml".into()),
    );
    let dir = tempfile::tempdir().unwrap();
    let safe = load_study(&path).unwrap();
    let fine = load_study(&finest(&path, dir.path())).unwrap();
    describe("safe units", &safe);
    describe("finest (min_count = 1)", &fine);
    for kind in safe.kinds() {
        // The spread of the finest units' minutes inside each safe unit of several cells.
        let fs = fine.evaluate_kind(&kind, 30.0, None);
        let mut of_cell = std::collections::BTreeMap::new();
        for (i, (u, f)) in safe.units.iter().zip(&safe.footprints).enumerate() {
            for &c in f {
                of_cell.insert((u.commune.clone(), c), i);
            }
        }
        let mut range: Vec<Option<(f64, f64)>> = vec![None; safe.units.len()];
        for (i, u) in fine.units.iter().enumerate() {
            let c = u.cell.expect("a cell");
            let key = (u.commune.clone(), (c.easting / 200, c.northing / 200));
            if let (Some(&a), Some(m)) = (of_cell.get(&key), fs.units[i].minutes)
                && safe.footprints[a].len() > 1
            {
                let r = range[a].get_or_insert((m, m));
                *r = (r.0.min(m), r.1.max(m));
            }
        }
        let mut spread: Vec<f64> = range.iter().flatten().map(|(a, b)| b - a).collect();
        spread.sort_by(f64::total_cmp);
        if !spread.is_empty() {
            println!(
                "{kind}: minutes inside a unit of several cells, max - min: median {:.1}, p90 {:.1}, max {:.1}",
                spread[spread.len() / 2],
                spread[(spread.len() - 1) * 9 / 10],
                spread[spread.len() - 1]
            );
        }
        for t in [20.0, 30.0, 45.0] {
            let (a, b) = (
                safe.evaluate_kind(&kind, t, None),
                fine.evaluate_kind(&kind, t, None),
            );
            let by = |k: &zb_coverage::KindCoverage| -> std::collections::BTreeMap<String, f64> {
                k.communes
                    .iter()
                    .map(|c| (c.key.clone(), c.within_weight))
                    .collect()
            };
            let (sa, fb) = (by(&a), by(&b));
            let mut diffs: Vec<f64> = fb
                .iter()
                .map(|(k, w)| (sa.get(k).copied().unwrap_or(0.0) - w).abs())
                .collect();
            diffs.sort_by(f64::total_cmp);
            let total = a.overall.total_weight.max(1e-9);
            println!(
                "{kind} at {t} min: within {:.1} % (safe) vs {:.1} % (finest); per commune |difference| median {:.1}, p90 {:.1}, max {:.1}, sum {:.0} of {:.0}",
                100.0 * a.overall.within_weight / total,
                100.0 * b.overall.within_weight / total,
                diffs[diffs.len() / 2],
                diffs[(diffs.len() - 1) * 9 / 10],
                diffs[diffs.len() - 1],
                diffs.iter().sum::<f64>(),
                total
            );
        }
    }
}
