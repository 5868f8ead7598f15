//! zb-writers: the bytes of zoneblanche's published documents, and files written all or
//! nothing.
//!
//! Writers know nothing of studies: they take documents the publication layer (`zb-publish`)
//! has built, every count already protected and every position already decided, and lay them
//! out. A [`Document`] is a GeoJSON layer (a [`FeatureCollection`] with foreign members), a
//! [`Table`] (CSV) or a JSON value.
//!
//! * [`to_bytes`]: JSON, keys sorted at every level, one member per line;
//! * [`fc_bytes`]: a FeatureCollection, members sorted, one compact feature per line;
//! * [`Table::csv`]: comma-separated, `.` decimals, empty for `null`, a header line;
//! * [`write_documents`]: every file staged, synced, then renamed into place;
//! * [`geometry`]: RFC 7946 geometries rounded to 6 decimals, rings closed and oriented;
//! * [`gpkg`]: GeoPackage 1.3 files (typed fields, spatial index, default QGIS styles);
//! * [`xlsx`]: Excel workbooks (typed cells, frozen headers, withheld counts worded);
//! * [`svg`]: maps of projected geometries as SVG, for printed reports.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use geojson::FeatureCollection;
use serde_json::{Value, json};

pub mod geometry;
pub mod gpkg;
pub mod svg;
pub mod xlsx;

pub use geojson::JsonObject;

/// A file could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A published table: column names in order, one object of values per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<JsonObject>,
}

impl Table {
    /// Comma-separated, `.` decimals, empty for `null` or a missing value, a header line.
    pub fn csv(&self) -> String {
        self.delimited(',', "\n", false)
    }

    /// The table as a French spreadsheet opens it: a UTF-8 byte order mark, `;` between fields,
    /// decimal commas (booleans as 1 and 0), empty for `null`, a header line, CRLF line ends.
    pub fn csv_fr(&self) -> String {
        format!("\u{feff}{}", self.delimited(';', "\r\n", true))
    }

    fn delimited(&self, sep: char, eol: &str, french: bool) -> String {
        let field = |s: &str| quoted(s, sep);
        let mut out = String::new();
        let mut line = |fields: Vec<String>| {
            out.push_str(&fields.join(&sep.to_string()));
            out.push_str(eol);
        };
        line(self.columns.iter().map(|c| field(c)).collect());
        for p in &self.rows {
            let fields = self
                .columns
                .iter()
                .map(|c| match p.get(c) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => field(s),
                    Some(Value::Bool(b)) if french => if *b { "1" } else { "0" }.to_string(),
                    Some(Value::Number(n)) if french => n.to_string().replace('.', ","),
                    Some(v) => v.to_string(),
                })
                .collect();
            line(fields);
        }
        out
    }
}

/// What a published document holds.
#[derive(Debug, Clone)]
pub enum Body {
    GeoJson(FeatureCollection),
    Csv(Table),
    Json(Value),
}

/// A published document and the file name it is written under.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub body: Body,
}

impl Document {
    pub fn new(name: &str, body: Body) -> Document {
        Document {
            name: name.to_string(),
            body,
        }
    }

    /// The document's bytes as written.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.body {
            Body::GeoJson(fc) => fc_bytes(fc),
            Body::Csv(t) => t.csv().into_bytes(),
            Body::Json(v) => to_bytes(v),
        }
    }
}

/// A CSV field, quoted when it holds a separator, a quote, a line break, or spaces at its ends.
pub fn csv_field(s: &str) -> String {
    quoted(s, ',')
}

