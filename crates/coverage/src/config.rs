//! The study file (`study.toml`): network, sites, population, thresholds, secrecy.
//! Paths are relative to the study file. See the README, "Study file".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::CoverageError;

/// Default travel-time threshold, minutes.
pub const DEFAULT_THRESHOLD_MIN: f64 = 30.0;
/// Default minimum count that may be published (INSEE's rule: fewer than 11 is secret).
pub const DEFAULT_MIN_COUNT: f64 = 11.0;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    #[serde(default)]
    pub study: StudyMeta,
    pub network: NetworkConfig,
    #[serde(default)]
    pub sites: Vec<SitesConfig>,
    #[serde(default)]
    pub population: Vec<PopulationConfig>,
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    #[serde(default)]
    pub secrecy: SecrecyConfig,
    #[serde(default)]
    pub bands: BandsConfig,
}

/// The time bands people are counted in (`[bands]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandsConfig {
    /// The bands' upper limits in minutes, increasing: `[15, 30, 45, 60]` (the default) counts
    /// 0-15, 15-30, 30-45, 45-60 and 60 minutes or more.
    pub minutes: Option<Vec<f64>>,
}

/// The default time bands' upper limits, in minutes.
pub const DEFAULT_BANDS_MIN: [f64; 4] = [15.0, 30.0, 45.0, 60.0];

impl BandsConfig {
    /// The bands' limits, checked: 1 to 12 of them, increasing, each above 0 and at most
    /// 1,440 minutes.
    pub fn limits(&self) -> Result<Vec<f64>, String> {
        let Some(m) = &self.minutes else {
            return Ok(DEFAULT_BANDS_MIN.to_vec());
        };
        if m.is_empty() || m.len() > 12 {
            return Err(format!(
                "[bands] minutes: give 1 to 12 limits, not {}",
                m.len()
            ));
        }
        for (i, &x) in m.iter().enumerate() {
            if !(x.is_finite() && x > 0.0 && x <= 1440.0) {
                return Err(format!(
                    "[bands] minutes[{i}] = {x}: a limit is above 0 and at most 1440 minutes"
                ));
            }
            if i > 0 && x <= m[i - 1] {
                return Err(format!(
                    "[bands] minutes[{i}] = {x}: the limits increase ({} before it)",
                    m[i - 1]
                ));
            }
        }
        Ok(m.clone())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyMeta {
    /// A title carried into the outputs.
    pub name: Option<String>,
    /// True when the study's inputs are made up (demo, tests): every output says so.
    #[serde(default)]
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    pub pbf: Option<PathBuf>,
    pub graph: Option<PathBuf>,
    pub profile: Option<PathBuf>,
    /// Default 1,000 m.
    pub max_snap_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitesConfig {
    pub file: PathBuf,
    /// Kind of every site of the file when it has no `kind` column.
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationFormat {
    Communes,
    InseeGrid,
    Points,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    pub file: PathBuf,
    pub format: PopulationFormat,
    /// The weight column or property.
    pub weight: String,
    /// What the weight counts; default from the column name.
    pub counts: Option<String>,
    /// Extra grouping columns reported on (EPCI, tribunal judiciaire...).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Points: EPSG code of the coordinates (default 4326).
    pub epsg: Option<u32>,
    /// Points: x / longitude column.
    pub x: Option<String>,
    /// Points: y / latitude column.
    pub y: Option<String>,
    /// Points: id column; INSEE grid: cell id column.
    pub id: Option<String>,
    /// Points: commune code column.
    pub commune: Option<String>,
    /// Communes: weights of road classes for spreading the population along roads.
    pub class_weights: Option<zb_places::ClassWeights>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecrecyConfig {
    /// Exported counts of people or households lie outside [1, min_count). Default 11.
    #[serde(default = "default_min_count")]
    pub min_count: f64,
}

fn default_min_count() -> f64 {
    DEFAULT_MIN_COUNT
}

impl Default for SecrecyConfig {
    fn default() -> Self {
        SecrecyConfig {
            min_count: DEFAULT_MIN_COUNT,
        }
    }
}

/// Travel-time and waiting thresholds per kind of site.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub default_min: f64,
    pub per_kind_min: BTreeMap<String, f64>,
    pub default_waiting_days: Option<f64>,
    pub per_kind_waiting_days: BTreeMap<String, f64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            default_min: DEFAULT_THRESHOLD_MIN,
            per_kind_min: BTreeMap::new(),
            default_waiting_days: None,
            per_kind_waiting_days: BTreeMap::new(),
        }
    }
}

impl Thresholds {
    /// From the `[thresholds]` table: `default_min`, `<kind>_min`, `default_waiting_days`,
    /// `<kind>_waiting_days`.
    pub fn from_table(table: &BTreeMap<String, f64>) -> Result<Thresholds, String> {
        let mut t = Thresholds::default();
        for (k, &v) in table {
            t.set(k, v)?;
        }
        Ok(t)
    }

    /// Sets one key of a `[thresholds]` table (a study's or a scenario's): `default_min`,
    /// `<kind>_min`, `default_waiting_days` or `<kind>_waiting_days`. The one parser of these
    /// keys.
    pub fn set(&mut self, k: &str, v: f64) -> Result<(), String> {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("[thresholds] {k} = {v}: must be a positive number"));
        }
        if k == "default_min" {
            self.default_min = v;
        } else if k == "default_waiting_days" {
            self.default_waiting_days = Some(v);
        } else if let Some(kind) = k.strip_suffix("_waiting_days").filter(|s| !s.is_empty()) {
            self.per_kind_waiting_days.insert(kind.to_string(), v);
        } else if let Some(kind) = k.strip_suffix("_min").filter(|s| !s.is_empty()) {
            self.per_kind_min.insert(kind.to_string(), v);
        } else {
            return Err(format!(
                "[thresholds] {k}: unknown key (expected default_min, <kind>_min, default_waiting_days or <kind>_waiting_days)"
            ));
        }
        Ok(())
    }

