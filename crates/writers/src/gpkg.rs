//! GeoPackage 1.3 (OGC 12-128r18), written over SQLite: feature layers with typed fields, their
//! geometries in the GeoPackage binary format (a header with the SRS and the envelope, then
//! little-endian WKB), an R-tree spatial index per layer (the `gpkg_rtree_index` extension,
//! with the triggers the standard requires), attribute tables, and default QGIS styles in
//! `layer_styles` (the table QGIS reads and writes; `useAsDefault = 1`).
//!
//! The writer knows nothing of studies: layers come with their coordinates already in the
//! layer's CRS, and every value already published.

use std::path::Path;

use rusqlite::{Connection, params, params_from_iter};
use serde_json::Value;

use crate::WriteError;

/// A coordinate reference system of the file (`gpkg_spatial_ref_sys`).
#[derive(Debug, Clone, PartialEq)]
pub struct Srs {
    /// The EPSG code, also the file's `srs_id`.
    pub epsg: i32,
    pub name: String,
    /// Its WKT definition.
    pub definition: String,
}

/// The type of a field, as GeoPackage names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Real,
    Text,
    Boolean,
}

impl FieldType {
    pub fn sql(self) -> &'static str {
        match self {
            FieldType::Integer => "INTEGER",
            FieldType::Real => "DOUBLE",
            FieldType::Text => "TEXT",
            FieldType::Boolean => "BOOLEAN",
        }
    }
}

/// A geometry in the layer's CRS.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(f64, f64),
    /// Rings, the exterior first; each ring closed.
    Polygon(Vec<Vec<(f64, f64)>>),
    MultiPolygon(Vec<Vec<Vec<(f64, f64)>>>),
}

/// The geometry type of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryType {
    Point,
    Polygon,
    MultiPolygon,
}

impl GeometryType {
    pub fn name(self) -> &'static str {
        match self {
            GeometryType::Point => "POINT",
            GeometryType::Polygon => "POLYGON",
            GeometryType::MultiPolygon => "MULTIPOLYGON",
        }
    }
}

/// A QGIS style: its name and its QML document.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    pub name: String,
    pub qml: String,
}

/// A table of the file: a feature layer (`geometry` set) or an attribute table.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// The table name: ASCII letters, digits and `_`, starting with a letter.
    pub name: String,
    /// The name shown to users (`gpkg_contents.identifier`).
    pub title: String,
    pub description: String,
    /// `(type, srs)` of a feature layer.
    pub geometry: Option<(GeometryType, i32)>,
    pub fields: Vec<(String, FieldType)>,
    /// Per row: its geometry (`None`: empty) and one value per field (`null`, a number, a
    /// string or a boolean).
    pub rows: Vec<(Option<Geometry>, Vec<Value>)>,
    pub style: Option<Style>,
}

/// Writes a new GeoPackage at `path` (which must not exist): every SRS, every layer, its index
/// and style. `last_change` (RFC 3339) is the time every table says it changed, so that the
/// same layers give the same file.
pub fn write_gpkg(
    path: &Path,
    srs: &[Srs],
    layers: &[Layer],
    last_change: &str,
) -> Result<(), WriteError> {
    let err = |e: String| WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    if path.exists() {
        return Err(err("exists already: a GeoPackage is written new".into()));
    }
    let mut conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
    write(&mut conn, srs, layers, &gpkg_time(last_change)).map_err(err)?;
    conn.close().map_err(|(_, e)| err(e.to_string()))
}

