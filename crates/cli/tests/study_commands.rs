//! End-to-end tests of `coverage`, `whatif`, `recommend` and `scenarios` on the Monaco example
//! study (real OSM extract and communes from the shared data, synthetic sites), and their bad
//! inputs: one-line error, exit code 2, nothing written.

mod common;

use std::path::{Path, PathBuf};

use common::{MONACO, Run, Scratch, data, zoneblanche};

const COMMUNES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/communes_06_monaco_neighbours.geojson"
);
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/monaco");

/// A copy of the Monaco example study in the scratch folder, with absolute data paths.
fn study(s: &Scratch) -> Option<PathBuf> {
    let pbf = data(MONACO)?;
    let communes = data(COMMUNES)?;
    let text = std::fs::read_to_string(Path::new(EXAMPLE).join("study.toml"))
        .unwrap()
        .replace(
            "../../../shared/data/monaco-latest.osm.pbf",
            &pbf.display().to_string(),
        )
        .replace(
            "../../../shared/data/communes_06_monaco_neighbours.geojson",
            &communes.display().to_string(),
        );
    std::fs::copy(
        Path::new(EXAMPLE).join("synthetic_sites.csv"),
        s.path("synthetic_sites.csv"),
    )
    .unwrap();
    Some(s.file("study.toml", text))
}

fn run(args: &[&str]) -> Run {
    zoneblanche(args.iter().copied())
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[track_caller]
fn assert_one_line_error(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, Some(2), "stderr: {}", r.stderr);
    let line = r.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(line.starts_with("zoneblanche: error: "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for n in needles {
        assert!(line.contains(n), "{line:?} lacks {n:?}");
    }
}

#[test]
fn coverage_writes_the_six_files_with_accounting() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    let out = s.path("cov");
    run(&["coverage", "--study", p(&study), "--out-dir", p(&out)]).assert_ok();
    for f in [
        "sites.geojson",
        "demand.geojson",
        "zones_blanches.geojson",
        "communes.geojson",
        "communes.csv",
        "summary.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for (kind, k) in summary["kinds"].as_object().unwrap() {
        let n = |key: &str| {
            k[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{kind}.{key} = {}", k[key]))
        };
        assert!(
            (n("within_weight") + n("beyond_weight") + n("unreachable_weight") - n("total_weight"))
                .abs()
                < 0.5,
            "{kind}"
        );
        assert!(
            k["threshold_min"].as_f64().is_some()
                && k.get("median_min").is_some()
                && k.get("p90_min").is_some()
        );
    }
    assert_eq!(summary["synthetic"], serde_json::json!(true));
}

#[test]
fn whatif_one_scenario_writes_the_diff_and_saves_it() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    let out = s.path("wi");
    let db = s.path("scen.sqlite");
    let sc = Path::new(EXAMPLE).join("scenarios/antenne_beausoleil.toml");
    run(&[
        "whatif",
        "--study",
        p(&study),
        "--scenario",
        p(&sc),
        "--out-dir",
        p(&out),
        "--save",
        "--db",
        p(&db),
    ])
    .assert_ok();
    for f in [
        "diff.json",
        "changed.geojson",
        "zones_blanches_before.geojson",
        "zones_blanches_after.geojson",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let diff: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("diff.json")).unwrap()).unwrap();
    let er = &diff["kinds"]["espace_rencontre"]["overall"];
    assert!(er["newly_within"].as_f64().unwrap() > 0.0, "{er}");
    assert_eq!(er["newly_beyond"].as_f64(), Some(0.0));
    let changed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("changed.geojson")).unwrap()).unwrap();
    assert!(!changed["features"].as_array().unwrap().is_empty());
    // The saved scenario is listed, shown and deleted.
    let list = run(&["scenarios", "list", "--db", p(&db)]);
    list.assert_ok();
    assert!(
        list.stdout.contains("Antenne d'espace de rencontre"),
        "{}",
        list.stdout
    );
    let name = list.stdout.split('\t').next().unwrap().to_string();
    let show = run(&["scenarios", "show", &name, "--db", p(&db)]);
    show.assert_ok();
    let shown: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(shown["scenario"]["add"][0]["id"], "synthetic-er-new-1");
    run(&["scenarios", "delete", &name, "--db", p(&db)]).assert_ok();
    assert_one_line_error(
        &run(&["scenarios", "show", &name, "--db", p(&db)]),
        &["no scenario named"],
    );
    assert_one_line_error(
        &run(&["scenarios", "delete", &name, "--db", p(&db)]),
        &["no scenario named"],
    );
}