    /// Travel threshold for a kind, minutes.
    pub fn minutes(&self, kind: &str) -> f64 {
        self.per_kind_min
            .get(kind)
            .copied()
            .unwrap_or(self.default_min)
    }

    /// Waiting threshold for a kind, days, if any.
    pub fn waiting_days(&self, kind: &str) -> Option<f64> {
        self.per_kind_waiting_days
            .get(kind)
            .copied()
            .or(self.default_waiting_days)
    }

    /// Sets the travel threshold of one kind.
    pub fn set_minutes(&mut self, kind: &str, minutes: f64) {
        self.per_kind_min.insert(kind.to_string(), minutes);
    }
}

impl StudyFile {
    /// Reads and checks a study file; errors name the file, line and column.
    pub fn read(path: &Path) -> Result<StudyFile, CoverageError> {
        let text = std::fs::read_to_string(path).map_err(|source| CoverageError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        StudyFile::parse(&text).map_err(|reason| CoverageError::Study {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses study TOML; the error is one line with line and column when TOML gives them.
    pub fn parse(text: &str) -> Result<StudyFile, String> {
        let f: StudyFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        match (&f.network.pbf, &f.network.graph) {
            (Some(_), Some(_)) => return Err("[network]: give `pbf` or `graph`, not both".into()),
            (None, None) => return Err("[network]: `pbf` or `graph` is required".into()),
            _ => {}
        }
        if let Some(m) = f.network.max_snap_m
            && !(m.is_finite() && m >= 0.0)
        {
            return Err(format!(
                "[network] max_snap_m = {m}: must be a distance in metres"
            ));
        }
        if f.sites.is_empty() {
            return Err("no [[sites]] file".into());
        }
        if f.population.is_empty() {
            return Err("no [[population]] source".into());
        }
        if !(f.secrecy.min_count.is_finite() && f.secrecy.min_count >= 1.0) {
            return Err(format!(
                "[secrecy] min_count = {}: must be at least 1",
                f.secrecy.min_count
            ));
        }
        Thresholds::from_table(&f.thresholds)?;
        Ok(f)
    }
}

/// A TOML error as one line: `line L, column C: message`.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONACO: &str = r#"
[network]
pbf = "monaco.osm.pbf"
[[sites]]
file = "sites.csv"
[[population]]
file = "communes.geojson"
format = "communes"
weight = "population_municipale"
counts = "people"
[thresholds]
default_min = 30
mediation_min = 20
espace_rencontre_min = 45
espace_rencontre_waiting_days = 60
[secrecy]
min_count = 11
"#;

    #[test]
    fn the_documented_shape_parses() {
        let f = StudyFile::parse(MONACO).unwrap();
        assert_eq!(f.population[0].format, PopulationFormat::Communes);
        let t = Thresholds::from_table(&f.thresholds).unwrap();
        assert_eq!(t.minutes("mediation"), 20.0);
        assert_eq!(t.minutes("espace_rencontre"), 45.0);
        assert_eq!(t.minutes("other"), 30.0);
        assert_eq!(t.waiting_days("espace_rencontre"), Some(60.0));
        assert_eq!(t.waiting_days("mediation"), None);
        assert_eq!(f.secrecy.min_count, 11.0);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e =
            StudyFile::parse(&MONACO.replace("format = \"communes\"", "format = \"shapefile\""))
                .unwrap_err();
        assert!(e.starts_with("line 8, column 10"), "{e}");
        let e =
            StudyFile::parse(&MONACO.replace("[secrecy]", "[secrecy]\ncolour = 2")).unwrap_err();
        assert!(e.contains("colour"), "{e}");
        let e = StudyFile::parse(&MONACO.replace("mediation_min = 20", "mediation_minutes = 20"))
            .unwrap_err();
        assert!(e.contains("mediation_minutes"), "{e}");
        let e =
            StudyFile::parse(&MONACO.replace("default_min = 30", "default_min = -3")).unwrap_err();
        assert!(e.contains("positive"), "{e}");
        let e = StudyFile::parse(&MONACO.replace("pbf = \"monaco.osm.pbf\"", "")).unwrap_err();
        assert!(e.contains("pbf"), "{e}");
        let e = StudyFile::parse(&MONACO.replace("min_count = 11", "min_count = 0")).unwrap_err();
        assert!(e.contains("min_count"), "{e}");
    }
}