/// A GeoPackage as bytes (built in a temporary directory of its own, then read back).
pub fn gpkg_bytes(srs: &[Srs], layers: &[Layer], last_change: &str) -> Result<Vec<u8>, WriteError> {
    let tmp = std::env::temp_dir();
    let dir = tempdir_in(&tmp).map_err(|source| WriteError {
        path: tmp.clone(),
        source,
    })?;
    let file = dir.join("out.gpkg");
    let result = write_gpkg(&file, srs, layers, last_change).and_then(|()| {
        std::fs::read(&file).map_err(|source| WriteError {
            path: file.clone(),
            source,
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// A fresh directory under `parent`.
fn tempdir_in(parent: &Path) -> std::io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = parent.join(format!("zoneblanche-gpkg-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// An RFC 3339 UTC time as GeoPackage writes it: `YYYY-MM-DDTHH:MM:SS.SSSZ`.
fn gpkg_time(t: &str) -> String {
    match t.strip_suffix('Z') {
        Some(base) if base.len() == 19 => format!("{base}.000Z"),
        _ => t.to_string(),
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a table or field name"))
    }
}

fn write(conn: &mut Connection, srs: &[Srs], layers: &[Layer], now: &str) -> Result<(), String> {
    let e = |e: rusqlite::Error| e.to_string();
    conn.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300; PRAGMA journal_mode = DELETE;",
    )
    .map_err(e)?;
    let tx = conn.transaction().map_err(e)?;
    tx.execute_batch(SCHEMA).map_err(e)?;
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(e)?;
        ins.execute(params![
            "Undefined Cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined Cartesian coordinate reference system"
        ])
        .map_err(e)?;
        ins.execute(params![
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system"
        ])
        .map_err(e)?;
        let mut seen = vec![-1, 0];
        for s in srs {
            if seen.contains(&s.epsg) {
                continue;
            }
            seen.push(s.epsg);
            ins.execute(params![
                s.name,
                s.epsg,
                "EPSG",
                s.epsg,
                s.definition,
                s.name
            ])
            .map_err(e)?;
        }
        if !seen.contains(&4326) {
            return Err("the SRS list must hold EPSG:4326 (GeoPackage requires it)".into());
        }
        for l in layers {
            if let Some((_, s)) = l.geometry
                && !seen.contains(&s)
            {
                return Err(format!("{}: EPSG:{s} is not in the SRS list", l.name));
            }
        }
    }
    let mut styled = Vec::new();
    for layer in layers {
        check_name(&layer.name)?;
        for (f, _) in &layer.fields {
            check_name(f)?;
            if f == "fid" || f == "geom" {
                return Err(format!("{}: `{f}` is a reserved field name", layer.name));
            }
        }
        let t = &layer.name;
        let mut cols = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string()];
        if let Some((gt, _)) = layer.geometry {
            cols.push(format!("geom {}", gt.name()));
        }
        cols.extend(
            layer
                .fields
                .iter()
                .map(|(f, ty)| format!("\"{f}\" {}", ty.sql())),
        );
        tx.execute_batch(&format!("CREATE TABLE \"{t}\" ({});", cols.join(", ")))
            .map_err(e)?;
        let n = layer.fields.len() + usize::from(layer.geometry.is_some());
        let names: Vec<String> = layer
            .geometry
            .iter()
            .map(|_| "geom".to_string())
            .chain(layer.fields.iter().map(|(f, _)| format!("\"{f}\"")))
            .collect();
        let placeholders: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        let mut bbox = Envelope::default();
        let mut envelopes = Vec::new();
        {
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO \"{t}\" ({}) VALUES ({})",
                    names.join(", "),
                    placeholders.join(", ")
                ))
                .map_err(e)?;
            for (i, (g, values)) in layer.rows.iter().enumerate() {
                if values.len() != layer.fields.len() {
                    return Err(format!(
                        "{t}: row {i} has {} values for {} fields",
                        values.len(),
                        layer.fields.len()
                    ));
                }
                let mut row: Vec<rusqlite::types::Value> = Vec::with_capacity(n);
                if let Some((_, srs_id)) = layer.geometry {
                    row.push(match g {
                        Some(g) => {
                            let env = envelope(g);
                            bbox.extend(&env);
                            envelopes.push((i as i64 + 1, env));
                            rusqlite::types::Value::Blob(gpkg_geometry(g, srs_id, &env))
                        }
                        None => rusqlite::types::Value::Null,
                    });
                }
                for (v, (f, ty)) in values.iter().zip(&layer.fields) {
                    row.push(sql_value(v, *ty).ok_or_else(|| {
                        format!("{t}: row {i}, field `{f}`: {v} is not a {}", ty.sql())
                    })?);
                }
                ins.execute(params_from_iter(row)).map_err(e)?;
            }
        }
        let (data_type, srs_id) = match layer.geometry {
            Some((_, s)) => ("features", Some(s)),
            None => ("attributes", None),
        };
        let b = bbox.finite();
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                t,
                data_type,
                layer.title,
                layer.description,
                now,
                b.map(|b| b.min_x),
                b.map(|b| b.min_y),
                b.map(|b| b.max_x),
                b.map(|b| b.max_y),
                srs_id
            ],
        )
        .map_err(e)?;
        if let Some((gt, srs_id)) = layer.geometry {
            tx.execute(
                "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?1, 'geom', ?2, ?3, 0, 0)",
                params![t, gt.name(), srs_id],
            )
            .map_err(e)?;
            // The index, filled from the envelopes; its triggers (created after the rows) call
            // the ST_ functions a GIS provides when it edits the file.
            tx.execute_batch(&rtree_sql(t)).map_err(e)?;
            tx.execute(
                "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                params![t],
            )
            .map_err(e)?;
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO \"rtree_{t}_geom\" (id, minx, maxx, miny, maxy) VALUES (?1, ?2, ?3, ?4, ?5)"
                ))
                .map_err(e)?;
            for (id, env) in envelopes {
                ins.execute(params![id, env.min_x, env.max_x, env.min_y, env.max_y])
                    .map_err(e)?;
            }
        }
        if let Some(s) = &layer.style {
            styled.push((t.clone(), layer.geometry.is_some(), s.clone()));
        }
    }
    if !styled.is_empty() {
        tx.execute_batch(LAYER_STYLES).map_err(e)?;
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', 'default QGIS styles of the layers', ?1)",
            params![now],
        )
        .map_err(e)?;
        for (t, spatial, s) in styled {
            tx.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) VALUES ('', '', ?1, ?2, ?3, ?4, '', 1, ?5, '', '', ?6)",
                params![t, if spatial { "geom" } else { "" }, s.name, s.qml, s.name, now],
            )
            .map_err(e)?;
        }
    }
    tx.commit().map_err(e)?;
    Ok(())
}

