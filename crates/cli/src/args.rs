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
    /// A coverage study: zones blanches and tables by commune, as GeoJSON, CSV and JSON.
    Coverage(CoverageArgs),
    /// Generate a SYNTHETIC territory: a road network around real communes, as an OSM PBF.
    Generate(GenerateArgs),
    /// What if sites open, move or close, or thresholds change: the diff, in milliseconds.
    Whatif(WhatifArgs),
    /// The best places for k new sites of a kind.
    Recommend(RecommendArgs),
    /// Saved scenarios: list, show, delete.
    Scenarios(ScenariosArgs),
    /// Serve the JSON API and the map page over HTTP.
    Serve(ServeArgs),
    /// The printable report (A4, French, self-contained HTML) for the committee, with the
    /// effect of the scenarios given.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The study file.
    #[arg(long, required_unless_present = "demo")]
    pub study: Option<PathBuf>,
    /// Use the built-in demo study (Lozère, SYNTHETIC roads and sites) instead of --study.
    #[arg(long, conflicts_with = "study")]
    pub demo: bool,
    /// A scenario file (TOML) whose effect the report shows; repeat for several.
    #[arg(long)]
    pub scenario: Vec<PathBuf>,
    /// The HTML file to write (rapport.html).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The study file (default: the SYNTHETIC Lozère demo embedded in the binary).
    #[arg(long)]
    pub study: Option<PathBuf>,
    /// Address and port to listen on. A non-loopback address needs a token (or
    /// --allow-anonymous-writes).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// A file holding the bearer token that saving and deleting scenarios require (default: the
    /// ZB_TOKEN environment variable; without either, anyone who reaches the server may write).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Allow writes without a token on a non-loopback address.
    #[arg(long)]
    pub allow_anonymous_writes: bool,
    /// The scenario database.
    #[arg(long, default_value_os_t = default_db())]
    pub db: PathBuf,
}

/// The default scenario database, in the user's data directory (XDG base directories):
/// `$XDG_DATA_HOME/zoneblanche/scenarios.sqlite`, else `$HOME/.local/share/zoneblanche/
/// scenarios.sqlite`, else `zoneblanche-scenarios.sqlite` in the current directory when
/// neither variable holds an absolute path.
pub fn default_db() -> PathBuf {
    zb_territory::demo::xdg_dir("XDG_DATA_HOME", ".local/share").map_or_else(
        || PathBuf::from("zoneblanche-scenarios.sqlite"),
        |d| d.join("scenarios.sqlite"),
    )
}

/// Opens (creating it and its folder when missing) the scenario database at `path`.
pub fn open_store(path: &std::path::Path) -> anyhow::Result<zb_store::ScenarioStore> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("{}: cannot create the folder: {e}", dir.display()))?;
    }
    Ok(zb_store::ScenarioStore::open(path)?)
}

#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// The study file.
    #[arg(long, required_unless_present = "demo")]
    pub study: Option<PathBuf>,
    /// Use the built-in demo study (Lozère, SYNTHETIC roads and sites) instead of --study.
    #[arg(long, conflicts_with = "study")]
    pub demo: bool,
    /// One scenario file (TOML); writes DIR/diff.json, changed.geojson,
    /// zones_blanches_before.geojson, zones_blanches_after.geojson.
    #[arg(long, conflicts_with = "scenarios", requires = "out_dir")]
    pub scenario: Option<PathBuf>,
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// A folder of scenario files (*.toml): one summary row per scenario into --out.
    #[arg(long, requires = "out")]
    pub scenarios: Option<PathBuf>,
    /// The summary CSV of --scenarios.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What each scenario is compared with: `study` (the study as loaded: its sites at its
    /// thresholds) or `thresholds` (the study's sites at the scenario's thresholds: the diff
    /// shows what the sites change).
    #[arg(long, value_enum, default_value_t = BeforeArg::Study)]
    pub before: BeforeArg,
    /// Also save the scenario(s) and their summary in the scenario database.
    #[arg(long)]
    pub save: bool,
    /// The scenario database.
    #[arg(long, default_value_os_t = default_db())]
    pub db: PathBuf,
}

