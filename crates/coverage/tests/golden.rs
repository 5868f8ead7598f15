//! Golden files of the Monaco example study's exports (`tests/golden/monaco/`).
//!
//! The provenance is normalised first (`generated_at` as with `SOURCE_DATE_EPOCH=0`, input paths
//! relative to the workspace), so the files depend on the inputs and the code only. After an
//! intended change, regenerate them and review the diff:
//!
//! ```sh
//! ZB_BLESS=1 cargo test -p zb-coverage --test golden
//! ```

mod common;

use std::path::PathBuf;

use zb_coverage::export::{Exports, FILES, write_outputs};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/monaco")
}

fn bless() -> bool {
    std::env::var("ZB_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
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

#[test]
fn monaco_exports_match_the_golden_files() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let coverage = study.evaluate();
    let out = tempfile::tempdir().unwrap();
    let written = write_outputs(&study, &coverage, out.path()).unwrap();
    assert_eq!(written.len(), FILES.len());
    let dir = golden_dir();
    let mut failures = Vec::new();
    for path in &written {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let actual = std::fs::read_to_string(path).unwrap();
        let golden = dir.join(&name);
        if bless() {
            std::fs::create_dir_all(&dir).unwrap();
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
    assert!(
        failures.is_empty(),
        "exports differ from the golden files in {}:\n{}\n\
         If the change is intended, regenerate them and review the diff:\n    \
         ZB_BLESS=1 cargo test -p zb-coverage --test golden",
        dir.display(),
        failures.join("\n")
    );
}

#[test]
fn exports_are_deterministic() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let first = Exports::new(&study, &study.evaluate()).documents();
    let again = Exports::new(&study, &study.evaluate()).documents();
    assert_eq!(first.len(), FILES.len());
    for ((name, a), (_, b)) in first.iter().zip(&again) {
        assert!(a == b, "{name} differs between two runs");
    }
}

#[test]
fn first_difference_names_the_line() {
    assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    let d = first_difference("a\nb\nc\n", "a\nB\nc\n").unwrap();
    assert!(d.contains("line 2") && d.contains("expected: b") && d.contains("actual:   B"));
    let d = first_difference("a\n", "a\nb\n").unwrap();
    assert!(d.contains("line 2") && d.contains("<end of file>"), "{d}");
}