fn sql_value(v: &Value, ty: FieldType) -> Option<rusqlite::types::Value> {
    use rusqlite::types::Value as S;
    Some(match (v, ty) {
        (Value::Null, _) => S::Null,
        (Value::Bool(b), FieldType::Boolean | FieldType::Integer) => S::Integer(i64::from(*b)),
        (Value::Number(n), FieldType::Integer | FieldType::Boolean) => S::Integer(n.as_i64()?),
        (Value::Number(n), FieldType::Real) => S::Real(n.as_f64()?),
        (Value::String(s), FieldType::Text) => S::Text(s.clone()),
        (Value::Number(n), FieldType::Text) => S::Text(n.to_string()),
        (Value::Bool(b), FieldType::Text) => S::Text(b.to_string()),
        _ => return None,
    })
}

/// A geometry's bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Envelope {
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
}

impl Default for Envelope {
    fn default() -> Envelope {
        Envelope {
            min_x: f64::INFINITY,
            max_x: f64::NEG_INFINITY,
            min_y: f64::INFINITY,
            max_y: f64::NEG_INFINITY,
        }
    }
}

impl Envelope {
    fn add(&mut self, (x, y): (f64, f64)) {
        self.min_x = self.min_x.min(x);
        self.max_x = self.max_x.max(x);
        self.min_y = self.min_y.min(y);
        self.max_y = self.max_y.max(y);
    }

