//! Plain point files (`id,lon,lat[,weight]`), read as every other CSV input is: `,` or `;`
//! separators, an optional BOM, decimal commas in `;` files, CRLF line ends counted right, and
//! errors naming the file, the line and the field. `zoneblanche times` reads its sites and
//! demand points with it.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{At, Error, Result};
use crate::table::Table;

/// One row of a point file.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    /// 1 when the file has no `weight` column, or when not `weighted`.
    pub weight: f64,
}

/// Reads `id,lon,lat` rows, and `weight` when `weighted` (default 1, a finite number >= 0).
/// Other columns are ignored. Ids must be unique; there must be at least one row. `what` names
/// the rows in errors ("sites", "demand points").
pub fn read_point_rows(path: &Path, what: &'static str, weighted: bool) -> Result<Vec<PointRow>> {
    let (table, rows) = Table::open(path)?;
    let (ci, cx, cy) = (
        table.require_ci("id")?,
        table.require_ci("lon")?,
        table.require_ci("lat")?,
    );
    let cw = table.column_ci("weight").filter(|_| weighted);
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let (line, rec) = row?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |i: usize| rec.get(i).unwrap_or("").trim();
        let bad = |name: &str, reason: String| Error::invalid(path, At::Line(line), name, reason);
        let id = field(ci).to_string();
        if id.is_empty() {
            return Err(bad("id", "empty id".into()));
        }
        let lon = table.required_number(line, "lon", field(cx))?;
        let lat = table.required_number(line, "lat", field(cy))?;
        if lon.abs() > 180.0 {
            return Err(bad("lon", format!("{lon} is outside [-180, 180]")));
        }
        if lat.abs() > 90.0 {
            return Err(bad("lat", format!("{lat} is outside [-90, 90]")));
        }
        let weight = match cw {
            Some(i) => match table.number(line, "weight", field(i))? {
                Some(w) if w < 0.0 => return Err(bad("weight", format!("{w} is negative"))),
                Some(w) => w,
                None => 1.0,
            },
            None => 1.0,
        };
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(bad(
                "id",
                format!("duplicate id `{id}` (first on line {first})"),
            ));
        }
        out.push(PointRow {
            id,
            lon,
            lat,
            weight,
        });
    }
    if out.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, weighted: bool) -> Result<Vec<PointRow>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("points.csv");
        std::fs::write(&p, text).unwrap();
        read_point_rows(&p, "points", weighted)
    }

    #[test]
    fn semicolons_decimal_commas_and_crlf_read_like_commas() {
        let a = read("id,lon,lat,weight\na,3.5,44.5,2\nb,3.6,44.6,\n", true).unwrap();
        let b = read("id;lon;lat;weight\r\na;3,5;44,5;2\r\nb;3,6;44,6;\r\n", true).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[1].weight, 1.0);
    }

    #[test]
    fn a_crlf_file_names_the_right_line() {
        let e = read(
            "id;lon;lat\r\na;3,5;44,5\r\nb;3,6;44,6\r\nc;x;44\r\n",
            false,
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("line 4") && m.contains("`lon`"), "{m}");
    }

    #[test]
    fn duplicates_and_negative_weights_are_refused() {
        let m = read("id,lon,lat\na,1,2\na,1,2\n", false)
            .unwrap_err()
            .to_string();
        assert!(m.contains("line 3") && m.contains("first on line 2"), "{m}");
        let m = read("id,lon,lat,weight\na,1,2,-1\n", true)
            .unwrap_err()
            .to_string();
        assert!(m.contains("negative"), "{m}");
    }
}
