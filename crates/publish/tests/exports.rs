//! The exports end to end on the Monaco example study: GDAL reads every GeoJSON, RFC 7946
//! (right-hand rule, 6-decimal coordinates, no `crs`), statistical secrecy on every file (also
//! with tiny populations), the accounting identity, the CSV agrees with the GeoJSON, and files
//! are replaced whole or not at all.

#[path = "../../coverage/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use zb_coverage::{Coverage, Study};
use zb_publish::coverage::zones_geojson_kind;
use zb_publish::secrecy::{check_secrecy, is_small};
use zb_publish::{Exports, FILES, write_outputs};
use zb_writers::write_files as write_documents;

/// Writes the outputs of `study` into a fresh directory.
fn outputs(study: &Study) -> (Coverage, tempfile::TempDir) {
    let coverage = study.evaluate();
    let dir = tempfile::tempdir().unwrap();
    let written = write_outputs(study, &coverage, dir.path()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, FILES.map(String::from).to_vec());
    (coverage, dir)
}

fn ogrinfo(path: &Path) -> String {
    let out = match Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "ogrinfo (GDAL) is required to check the GeoJSON exports and could not be run ({e}): \
             apt-get install gdal-bin (scripts/setup test installs it)"
        ),
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ogrinfo failed on {}: {}{}",
        path.display(),
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn gdal_opens_every_geojson_with_the_right_counts_types_and_crs() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let (coverage, dir) = outputs(&study);
    let zones: usize = coverage.kinds.iter().map(|k| k.zones.len()).sum();
    assert!(zones > 0, "the Monaco study has zones blanches");
    for (file, count, geometry) in [
        ("sites.geojson", study.sites.len(), "Point"),
        ("demand.geojson", study.units.len(), "Point"),
        ("zones_blanches.geojson", zones, "Polygon"),
        (
            "communes.geojson",
            coverage.kinds[0].communes.len(),
            "Multi Polygon",
        ),
    ] {
        let info = ogrinfo(&dir.path().join(file));
        assert!(
            info.contains(&format!("Feature Count: {count}\n")),
            "{file}: expected {count} features:\n{info}"
        );
        assert!(
            info.contains(&format!("Geometry: {geometry}\n")),
            "{file}: expected {geometry}:\n{info}"
        );
        assert!(
            info.contains("GEOGCRS[\"WGS 84\"") && info.contains("ID[\"EPSG\",4326]"),
            "{file}: expected EPSG:4326 / WGS 84:\n{info}"
        );
    }
}

/// Every position of a GeoJSON geometry's coordinates.
fn positions(coords: &Value, out: &mut Vec<(f64, f64)>) {
    let items = coords.as_array().unwrap();
    if items.first().is_some_and(Value::is_number) {
        assert_eq!(items.len(), 2, "2D positions only: {coords}");
        out.push((items[0].as_f64().unwrap(), items[1].as_f64().unwrap()));
    } else {
        for c in items {
            positions(c, out);
        }
    }
}

