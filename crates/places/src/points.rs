//! Weighted points (addresses aggregated by the user, CAF files geocoded in Lambert-93, ...)
//! from CSV or GeoJSON, in WGS84 or any EPSG CRS PROJ knows.

use std::collections::HashMap;
use std::path::Path;

use crate::crs::{Transformer, WGS84};
use crate::error::{At, Error, Result};
use crate::features::{feature_id, point_xy, property_number, property_text, read_features};
use crate::population::{DemandUnit, Population, counts_for_column};
use crate::sites::check_lon_lat;
use crate::table::Table;

/// Column names tried for the commune code when [`PointsOptions::commune_column`] is `None`.
const COMMUNE_COLUMNS: [&str; 2] = ["code_insee", "commune"];

/// How to read a points file.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsOptions {
    /// EPSG code of the coordinates. Default: 4326 (WGS84 lon/lat); 2154 for Lambert-93.
    pub epsg: u32,
    /// CSV column of the x / longitude. Default: `lon` for EPSG:4326, else `x`.
    pub x_column: Option<String>,
    /// CSV column of the y / latitude. Default: `lat` for EPSG:4326, else `y`.
    pub y_column: Option<String>,
    /// Column or property of the weight (exact match, else ignoring case). No default.
    pub weight_column: String,
    /// Column or property of the id. Default: `id` (GeoJSON: else the feature id); without one,
    /// ids are `line<N>` / `feature<N>`.
    pub id_column: String,
    /// Column or property of the commune code. Default: `code_insee`, else `commune`, else none.
    /// A column named here must exist.
    pub commune_column: Option<String>,
    /// Columns or properties copied into [`DemandUnit::groups`] (each must exist). Default: none.
    pub group_by: Vec<String>,
    /// What the weight counts; default: from the column name ([`counts_for_column`]).
    pub counts: Option<String>,
}

impl PointsOptions {
    /// Options for the given weight column, everything else by default.
    pub fn new(weight_column: impl Into<String>) -> Self {
        PointsOptions {
            epsg: WGS84,
            x_column: None,
            y_column: None,
            weight_column: weight_column.into(),
            id_column: "id".into(),
            commune_column: None,
            group_by: Vec::new(),
            counts: None,
        }
    }

    fn xy_columns(&self) -> (String, String) {
        let (dx, dy) = if self.epsg == WGS84 {
            ("lon", "lat")
        } else {
            ("x", "y")
        };
        (
            self.x_column.clone().unwrap_or_else(|| dx.into()),
            self.y_column.clone().unwrap_or_else(|| dy.into()),
        )
    }
}

/// Reads weighted points from `.csv` or `.geojson` / `.json`. An EPSG code PROJ does not know
/// is an [`Error::UnknownCrs`] before the file is read.
pub fn read_points(path: impl AsRef<Path>, options: &PointsOptions) -> Result<Population> {
    let path = path.as_ref();
    let transformer = if options.epsg == WGS84 {
        None
    } else {
        Some(Transformer::to_wgs84(options.epsg)?)
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let (units, weight_field) = match ext.as_deref() {
        Some("csv") => read_csv(path, options, transformer.as_ref())?,
        Some("geojson" | "json") => read_geojson(path, options, transformer.as_ref())?,
        _ => {
            return Err(Error::UnsupportedFormat {
                path: path.to_path_buf(),
            });
        }
    };
    if units.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what: "points",
        });
    }
    let counts = options
        .counts
        .clone()
        .unwrap_or_else(|| counts_for_column(&weight_field));
    Ok(Population::from_units(units, counts))
}

/// Converts to WGS84 and checks the result; errors name the x field.
fn to_lon_lat(
    path: &Path,
    at: At,
    (x_field, y_field): (&str, &str),
    transformer: Option<&Transformer>,
    (x, y): (f64, f64),
) -> Result<(f64, f64)> {
    let (lon, lat) = match transformer {
        None => (x, y),
        Some(t) => t
            .convert(x, y)
            .map_err(|e| Error::invalid(path, at, x_field, e.to_string()))?,
    };
    check_lon_lat(path, at, x_field, y_field, lon, lat)?;
    Ok((lon, lat))
}

fn check_weight(path: &Path, at: At, field: &str, weight: f64) -> Result<f64> {
    if weight < 0.0 {
        Err(Error::invalid(
            path,
            at,
            field,
            format!("{weight} is negative"),
        ))
    } else {
        Ok(weight)
    }
}

fn check_unique(
    path: &Path,
    at: At,
    field: &str,
    id: &str,
    seen: &mut HashMap<String, At>,
) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid(path, at, field, "empty id"));
    }
    if let Some(first) = seen.insert(id.to_string(), at) {
        return Err(Error::invalid(
            path,
            at,
            field,
            format!("duplicate id `{id}` (first at {first})"),
        ));
    }
    Ok(())
}

