//! zb-coverage: coverage studies of family services.
//!
//! * [`StudyFile`] (the `study.toml`) -> [`Study::load`]: the road graph, sites and demand units,
//!   snapped once;
//! * [`Study::evaluate`] -> [`Coverage`]: per kind of site, every unit's minutes to its nearest
//!   site, its [`Status`] against the thresholds (with the [`Reason`] when unreachable, and
//!   whether the trip takes a ferry), aggregates ([`Agg`]) by commune and grouping,
//!   and the zones blanches ([`Zone`]: 200 m EPSG:3035 cells, [`dissolve`]d);
//!
//! Results here are raw (weights, positions, per-unit minutes): they reach a file or an HTTP
//! body only through `zb-publish`; what-if and recommend live in `zb-whatif`, the scenario
//! store in `zb-store`.
//!
//! ```no_run
//! let study = zb_coverage::load_study("data/monaco/study.toml".as_ref()).unwrap();
//! let coverage = study.evaluate();
//! for k in &coverage.kinds {
//!     println!("{}: {:.0} of {:.0} within {} min", k.kind, k.overall.within_weight, k.overall.total_weight, k.threshold_min);
//! }
//! ```

pub mod config;
pub mod dissolve;
mod error;
pub mod evaluate;
pub mod partition;
pub mod provenance;
mod study;

pub use config::{StudyFile, Thresholds};
pub use error::CoverageError;
pub use evaluate::{
    Agg, Coverage, KindCoverage, Reason, Status, Trip, UnitResult, Zone, unit_trip,
    weighted_quantile,
};
pub use study::{AtomStats, CommuneInfo, Study, load_study, road_pieces};

/// Something a user should know about a study's inputs, with a count (nothing is dropped
/// silently).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Warning {
    /// `sites` or `population`.
    pub about: String,
    /// How many sites, communes or units it concerns; `None` for raw population units when
    /// they are fewer than the secrecy minimum (the message then says "fewer than N").
    pub count: Option<usize>,
    /// One line, published with the study's documents: never a raw unit's id, weight or
    /// position.
    pub message: String,
    /// Examples for the person running the study (the CLI prints them on stderr); never
    /// published.
    #[serde(skip)]
    pub detail: Option<String>,
}

impl Warning {
    pub fn new(about: &str, count: usize, message: String) -> Warning {
        Warning {
            about: about.to_string(),
            count: Some(count),
            message,
            detail: None,
        }
    }
}
