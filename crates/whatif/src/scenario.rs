//! What-if scenarios: a base study plus changes (add, move, close sites; change thresholds).
//!
//! A scenario file (TOML; the same fields in JSON over HTTP):
//!
//! ```toml
//! name = "Antenne à Mende"
//! description = "optional text"
//! [[add]]
//! id = "new-1"
//! kind = "espace_rencontre"
//! lon = 3.4993
//! lat = 44.5180
//! # name, capacity, waiting_days, opening: optional
//! [[move]]
//! id = "site-3"
//! lon = 3.51
//! lat = 44.52
//! [[close]]
//! id = "site-7"
//! [thresholds]
//! espace_rencontre_min = 45
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use zb_coverage::CoverageError;
use zb_coverage::config::toml_error;

/// A new site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddSite {
    pub id: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<f64>,
}

/// An existing site at a new position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveSite {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
}

/// An existing site closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseSite {
    pub id: String,
}

/// A named set of changes to a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<AddSite>,
    #[serde(default, rename = "move", skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<MoveSite>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub close: Vec<CloseSite>,
    /// Threshold changes, with the keys of the study's `[thresholds]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub thresholds: BTreeMap<String, f64>,
}

impl Scenario {
    /// Parses TOML; errors are one line with line and column.
    pub fn from_toml_str(text: &str) -> Result<Scenario, String> {
        let s: Scenario = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        s.check()?;
        Ok(s)
    }

    /// Parses JSON; errors are one line with line and column.
    pub fn from_json_str(text: &str) -> Result<Scenario, String> {
        let s: Scenario = serde_json::from_str(text).map_err(|e| e.to_string())?;
        s.check()?;
        Ok(s)
    }

    /// Reads a `.toml` (or `.json`) scenario file; errors name the file.
    pub fn read(path: &Path) -> Result<Scenario, CoverageError> {
        let text = std::fs::read_to_string(path).map_err(|source| CoverageError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "json") {
            Scenario::from_json_str(&text)
        } else {
            Scenario::from_toml_str(&text)
        };
        parsed.map_err(|reason| CoverageError::Study {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Checks what can be checked without the study: names, coordinates, numbers, thresholds.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("field `name`: a scenario needs a name".into());
        }
        let coord = |what: &str, i: usize, lon: f64, lat: f64| -> Result<(), String> {
            if !(lon.is_finite() && lon.abs() <= 180.0) {
                return Err(format!(
                    "{what}[{i}] field `lon`: {lon} is outside [-180, 180]"
                ));
            }
            if !(lat.is_finite() && lat.abs() <= 90.0) {
                return Err(format!(
                    "{what}[{i}] field `lat`: {lat} is outside [-90, 90]"
                ));
            }
            Ok(())
        };
        for (i, a) in self.add.iter().enumerate() {
            if a.id.trim().is_empty() {
                return Err(format!("add[{i}] field `id`: empty id"));
            }
            if a.kind.trim().is_empty() {
                return Err(format!("add[{i}] field `kind`: empty kind"));
            }
            coord("add", i, a.lon, a.lat)?;
            for (field, v) in [
                ("capacity", a.capacity),
                ("waiting_days", a.waiting_days),
                ("opening", a.opening),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    return Err(format!(
                        "add[{i}] field `{field}`: {v} is not a number >= 0"
                    ));
                }
            }
        }
        for (i, m) in self.moves.iter().enumerate() {
            coord("move", i, m.lon, m.lat)?;
        }
        let mut ids: Vec<&str> = self.add.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("add: id `{}` is added twice", w[0]));
        }
        for (k, v) in &self.thresholds {
            zb_coverage::Thresholds::default().set(k, *v)?;
            if k.ends_with("_min") && !(v.is_finite() && (1.0..=240.0).contains(v)) {
                return Err(format!(
                    "[thresholds] {k} = {v}: a travel threshold is between 1 and 240 minutes"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
name = "Antenne à Mende"
[[add]]
id = "new-1"
kind = "espace_rencontre"
lon = 3.4993
lat = 44.5180
[[close]]
id = "site-7"
[thresholds]
espace_rencontre_min = 45
"#;

    #[test]
    fn the_documented_example_parses_and_round_trips_through_json() {
        let s = Scenario::from_toml_str(EXAMPLE).unwrap();
        assert_eq!(s.add[0].kind, "espace_rencontre");
        assert_eq!(s.close[0].id, "site-7");
        assert_eq!(s.thresholds["espace_rencontre_min"], 45.0);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(Scenario::from_json_str(&json).unwrap(), s);
    }

    #[test]
    fn bad_scenarios_say_where() {
        let e = Scenario::from_toml_str(
            "name = \"x\"\n[[add]]\nid = \"a\"\nkind = \"mediation\"\nlon = \"east\"\nlat = 44\n",
        )
        .unwrap_err();
        assert!(e.starts_with("line 5, column 7"), "{e}");
        let e = Scenario::from_toml_str(&EXAMPLE.replace("lat = 44.5180", "lat = 95")).unwrap_err();
        assert!(e.contains("`lat`"), "{e}");
        let e = Scenario::from_toml_str(&EXAMPLE.replace("= 45", "= 500")).unwrap_err();
        assert!(e.contains("240"), "{e}");
        let e = Scenario::from_toml_str(&EXAMPLE.replace("[[close]]", "[[shut]]")).unwrap_err();
        assert!(e.contains("shut"), "{e}");
        let e =
            Scenario::from_json_str("{\"name\": \"x\", \"add\": [{\"id\": \"a\"}]}").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
