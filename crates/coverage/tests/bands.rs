//! Time bands: every aggregate's bands are the reachable weight of its units by band, against
//! a plain count over the units (the oracle), on the demo; the limits come from `[bands]` and a
//! bad list is a one-line error naming the file.

#[path = "common/mod.rs"]
mod common;

use zb_coverage::evaluate::band_of;
use zb_coverage::{Agg, Study, load_study};

/// The oracle: the reachable weight of `members` in each band, by a linear scan of the limits.
fn bands_by_hand(
    study: &Study,
    limits: &[f64],
    minutes: &[Option<f64>],
    members: &[usize],
) -> Vec<f64> {
    let mut out = vec![0.0; limits.len() + 1];
    for &i in members {
        if let Some(m) = minutes[i] {
            let mut b = 0;
            while b < limits.len() && m >= limits[b] {
                b += 1;
            }
            out[b] += study.units[i].weight;
        }
    }
    out
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
}

#[test]
fn bands_are_the_reachable_weight_of_the_units_in_each_band() {
    let study = common::demo_study();
    assert_eq!(study.bands_min, vec![15.0, 30.0, 45.0, 60.0]);
    let coverage = study.evaluate();
    for kc in &coverage.kinds {
        let minutes: Vec<Option<f64>> = kc.units.iter().map(|u| u.minutes).collect();
        let all: Vec<usize> = (0..study.units.len()).collect();
        let check = |a: &Agg, members: &[usize]| {
            let expected = bands_by_hand(&study, &study.bands_min, &minutes, members);
            assert!(
                close(&a.bands, &expected),
                "{} {}: {:?} vs {expected:?}",
                kc.kind,
                a.key,
                a.bands
            );
            let sum: f64 = a.bands.iter().sum();
            assert!(
                (sum - a.within_weight - a.beyond_weight).abs() < 1e-6,
                "{} {}",
                kc.kind,
                a.key
            );
        };
        check(&kc.overall, &all);
        for a in &kc.communes {
            let members: Vec<usize> = (0..study.units.len())
                .filter(|&i| study.units[i].commune.as_deref().unwrap_or("") == a.key)
                .collect();
            check(a, &members);
        }
        // Somebody in more than one band: the test is not vacuous.
        assert!(
            kc.overall.bands.iter().filter(|&&w| w > 0.0).count() >= 3,
            "{:?}",
            kc.overall.bands
        );
    }
}

#[test]
fn a_limit_belongs_to_the_band_above() {
    let limits = [15.0, 30.0];
    assert_eq!(band_of(&limits, 0.0), 0);
    assert_eq!(band_of(&limits, 14.99), 0);
    assert_eq!(band_of(&limits, 15.0), 1);
    assert_eq!(band_of(&limits, 29.9), 1);
    assert_eq!(band_of(&limits, 30.0), 2);
    assert_eq!(band_of(&limits, 500.0), 2);
}

#[test]
fn bands_come_from_the_study_file_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::workspace().join("data/demo");
    for f in std::fs::read_dir(&demo).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
    }
    let toml = std::fs::read_to_string(demo.join("study.toml")).unwrap();
    let with = |bands: &str| {
        let p = dir.path().join("study.toml");
        std::fs::write(&p, format!("{toml}\n[bands]\n{bands}\n")).unwrap();
        load_study(&p)
    };
    let s = with("minutes = [10, 20]").unwrap();
    assert_eq!(s.bands_min, vec![10.0, 20.0]);
    assert_eq!(s.evaluate().kinds[0].overall.bands.len(), 3);
    for (bad, says) in [
        ("minutes = [20, 10]", "increase"),
        ("minutes = []", "1 to 12"),
        ("minutes = [0, 10]", "above 0"),
        ("minutes = \"15\"", "expected a sequence"),
    ] {
        let Err(e) = with(bad) else {
            panic!("{bad}: accepted");
        };
        let e = e.to_string();
        assert!(e.contains("study.toml") && e.contains(says), "{bad}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}
