//! Golden files of the exports of the demo study (`tests/golden/demo/`, in the repository: runs
//! on a fresh clone) and of the Monaco example study (`tests/golden/monaco/`, when the shared
//! data is there).
//!
//! `generated_at` is fixed first (as with `SOURCE_DATE_EPOCH=0`), and the inputs are named by
//! file name only, so the files depend on the inputs and the code only, never on where the
//! clone and the data sit. The demo's
//! `demand.geojson` (2,853 features, 1.7 MB) is kept as its SHA-256 (`demand.geojson.sha256`,
//! as `sha256sum` writes it) and every 100th feature (`demand.sample.geojson`); every other
//! file in full. After an intended change, regenerate them and review the diff:
//!
//! ```sh
//! ZB_BLESS=1 cargo test -p zb-publish --test golden
//! ```

#[path = "../../coverage/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};
use zb_coverage::Study;
use zb_publish::{Exports, FILES, write_outputs};

/// The demo's files kept as a SHA-256 and a sample of their features.
const DEMO_SAMPLED: &[&str] = &["demand.geojson"];

/// One feature in this many goes into a sample.
const SAMPLE_EVERY: usize = 100;

fn golden_dir(study: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(study)
}

fn bless() -> bool {
    std::env::var("ZB_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The demo study, loaded once for the tests of this file.
fn demo() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(common::demo_study)
}

fn clip(s: &str) -> String {
    if s.chars().count() > 160 {
        format!("{}...", s.chars().take(160).collect::<String>())
    } else {
        s.to_string()
    }
}

/// `None` when equal, else where the texts first differ.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            return Some(format!(
                "first difference at line {}:\n    expected: {}\n    actual:   {}",
                i + 1,
                x.map_or("<end of file>".into(), |s| clip(s)),
                y.map_or("<end of file>".into(), |s| clip(s)),
            ));
        }
    }
    Some("the files differ in line endings".into())
}

/// What stands for a large GeoJSON export `name`: `name.sample.geojson`, the collection with
/// every [`SAMPLE_EVERY`]th feature only (and `sample` saying so), then `name.sha256`, the
/// digest of the whole file. The sample comes first: when both differ, it shows what changed.
fn sampled(name: &str, text: &str) -> Vec<(String, String)> {
    let mut fc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let features = fc["features"].as_array_mut().expect("a FeatureCollection");
    let total = features.len();
    let kept: Vec<Value> = features.iter().step_by(SAMPLE_EVERY).cloned().collect();
    *features = kept;
    fc["sample"] = serde_json::json!({"every": SAMPLE_EVERY, "of_features": total});
    let stem = name.strip_suffix(".geojson").expect("a .geojson file");
    let sample = serde_json::to_string_pretty(&fc).unwrap() + "\n";
    let digest = format!("{:x}  {name}\n", Sha256::digest(text.as_bytes()));
    vec![
        (format!("{stem}.sample.geojson"), sample),
        (format!("{name}.sha256"), digest),
    ]
}

/// Writes the exports of `study` and compares them with the golden files of `dir` (or, with
/// `ZB_BLESS`, writes those): the files named in `sampled_files` as [`sampled`], the others in
/// full. Files of `dir` that no export stands for are stale, and fail the test too.
fn check_golden(study: &Study, dir: &Path, sampled_files: &[&str]) {
    let coverage = study.evaluate();
    let out = tempfile::tempdir().unwrap();
    let written = write_outputs(study, &coverage, out.path()).unwrap();
    assert_eq!(written.len(), FILES.len());
    let mut expected_files = BTreeSet::new();
    let mut failures = Vec::new();
    for path in &written {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let actual = std::fs::read_to_string(path).unwrap();
        let texts = if sampled_files.contains(&name.as_str()) {
            sampled(&name, &actual)
        } else {
            vec![(name, actual)]
        };
        for (name, actual) in texts {
            let golden = dir.join(&name);
            expected_files.insert(name.clone());
            if bless() {
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(&golden, &actual).unwrap();
                eprintln!("blessed {}", golden.display());
                continue;
            }
            match std::fs::read_to_string(&golden) {
                Err(e) => failures.push(format!("{}: {e}", golden.display())),
                Ok(expected) => {
                    if let Some(diff) = first_difference(&expected, &actual) {
                        failures.push(format!("{name}: {diff}"));
                    }
                }
            }
        }
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !expected_files.contains(&name) {
            failures.push(format!(
                "{name}: stale, no export stands for it (remove it)"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "exports differ from the golden files in {}:\n{}\n\
         If the change is intended, regenerate them and review the diff:\n    \
         ZB_BLESS=1 cargo test -p zb-publish --test golden",
        dir.display(),
        failures.join("\n")
    );
}

#[test]
fn demo_exports_match_the_golden_files() {
    check_golden(demo(), &golden_dir("demo"), DEMO_SAMPLED);
}

#[test]
fn monaco_exports_match_the_golden_files() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    check_golden(&study, &golden_dir("monaco"), &[]);
}

fn assert_deterministic(study: &Study) {
    let first = Exports::new(study, &study.evaluate()).documents();
    let again = Exports::new(study, &study.evaluate()).documents();
    assert_eq!(first.len(), FILES.len());
    for (a, b) in first.iter().zip(&again) {
        assert!(
            a.bytes() == b.bytes(),
            "{} differs between two runs",
            a.name
        );
    }
}

#[test]
fn exports_are_deterministic() {
    assert_deterministic(demo());
    if let Some(study) = common::monaco_study() {
        assert_deterministic(&study);
    }
}

#[test]
fn a_sample_stands_for_its_whole_file() {
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "counts": "people",
        "features": (0..250).map(|i| serde_json::json!({"id": i})).collect::<Vec<_>>(),
    });
    let text = fc.to_string();
    let files = sampled("demand.geojson", &text);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["demand.sample.geojson", "demand.geojson.sha256"]);
    let sample: Value = serde_json::from_str(&files[0].1).unwrap();
    assert_eq!(sample["counts"], "people");
    assert_eq!(sample["sample"]["of_features"], 250);
    let ids: Vec<&Value> = sample["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [0, 100, 200]);
    // Any change outside the sample changes the digest.
    let changed = text.replacen("{\"id\":1}", "{\"id\":-1}", 1);
    assert_ne!(changed, text);
    let other = sampled("demand.geojson", &changed);
    assert_eq!(other[0], files[0]);
    assert_ne!(other[1], files[1]);
    assert!(files[1].1.ends_with("  demand.geojson\n"));
    assert_eq!(files[1].1.len(), 64 + "  demand.geojson\n".len());
}

#[test]
fn first_difference_names_the_line() {
    assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    let d = first_difference("a\nb\nc\n", "a\nB\nc\n").unwrap();
    assert!(d.contains("line 2") && d.contains("expected: b") && d.contains("actual:   B"));
    let d = first_difference("a\n", "a\nb\n").unwrap();
    assert!(d.contains("line 2") && d.contains("<end of file>"), "{d}");
}
