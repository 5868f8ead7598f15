//! Command-line flags, as parsed by clap (raw); each command validates them into typed values.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "zoneblanche",
    version,
    about = "Car travel time from where families live to family services, and the zones blanches"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import an OSM PBF extract into a graph cache file (.zbg) that loads much faster.
    Import(ImportArgs),
    /// Car travel time from each demand point to its nearest site.
    Times(TimesArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The .osm.pbf extract.
    pub pbf: PathBuf,
    /// The graph file to write.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// A car profile TOML file (default: the built-in car profile).
    #[arg(long)]
    pub profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Road network from an OSM PBF extract.
    #[arg(long, conflicts_with = "graph", required_unless_present = "graph")]
    pub pbf: Option<PathBuf>,
    /// Road network from a graph cache written by `zoneblanche import`.
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// A car profile TOML file (with --pbf; a graph file keeps the profile it was built with).
    #[arg(long, conflicts_with = "graph")]
    pub profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TimesArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Sites CSV: header with at least id,lon,lat.
    #[arg(long)]
    pub sites: PathBuf,
    /// Demand CSV: id,lon,lat and an optional weight (default 1).
    #[arg(long)]
    pub demand: PathBuf,
    /// Output CSV: id,seconds,site_id,snap_m,flagged.
    #[arg(long)]
    pub out: PathBuf,
    /// Travel-time threshold in minutes; farther points are flagged.
    #[arg(long, default_value_t = 30.0)]
    pub threshold_min: f64,
    /// Points farther than this from every road are unreachable.
    #[arg(long, default_value_t = zb_routing::DEFAULT_MAX_SNAP_M)]
    pub max_snap_m: f64,
}
