//! Sites and population for zoneblanche: where family services are, and where the families
//! who might need them live.
//!
//! Main types:
//! - [`Site`], read by [`read_sites`] (CSV or GeoJSON), and [`SiteIndex`], an R-tree answering
//!   nearest-k and within-radius queries in haversine metres;
//! - [`DemandUnit`] and [`Population`] (units, what their weight `counts`, communes, warnings),
//!   built from
//!   - commune polygons ([`read_communes`]) spread over road pieces ([`spread_communes`],
//!     [`Population::from_communes`], [`ClassWeights`]),
//!   - INSEE 200 m grid files ([`read_insee_grid`], [`GridOptions`]),
//!   - weighted points in any EPSG CRS ([`read_points`], [`PointsOptions`]);
//! - [`Transformer`] (PROJ, built from source and with its database embedded), [`GridCell`],
//!   [`grid3035_cell_of`] and [`cell_polygon_wgs84`] in the [`crs`] module;
//! - [`Error`]: every message is one line naming file, line (or feature index) and field.
//!
//! This crate knows nothing of roads beyond [`RoadPiece`]; snapping sites and families to the
//! road graph is the coverage crate's job.
//!
//! ```no_run
//! use zb_places::{
//!     ClassWeights, GridOptions, Population, RoadPiece, SiteIndex, read_communes,
//!     read_insee_grid, read_sites,
//! };
//!
//! # fn main() -> Result<(), zb_places::Error> {
//! let sites = read_sites("mediation.csv", Some("mediation"))?;
//! let index = SiteIndex::new(&sites);
//! let nearest = index.nearest_k(3.4993, 44.5181, 3); // (site index, metres)
//!
//! let communes = read_communes("communes_48_lozere.geojson", "population_municipale")?;
//! let roads: Vec<RoadPiece> = Vec::new(); // from the road graph, in the coverage crate
//! let by_roads = Population::from_communes(communes, &roads, &ClassWeights::default(), "people");
//! for warning in &by_roads.warnings {
//!     eprintln!("{warning}");
//! }
//!
//! let grid = read_insee_grid("carreaux_200m.csv", &GridOptions::new("Men_fmp"))?;
//! assert_eq!(grid.counts, "single-parent families");
//! # let _ = nearest;
//! # Ok(())
//! # }
//! ```

pub mod atoms;
pub mod communes;
pub mod crs;
mod error;
mod features;
pub mod grid;
pub mod index;
pub mod point_rows;
pub mod points;
pub mod population;
pub mod sites;
mod table;

pub use atoms::{Atoms, build_atoms, unit_cell_3035};
pub use communes::{ClassWeights, Commune, RoadPiece, read_communes, spread_communes};
pub use crs::{GridCell, Transformer, cell_polygon_wgs84, grid3035_cell_of};
pub use error::{At, Error, Result};
pub use grid::{GridOptions, read_insee_grid};
pub use index::{EARTH_RADIUS_M, SiteIndex, haversine_m};
pub use point_rows::{PointRow, read_point_rows};
pub use points::{PointsOptions, read_points};
pub use population::{DemandUnit, Population, Warning, WarningKind, counts_for_column};
pub use sites::{
    KIND_ESPACE_RENCONTRE, KIND_MEDIATION, Site, read_sites, read_sites_csv, read_sites_geojson,
};
