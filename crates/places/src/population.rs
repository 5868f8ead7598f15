//! Demand units (where families live, with a weight) and the population they make up.

use std::collections::BTreeMap;
use std::fmt;

use geo::MultiPolygon;

use crate::crs::GridCell;

/// A point of demand: a share of a commune's population on its roads, an INSEE grid cell or a
/// user-given point.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandUnit {
    /// Unique within its population: `<commune>-<cell id>`, `<commune>-mairie`, the cell id, or
    /// the point's id.
    pub id: String,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// What it counts is [`Population::counts`]; never negative.
    pub weight: f64,
    /// INSEE code of the commune (5 characters, leading zeros kept), when known.
    pub commune: Option<String>,
    /// The grid cell the unit stands for or lies in, when known.
    pub cell: Option<GridCell>,
    /// Grouping values carried to the outputs (e.g. `lcog_geo`, an EPCI, a CAF area).
    pub groups: BTreeMap<String, String>,
}

/// What a [`Warning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WarningKind {
    /// Communes with no weighted road inside, placed at their mairie.
    PlacedAtMairie,
    /// Units kept with a weight of 0.
    ZeroWeight,
    /// Units without a commune code.
    NoCommune,
}

/// Something the user should know about how the population was built; carries a count so the
/// outputs can say "3 communes ..." rather than list them.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub kind: WarningKind,
    /// How many communes or units it concerns.
    pub count: usize,
    /// One readable line, count included.
    pub message: String,
    /// Up to a few examples (commune codes, unit ids) to help find them.
    pub examples: Vec<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.examples.is_empty() {
            write!(f, " (e.g. {})", self.examples.join(", "))?;
        }
        Ok(())
    }
}

/// How many examples a warning keeps.
pub(crate) const MAX_EXAMPLES: usize = 5;

impl Warning {
    /// A warning about units of weight 0 (kept, not dropped), if there are any.
    pub(crate) fn zero_weight(units: &[DemandUnit]) -> Option<Warning> {
        let zero: Vec<&DemandUnit> = units.iter().filter(|u| u.weight == 0.0).collect();
        (!zero.is_empty()).then(|| Warning {
            kind: WarningKind::ZeroWeight,
            count: zero.len(),
            message: format!("{} units have a weight of 0 (kept)", zero.len()),
            examples: zero
                .iter()
                .take(MAX_EXAMPLES)
                .map(|u| u.id.clone())
                .collect(),
        })
    }
}

/// A commune (read by `communes::read_communes`): INSEE code, name, weight (population or any count), mairie and boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    /// INSEE code, 5 characters (`06012`, `2A004`).
    pub code: String,
    pub name: String,
    /// The value of the weight field chosen when reading.
    pub weight: f64,
    /// (lon, lat) of the town hall, the fallback position of its population.
    pub mairie: (f64, f64),
    /// WGS84 boundary.
    pub geometry: MultiPolygon<f64>,
    /// Every property as text (code and weight included).
    pub props: BTreeMap<String, String>,
}

/// Demand units with the meaning of their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub units: Vec<DemandUnit>,
    /// What a weight counts ("people", "households", "single-parent families", "children"...),
    /// carried to every output.
    pub counts: String,
    /// The communes the units were spread from (empty for grid and point sources).
    pub communes: Vec<Commune>,
    pub warnings: Vec<Warning>,
}

impl Population {
    /// A population of ready units (grid cells, points), with warnings about units of weight 0
    /// and units without a commune.
    pub fn from_units(units: Vec<DemandUnit>, counts: impl Into<String>) -> Population {
        let mut warnings: Vec<Warning> = Warning::zero_weight(&units).into_iter().collect();
        let no_commune: Vec<&DemandUnit> = units.iter().filter(|u| u.commune.is_none()).collect();
        if !no_commune.is_empty() {
            warnings.push(Warning {
                kind: WarningKind::NoCommune,
                count: no_commune.len(),
                message: format!("{} units have no commune code", no_commune.len()),
                examples: no_commune
                    .iter()
                    .take(MAX_EXAMPLES)
                    .map(|u| u.id.clone())
                    .collect(),
            });
        }
        Population {
            units,
            counts: counts.into(),
            communes: Vec::new(),
            warnings,
        }
    }

    /// Sum of the unit weights.
    pub fn total_weight(&self) -> f64 {
        self.units.iter().map(|u| u.weight).sum()
    }
}

/// A readable `counts` for well-known INSEE column names (Filosofi grid, census), else the
/// column name itself.
pub fn counts_for_column(column: &str) -> String {
    let known = match column.to_ascii_lowercase().as_str() {
        "ind" | "population_municipale" | "pmun" | "ptot" => "people",
        "men" => "households",
        "men_fmp" => "single-parent families",
        "men_5ind" => "households of 5 or more",
        "men_coll" => "households in collective housing",
        "ind_0_3" => "children aged 0-3",
        "ind_4_5" => "children aged 4-5",
        "ind_6_10" => "children aged 6-10",
        "ind_11_17" => "children aged 11-17",
        "ind_0_17" => "children aged 0-17",
        _ => return column.to_string(),
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_names() {
        assert_eq!(counts_for_column("Ind"), "people");
        assert_eq!(counts_for_column("Men_fmp"), "single-parent families");
        assert_eq!(counts_for_column("familles"), "familles");
    }

    #[test]
    fn zero_weight_warning_counts_units() {
        let unit = |id: &str, weight: f64| DemandUnit {
            id: id.into(),
            lon: 3.0,
            lat: 44.0,
            weight,
            commune: None,
            cell: None,
            groups: BTreeMap::new(),
        };
        assert!(Warning::zero_weight(&[unit("a", 1.0)]).is_none());
        let w = Warning::zero_weight(&[unit("a", 0.0), unit("b", 2.0), unit("c", 0.0)]).unwrap();
        assert_eq!((w.kind, w.count), (WarningKind::ZeroWeight, 2));
        assert_eq!(
            w.to_string(),
            "2 units have a weight of 0 (kept) (e.g. a, c)"
        );
    }
}