/// `--before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BeforeArg {
    Study,
    Thresholds,
}

impl From<BeforeArg> for zb_whatif::Before {
    fn from(b: BeforeArg) -> Self {
        match b {
            BeforeArg::Study => zb_whatif::Before::Study,
            BeforeArg::Thresholds => zb_whatif::Before::ScenarioThresholds,
        }
    }
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[arg(long)]
    pub study: PathBuf,
    /// Kind of the new sites (mediation, espace_rencontre, ...).
    #[arg(long)]
    pub kind: String,
    /// How many sites to pick.
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// Candidates CSV (id,lon,lat[,label]); default: the mairies of the study's communes.
    #[arg(long, conflicts_with = "grid_m")]
    pub candidates: Option<PathBuf>,
    /// Candidates at the centres of the cells of this size (metres) that hold demand.
    #[arg(long)]
    pub grid_m: Option<u32>,
    /// cover (most weight brought within the threshold) or worst (lowest worst time).
    #[arg(long, default_value = "cover")]
    pub objective: String,
    /// Travel threshold in minutes (default: the study's for this kind).
    #[arg(long)]
    pub threshold_min: Option<f64>,
    /// Output GeoJSON of the picks.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub action: ScenariosAction,
    /// The scenario database.
    #[arg(long, global = true, default_value_os_t = default_db())]
    pub db: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ScenariosAction {
    /// List saved scenarios.
    List,
    /// Show one saved scenario as JSON.
    Show { name: String },
    /// Delete one saved scenario.
    Delete { name: String },
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The study file (TOML; paths inside are relative to it).
    #[arg(long, required_unless_present = "demo")]
    pub study: Option<PathBuf>,
    /// Use the built-in demo study (Lozère, SYNTHETIC roads and sites) instead of --study.
    #[arg(long, conflicts_with = "study")]
    pub demo: bool,
    /// Folder for sites.geojson, demand.geojson, zones_blanches.geojson, communes.geojson,
    /// communes.csv and summary.json (created if missing).
    #[arg(long)]
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Communes CSV with the columns of communes_france.csv (code_insee, dep,
    /// population_municipale, mairie_lon, mairie_lat; nom, inner_point_*, centroid_*,
    /// area_km2_approx used when present).
    #[arg(long)]
    pub communes: PathBuf,
    /// Départements to generate (repeat or comma-separate: --dep 48,12); default: every
    /// metropolitan département (not 971-976).
    #[arg(long, value_delimiter = ',')]
    pub dep: Vec<String>,
    /// Seed of the generator: the same communes and seed give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The .osm.pbf file to write.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The .osm.pbf extract.
    pub pbf: PathBuf,
    /// The graph file to write.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// The car profile: a built-in one, `car` (the default, modelled on OSRM's car.lua) or
    /// `simple` (legal speeds, no ferry), or a TOML file extending one of them.
    #[arg(long, value_name = "car|simple|FILE.toml")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Road network from an OSM PBF extract.
    #[arg(long, conflicts_with = "graph", required_unless_present = "graph")]
    pub pbf: Option<PathBuf>,
    /// Road network from a graph cache written by `zoneblanche import`.
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// The car profile, with --pbf (a graph file keeps the profile it was built with): a
    /// built-in one, `car` (the default, modelled on OSRM's car.lua) or `simple` (legal speeds,
    /// no ferry), or a TOML file extending one of them.
    #[arg(long, conflicts_with = "graph", value_name = "car|simple|FILE.toml")]
    pub profile: Option<String>,
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
    /// Output CSV: id,seconds,site_id,snap_m,flagged,via_ferry,reason.
    #[arg(long)]
    pub out: PathBuf,
    /// Travel-time threshold in minutes; farther points are flagged.
    #[arg(long, default_value_t = 30.0)]
    pub threshold_min: f64,
    /// Points farther than this from every road are unreachable.
    #[arg(long, default_value_t = zb_routing::DEFAULT_MAX_SNAP_M)]
    pub max_snap_m: f64,
}