fn signed_area2(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

fn check_polygon(rings: &Value, what: &str) {
    for (i, r) in rings.as_array().unwrap().iter().enumerate() {
        let mut ring = Vec::new();
        positions(r, &mut ring);
        assert!(
            ring.len() >= 4,
            "{what}: ring {i} has {} positions",
            ring.len()
        );
        assert_eq!(ring.first(), ring.last(), "{what}: ring {i} is not closed");
        let a = signed_area2(&ring);
        if i == 0 {
            assert!(a > 0.0, "{what}: exterior ring is not counter-clockwise");
        } else {
            assert!(a < 0.0, "{what}: hole {i} is not clockwise");
        }
    }
}

/// RFC 7946 and our conventions on one FeatureCollection.
fn check_rfc7946(fc: &Value, study: &Study, file: &str) {
    assert_eq!(fc["type"], "FeatureCollection", "{file}");
    assert!(
        fc.get("crs").is_none(),
        "{file}: RFC 7946 has no crs member"
    );
    assert_eq!(fc["counts"], study.counts.as_str(), "{file}");
    assert_eq!(
        fc["synthetic"], true,
        "{file}: the Monaco sites are synthetic"
    );
    let prov = &fc["provenance"];
    assert_eq!(prov["generated_at"], study.provenance.generated_at.as_str());
    assert!(prov["inputs"].as_array().unwrap().len() >= 4, "{file}");
    assert!(prov["thresholds"]["kinds"]["mediation"]["threshold_min"].is_number());
    assert_eq!(prov["secrecy"]["min_count"], study.secrecy_min_count);
    for (n, f) in fc["features"].as_array().unwrap().iter().enumerate() {
        let what = format!("{file} feature {n}");
        assert_eq!(f["type"], "Feature", "{what}");
        assert!(f["properties"].is_object(), "{what}");
        let g = &f["geometry"];
        if g.is_null() {
            continue;
        }
        let mut all = Vec::new();
        positions(&g["coordinates"], &mut all);
        for &(lon, lat) in &all {
            for x in [lon, lat] {
                assert_eq!(
                    (x * 1e6).round() / 1e6,
                    x,
                    "{what}: {x} has more than 6 decimals"
                );
                assert!(!(x == 0.0 && x.is_sign_negative()), "{what}: -0.0");
            }
            assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
            // The study area: lon/lat, not lat/lon or projected metres.
            assert!(
                (7.3..7.6).contains(&lon) && (43.6..43.9).contains(&lat),
                "{what}"
            );
        }
        match g["type"].as_str().unwrap() {
            "Point" => {}
            "Polygon" => check_polygon(&g["coordinates"], &what),
            "MultiPolygon" => {
                for p in g["coordinates"].as_array().unwrap() {
                    check_polygon(p, &what);
                }
            }
            other => panic!("{what}: unexpected geometry {other}"),
        }
    }
}

#[test]
fn geojson_follows_rfc7946_and_the_property_contract() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let (coverage, dir) = outputs(&study);
    for file in [
        "sites.geojson",
        "demand.geojson",
        "zones_blanches.geojson",
        "communes.geojson",
    ] {
        let fc = common::read_json(&dir.path().join(file));
        check_rfc7946(&fc, &study, file);
    }
    let sites = common::read_json(&dir.path().join("sites.geojson"));
    let s0 = &sites["features"][0]["properties"];
    assert_eq!(s0["id"], "synthetic-med-1");
    assert_eq!(s0["kind"], "mediation");
    assert_eq!(s0["capacity"], 2.5);
    assert_eq!(s0["synthetic"], true);
    assert_eq!(s0["on_network"], true);
    assert!(s0["snap_m"].as_f64().unwrap() < study.max_snap_m);

    let demand = common::read_json(&dir.path().join("demand.geojson"));
    for (i, f) in demand["features"].as_array().unwrap().iter().enumerate() {
        let p = &f["properties"];
        assert_eq!(p["id"], study.units[i].id.as_str());
        assert!(p["commune"].as_str().unwrap().len() == 5);
        for k in &coverage.kinds {
            let status = p[format!("status_{}", k.kind)].as_str().unwrap();
            assert_eq!(status, k.units[i].status.as_str());
            let minutes = &p[format!("minutes_{}", k.kind)];
            assert_eq!(minutes.is_null(), status == "unreachable");
            if let Some(m) = minutes.as_f64() {
                assert_eq!((m * 100.0).round() / 100.0, m);
                assert!(p[format!("site_{}", k.kind)].is_string());
            }
        }
    }

    let communes = common::read_json(&dir.path().join("communes.geojson"));
    let codes: Vec<&str> = communes["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code_insee"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["06012", "06032", "06104", "06150"]);

    let zones = common::read_json(&dir.path().join("zones_blanches.geojson"));
    for f in zones["features"].as_array().unwrap() {
        let p = &f["properties"];
        let k = coverage.kind(p["kind"].as_str().unwrap()).unwrap();
        assert_eq!(p["threshold_min"], k.threshold_min);
        assert!(p["cells"].as_u64().unwrap() >= 1);
        assert!(
            p["communes"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string)
        );
    }
    for k in &coverage.kinds {
        let one = zones_geojson_kind(&study, k);
        assert_eq!(one.features.len(), k.zones.len());
        assert!(
            one.features
                .iter()
                .all(|f| f.property("kind") == Some(&Value::from(k.kind.as_str())))
        );
    }
}

/// Every exported document as JSON, the CSV as an array of row objects.
fn documents(dir: &Path) -> Vec<(String, Value)> {
    FILES
        .iter()
        .map(|f| {
            let p = dir.join(f);
            let v = if f.ends_with(".csv") {
                let (_, rows) = common::read_csv(&p);
                Value::Array(rows.into_iter().map(Value::Object).collect())
            } else {
                common::read_json(&p)
            };
            (f.to_string(), v)
        })
        .collect()
}

fn count_secret(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| {
                usize::from(k.starts_with("secret") && x == &Value::Bool(true)) + count_secret(x)
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_secret).sum(),
        _ => 0,
    }
}

