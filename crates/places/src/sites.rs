//! Service sites (family mediation offices and permanences, espaces de rencontre...) read from
//! CSV or GeoJSON.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{At, Error, Result};
use crate::features::{feature_id, point_xy, property_number, property_text, read_features};
use crate::table::Table;

/// `kind` of a family-mediation service.
pub const KIND_MEDIATION: &str = "mediation";
/// `kind` of an espace de rencontre.
pub const KIND_ESPACE_RENCONTRE: &str = "espace_rencontre";

/// One place where a service is offered.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Unique within a file.
    pub id: String,
    /// Display name; the id when the file has none.
    pub name: String,
    /// [`KIND_MEDIATION`], [`KIND_ESPACE_RENCONTRE`] or any other non-empty label.
    pub kind: String,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Capacity in whatever unit the user keeps (families per year, FTE...); not negative.
    pub capacity: Option<f64>,
    /// Waiting time before a first appointment, days; not negative.
    pub waiting_days: Option<f64>,
    /// Opening, e.g. hours or days per week; not negative.
    pub opening: Option<f64>,
    /// True for made-up sites (tests, demos, what-ifs), which must be labelled as such.
    pub synthetic: bool,
    /// Every other column or property, as text.
    pub extra: BTreeMap<String, String>,
}

const KNOWN: [&str; 9] = [
    "id",
    "name",
    "kind",
    "lon",
    "lat",
    "capacity",
    "waiting_days",
    "opening",
    "synthetic",
];

/// Reads sites from a `.csv`, `.geojson` or `.json` file. `default_kind` is the kind of every
/// site when the file has no `kind` column or property (then it is required).
pub fn read_sites(path: impl AsRef<Path>, default_kind: Option<&str>) -> Result<Vec<Site>> {
    let path = path.as_ref();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => read_sites_csv(path, default_kind),
        Some("geojson" | "json") => read_sites_geojson(path, default_kind),
        _ => Err(Error::UnsupportedFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// Reads sites from CSV (`,` or `;`): columns `id,lon,lat` required; `name`, `kind`,
/// `capacity`, `waiting_days`, `opening`, `synthetic` (true/false/1/0/yes/no) optional; other
/// columns go to [`Site::extra`]. Column names match ignoring case.
pub fn read_sites_csv(path: impl AsRef<Path>, default_kind: Option<&str>) -> Result<Vec<Site>> {
    let path = path.as_ref();
    let (table, rows) = Table::open(path)?;
    let id_col = table.require_ci("id")?;
    let lon_col = table.require_ci("lon")?;
    let lat_col = table.require_ci("lat")?;
    let kind_col = table.column_ci("kind");
    let default_kind = check_default_kind(path, kind_col.is_some(), default_kind)?;
    let optional = |name: &str| table.column_ci(name);
    let (name_col, cap_col, wait_col, open_col, synth_col) = (
        optional("name"),
        optional("capacity"),
        optional("waiting_days"),
        optional("opening"),
        optional("synthetic"),
    );
    let known_cols: Vec<usize> = KNOWN.iter().filter_map(|k| table.column_ci(k)).collect();

    let mut sites = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let (line, rec) = row?;
        let at = At::Line(line);
        let cell = |col: usize| rec.get(col).unwrap_or("").trim();
        let id = cell(id_col).to_string();
        if id.is_empty() {
            return Err(Error::invalid(path, at, "id", "empty id"));
        }
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(Error::invalid(
                path,
                at,
                "id",
                format!("duplicate id `{id}` (first on line {first})"),
            ));
        }
        let lon = table
            .number(line, "lon", cell(lon_col))?
            .ok_or_else(|| Error::invalid(path, at, "lon", "value is empty"))?;
        let lat = table
            .number(line, "lat", cell(lat_col))?
            .ok_or_else(|| Error::invalid(path, at, "lat", "value is empty"))?;
        check_lon_lat(path, at, "lon", "lat", lon, lat)?;
        let kind = match kind_col {
            Some(c) => cell(c).to_string(),
            None => default_kind.clone().unwrap_or_default(),
        };
        if kind.is_empty() {
            return Err(Error::invalid(path, at, "kind", "empty kind"));
        }
        let non_negative = |col: Option<usize>, field: &str| -> Result<Option<f64>> {
            let Some(c) = col else { return Ok(None) };
            let v = table.number(line, field, cell(c))?;
            check_non_negative(path, at, field, v)
        };
        let synthetic = match synth_col {
            Some(c) => parse_bool(cell(c))
                .ok_or_else(|| Error::invalid(path, at, "synthetic", bool_reason(cell(c))))?,
            None => false,
        };
        let name = name_col.map(cell).filter(|n| !n.is_empty());
        let extra = table
            .headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !known_cols.contains(i))
            .map(|(i, h)| (h.clone(), rec.get(i).unwrap_or("").to_string()))
            .collect();
        sites.push(Site {
            name: name.unwrap_or(&id).to_string(),
            id,
            kind,
            lon,
            lat,
            capacity: non_negative(cap_col, "capacity")?,
            waiting_days: non_negative(wait_col, "waiting_days")?,
            opening: non_negative(open_col, "opening")?,
            synthetic,
            extra,
        });
    }
    if sites.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what: "sites",
        });
    }
    Ok(sites)
}

