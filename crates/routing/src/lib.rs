//! zb-routing: car travel time over an OpenStreetMap road graph.
//!
//! The pipeline, and the main types:
//! * [`Profile`]: OSM tags to speed and direction, a pure function: [`CarProfile`] (`car`, the
//!   default, modelled on OSRM's car.lua) or [`SimpleProfile`] (`simple`), TOML-extensible;
//! * [`import_pbf`] -> [`RawNetwork`]: car ways and the nodes they use, from a `.osm.pbf`;
//! * [`Graph::from_raw`] -> [`Graph`]: the frozen CSR graph (every strongly connected part, small
//!   parts marked, integer milliseconds, exact link geometry);
//! * [`SnapIndex`]: snaps points onto links, with a distance limit;
//! * [`Graph::nearest_sites`], [`SiteSeeds`], [`point_time`], [`Scratch`]: the searches;
//! * [`cache`]: the versioned binary graph file (`.zbg`).
//!
//! ```no_run
//! use zb_routing::{Graph, Profile, SiteSeeds, SnapIndex, import_pbf, point_time, NoProgress};
//! let raw = import_pbf("andorra.osm.pbf".as_ref(), &Profile::default(), &NoProgress).unwrap();
//! let graph = Graph::from_raw(&raw);
//! let index = SnapIndex::new(&graph);
//! let site = index.snap(&graph, 1.5218, 42.5063, 1000.0).unwrap();
//! let seeds = SiteSeeds::new(&graph, &[(0, site)]);
//! let field = seeds.field(&graph, None);
//! let home = index.snap(&graph, 1.5340, 42.5560, 1000.0).unwrap();
//! let (ms, _site) = point_time(&graph, &field, &seeds, &home).unwrap();
//! println!("{:.0} s", ms / 1000.0);
//! ```

mod build;
pub mod cache;
mod error;
pub mod geom;
mod graph;
mod import;
mod profile;
mod radix;
mod restrictions;
mod search;
mod snap;
pub mod turns;

pub use cache::write_atomic;
pub use error::RoutingError;
pub use graph::{
    Arc, BACKWARD, FORWARD, Graph, GraphStats, MAIN_PART_MIN_NODES, SMALL_PART, time_ms,
};
pub use import::{MISSING, RawNetwork, RawRestriction, RawWay, Via, import_pbf};
pub use profile::{
    BUILTIN_PROFILES, CarProfile, NodeRule, Profile, SimpleProfile, TurnModel, WayRule,
    parse_duration,
};
pub use search::{
    Direction, NO_SITE, NearestField, NodeTimes, PointTime, Scratch, Seed, SiteSeeds, UNREACHED,
    fraction, point_nodes, point_time, point_trip,
};
pub use snap::{DEFAULT_MAX_SNAP_M, Snap, SnapIndex, Unsnapped};

/// Reports the progress of long operations (the CLI draws a bar on stderr).
pub trait Progress: Sync {
    /// A new stage with `total` steps.
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps done.
    fn inc(&self, n: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: u64) {}
    fn inc(&self, _: u64) {}
}