    fn extend(&mut self, o: &Envelope) {
        self.min_x = self.min_x.min(o.min_x);
        self.max_x = self.max_x.max(o.max_x);
        self.min_y = self.min_y.min(o.min_y);
        self.max_y = self.max_y.max(o.max_y);
    }

    fn finite(self) -> Option<Envelope> {
        (self.min_x <= self.max_x && self.min_y <= self.max_y).then_some(self)
    }
}

fn envelope(g: &Geometry) -> Envelope {
    let mut env = Envelope::default();
    match g {
        Geometry::Point(x, y) => env.add((*x, *y)),
        Geometry::Polygon(rings) => rings.iter().flatten().for_each(|&p| env.add(p)),
        Geometry::MultiPolygon(ps) => ps.iter().flatten().flatten().for_each(|&p| env.add(p)),
    }
    env
}

/// The GeoPackage binary of `g`: `GP`, version 0, flags (little-endian; an xy envelope except
/// for points), the SRS, the envelope, then the WKB.
fn gpkg_geometry(g: &Geometry, srs_id: i32, env: &Envelope) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    let with_env = !matches!(g, Geometry::Point(..));
    out.push(0b0000_0001 | if with_env { 0b0000_0010 } else { 0 });
    out.extend_from_slice(&srs_id.to_le_bytes());
    if with_env {
        for v in [env.min_x, env.max_x, env.min_y, env.max_y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb(g, &mut out);
    out
}

/// Little-endian WKB (2D).
fn wkb(g: &Geometry, out: &mut Vec<u8>) {
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn point(out: &mut Vec<u8>, (x, y): (f64, f64)) {
        out.extend_from_slice(&x.to_le_bytes());
        out.extend_from_slice(&y.to_le_bytes());
    }
    fn polygon(out: &mut Vec<u8>, rings: &[Vec<(f64, f64)>]) {
        out.push(1);
        u32le(out, 3);
        u32le(out, rings.len() as u32);
        for r in rings {
            u32le(out, r.len() as u32);
            for &p in r {
                point(out, p);
            }
        }
    }
    match g {
        Geometry::Point(x, y) => {
            out.push(1);
            u32le(out, 1);
            point(out, (*x, *y));
        }
        Geometry::Polygon(rings) => polygon(out, rings),
        Geometry::MultiPolygon(ps) => {
            out.push(1);
            u32le(out, 6);
            u32le(out, ps.len() as u32);
            for p in ps {
                polygon(out, p);
            }
        }
    }
}

/// The R-tree of a layer's `geom` and the triggers of the `gpkg_rtree_index` extension.
fn rtree_sql(t: &str) -> String {
    format!(
        r#"CREATE VIRTUAL TABLE "rtree_{t}_geom" USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}" WHEN (new."geom" NOT NULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF "geom" ON "{t}" WHEN OLD."fid" = NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND (NEW."geom" NOTNULL AND NOT ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW."fid", ST_MinX(NEW."geom"), ST_MaxX(NEW."geom"), ST_MinY(NEW."geom"), ST_MaxY(NEW."geom")); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}" WHEN OLD."fid" != NEW."fid" AND (NEW."geom" ISNULL OR ST_IsEmpty(NEW."geom"))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id IN (OLD."fid", NEW."fid"); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old."geom" NOT NULL
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD."fid"; END;
"#
    )
}

const SCHEMA: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
";

const LAYER_STYLES: &str = "
CREATE TABLE layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME
);
";

#[cfg(test)]
mod tests {
    use super::*;

    fn wgs84() -> Vec<Srs> {
        vec![Srs {
            epsg: 4326,
            name: "WGS 84".into(),
            definition: "GEOGCS[\"WGS 84\"]".into(),
        }]
    }