/// Reads sites from a GeoJSON FeatureCollection of Points: same property names as the CSV
/// columns; `id` from the properties, else the feature's `id` member; `kind` from the
/// properties, else `default_kind`.
pub fn read_sites_geojson(path: impl AsRef<Path>, default_kind: Option<&str>) -> Result<Vec<Site>> {
    let path = path.as_ref();
    let features = read_features(path)?;
    // Per feature: its own `kind` property, else the default kind.
    let default_kind = match default_kind.map(str::trim) {
        Some("") => return Err(Error::invalid(path, At::File, "kind", "empty default kind")),
        other => other,
    };
    let mut sites = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, f) in features.iter().enumerate() {
        let at = At::Feature(index);
        let id = property_text(f, "id")
            .or_else(|| feature_id(f))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if id.is_empty() {
            return Err(Error::invalid(
                path,
                at,
                "id",
                "no `id` property nor feature id",
            ));
        }
        if let Some(first) = seen.insert(id.clone(), index) {
            return Err(Error::invalid(
                path,
                at,
                "id",
                format!("duplicate id `{id}` (first at feature index {first})"),
            ));
        }
        let (lon, lat) = point_xy(path, index, f)?;
        check_lon_lat(path, at, "geometry", "geometry", lon, lat)?;
        let kind = if f.contains_property("kind") {
            property_text(f, "kind")
                .unwrap_or_default()
                .trim()
                .to_string()
        } else {
            default_kind
                .ok_or_else(|| {
                    Error::invalid(
                        path,
                        at,
                        "kind",
                        "no `kind` property and no default kind given",
                    )
                })?
                .to_string()
        };
        if kind.is_empty() {
            return Err(Error::invalid(path, at, "kind", "empty kind"));
        }
        let non_negative = |field: &str| -> Result<Option<f64>> {
            check_non_negative(path, at, field, property_number(path, index, f, field)?)
        };
        let synthetic = match f.property("synthetic") {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(v) => {
                let text = crate::features::value_text(v).unwrap_or_default();
                parse_bool(&text)
                    .ok_or_else(|| Error::invalid(path, at, "synthetic", bool_reason(&text)))?
            }
        };
        let name = property_text(f, "name").filter(|n| !n.trim().is_empty());
        let extra = f
            .properties_iter()
            .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
            .filter_map(|(k, v)| crate::features::value_text(v).map(|t| (k.clone(), t)))
            .collect();
        sites.push(Site {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            kind,
            lon,
            lat,
            capacity: non_negative("capacity")?,
            waiting_days: non_negative("waiting_days")?,
            opening: non_negative("opening")?,
            synthetic,
            extra,
        });
    }
    if sites.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what: "sites",
        });
    }
    Ok(sites)
}