/// A field of a `sep`-separated file, quoted when it holds `sep`, a quote, a line break, or
/// spaces at its ends.
fn quoted(s: &str, sep: char) -> String {
    if s.contains([sep, '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `x` rounded to `decimals`, never `-0`.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    if r == 0.0 { 0.0 } else { r }
}

/// Writes the documents into `out_dir` (created if missing) and returns their paths. Every
/// document is laid out in memory, written and synced into a fresh staging directory inside
/// `out_dir`, then renamed into place: a file is either the old one or the complete new one. On
/// an error before the renames the staging directory is removed and existing files are
/// untouched.
pub fn write_documents(documents: &[Document], out_dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let bytes: Vec<(&str, Vec<u8>)> = documents
        .iter()
        .map(|d| (d.name.as_str(), d.bytes()))
        .collect();
    write_files(&bytes, out_dir)
}

/// [`write_documents`] of `(file name, bytes)`.
pub fn write_files(
    documents: &[(&str, Vec<u8>)],
    out_dir: &Path,
) -> Result<Vec<PathBuf>, WriteError> {
    fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let targets: Vec<PathBuf> = documents.iter().map(|(n, _)| out_dir.join(n)).collect();
    // A directory where a file should go would fail the renames half-way: refuse it first.
    if let Some(t) = targets.iter().find(|t| t.is_dir()) {
        return Err(WriteError {
            path: t.clone(),
            source: std::io::Error::other("a directory stands where an output file goes"),
        });
    }
    let staging = out_dir.join(format!(".zoneblanche-tmp-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    fs::create_dir(&staging).map_err(io_err(&staging))?;
    let staged = (|| {
        let mut staged = Vec::with_capacity(documents.len());
        for (name, bytes) in documents {
            let p = staging.join(name);
            let mut f = fs::File::create(&p).map_err(io_err(&p))?;
            f.write_all(bytes).map_err(io_err(&p))?;
            f.sync_all().map_err(io_err(&p))?;
            staged.push(p);
        }
        sync_dir(&staging)?;
        Ok::<_, WriteError>(staged)
    })();
    let staged = match staged {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    for (from, to) in staged.iter().zip(&targets) {
        if let Err(source) = fs::rename(from, to) {
            let _ = fs::remove_dir_all(&staging);
            return Err(WriteError {
                path: to.clone(),
                source,
            });
        }
    }
    sync_dir(out_dir)?;
    fs::remove_dir(&staging).map_err(io_err(&staging))?;
    Ok(targets)
}

/// Makes a directory's entries durable (Unix; elsewhere renames are left to the OS).
fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// A document as written: keys sorted at every level (whatever serde_json's map order), objects
/// one member per line, any value without an object inside (a coordinate array, a list of
/// codes) on one line. Ends with a newline.
pub fn to_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    let mut v = serde_json::to_value(value).expect("published documents serialise to JSON");
    v.sort_all_objects();
    let mut out = Vec::with_capacity(1 << 16);
    layout(&v, 0, &mut out);
    out.push(b'\n');
    out
}

/// A FeatureCollection as written: its members sorted, one per line, and each feature compact
/// on a line of its own (big layers stay fast to write and easy to diff line by line).
pub fn fc_bytes(fc: &FeatureCollection) -> Vec<u8> {
    let mut members: std::collections::BTreeMap<&str, Option<Value>> =
        std::collections::BTreeMap::new();
    if let Some(fm) = &fc.foreign_members {
        for (k, v) in fm {
            let mut v = v.clone();
            v.sort_all_objects();
            members.insert(k.as_str(), Some(v));
        }
    }
    if let Some(b) = &fc.bbox {
        members.insert("bbox", Some(json!(b)));
    }
    members.insert("type", Some(json!("FeatureCollection")));
    members.insert("features", None);
    let mut out = Vec::with_capacity(fc.features.len() * 256 + 4096);
    out.extend_from_slice(b"{\n");
    let n = members.len();
    for (i, (k, v)) in members.into_iter().enumerate() {
        pad(&mut out, 1);
        write_json(&mut out, k);
        out.extend_from_slice(b": ");
        match v {
            Some(v) => layout(&v, 1, &mut out),
            None if fc.features.is_empty() => out.extend_from_slice(b"[]"),
            None => {
                out.extend_from_slice(b"[\n");
                for (j, f) in fc.features.iter().enumerate() {
                    pad(&mut out, 2);
                    write_json(&mut out, f);
                    out.extend_from_slice(if j + 1 < fc.features.len() {
                        b",\n"
                    } else {
                        b"\n"
                    });
                }
                pad(&mut out, 1);
                out.push(b']');
            }
        }
        out.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"}\n");
    out
}

fn has_object(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(has_object),
        _ => false,
    }
}

/// Writes `v` as JSON text; serialising a `Value` or a `str` into a `Vec` cannot fail.
fn write_json(out: &mut Vec<u8>, v: &(impl serde::Serialize + ?Sized)) {
    serde_json::to_writer(&mut *out, v).expect("JSON into memory");
}

fn pad(out: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8; 64] = &[b' '; 64];
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

fn layout(v: &Value, depth: usize, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.extend_from_slice(b"{\n");
            for (i, (k, x)) in map.iter().enumerate() {
                pad(out, depth + 1);
                write_json(out, k.as_str());
                out.extend_from_slice(b": ");
                layout(x, depth + 1, out);
                out.extend_from_slice(if i + 1 < map.len() { b",\n" } else { b"\n" });
            }
            pad(out, depth);
            out.push(b'}');
        }
        Value::Array(items) if has_object(v) => {
            out.extend_from_slice(b"[\n");
            for (i, x) in items.iter().enumerate() {
                pad(out, depth + 1);
                layout(x, depth + 1, out);
                out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
            }
            pad(out, depth);
            out.push(b']');
        }
        _ => write_json(out, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_stable_and_valid_json() {
        let v = json!({"b": [1.5, [2, 3]], "a": {"y": null, "x": [{"k": "v\"w"}]}, "c": {}});
        let text = String::from_utf8(to_bytes(&v)).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"x\": [\n      {\n        \"k\": \"v\\\"w\"\n      }\n    ],\n    \"y\": null\n  },\n  \"b\": [1.5,[2,3]],\n  \"c\": {}\n}\n"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("Beausoleil"), "Beausoleil");
        assert_eq!(csv_field("Cap-d'Ail"), "Cap-d'Ail");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(" x"), "\" x\"");
    }

    #[test]
    fn tables_leave_null_and_missing_empty() {
        let mut row = JsonObject::new();
        row.insert("a".into(), json!("x,y"));
        row.insert("b".into(), Value::Null);
        row.insert("c".into(), json!(1.5));
        let t = Table {
            columns: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            rows: vec![row],
        };
        assert_eq!(t.csv(), "a,b,c,d\n\"x,y\",,1.5,\n");
        // French: BOM, `;`, decimal comma, CRLF; a `,` needs no quotes, a `;` does.
        let mut row = JsonObject::new();
        row.insert("a".into(), json!("x,y;z"));
        row.insert("c".into(), json!(1.5));
        row.insert("d".into(), json!(true));
        let t = Table {
            columns: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            rows: vec![row],
        };
        assert_eq!(t.csv_fr(), "\u{feff}a;b;c;d\r\n\"x,y;z\";;1,5;1\r\n");
    }

    #[test]
    fn numbers_are_rounded_without_negative_zero() {
        assert_eq!(round_to(-0.0004, 3).to_string(), "0");
        assert_eq!(round_to(1.23456, 2), 1.23);
    }
}