    #[test]
    fn wkb_of_a_point_and_a_polygon() {
        let mut out = Vec::new();
        wkb(&Geometry::Point(1.0, 2.0), &mut out);
        assert_eq!(out.len(), 21);
        assert_eq!(&out[..5], &[1, 1, 0, 0, 0]);
        assert_eq!(f64::from_le_bytes(out[5..13].try_into().unwrap()), 1.0);
        assert_eq!(f64::from_le_bytes(out[13..21].try_into().unwrap()), 2.0);
        let ring = vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)];
        let g = Geometry::Polygon(vec![ring]);
        let b = gpkg_geometry(&g, 2154, &envelope(&g));
        assert_eq!(&b[..4], b"GP\x00\x03");
        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 2154);
        // Header 8 + envelope 32 + WKB byte order 1, type 4, rings 4, points 4, 4 x 16.
        assert_eq!(b.len(), 8 + 32 + 13 + 64);
        // The envelope is minx, maxx, miny, maxy.
        assert_eq!(f64::from_le_bytes(b[16..24].try_into().unwrap()), 1.0);
        let p = gpkg_geometry(&Geometry::Point(5.0, 6.0), 4326, &Envelope::default());
        assert_eq!(&p[..4], b"GP\x00\x01");
        assert_eq!(p.len(), 8 + 21);
    }

    #[test]
    fn times_have_milliseconds() {
        assert_eq!(
            gpkg_time("2026-12-03T06:43:32Z"),
            "2026-12-03T06:43:32.000Z"
        );
        assert_eq!(
            gpkg_time("2026-12-03T06:43:32.125Z"),
            "2026-12-03T06:43:32.125Z"
        );
    }

    #[test]
    fn bad_rows_and_names_are_refused() {
        let layer = |name: &str, values: Vec<Value>| Layer {
            name: name.into(),
            title: "t".into(),
            description: String::new(),
            geometry: None,
            fields: vec![("n".into(), FieldType::Integer)],
            rows: vec![(None, values)],
            style: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let now = "2026-01-01T00:00:00Z";
        let p = dir.path().join("a.gpkg");
        let e = write_gpkg(&p, &wgs84(), &[layer("x", vec!["a".into()])], now).unwrap_err();
        assert!(e.to_string().contains("field `n`"), "{e}");
        let p = dir.path().join("b.gpkg");
        let e = write_gpkg(&p, &wgs84(), &[layer("x; drop", vec![1.into()])], now).unwrap_err();
        assert!(e.to_string().contains("not a table"), "{e}");
        let p = dir.path().join("c.gpkg");
        let e = write_gpkg(&p, &[], &[layer("ok", vec![1.into()])], now).unwrap_err();
        assert!(e.to_string().contains("4326"), "{e}");
        write_gpkg(&p, &wgs84(), &[layer("ok", vec![1.into()])], now).unwrap_err();
        let p = dir.path().join("d.gpkg");
        write_gpkg(&p, &wgs84(), &[layer("ok", vec![1.into()])], now).unwrap();
    }

    #[test]
    fn the_same_layers_give_the_same_bytes() {
        let layer = Layer {
            name: "pts".into(),
            title: "Points".into(),
            description: "d".into(),
            geometry: Some((GeometryType::Point, 4326)),
            fields: vec![
                ("name".into(), FieldType::Text),
                ("w".into(), FieldType::Real),
                ("ok".into(), FieldType::Boolean),
            ],
            rows: vec![
                (
                    Some(Geometry::Point(3.5, 44.5)),
                    vec!["a".into(), 1.5.into(), true.into()],
                ),
                (None, vec![Value::Null, Value::Null, false.into()]),
            ],
            style: Some(Style {
                name: "s".into(),
                qml: "<qgis/>".into(),
            }),
        };
        let a = gpkg_bytes(
            &wgs84(),
            std::slice::from_ref(&layer),
            "2026-01-01T00:00:00Z",
        )
        .unwrap();
        let b = gpkg_bytes(&wgs84(), &[layer], "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..16], b"SQLite format 3\0");
        // application_id 'GPKG' at offset 68, user_version 10300 at 60.
        assert_eq!(&a[68..72], b"GPKG");
        assert_eq!(u32::from_be_bytes(a[60..64].try_into().unwrap()), 10300);
    }
}