fn read_csv(
    path: &Path,
    options: &PointsOptions,
    transformer: Option<&Transformer>,
) -> Result<(Vec<DemandUnit>, String)> {
    let (table, rows) = Table::open(path)?;
    let (x_name, y_name) = options.xy_columns();
    let x_col = table.require_ci(&x_name)?;
    let y_col = table.require_ci(&y_name)?;
    let weight_col = table.require_ci(&options.weight_column)?;
    let id_col = table.column_ci(&options.id_column);
    let commune_col = match &options.commune_column {
        Some(c) => Some(table.require_ci(c)?),
        None => COMMUNE_COLUMNS.iter().find_map(|c| table.column_ci(c)),
    };
    let group_cols: Vec<(String, usize)> = options
        .group_by
        .iter()
        .map(|g| Ok((g.clone(), table.require_ci(g)?)))
        .collect::<Result<_>>()?;
    let header = |c: usize| table.headers[c].clone();
    let (x_field, y_field, weight_field) = (header(x_col), header(y_col), header(weight_col));
    let id_field = id_col.map_or(options.id_column.clone(), header);

    let mut units = Vec::new();
    let mut seen = HashMap::new();
    for row in rows {
        let (line, rec) = row?;
        let at = At::Line(line);
        let cell = |c: usize| rec.get(c).unwrap_or("").trim();
        let id = match id_col {
            Some(c) => cell(c).to_string(),
            None => format!("line{line}"),
        };
        check_unique(path, at, &id_field, &id, &mut seen)?;
        let x = table.required_number(line, &x_field, cell(x_col))?;
        let y = table.required_number(line, &y_field, cell(y_col))?;
        let (lon, lat) = to_lon_lat(path, at, (&x_field, &y_field), transformer, (x, y))?;
        let weight = table.required_number(line, &weight_field, cell(weight_col))?;
        let weight = check_weight(path, at, &weight_field, weight)?;
        let commune = commune_col
            .map(|c| cell(c).to_string())
            .filter(|c| !c.is_empty());
        let groups = group_cols
            .iter()
            .map(|(name, c)| (name.clone(), cell(*c).to_string()))
            .collect();
        units.push(DemandUnit {
            id,
            lon,
            lat,
            weight,
            commune,
            cell: None,
            groups,
        });
    }
    Ok((units, weight_field))
}

