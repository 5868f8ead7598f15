//! Reading the point CSV files of `times`, with errors naming the file, the line and the field.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};

/// One row of a sites or demand CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    pub weight: f64,
}

fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name)
}

/// Reads `id,lon,lat` rows, and `weight` when `weighted` (default 1, a finite number >= 0).
/// Other columns are accepted and ignored. Ids must be unique; there must be at least one row.
pub fn read_points(path: &Path, what: &str, weighted: bool) -> anyhow::Result<Vec<PointRow>> {
    let file = path.display();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("{file}: cannot open the {what} file"))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{file}: line 1: cannot read the CSV header"))?
        .clone();
    let need = |name: &str| {
        column(&headers, name).with_context(|| {
            format!(
                "{file}: line 1, field `{name}`: required column missing (header: {})",
                headers.iter().collect::<Vec<_>>().join(",")
            )
        })
    };
    let (ci, cx, cy) = (need("id")?, need("lon")?, need("lat")?);
    let cw = column(&headers, "weight").filter(|_| weighted);
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{file}: line {line}: malformed CSV row: {}", csv_reason(&e))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let field = |i: usize| rec.get(i).unwrap_or("");
        let number = |i: usize, name: &str| -> anyhow::Result<f64> {
            let raw = field(i);
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => bail!("{file}: line {line}, field `{name}`: `{raw}` is not a finite number"),
            }
        };
        let id = field(ci).to_string();
        if id.is_empty() {
            bail!("{file}: line {line}, field `id`: empty id");
        }
        let lon = number(cx, "lon")?;
        let lat = number(cy, "lat")?;
        if lon.abs() > 180.0 {
            bail!("{file}: line {line}, field `lon`: {lon} is outside [-180, 180]");
        }
        if lat.abs() > 90.0 {
            bail!("{file}: line {line}, field `lat`: {lat} is outside [-90, 90]");
        }
        let weight = match cw {
            Some(i) if !field(i).is_empty() => {
                let w = number(i, "weight")?;
                if w < 0.0 {
                    bail!("{file}: line {line}, field `weight`: {w} is negative");
                }
                w
            }
            _ => 1.0,
        };
        if let Some(first) = seen.insert(id.clone(), line) {
            bail!("{file}: line {line}, field `id`: duplicate id `{id}` (first on line {first})");
        }
        rows.push(PointRow {
            id,
            lon,
            lat,
            weight,
        });
    }
    if rows.is_empty() {
        bail!("{file}: line 2: no {what} in the file");
    }
    Ok(rows)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
        _ => e.to_string(),
    }
}
