//! Helpers shared by the export tests: the demo study and the Monaco example study (with
//! provenance made independent of the checkout and the clock), a low-population variant, file
//! readers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zb_coverage::{Study, load_study};

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A file of the shared data, or `None` (and a printed reason) when it is absent.
pub fn shared(name: &str) -> Option<PathBuf> {
    let p = workspace().join("../shared/data").join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

/// Fixes what depends on the clock: `generated_at` (as with `SOURCE_DATE_EPOCH=0`). Inputs
/// are named by file name only, so nothing depends on where the clone and the data sit.
pub fn normalise_provenance(study: &mut Study) {
    study.provenance.generated_at = "1970-01-01T00:00:00Z".into();
}

/// The demo study (`data/demo/study.toml`: in the repository, no shared data needed), with
/// provenance normalised, checked to name no folder.
pub fn demo_study() -> Study {
    let mut study = load_study(&workspace().join("data/demo/study.toml")).unwrap();
    normalise_provenance(&mut study);
    for input in &study.provenance.inputs {
        assert!(
            !input.path.contains(['/', '\\']),
            "provenance names a folder: {}",
            input.path
        );
    }
    study
}

/// The Monaco example study (`data/monaco/study.toml`), provenance normalised.
pub fn monaco_study() -> Option<Study> {
    shared("monaco-latest.osm.pbf")?;
    shared("communes_06_monaco_neighbours.geojson")?;
    let mut study = load_study(&workspace().join("data/monaco/study.toml")).unwrap();
    normalise_provenance(&mut study);
    Some(study)
}

/// The Monaco study with tiny commune populations, so that small counts occur everywhere, and
/// the communes grouped by EPCI.
pub fn low_population_study(dir: &Path) -> Option<Study> {
    let pbf = shared("monaco-latest.osm.pbf")?;
    let communes = shared("communes_06_monaco_neighbours.geojson")?;
    let mut fc: Value = serde_json::from_str(&std::fs::read_to_string(communes).unwrap()).unwrap();
    let small = BTreeMap::from([("06012", 62), ("06032", 25), ("06104", 9), ("06150", 4)]);
    for f in fc["features"].as_array_mut().unwrap() {
        let code = f["properties"]["code_insee"].as_str().unwrap().to_string();
        f["properties"]["population_municipale"] = small[code.as_str()].into();
        // EPCI (SIREN): Métropole Nice Côte d'Azur, CA de la Riviera française.
        let epci = if code == "06032" {
            "200030195"
        } else {
            "200039915"
        };
        f["properties"]["epci"] = epci.into();
    }
    std::fs::write(dir.join("communes.geojson"), fc.to_string()).unwrap();
    let sites = workspace().join("data/monaco/synthetic_sites.csv");
    let toml = format!(
        "[study]\nname = \"Monaco, low population (synthetic)\"\nsynthetic = true\n\
         [network]\npbf = {pbf:?}\n[[sites]]\nfile = {sites:?}\n\
         [[population]]\nfile = \"communes.geojson\"\nformat = \"communes\"\n\
         weight = \"population_municipale\"\ncounts = \"people\"\ngroup_by = [\"epci\"]\n\
         [thresholds]\ndefault_min = 30\nmediation_min = 4\nespace_rencontre_min = 6\n\
         espace_rencontre_waiting_days = 60\n"
    );
    let p = dir.join("study.toml");
    std::fs::write(&p, toml).unwrap();
    Some(load_study(&p).unwrap())
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CSV file as (header, rows of JSON values): empty -> null, true/false -> booleans, numbers
/// -> numbers, anything else a string. Read with the csv crate, independently of the writer.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<serde_json::Map<String, Value>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.clone(), csv_value(h, v)))
                .collect()
        })
        .collect();
    (header, rows)
}

fn csv_value(column: &str, v: &str) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    if column == "code_insee" || column == "nom" {
        return Value::String(v.into());
    }
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => v
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(v.into()), Value::Number),
    }
}