fn read_geojson(
    path: &Path,
    options: &PointsOptions,
    transformer: Option<&Transformer>,
) -> Result<(Vec<DemandUnit>, String)> {
    let features = read_features(path)?;
    // Exact property name first, else ignoring case (as for CSV columns).
    let resolve = |name: &str| -> Option<String> {
        features.iter().find_map(|f| {
            f.properties_iter()
                .map(|(k, _)| k)
                .find(|k| k.as_str() == name)
                .or_else(|| {
                    f.properties_iter()
                        .map(|(k, _)| k)
                        .find(|k| k.eq_ignore_ascii_case(name))
                })
                .cloned()
        })
    };
    let weight_field = resolve(&options.weight_column).unwrap_or(options.weight_column.clone());
    let id_field = resolve(&options.id_column);
    let commune_field = match &options.commune_column {
        Some(c) => Some(
            resolve(c)
                .ok_or_else(|| Error::invalid(path, At::File, c, "no feature has this property"))?,
        ),
        None => COMMUNE_COLUMNS.iter().find_map(|c| resolve(c)),
    };
    let group_fields: Vec<(String, String)> = options
        .group_by
        .iter()
        .map(|g| {
            resolve(g)
                .map(|p| (g.clone(), p))
                .ok_or_else(|| Error::invalid(path, At::File, g, "no feature has this property"))
        })
        .collect::<Result<_>>()?;

    let mut units = Vec::with_capacity(features.len());
    let mut seen = HashMap::new();
    for (index, f) in features.iter().enumerate() {
        let at = At::Feature(index);
        let id = id_field
            .as_deref()
            .and_then(|k| property_text(f, k))
            .or_else(|| feature_id(f))
            .unwrap_or_else(|| format!("feature{index}"));
        check_unique(path, at, &options.id_column, id.trim(), &mut seen)?;
        let xy = point_xy(path, index, f)?;
        let (lon, lat) = to_lon_lat(path, at, ("geometry", "geometry"), transformer, xy)?;
        let weight = property_number(path, index, f, &weight_field)?
            .ok_or_else(|| Error::invalid(path, at, &weight_field, "missing weight"))?;
        let weight = check_weight(path, at, &weight_field, weight)?;
        let commune = commune_field
            .as_deref()
            .and_then(|k| property_text(f, k))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        let groups = group_fields
            .iter()
            .map(|(name, k)| (name.clone(), property_text(f, k).unwrap_or_default()))
            .collect();
        units.push(DemandUnit {
            id: id.trim().to_string(),
            lon,
            lat,
            weight,
            commune,
            cell: None,
            groups,
        });
    }
    Ok((units, weight_field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::WarningKind;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn lambert93_points() {
        let dir = tempfile::tempdir().unwrap();
        // Made-up households; the first sits on the Lambert-93 origin, (3.0, 46.5) in WGS84.
        let p = write(
            &dir,
            "foyers_l93.csv",
            "id;x;y;nb_familles;code_insee;epci\n\
             a;700000;6600000;4;03001;200071082\n\
             b;\"700100,5\";6600000;0;;200071082\n",
        );
        let mut opts = PointsOptions::new("nb_familles");
        opts.epsg = 2154;
        opts.group_by = vec!["epci".into()];
        let pop = read_points(&p, &opts).unwrap();
        assert_eq!(pop.counts, "nb_familles");
        let a = &pop.units[0];
        assert!(
            (a.lon - 3.0).abs() < 1e-9 && (a.lat - 46.5).abs() < 1e-9,
            "{a:?}"
        );
        assert_eq!(a.commune.as_deref(), Some("03001"));
        assert_eq!(a.groups["epci"], "200071082");
        let b = &pop.units[1];
        assert!(b.lon > a.lon && (b.lon - a.lon) < 0.002);
        assert_eq!(b.commune, None);
        let kinds: Vec<(WarningKind, usize)> =
            pop.warnings.iter().map(|w| (w.kind, w.count)).collect();
        assert_eq!(
            kinds,
            [(WarningKind::ZeroWeight, 1), (WarningKind::NoCommune, 1)]
        );
    }

    #[test]
    fn wgs84_csv_and_geojson_points() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "pts.csv", "lon,lat,Ind,commune\n3.5,44.5,10,48095\n");
        let pop = read_points(&p, &PointsOptions::new("ind")).unwrap();
        assert_eq!(pop.units[0].id, "line2");
        assert_eq!(pop.units[0].commune.as_deref(), Some("48095"));
        assert_eq!(pop.counts, "people");

        let p = write(
            &dir,
            "pts.geojson",
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":"f1","properties":{"W":2.5,"code_insee":"2A004"},"geometry":{"type":"Point","coordinates":[8.7369,41.9268]}},
              {"type":"Feature","properties":{"W":"1"},"geometry":{"type":"Point","coordinates":[8.74,41.93]}}]}"#,
        );
        let pop = read_points(&p, &PointsOptions::new("w")).unwrap();
        assert_eq!(pop.units[0].id, "f1");
        assert_eq!(pop.units[0].commune.as_deref(), Some("2A004"));
        assert_eq!(pop.units[1].id, "feature1");
        assert_eq!(pop.total_weight(), 3.5);
    }

    #[test]
    fn geojson_in_lambert93() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "pts_l93.geojson",
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"id":"o","n":1},"geometry":{"type":"Point","coordinates":[700000,6600000]}}]}"#,
        );
        let mut opts = PointsOptions::new("n");
        opts.epsg = 2154;
        let u = &read_points(&p, &opts).unwrap().units[0];
        assert!((u.lon - 3.0).abs() < 1e-9 && (u.lat - 46.5).abs() < 1e-9);
    }

    #[test]
    fn unknown_epsg_and_bad_points() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "pts.csv", "x,y,n\n1,2,3\n");
        let mut opts = PointsOptions::new("n");
        opts.epsg = 12_345_678;
        let err = read_points(&p, &opts).unwrap_err();
        assert!(
            matches!(
                err,
                Error::UnknownCrs {
                    epsg: 12_345_678,
                    ..
                }
            ),
            "{err}"
        );

        let cases: &[(&str, u32, &str, &str)] = &[
            ("lon,lat\n3,44\n", 4326, "line 1", "n"),
            ("lon,n\n3,1\n", 4326, "line 1", "lat"),
            ("lon,lat,n\n3,44,x\n", 4326, "line 2", "n"),
            ("lon,lat,n\n3,44,-1\n", 4326, "line 2", "n"),
            ("lon,lat,n\n3,144,1\n", 4326, "line 2", "lat"),
            ("id,lon,lat,n\na,3,44,1\na,3,44,1\n", 4326, "line 3", "id"),
            (
                "x,y,n\n700000,6600000,1\nabc,6600000,1\n",
                2154,
                "line 3",
                "x",
            ),
            // Beyond the LAEA's domain (farther than the antipode of its centre): PROJ fails.
            ("x,y,n\n43210000,3210000,1\n", 3035, "line 2", "x"),
        ];
        for (i, (text, epsg, at, field)) in cases.iter().enumerate() {
            let name = format!("pts{i}.csv");
            let p = write(&dir, &name, text);
            let mut opts = PointsOptions::new("n");
            opts.epsg = *epsg;
            let msg = read_points(&p, &opts).unwrap_err().to_string();
            assert!(
                msg.contains(&name) && msg.contains(at) && msg.contains(&format!("`{field}`")),
                "case {i}: {msg}"
            );
        }
        let mut opts = PointsOptions::new("n");
        opts.commune_column = Some("insee".into());
        let p = write(&dir, "nocol.csv", "lon,lat,n\n3,44,1\n");
        let msg = read_points(&p, &opts).unwrap_err().to_string();
        assert!(msg.contains("line 1") && msg.contains("`insee`"), "{msg}");
    }
}