/// No small count in any file; `expect_secrets`: the variant must suppress something.
fn assert_no_small_count(study: &Study, label: &str, expect_secrets: bool) {
    let (coverage, dir) = outputs(study);
    let min = study.secrecy_min_count;
    let exports = Exports::new(study, &coverage);
    let leaks = exports.protection().table().leaks(min);
    assert!(
        leaks.is_empty(),
        "{label}: recomputable small counts: {leaks:?}"
    );
    let mut secrets = 0;
    for (file, doc) in documents(dir.path()) {
        let found = check_secrecy(&doc, min);
        assert!(
            found.is_empty(),
            "{label}: {file} shows small counts: {found:?}"
        );
        secrets += count_secret(&doc);
    }
    let summary = common::read_json(&dir.path().join("summary.json"));
    assert_eq!(summary["secrecy"]["zones_unmatched"], 0, "{label}");
    for w in summary["warnings"].as_array().unwrap() {
        let m = w["message"].as_str().unwrap();
        if let Some((_, rest)) = m.split_once("(weight ") {
            let n: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let Ok(n) = n.parse::<f64>() {
                assert!(
                    !is_small(n, min),
                    "{label}: warning shows a small weight: {m}"
                );
            }
        }
    }
    let raw_small = study
        .units
        .iter()
        .filter(|u| is_small(u.weight, min))
        .count();
    eprintln!("{label}: {raw_small} small unit weights, {secrets} secret flags");
    if expect_secrets {
        assert!(
            raw_small > 0,
            "{label}: the variant has small counts to hide"
        );
        assert!(secrets > 0, "{label}: nothing was flagged secret");
        let (primary, secondary) = exports.protection().suppressed();
        assert_eq!(summary["secrecy"]["suppressed_primary"], primary);
        assert_eq!(summary["secrecy"]["suppressed_secondary"], secondary);
        assert!(primary > 0);
    }
}

#[test]
fn no_small_count_leaks_from_any_file() {
    let Some(mut study) = common::monaco_study() else {
        return;
    };
    assert_no_small_count(&study, "Monaco", false);
    // A minimum above most counts: only the published commune totals are left.
    study.secrecy_min_count = 5_000.0;
    assert_no_small_count(&study, "Monaco, min 5000", true);
    let dir = tempfile::tempdir().unwrap();
    let low = common::low_population_study(dir.path()).unwrap();
    assert_no_small_count(&low, "low population", false);

    // The communes of 9 and 4 people are counted with a neighbour of their EPCI, and say so;
    // nothing is left to hide.
    assert_eq!(low.atoms.communes_merged, 2);
    assert!(low.units.iter().all(|u| !is_small(u.weight, 11.0)));
    let (coverage, out) = outputs(&low);
    let summary = common::read_json(&out.path().join("summary.json"));
    let warned = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().contains("06150 with "));
    assert!(warned, "{}", summary["warnings"]);
    for k in &coverage.kinds {
        let rows = summary["groups"]["epci"][&k.kind].as_array().unwrap();
        let values: Vec<&str> = rows.iter().map(|r| r["value"].as_str().unwrap()).collect();
        assert_eq!(values, ["200030195", "200039915"]);
    }
    let communes = common::read_json(&out.path().join("communes.geojson"));
    for f in communes["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["secret_mediation"], false, "{f}");
    }
    let demand = common::read_json(&out.path().join("demand.geojson"));
    for f in demand["features"].as_array().unwrap() {
        let p = &f["properties"];
        assert!(p["weight"].as_f64().is_some_and(|w| w >= 11.0), "{p}");
        assert!(p["commune"] != "06150" && p["commune"] != "06104", "{p}");
    }
}

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn accounting_identity_holds_in_the_coverage_and_the_outputs() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let (coverage, dir) = outputs(&study);
    // Raw, before secrecy.
    for k in &coverage.kinds {
        let o = &k.overall;
        assert!(near(
            o.within_weight + o.beyond_weight + o.unreachable_weight,
            o.total_weight,
            1e-6
        ));
        assert!(near(o.total_weight, study.total_weight(), 1e-6));
        let sum: f64 = k.communes.iter().map(|c| c.total_weight).sum();
        assert!(near(sum, o.total_weight, 1e-6));
        for c in &k.communes {
            assert!(near(
                c.within_weight + c.beyond_weight + c.unreachable_weight,
                c.total_weight,
                1e-6
            ));
        }
        let zones: f64 = k.zones.iter().map(|z| z.weight).sum();
        assert!(near(zones, o.beyond_weight + o.unreachable_weight, 1e-6));
    }
    // Published: each count rounded to 0.1, so within 0.15 of the identity.
    let identity = |o: &serde_json::Map<String, Value>, parts: [&str; 4], what: &str| {
        let v: Vec<f64> = parts.iter().map(|p| o[*p].as_f64().unwrap()).collect();
        assert!(
            near(v[0] + v[1] + v[2], v[3], 0.15 + 1e-9),
            "{what}: {v:?} do not add up"
        );
    };
    let summary = common::read_json(&dir.path().join("summary.json"));
    for k in &coverage.kinds {
        let o = summary["kinds"][&k.kind].as_object().unwrap();
        identity(
            o,
            [
                "within_weight",
                "beyond_weight",
                "unreachable_weight",
                "total_weight",
            ],
            &k.kind,
        );
        assert_eq!(o["threshold_min"], k.threshold_min);
        assert_eq!(o["zones"], k.zones.len());
        for key in ["within_share", "median_min", "p90_min"] {
            assert!(o[key].is_number(), "{}: {key}", k.kind);
        }
    }
    let communes = common::read_json(&dir.path().join("communes.geojson"));
    let (_, csv_rows) = common::read_csv(&dir.path().join("communes.csv"));
    let features = communes["features"].as_array().unwrap();
    for k in &coverage.kinds {
        let cols = ["within", "beyond", "unreachable"].map(|c| format!("{c}_{}", k.kind));
        let parts = [
            cols[0].as_str(),
            cols[1].as_str(),
            cols[2].as_str(),
            "total",
        ];
        for f in features {
            identity(
                f["properties"].as_object().unwrap(),
                parts,
                "communes.geojson",
            );
        }
        for row in &csv_rows {
            identity(row, parts, "communes.csv");
        }
    }
}