#[test]
fn whatif_before_at_the_scenario_thresholds() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    // Closing the Monaco-Ville permanence and tightening mediation to 3 min: against the study
    // as loaded (4 min) both count; against the study's sites at 3 min only the closing does.
    let sc = Path::new(EXAMPLE).join("scenarios/fermeture_monaco_ville.toml");
    let diff = |before: &str| -> serde_json::Value {
        let out = s.path(&format!("wi-{before}"));
        run(&[
            "whatif",
            "--study",
            p(&study),
            "--scenario",
            p(&sc),
            "--out-dir",
            p(&out),
            "--before",
            before,
        ])
        .assert_ok();
        serde_json::from_slice(&std::fs::read(out.join("diff.json")).unwrap()).unwrap()
    };
    let (study_diff, at_3) = (diff("study"), diff("thresholds"));
    let med = |d: &serde_json::Value| d["kinds"]["mediation"].clone();
    assert_eq!(med(&study_diff)["threshold_min_before"], 4.0);
    assert_eq!(med(&at_3)["threshold_min_before"], 3.0);
    assert_eq!(med(&at_3)["threshold_min_after"], 3.0);
    let moved = |d: &serde_json::Value| med(d)["units_changing_state"].as_u64().unwrap();
    assert!(
        moved(&at_3) < moved(&study_diff),
        "{} vs {}",
        moved(&at_3),
        moved(&study_diff)
    );
    // The same after either way.
    assert_eq!(
        med(&at_3)["overall"]["within_after"],
        med(&study_diff)["overall"]["within_after"]
    );
    let bad = run(&[
        "whatif",
        "--study",
        p(&study),
        "--scenario",
        p(&sc),
        "--out-dir",
        p(&s.path("x")),
        "--before",
        "yesterday",
    ]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("--before"), "{}", bad.stderr);
    assert!(!s.path("x").exists());
}

#[test]
fn whatif_folder_of_scenarios_writes_one_row_each() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    let out = s.path("summary.csv");
    let dir = Path::new(EXAMPLE).join("scenarios");
    run(&[
        "whatif",
        "--study",
        p(&study),
        "--scenarios",
        p(&dir),
        "--out",
        p(&out),
    ])
    .assert_ok();
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows.len(),
        1 + std::fs::read_dir(&dir).unwrap().count(),
        "{text}"
    );
    assert!(rows[0].starts_with("scenario,file,"));
}

#[test]
fn recommend_writes_ranked_picks() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    let out = s.path("picks.geojson");
    run(&[
        "recommend",
        "--study",
        p(&study),
        "--kind",
        "espace_rencontre",
        "--k",
        "2",
        "--out",
        p(&out),
    ])
    .assert_ok();
    let picks: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let f = picks["features"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["properties"]["rank"], 1);
    assert_eq!(f[0]["geometry"]["type"], "Point");
    // A candidates CSV; worst objective.
    let c = s.file(
        "c.csv",
        "id,lon,lat,label\nsynthetic-c1,7.4200,43.7400,A\nsynthetic-c2,7.4300,43.7470,B\n",
    );
    run(&[
        "recommend",
        "--study",
        p(&study),
        "--kind",
        "mediation",
        "--k",
        "1",
        "--candidates",
        p(&c),
        "--objective",
        "worst",
        "--out",
        p(&out),
    ])
    .assert_ok();
}

#[test]
fn bad_study_scenario_and_recommend_inputs() {
    let s = Scratch::new();
    let Some(study) = study(&s) else { return };
    let out = s.path("never");
    // A scenario closing an unknown site.
    let sc = s.file("close.toml", "name = \"x\"\n[[close]]\nid = \"site-7\"\n");
    let r = run(&[
        "whatif",
        "--study",
        p(&study),
        "--scenario",
        p(&sc),
        "--out-dir",
        p(&out),
    ]);
    assert_one_line_error(&r, &["site-7"]);
    // Adding one off the network.
    let sc = s.file(
        "far.toml",
        "name = \"x\"\n[[add]]\nid = \"new\"\nkind = \"mediation\"\nlon = 2.35\nlat = 48.85\n",
    );
    assert_one_line_error(
        &run(&[
            "whatif",
            "--study",
            p(&study),
            "--scenario",
            p(&sc),
            "--out-dir",
            p(&out),
        ]),
        &["off the road network"],
    );
    // Malformed TOML, with line and column.
    let sc = s.file(
        "bad.toml",
        "name = \"x\"\n[[add]]\nid = \"new\"\nkind = mediation\n",
    );
    assert_one_line_error(
        &run(&[
            "whatif",
            "--study",
            p(&study),
            "--scenario",
            p(&sc),
            "--out-dir",
            p(&out),
        ]),
        &["bad.toml", "line 4, column"],
    );
    // k larger than the candidates.
    let r = run(&[
        "recommend",
        "--study",
        p(&study),
        "--kind",
        "mediation",
        "--k",
        "9",
        "--out",
        p(&out),
    ]);
    assert_one_line_error(&r, &["k = 9"]);
    // Unknown objective, out-of-range threshold.
    assert_one_line_error(
        &run(&[
            "recommend",
            "--study",
            p(&study),
            "--kind",
            "mediation",
            "--objective",
            "fast",
            "--out",
            p(&out),
        ]),
        &["fast"],
    );
    assert_one_line_error(
        &run(&[
            "recommend",
            "--study",
            p(&study),
            "--kind",
            "mediation",
            "--threshold-min",
            "500",
            "--out",
            p(&out),
        ]),
        &["500"],
    );
    // A study with an unknown key; a missing study.
    let bad = s.file(
        "bad_study.toml",
        std::fs::read_to_string(&study)
            .unwrap()
            .replace("[secrecy]", "[secrecy]\ncolour = 1"),
    );
    assert_one_line_error(
        &run(&["coverage", "--study", p(&bad), "--out-dir", p(&out)]),
        &["bad_study.toml", "colour"],
    );
    assert_one_line_error(
        &run(&[
            "coverage",
            "--study",
            p(&s.path("nope.toml")),
            "--out-dir",
            p(&out),
        ]),
        &["nope.toml"],
    );
    assert!(!out.exists(), "an output was written");
}