fn check_default_kind(
    path: &Path,
    has_kind: bool,
    default_kind: Option<&str>,
) -> Result<Option<String>> {
    match default_kind.map(str::trim) {
        _ if has_kind => Ok(None),
        Some(k) if !k.is_empty() => Ok(Some(k.to_string())),
        Some(_) => Err(Error::invalid(path, At::File, "kind", "empty default kind")),
        None => Err(Error::invalid(
            path,
            At::Line(1),
            "kind",
            "no `kind` column or property, and no default kind given",
        )),
    }
}

/// Checks a WGS84 position: finite, |lon| <= 180, |lat| <= 90.
pub(crate) fn check_lon_lat(
    path: &Path,
    at: At,
    lon_field: &str,
    lat_field: &str,
    lon: f64,
    lat: f64,
) -> Result<()> {
    if !lon.is_finite() || lon.abs() > 180.0 {
        return Err(Error::invalid(
            path,
            at,
            lon_field,
            format!("longitude {lon} is not within [-180, 180]"),
        ));
    }
    if !lat.is_finite() || lat.abs() > 90.0 {
        return Err(Error::invalid(
            path,
            at,
            lat_field,
            format!("latitude {lat} is not within [-90, 90]"),
        ));
    }
    Ok(())
}

fn check_non_negative(path: &Path, at: At, field: &str, v: Option<f64>) -> Result<Option<f64>> {
    match v {
        Some(x) if x < 0.0 => Err(Error::invalid(path, at, field, format!("{x} is negative"))),
        other => Ok(other),
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Some(false),
        "true" | "1" | "yes" => Some(true),
        _ => None,
    }
}

