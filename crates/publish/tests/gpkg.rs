//! `resultats.gpkg` on the demo study (in the repository) and on Monaco (shared data): GDAL
//! opens every layer with the study's projected CRS, its feature count and typed fields;
//! `layer_styles` holds one default style per layer; the positions are those of the GeoJSON
//! documents, projected; and no count strictly between 0 and the minimum is in any table.

#[path = "../../coverage/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use rusqlite::Connection;
use zb_coverage::Study;
use zb_publish::secrecy::{is_count_field, is_small};
use zb_publish::{Exports, write_deliverables};

/// `ogrinfo -ro -so FILE LAYER`.
fn ogrinfo(path: &Path, layer: &str) -> String {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so"])
        .arg(path)
        .arg(layer)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "ogrinfo (GDAL) is required to check the GeoPackage and could not be run ({e}): \
                 apt-get install gdal-bin (scripts/setup test installs it)"
            )
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ogrinfo failed on {}: {text}{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Writes the deliverables of `study` and checks the GeoPackage; returns (table, rows).
fn check(study: &Study, epsg: u32) -> BTreeMap<String, usize> {
    let coverage = study.evaluate();
    let dir = tempfile::tempdir().unwrap();
    let rows = check_in(study, &coverage, dir.path(), epsg);
    if let Some(report) = qgis_report(dir.path()) {
        let kinds = coverage.kinds.iter().map(|k| k.kind.clone());
        let mut expected: Vec<(String, &str)> = vec![
            ("sites".into(), "categorizedSymbol"),
            ("demand".into(), "graduatedSymbol"),
            ("communes".into(), "graduatedSymbol"),
        ];
        expected.extend(kinds.map(|k| (format!("zones_blanches_{k}"), "singleSymbol")));
        for (layer, renderer) in &expected {
            let l = &report["gpkg"][layer];
            assert_eq!(l["valid"], true, "QGIS: {layer} {l}");
            assert_eq!(l["crs"], format!("EPSG:{epsg}"), "QGIS: {layer} {l}");
            assert_eq!(l["style_loaded"], true, "QGIS: {layer} {l}");
            assert_eq!(l["renderer"], *renderer, "QGIS: {layer} {l}");
            assert_eq!(l["features"], rows[layer], "QGIS: {layer} {l}");
        }
        assert_eq!(report["gpkg"]["communes"]["labels"], true);
        for (stem, renderer) in [
            ("sites", "categorizedSymbol"),
            ("demand", "graduatedSymbol"),
            ("zones_blanches", "singleSymbol"),
            ("communes", "graduatedSymbol"),
        ] {
            let l = &report["geojson"][stem];
            assert_eq!(l["style_loaded"], true, "QGIS: {stem}.qml {l}");
            assert_eq!(l["renderer"], renderer, "QGIS: {stem}.qml {l}");
        }
    }
    rows
}

fn check_in(
    study: &Study,
    coverage: &zb_coverage::Coverage,
    dir: &Path,
    epsg: u32,
) -> BTreeMap<String, usize> {
    let written = write_deliverables(study, coverage, dir).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for f in [
        "communes_fr.csv",
        "tableaux.xlsx",
        "resultats.gpkg",
        "rapport.html",
        "sites.qml",
        "demand.qml",
        "zones_blanches.qml",
        "communes.qml",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} not written: {names:?}");
    }
    // The French table: the same rows as communes.csv, `;` and decimal commas.
    let fr = std::fs::read_to_string(dir.join("communes_fr.csv")).unwrap();
    let en = std::fs::read_to_string(dir.join("communes.csv")).unwrap();
    assert!(fr.starts_with('\u{feff}'));
    assert_eq!(fr.lines().count(), en.lines().count());
    assert_eq!(
        fr.lines().next().unwrap().trim_start_matches('\u{feff}'),
        en.lines().next().unwrap().replace(',', ";")
    );
    // The workbook, as GDAL's XLSX driver reads it: its sheets, their rows and typed columns.
    let xlsx = dir.join("tableaux.xlsx");
    let communes = ogrinfo(&xlsx, "Communes");
    let n_communes = coverage.kinds[0].communes.len();
    assert!(
        communes.contains(&format!("Feature Count: {n_communes}\n")),
        "{communes}"
    );
    for line in [
        "Code INSEE: String",
        "Commune: String",
        "Dans le seuil — médiation familiale: Real",
        "Part dans le seuil — médiation familiale: Real",
        "0–15 min — médiation familiale:",
    ] {
        if coverage.kinds.iter().any(|k| k.kind == "mediation") {
            assert!(
                communes.contains(line),
                "Communes: no `{line}`:\n{communes}"
            );
        }
    }
    let sites = ogrinfo(&xlsx, "Sites");
    assert!(
        sites.contains(&format!("Feature Count: {}\n", study.sites.len())),
        "{sites}"
    );
    let bands = ogrinfo(&xlsx, "Bandes de temps");
    let n_bands = coverage.kinds.len() * (study.bands_min.len() + 1 + 2);
    assert!(
        bands.contains(&format!("Feature Count: {n_bands}\n")),
        "{bands}"
    );
    let method = ogrinfo(&xlsx, "Méthode");
    assert!(method.contains("Feature Count: "), "{method}");
    let gpkg = dir.join("resultats.gpkg");
    let ex = Exports::new(study, coverage);
    let kinds: Vec<&str> = coverage.kinds.iter().map(|k| k.kind.as_str()).collect();
    // Expected feature layers: (table, count, geometry as ogrinfo names it).
    let mut expected: Vec<(String, usize, &str)> = vec![
        ("sites".into(), study.sites.len(), "Point"),
        ("demand".into(), study.units.len(), "Point"),
        (
            "communes".into(),
            coverage.kinds[0].communes.len(),
            "Multi Polygon",
        ),
    ];
    for k in &coverage.kinds {
        expected.push((
            format!("zones_blanches_{}", k.kind),
            k.zones.len(),
            "Polygon",
        ));
    }
    for (table, count, geometry) in &expected {
        let info = ogrinfo(&gpkg, table);
        assert!(
            info.contains(&format!("Feature Count: {count}\n")),
            "{table}: expected {count} features:\n{info}"
        );
        assert!(
            info.contains(&format!("Geometry: {geometry}\n")),
            "{table}: expected {geometry}:\n{info}"
        );
        assert!(
            info.contains(&format!("ID[\"EPSG\",{epsg}]")),
            "{table}: expected EPSG:{epsg}:\n{info}"
        );
    }
    // Field types as GDAL reads them.
    let demand = ogrinfo(&gpkg, "demand");
    let k0 = kinds[0];
    for line in [
        "id: String".to_string(),
        "weight: Real".to_string(),
        "secret: Integer(Boolean)".to_string(),
        format!("minutes_{k0}: Real"),
        format!("status_{k0}: String"),
        format!("via_ferry_{k0}: Integer(Boolean)"),
    ] {
        assert!(demand.contains(&line), "demand: no `{line}`:\n{demand}");
    }
    let zones = ogrinfo(&gpkg, &format!("zones_blanches_{k0}"));
    for line in ["cells: Integer", "weight: Real", "communes: String"] {
        assert!(zones.contains(line), "zones: no `{line}`:\n{zones}");
    }
    // The file itself: its tables, spatial index, styles and values.
    let conn =
        Connection::open_with_flags(&gpkg, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x4750_4B47, "application_id is 'GPKG'");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let mut rows = BTreeMap::new();
    let tables: Vec<(String, String)> = conn
        .prepare("SELECT table_name, data_type FROM gpkg_contents ORDER BY table_name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let min = study.secrecy_min_count;
    for (t, data_type) in &tables {
        let n: usize = conn
            .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
            .unwrap();
        rows.insert(t.clone(), n);
        if data_type == "features" {
            let indexed: usize = conn
                .query_row(
                    &format!("SELECT count(*) FROM \"rtree_{t}_geom\""),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let with_geom: usize = conn
                .query_row(
                    &format!("SELECT count(*) FROM \"{t}\" WHERE geom IS NOT NULL"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(indexed, with_geom, "{t}: every geometry is indexed");
            let styles: usize = conn
                .query_row(
                    "SELECT count(*) FROM layer_styles WHERE f_table_name = ?1 AND useAsDefault = 1 AND f_table_schema = ''",
                    [t],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(styles, 1, "{t}: one default style");
        }
        if t == "layer_styles" {
            continue;
        }
        // The attacker's read: every count field of every row.
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let cols: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut q = stmt.query([]).unwrap();
        while let Some(row) = q.next().unwrap() {
            for (i, c) in cols.iter().enumerate() {
                let base = kinds
                    .iter()
                    .find_map(|k| c.strip_suffix(&format!("_{k}")))
                    .unwrap_or(c);
                if !is_count_field(base) {
                    continue;
                }
                if let Ok(Some(v)) = row.get::<_, Option<f64>>(i) {
                    assert!(!is_small(v, min), "{t}.{c} = {v}: a small count");
                }
            }
        }
    }
    for (table, count, _) in &expected {
        assert_eq!(rows.get(table), Some(count), "{table}");
    }
    // Positions: those of demand.geojson, projected (and back within a millimetre).
    let back = zb_places::Transformer::to_wgs84(epsg).unwrap();
    let demand_fc = ex.demand();
    let mut stmt = conn
        .prepare("SELECT geom FROM demand ORDER BY fid")
        .unwrap();
    let geoms: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(geoms.len(), demand_fc.features.len());
    for (g, f) in geoms.iter().zip(&demand_fc.features) {
        assert_eq!(&g[..3], b"GP\0");
        let x = f64::from_le_bytes(g[13..21].try_into().unwrap());
        let y = f64::from_le_bytes(g[21..29].try_into().unwrap());
        let (lon, lat) = back.convert(x, y).unwrap();
        let geojson::GeometryValue::Point { coordinates: p } = &f.geometry.as_ref().unwrap().value
        else {
            panic!("demand is points");
        };
        assert!(
            (lon - p[0]).abs() < 1e-7 && (lat - p[1]).abs() < 1e-7,
            "({lon}, {lat}) is not the published ({}, {})",
            p[0],
            p[1]
        );
    }
    rows
}

/// QGIS itself (headless, `python3-qgis`) opens the layers of `dir` with their default styles:
/// per layer (valid, CRS, features, style loaded, renderer); `None` when QGIS is absent.
fn qgis_report(dir: &Path) -> Option<serde_json::Value> {
    let python = "/usr/bin/python3";
    let has_qgis = Command::new(python)
        .args(["-c", "import qgis.core"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_qgis {
        eprintln!("skipped: QGIS's Python bindings are absent (apt-get install python3-qgis)");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/qgis/check_styles.py");
    let out = Command::new(python)
        .arg(script)
        .arg(dir)
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "QGIS check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    Some(serde_json::from_str(text.lines().last().unwrap_or("")).unwrap())
}

#[test]
fn the_demo_geopackage_opens_in_gdal_projected_typed_indexed_and_styled() {
    let study = common::demo_study();
    let rows = check(&study, 2154);
    // Lozère has no grouping column: sites, demand, communes, a zone layer per kind, styles.
    assert!(rows.contains_key("layer_styles"), "{rows:?}");
}

#[test]
fn the_monaco_geopackage_too() {
    let Some(study) = common::monaco_study() else {
        return;
    };
    check(&study, 2154);
}