#[test]
fn communes_csv_agrees_with_communes_geojson() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    let (coverage, dir) = outputs(&study);
    let (header, rows) = common::read_csv(&dir.path().join("communes.csv"));
    let fc = common::read_json(&dir.path().join("communes.geojson"));
    let features = fc["features"].as_array().unwrap();
    assert_eq!(rows.len(), features.len());
    assert_eq!(header[..2], ["code_insee", "nom"]);
    for k in &coverage.kinds {
        assert!(header.contains(&format!("within_share_{}", k.kind)));
    }
    for (row, f) in rows.iter().zip(features) {
        let props = f["properties"].as_object().unwrap();
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        let mut cols: Vec<&String> = header.iter().collect();
        cols.sort();
        assert_eq!(
            keys, cols,
            "the CSV has the GeoJSON's properties as columns"
        );
        for h in &header {
            let (a, b) = (&row[h], &props[h]);
            let same = match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            };
            assert!(same, "{h}: csv {a} vs geojson {b}");
        }
    }
    // Codes stay strings with their leading zero.
    let text = std::fs::read_to_string(dir.path().join("communes.csv")).unwrap();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("06012,Beausoleil,")
    );
}

fn staging_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".zoneblanche-tmp"))
        .collect()
}

#[test]
fn files_are_replaced_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b");
    let docs = |v: &str| -> Vec<(&'static str, Vec<u8>)> {
        FILES
            .iter()
            .map(|f| (*f, format!("{v} {f}\n").into_bytes()))
            .collect()
    };
    // Created when missing.
    let written = write_documents(&docs("one"), &out).unwrap();
    assert_eq!(written.len(), FILES.len());
    assert_eq!(
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
        "one summary.json\n"
    );
    assert!(staging_dirs(&out).is_empty());
    // A directory where summary.json goes: an error, and every old file left as it was.
    std::fs::remove_file(out.join("summary.json")).unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    let err = write_documents(&docs("two"), &out).unwrap_err();
    assert!(err.to_string().contains("summary.json"), "{err}");
    for f in &FILES[..5] {
        assert_eq!(
            std::fs::read_to_string(out.join(f)).unwrap(),
            format!("one {f}\n"),
            "{f} was touched"
        );
    }
    assert!(staging_dirs(&out).is_empty());
    // Then replaced as a whole.
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    write_documents(&docs("three"), &out).unwrap();
    for f in FILES {
        assert_eq!(
            std::fs::read_to_string(out.join(f)).unwrap(),
            format!("three {f}\n")
        );
    }
    assert!(staging_dirs(&out).is_empty());
    // An output "directory" that is a file is an error naming it.
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    assert!(write_documents(&docs("four"), &file).is_err());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// A population given as points (which may be addresses) is exported at the centre of each
/// point's 200 m cell, never at the point itself.
#[test]
fn points_are_exported_at_their_cell_centre() {
    let Some(pbf) = common::shared("monaco-latest.osm.pbf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let points = [(7.424_613, 43.738_412), (7.416_737, 43.732_519)];
    let mut csv = String::from("id,lon,lat,households,code_insee\n");
    for (i, (lon, lat)) in points.iter().enumerate() {
        csv.push_str(&format!("h{i},{lon},{lat},{},06012\n", 20 + i));
    }
    std::fs::write(dir.path().join("points.csv"), csv).unwrap();
    let sites = common::workspace().join("data/monaco/synthetic_sites.csv");
    let toml = format!(
        "[network]\npbf = {pbf:?}\n[[sites]]\nfile = {sites:?}\n\
         [[population]]\nfile = \"points.csv\"\nformat = \"points\"\nweight = \"households\"\n"
    );
    std::fs::write(dir.path().join("study.toml"), toml).unwrap();
    let study = zb_coverage::load_study(&dir.path().join("study.toml")).unwrap();
    let demand = Exports::new(&study, &study.evaluate()).demand();
    assert_eq!(demand.features.len(), points.len());
    let mut weights = Vec::new();
    for (i, f) in demand.features.iter().enumerate() {
        let Some(geojson::GeometryValue::Point { coordinates: c }) =
            f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!("a point")
        };
        let (e, n) = study.unit_cell(i).centre();
        let (clon, clat) = zb_places::crs::laea3035_inverse(e, n);
        assert!((c[0] - clon).abs() < 1e-6 && (c[1] - clat).abs() < 1e-6);
        for &(lon, lat) in &points {
            assert!(
                (c[0] - lon).abs() > 1e-5 || (c[1] - lat).abs() > 1e-5,
                "exported as given"
            );
        }
        weights.push(f.property("weight").and_then(Value::as_f64).unwrap());
    }
    weights.sort_by(f64::total_cmp);
    assert_eq!(weights, vec![20.0, 21.0]);
}