fn bool_reason(raw: &str) -> String {
    format!("`{raw}` is not one of true/false/1/0/yes/no")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Asserts that reading fails with a message naming the file, the position and the field.
    fn assert_err(result: Result<Vec<Site>>, file: &str, at: &str, field: &str) {
        let msg = result.expect_err("expected an error").to_string();
        assert!(msg.contains(file), "no file name in: {msg}");
        assert!(msg.contains(at), "no `{at}` in: {msg}");
        assert!(
            msg.contains(&format!("`{field}`")),
            "no field `{field}` in: {msg}"
        );
        assert!(!msg.contains('\n'), "not one line: {msg}");
    }

    #[test]
    fn csv_sites_with_all_columns() {
        let dir = tempfile::tempdir().unwrap();
        // Synthetic sites (no real list exists offline).
        let p = write(
            &dir,
            "sites.csv",
            "id,name,kind,lon,lat,capacity,waiting_days,opening,synthetic,phone\n\
             m1,Médiation Mende,mediation,3.4993,44.5181,120,45,35,yes,0466\n\
             e1,,espace_rencontre,3.87,44.12,,,,0,\n",
        );
        let sites = read_sites(&p, None).unwrap();
        assert_eq!(sites.len(), 2);
        let m1 = &sites[0];
        assert_eq!(m1.name, "Médiation Mende");
        assert_eq!(m1.kind, KIND_MEDIATION);
        assert_eq!((m1.lon, m1.lat), (3.4993, 44.5181));
        assert_eq!(
            (m1.capacity, m1.waiting_days, m1.opening),
            (Some(120.0), Some(45.0), Some(35.0))
        );
        assert!(m1.synthetic);
        // Leading zeros kept: extra columns stay text.
        assert_eq!(m1.extra.get("phone").map(String::as_str), Some("0466"));
        let e1 = &sites[1];
        assert_eq!(e1.name, "e1", "name falls back to the id");
        assert_eq!(e1.kind, KIND_ESPACE_RENCONTRE);
        assert_eq!(
            (e1.capacity, e1.waiting_days, e1.opening),
            (None, None, None)
        );
        assert!(!e1.synthetic);
    }

    #[test]
    fn csv_default_kind_and_semicolons() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "er.csv", "ID;Lon;Lat\na;3,5;44,5\n");
        let sites = read_sites(&p, Some("espace_rencontre")).unwrap();
        assert_eq!(sites[0].kind, "espace_rencontre");
        assert_eq!((sites[0].lon, sites[0].lat), (3.5, 44.5));
        // Without a kind column nor a default kind.
        assert_err(read_sites(&p, None), "er.csv", "line 1", "kind");
        assert_err(read_sites(&p, Some(" ")), "er.csv", "whole file", "kind");
    }

    #[test]
    fn csv_bad_inputs_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, &str, &str)] = &[
            ("id,lat\na,44\n", "line 1", "lon"),
            ("lon,lat\n3,44\n", "line 1", "id"),
            ("id,lon,lat\na,3,44\nb,east,44\n", "line 3", "lon"),
            ("id,lon,lat\na,3,NaN\n", "line 2", "lat"),
            ("id,lon,lat\na,3,\n", "line 2", "lat"),
            ("id,lon,lat\na,181,44\n", "line 2", "lon"),
            ("id,lon,lat\na,3,-90.5\n", "line 2", "lat"),
            ("id,lon,lat\na,3,44\nb,3,44\na,3,44\n", "line 4", "id"),
            ("id,lon,lat\n,3,44\n", "line 2", "id"),
            (
                "id,lon,lat,kind\na,3,44,mediation\nb,3,44,\n",
                "line 3",
                "kind",
            ),
            ("id,lon,lat,capacity\na,3,44,-1\n", "line 2", "capacity"),
            (
                "id,lon,lat,waiting_days\na,3,44,10\nb,3,44,-3\n",
                "line 3",
                "waiting_days",
            ),
            (
                "id,lon,lat,synthetic\na,3,44,maybe\n",
                "line 2",
                "synthetic",
            ),
        ];
        for (i, (text, at, field)) in cases.iter().enumerate() {
            let name = format!("bad{i}.csv");
            let p = write(&dir, &name, text);
            assert_err(read_sites(&p, Some("mediation")), &name, at, field);
            // The same file as a spreadsheet on Windows writes it: CRLF line ends.
            let name = format!("bad{i}-crlf.csv");
            let p = write(&dir, &name, &text.replace('\n', "\r\n"));
            assert_err(read_sites(&p, Some("mediation")), &name, at, field);
        }
        // Line numbers are those of the file: with a quoted newline, with CRLF line ends, and
        // with a byte-order mark before a CRLF header.
        for (name, text, field) in [
            (
                "quoted.csv",
                "id,name,lon,lat\na,\"two\nlines\",3,44\nb,x,3,99\n",
                "lat",
            ),
            (
                "quoted-crlf.csv",
                "id,name,lon,lat\r\na,\"two\r\nlines\",3,44\r\nb,x,3,99\r\n",
                "lat",
            ),
            (
                "bom-crlf.csv",
                "\u{feff}id,lon,lat\r\na,3,44\r\nb,3,44\r\nc,east,44\r\n",
                "lon",
            ),
        ] {
            let p = write(&dir, name, text);
            assert_err(read_sites(&p, Some("mediation")), name, "line 4", field);
        }
    }

    #[test]
    fn empty_files_and_unknown_extension() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "empty.csv", "id,lon,lat\n");
        let err = read_sites(&p, Some("mediation")).unwrap_err();
        assert!(matches!(err, Error::Empty { .. }), "{err}");
        assert!(err.to_string().contains("empty.csv"));
        let p = write(
            &dir,
            "empty.geojson",
            r#"{"type":"FeatureCollection","features":[]}"#,
        );
        assert!(matches!(
            read_sites(&p, Some("mediation")),
            Err(Error::Empty { .. })
        ));
        let p = write(&dir, "sites.txt", "id,lon,lat\na,3,44\n");
        assert!(matches!(
            read_sites(&p, Some("mediation")),
            Err(Error::UnsupportedFormat { .. })
        ));
        let missing = dir.path().join("missing.csv");
        let err = read_sites(&missing, Some("mediation")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("missing.csv"));
    }

    fn point_feature(id: Option<serde_json::Value>, props: &str, lon: f64, lat: f64) -> String {
        let id = id.map_or(String::new(), |v| format!(r#""id":{v},"#));
        format!(
            r#"{{"type":"Feature",{id}"properties":{{{props}}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
        )
    }

    fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    #[test]
    fn geojson_sites() {
        let dir = tempfile::tempdir().unwrap();
        let text = collection(&[
            point_feature(
                None,
                r#""id":"m1","name":"Synthetic office","kind":"mediation","capacity":"12","synthetic":true,"dep":"48","open":null"#,
                3.5,
                44.5,
            ),
            point_feature(
                Some(serde_json::json!(7)),
                r#""kind":"espace_rencontre","waiting_days":30"#,
                3.6,
                44.6,
            ),
        ]);
        let p = write(&dir, "sites.geojson", &text);
        let sites = read_sites(&p, None).unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].id, "m1");
        assert_eq!(sites[0].capacity, Some(12.0));
        assert!(sites[0].synthetic);
        assert_eq!(sites[0].extra.get("dep").map(String::as_str), Some("48"));
        assert!(
            !sites[0].extra.contains_key("open"),
            "null properties are absent"
        );
        assert_eq!(sites[1].id, "7", "id from the feature id");
        assert_eq!(sites[1].waiting_days, Some(30.0));
        assert_eq!((sites[1].lon, sites[1].lat), (3.6, 44.6));
        // `.json` goes to the same reader; default kind used without a kind property.
        let p = write(
            &dir,
            "sites.json",
            &collection(&[point_feature(None, r#""id":"x""#, 3.0, 44.0)]),
        );
        assert_eq!(
            read_sites(&p, Some("mediation")).unwrap()[0].kind,
            "mediation"
        );
        assert_err(
            read_sites(&p, None),
            "sites.json",
            "feature index 0",
            "kind",
        );
    }

    #[test]
    fn geojson_bad_inputs_name_file_feature_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let ok = point_feature(None, r#""id":"a""#, 3.0, 44.0);
        let cases: Vec<(String, &str, &str)> = vec![
            (point_feature(None, r#""id":"b""#, 200.0, 44.0), "feature index 1", "geometry"),
            (point_feature(None, r#""id":"b""#, 3.0, 95.0), "feature index 1", "geometry"),
            (point_feature(None, r#""id":"a""#, 3.0, 44.0), "feature index 1", "id"),
            (point_feature(None, r#""name":"no id""#, 3.0, 44.0), "feature index 1", "id"),
            (point_feature(None, r#""id":"b","kind":"""#, 3.0, 44.0), "feature index 1", "kind"),
            (point_feature(None, r#""id":"b","capacity":-2"#, 3.0, 44.0), "feature index 1", "capacity"),
            (point_feature(None, r#""id":"b","waiting_days":"soon""#, 3.0, 44.0), "feature index 1", "waiting_days"),
            (
                r#"{"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[3,44],[3,45]]}}"#.to_string(),
                "feature index 1",
                "geometry",
            ),
            (
                r#"{"type":"Feature","properties":{"id":"b"},"geometry":null}"#.to_string(),
                "feature index 1",
                "geometry",
            ),
        ];
        for (i, (bad, at, field)) in cases.iter().enumerate() {
            let name = format!("bad{i}.geojson");
            let p = write(&dir, &name, &collection(&[ok.clone(), bad.clone()]));
            assert_err(read_sites(&p, Some("mediation")), &name, at, field);
        }
        let p = write(&dir, "notjson.geojson", "{ nope");
        let err = read_sites(&p, Some("mediation")).unwrap_err();
        assert!(matches!(err, Error::GeoJson { .. }) && err.to_string().contains("notjson"));
    }
}
