//! INSEE gridded population (Filosofi "données carroyées"): one row per populated cell.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::crs::{GridCell, Transformer};
use crate::error::{At, Error, Result};
use crate::population::{DemandUnit, Population, counts_for_column};
use crate::table::Table;

/// How to read an INSEE grid CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct GridOptions {
    /// Column holding the cell id (`CRS3035RES200mN2029800E4252400`), matched ignoring case.
    /// Default: `idcar_200m`.
    pub id_column: String,
    /// Column holding the weight (`Ind`, `Men`, `Men_fmp`, `Ind_0_17`...), matched exactly, else
    /// ignoring case. No default.
    pub weight_column: String,
    /// What the weight counts; default: from the column name ([`counts_for_column`]).
    pub counts: Option<String>,
    /// Extra columns copied into [`DemandUnit::groups`]; default: none (`lcog_geo` is always
    /// copied when present).
    pub group_by: Vec<String>,
}

impl GridOptions {
    /// Options for the given weight column, everything else by default.
    pub fn new(weight_column: impl Into<String>) -> Self {
        GridOptions {
            id_column: "idcar_200m".into(),
            weight_column: weight_column.into(),
            counts: None,
            group_by: Vec::new(),
        }
    }
}

/// Reads an INSEE grid CSV (`,` or `;`) into one demand unit per cell, at the cell's centre
/// converted to WGS84 from the CRS named in its id (3035 in mainland France, 5490, 2972, 2975,
/// 4471 overseas). The commune is the first 5 characters of `lcog_geo` (which may hold several
/// codes run together; the full value goes to `groups["lcog_geo"]`).
pub fn read_insee_grid(path: impl AsRef<Path>, options: &GridOptions) -> Result<Population> {
    let path = path.as_ref();
    let (table, rows) = Table::open(path)?;
    let id_col = table.require_ci(&options.id_column)?;
    let weight_col = table.require_ci(&options.weight_column)?;
    let lcog_col = table.column_ci("lcog_geo");
    let group_cols: Vec<(String, usize)> = options
        .group_by
        .iter()
        .map(|g| Ok((g.clone(), table.require_ci(g)?)))
        .collect::<Result<_>>()?;
    let id_field = table.headers[id_col].clone();
    let weight_field = table.headers[weight_col].clone();

    let mut units = Vec::new();
    let mut lines = Vec::new();
    let mut seen: HashMap<GridCell, u64> = HashMap::new();
    for row in rows {
        let (line, rec) = row?;
        let at = At::Line(line);
        let raw_id = rec.get(id_col).unwrap_or("").trim();
        let cell = GridCell::parse(raw_id).ok_or_else(|| {
            Error::invalid(
                path,
                at,
                &id_field,
                format!("`{raw_id}` is not a cell id like CRS3035RES200mN2029800E4252400"),
            )
        })?;
        if let Some(first) = seen.insert(cell, line) {
            return Err(Error::invalid(
                path,
                at,
                &id_field,
                format!("duplicate cell `{raw_id}` (first on line {first})"),
            ));
        }
        let weight =
            table.required_number(line, &weight_field, rec.get(weight_col).unwrap_or(""))?;
        if weight < 0.0 {
            return Err(Error::invalid(
                path,
                at,
                &weight_field,
                format!("{weight} is negative"),
            ));
        }
        let mut groups = BTreeMap::new();
        let mut commune = None;
        if let Some(c) = lcog_col {
            let lcog = rec.get(c).unwrap_or("").trim();
            if !lcog.is_empty() {
                commune = Some(lcog.chars().take(5).collect::<String>());
                groups.insert("lcog_geo".to_string(), lcog.to_string());
            }
        }
        for (name, c) in &group_cols {
            groups.insert(name.clone(), rec.get(*c).unwrap_or("").trim().to_string());
        }
        let (x, y) = cell.centre();
        units.push(DemandUnit {
            id: cell.id(),
            lon: x,
            lat: y,
            weight,
            commune,
            cell: Some(cell),
            groups,
        });
        lines.push(line);
    }
    if units.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            what: "grid cells",
        });
    }

    // Cell centres to WGS84, one PROJ transformation per CRS found in the ids.
    let mut transformers: HashMap<u32, Transformer> = HashMap::new();
    for (unit, &line) in units.iter_mut().zip(&lines) {
        let epsg = unit.cell.map_or(0, |c| c.epsg);
        let bad = |reason: String| Error::invalid(path, At::Line(line), &id_field, reason);
        let t = match transformers.entry(epsg) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Transformer::to_wgs84(epsg).map_err(|err| bad(err.to_string()))?)
            }
        };
        let (lon, lat) = t
            .convert(unit.lon, unit.lat)
            .map_err(|err| bad(err.to_string()))?;
        crate::sites::check_lon_lat(path, At::Line(line), &id_field, &id_field, lon, lat)?;
        unit.lon = lon;
        unit.lat = lat;
    }

    let counts = options
        .counts
        .clone()
        .unwrap_or_else(|| counts_for_column(&weight_field));
    Ok(Population::from_units(units, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::laea3035_inverse;
    use crate::population::WarningKind;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn comma_file_mainland_and_reunion() {
        let dir = tempfile::tempdir().unwrap();
        // A small grid in the Filosofi layout (made-up values); the last cell is in La Réunion
        // (EPSG:2975), the third has two communes in `lcog_geo` and weight 0.
        let p = write(
            &dir,
            "carreaux.csv",
            "Idcar_200m,I_est_200,Idcar_1km,lcog_geo,Ind,Men,Men_fmp,Ind_0_3\n\
             CRS3035RES200mN2029800E4252400,0,CRS3035RES1000mN2029000E4252000,48095,35.5,14,2,1\n\
             CRS3035RES200mN2030000E4252400,0,CRS3035RES1000mN2030000E4252000,48095,12,5,0,0\n\
             CRS3035RES200mN2030200E4252600,1,CRS3035RES1000mN2030000E4252000,4809548140,20,8,0,3\n\
             CRS2975RES200mN7690000E338000,0,CRS2975RES1000mN7690000E338000,97411,50,20,6,4\n",
        );
        let pop = read_insee_grid(&p, &GridOptions::new("men_fmp")).unwrap();
        assert_eq!(pop.counts, "single-parent families");
        assert_eq!(pop.units.len(), 4);
        let weights: Vec<f64> = pop.units.iter().map(|u| u.weight).collect();
        assert_eq!(weights, [2.0, 0.0, 0.0, 6.0]);
        let u0 = &pop.units[0];
        assert_eq!(u0.id, "CRS3035RES200mN2029800E4252400");
        assert_eq!(u0.commune.as_deref(), Some("48095"));
        let (lon, lat) = laea3035_inverse(4_252_500.0, 2_029_900.0);
        assert!((u0.lon - lon).abs() < 1e-8 && (u0.lat - lat).abs() < 1e-8);
        let u2 = &pop.units[2];
        assert_eq!(u2.commune.as_deref(), Some("48095"));
        assert_eq!(u2.groups["lcog_geo"], "4809548140");
        let reunion = &pop.units[3];
        assert_eq!(reunion.cell.unwrap().epsg, 2975);
        assert_eq!(reunion.commune.as_deref(), Some("97411"));
        assert!((55.3..55.6).contains(&reunion.lon) && (-21.0..-20.8).contains(&reunion.lat));
        let zero = pop
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::ZeroWeight)
            .unwrap();
        assert_eq!(zero.count, 2);

        // The weight column is the user's choice; exact match first.
        let pop = read_insee_grid(&p, &GridOptions::new("Ind")).unwrap();
        assert_eq!(pop.counts, "people");
        assert_eq!(pop.total_weight(), 117.5);
    }

    #[test]
    fn semicolon_file_with_decimal_commas_and_groups() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "carreaux.csv",
            "idcar_200m;ind;epci\n\
             CRS3035RES200mN2029800E4252400;\"12,5\";200018653\n\
             CRS3035RES200mN2029800E4252600;3;200018653\n",
        );
        let mut opts = GridOptions::new("Ind");
        opts.group_by = vec!["epci".into()];
        opts.counts = Some("people (estimated)".into());
        let pop = read_insee_grid(&p, &opts).unwrap();
        assert_eq!(pop.units[0].weight, 12.5);
        assert_eq!(pop.units[1].groups["epci"], "200018653");
        assert_eq!(pop.counts, "people (estimated)");
        // No lcog_geo column: units have no commune, and a warning says how many.
        let w = pop
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::NoCommune)
            .unwrap();
        assert_eq!(w.count, 2);
    }

    #[test]
    fn bad_grid_inputs_name_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "idcar_200m,Men\nCRS3035RES200mN1E2,1\n",
                "Ind",
                "line 1",
                "Ind",
            ),
            (
                "id,Ind\nCRS3035RES200mN1E2,1\n",
                "Ind",
                "line 1",
                "idcar_200m",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,1\nN2029800E4252400,1\n",
                "Ind",
                "line 3",
                "idcar_200m",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,abc\n",
                "Ind",
                "line 2",
                "Ind",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,\n",
                "Ind",
                "line 2",
                "Ind",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,-4\n",
                "Ind",
                "line 2",
                "Ind",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,1\nCRS3035RES200mN0E0,1\n",
                "Ind",
                "line 3",
                "idcar_200m",
            ),
            (
                "idcar_200m,Ind\nCRS3035RES200mN0E0,1\nCRS999999RES200mN0E0,1\n",
                "Ind",
                "line 3",
                "idcar_200m",
            ),
        ];
        for (i, (text, weight, at, field)) in cases.iter().enumerate() {
            let name = format!("grid{i}.csv");
            let p = write(&dir, &name, text);
            let msg = read_insee_grid(&p, &GridOptions::new(*weight))
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains(&name) && msg.contains(at) && msg.contains(&format!("`{field}`")),
                "case {i}: {msg}"
            );
        }
        let p = write(&dir, "header_only.csv", "idcar_200m,Ind\n");
        assert!(matches!(
            read_insee_grid(&p, &GridOptions::new("Ind")),
            Err(Error::Empty { .. })
        ));
    }
}