/// Warnings about raw units (here households of weight 0 and without a commune) name no
/// household and give their number only from the secrecy minimum up.
#[test]
fn warnings_name_no_household_and_no_small_number() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::workspace().join("data/demo");
    // 40 households by a demo road; 3 with no children, 12 with no commune code.
    let mut csv = String::from("id,lon,lat,enfants,code_insee\n");
    for i in 0..40 {
        let w = if i < 3 { 0 } else { 2 };
        let code = if (3..15).contains(&i) { "" } else { "48095" };
        let lon = 3.4995 + 0.0004 * f64::from(i % 8);
        let lat = 44.5178 + 0.0004 * f64::from(i / 8);
        csv.push_str(&format!("menage-{i},{lon},{lat},{w},{code}\n"));
    }
    std::fs::write(dir.path().join("households.csv"), csv).unwrap();
    let toml = format!(
        "[network]\npbf = {:?}\n[[sites]]\nfile = {:?}\n[[population]]\nfile = \"households.csv\"\n\
         format = \"points\"\nweight = \"enfants\"\ncounts = \"children\"\n",
        demo.join("territory.osm.pbf"),
        demo.join("synthetic_sites.csv")
    );
    std::fs::write(dir.path().join("study.toml"), toml).unwrap();
    let study = zb_coverage::load_study(&dir.path().join("study.toml")).unwrap();
    let summary = Exports::new(&study, &study.evaluate()).summary();
    let warnings = summary["warnings"].as_array().unwrap();
    let find = |s: &str| {
        warnings
            .iter()
            .find(|w| w["message"].as_str().unwrap().contains(s))
            .unwrap_or_else(|| panic!("no warning about {s}: {warnings:?}"))
    };
    let zero = find("weight of 0");
    assert_eq!(zero["count"], Value::Null, "{zero}");
    assert!(
        zero["message"]
            .as_str()
            .unwrap()
            .starts_with("fewer than 11 "),
        "{zero}"
    );
    let no_commune = find("no commune");
    assert_eq!(no_commune["count"], 12, "{no_commune}");
    let text = summary.to_string();
    assert!(!text.contains("menage-"), "a household id is published");
    // The person running the study still gets the examples.
    let detail = study.warnings.iter().find_map(|w| w.detail.clone());
    assert!(detail.is_some_and(|d| d.contains("menage-")));
}
