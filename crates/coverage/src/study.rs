//! A loaded study: the road graph, the sites and the demand units, all snapped onto the roads
//! once, ready to be evaluated for any thresholds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use zb_places::{
    DemandUnit, GridOptions, PointsOptions, Population, RoadPiece, Site, counts_for_column,
    read_communes, read_insee_grid, read_points, read_sites,
};
use zb_routing::{
    DEFAULT_MAX_SNAP_M, Graph, NoProgress, Profile, Progress, Snap, SnapIndex, Unsnapped, cache,
    import_pbf,
};

use crate::config::{PopulationConfig, PopulationFormat, StudyFile, Thresholds};
use crate::partition::UnitIndex;
use crate::provenance::{InputFile, Provenance};
use crate::{CoverageError, Warning};

/// A commune of the study, for reporting.
#[derive(Debug, Clone, PartialEq)]
pub struct CommuneInfo {
    pub code: String,
    pub name: String,
    /// The published population (or other weight) of the commune, when the source gives one:
    /// published totals are exempt from the secrecy rule.
    pub published_total: Option<f64>,
    pub geometry: Option<geo::MultiPolygon<f64>>,
    /// (lon, lat) of the town hall, when the commune came from a communes source (candidate
    /// sites for `recommend`).
    pub mairie: Option<(f64, f64)>,
}

/// How a study's raw demand units (points, cells, shares of communes) were grouped into safe
/// units. Counts of units and cells only, never weights.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AtomStats {
    /// Units read from the population sources.
    pub raw_units: usize,
    /// Safe units made of them.
    pub units: usize,
    /// Safe units made of more than one 200 m cell.
    pub multi_cell_units: usize,
    /// 200 m cells in all.
    pub cells: usize,
    /// Communes counted with a neighbour because their own total was under the minimum.
    pub communes_merged: usize,
}

/// A study ready to evaluate. Fields are public for the exporters and the what-if engine.
pub struct Study {
    pub name: Option<String>,
    pub synthetic: bool,
    pub graph: Arc<Graph>,
    pub index: Arc<SnapIndex>,
    pub sites: Vec<Site>,
    pub site_snaps: Vec<Result<Snap, Unsnapped>>,
    /// The demand units: the population's safe units ([`zb_places::atoms`]), each of weight 0
    /// or at least the secrecy minimum, at its representative cell centre.
    pub units: Vec<DemandUnit>,
    /// Per unit: the 200 m EPSG:3035 cells it is made of, as `(easting / 200, northing / 200)`,
    /// sorted (one cell for most units).
    pub footprints: Vec<Vec<(i64, i64)>>,
    /// How the raw units were grouped into [`Study::units`].
    pub atoms: AtomStats,
    pub unit_snaps: Vec<Result<Snap, Unsnapped>>,
    /// What a unit weight counts ("people", "households"...).
    pub counts: String,
    /// Communes known to the study, sorted by code.
    pub communes: Vec<CommuneInfo>,
    /// Grouping columns found on the units (besides the commune).
    pub group_columns: Vec<String>,
    pub thresholds: Thresholds,
    /// The time bands' upper limits in minutes ([`crate::config::BandsConfig`]): reachable
    /// people are counted in the bands below, between and above them.
    pub bands_min: Vec<f64>,
    pub secrecy_min_count: f64,
    pub max_snap_m: f64,
    pub provenance: Provenance,
    pub warnings: Vec<Warning>,
    /// The units partitioned by commune, group and cell: built on first use, from `units`,
    /// `communes` and `group_columns` as they are then (change none of them afterwards).
    unit_index: OnceLock<UnitIndex>,
}

fn sha256_file(path: &Path) -> Result<String, CoverageError> {
    let bytes = std::fs::read(path).map_err(|source| CoverageError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

/// The road graph's segments as pieces for spreading commune populations.
pub fn road_pieces(graph: &Graph) -> Vec<RoadPiece> {
    let classes = graph.classes();
    let mut out = Vec::with_capacity(graph.num_shape_points());
    for l in 0..graph.num_links() as u32 {
        let shape = graph.link_shape(l);
        let cum = graph.link_cum_m(l);
        let class = &classes[graph.link_class(l) as usize];
        for i in 0..shape.len() - 1 {
            let length_m = f64::from(cum[i + 1] - cum[i]);
            if length_m <= 0.0 {
                continue;
            }
            out.push(RoadPiece {
                lon: (shape[i].lon() + shape[i + 1].lon()) / 2.0,
                lat: (shape[i].lat() + shape[i + 1].lat()) / 2.0,
                length_m,
                class: class.clone(),
            });
        }
    }
    out
}

impl Study {
    /// Loads a study file: reads every input, builds or loads the graph, snaps everything.
    pub fn load(path: &Path, progress: &dyn Progress) -> Result<Study, CoverageError> {
        let file = StudyFile::read(path)?;
        let bands_min = file.bands.limits().map_err(|reason| CoverageError::Study {
            path: path.to_path_buf(),
            reason,
        })?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let resolve = |p: &Path| -> PathBuf { base.join(p) };
        let mut inputs = vec![InputFile::new("study", path, sha256_file(path)?)];

        let graph = if let Some(pbf) = &file.network.pbf {
            let pbf = resolve(pbf);
            // `car` and `simple` name the built-in profiles; anything else is a TOML file.
            let builtin = file
                .network
                .profile
                .as_deref()
                .and_then(|p| p.to_str())
                .and_then(Profile::builtin);
            let profile = match (&file.network.profile, builtin) {
                (_, Some(b)) => b,
                (Some(p), None) => {
                    let p = resolve(p);
                    inputs.push(InputFile::new("profile", &p, sha256_file(&p)?));
                    Profile::from_toml_file(&p)?
                }
                (None, None) => Profile::default(),
            };
            let raw = import_pbf(&pbf, &profile, progress)?;
            inputs.push(InputFile::new("network", &pbf, sha256_file(&pbf)?));
            Graph::from_raw(&raw)
        } else {
            let g = resolve(
                file.network
                    .graph
                    .as_deref()
                    .expect("checked by StudyFile::parse"),
            );
            let graph = cache::read_graph(&g)?;
            inputs.push(InputFile::new("network", &g, sha256_file(&g)?));
            graph
        };

        let mut sites = Vec::new();
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for sc in &file.sites {
            let p = resolve(&sc.file);
            let read = read_sites(&p, sc.kind.as_deref())?;
            for s in &read {
                if let Some(first) = seen.insert(s.id.clone(), p.clone()) {
                    return Err(CoverageError::Study {
                        path: p.clone(),
                        reason: format!("site id `{}` is also in {}", s.id, first.display()),
                    });
                }
            }
            inputs.push(InputFile::new("sites", &p, sha256_file(&p)?));
            sites.extend(read);
        }

        let pieces = if file
            .population
            .iter()
            .any(|p| p.format == PopulationFormat::Communes)
        {
            road_pieces(&graph)
        } else {
            Vec::new()
        };
        let mut populations = Vec::new();
        for pc in &file.population {
            let p = resolve(&pc.file);
            populations.push(read_population(&p, pc, &pieces)?);
            inputs.push(InputFile::new("population", &p, sha256_file(&p)?));
        }
        let counts = populations[0].counts.clone();
        if let Some(other) = populations.iter().find(|p| p.counts != counts) {
            return Err(CoverageError::Study {
                path: path.to_path_buf(),
                reason: format!(
                    "population sources count different things (`{counts}` and `{}`): give them the same `counts`",
                    other.counts
                ),
            });
        }
        let thresholds =
            Thresholds::from_table(&file.thresholds).map_err(|reason| CoverageError::Study {
                path: path.to_path_buf(),
                reason,
            })?;
        let provenance = Provenance::new(
            file.study.name.clone(),
            inputs,
            graph.profile_name().to_string(),
            file.study.synthetic || sites.iter().any(|s| s.synthetic),
        );
        let mut study = Study::from_parts(
            file.study.name,
            file.study.synthetic,
            graph,
            sites,
            populations,
            thresholds,
            file.secrecy.min_count,
            file.network.max_snap_m.unwrap_or(DEFAULT_MAX_SNAP_M),
            provenance,
        );
        study.bands_min = bands_min;
        Ok(study)
    }

    /// Builds a study from parts already in memory (tests, benchmarks, the what-if engine).
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        name: Option<String>,
        synthetic: bool,
        graph: Graph,
        sites: Vec<Site>,
        populations: Vec<Population>,
        thresholds: Thresholds,
        secrecy_min_count: f64,
        max_snap_m: f64,
        provenance: Provenance,
    ) -> Study {
        let index = SnapIndex::new(&graph);
        let site_snaps: Vec<_> = sites
            .par_iter()
            .map(|s| index.snap(&graph, s.lon, s.lat, max_snap_m))
            .collect();
        let mut warnings = Vec::new();
        let mut units = Vec::new();
        let mut communes: BTreeMap<String, CommuneInfo> = BTreeMap::new();
        let counts = populations
            .first()
            .map(|p| p.counts.clone())
            .unwrap_or_else(|| "people".into());
        for p in populations {
            warnings.extend(
                p.warnings
                    .iter()
                    .map(|w| population_warning(w, secrecy_min_count)),
            );
            for c in p.communes {
                communes.insert(
                    c.code.clone(),
                    CommuneInfo {
                        code: c.code,
                        name: c.name,
                        published_total: Some(c.weight),
                        geometry: Some(c.geometry),
                        mairie: Some(c.mairie),
                    },
                );
            }
            units.extend(p.units);
        }
        let raw_units = units.len();
        let atoms = zb_places::build_atoms(&units, secrecy_min_count);
        if !atoms.merged.is_empty() {
            let ex: Vec<String> = atoms
                .merged
                .iter()
                .take(5)
                .map(|m| format!("{} with {}", or_none(&m.commune), or_none(&m.into)))
                .collect();
            warnings.push(Warning::new(
                "population",
                atoms.merged.len(),
                format!(
                    "{} communes or groups have a total under the secrecy minimum ({secrecy_min_count}): each is counted with its nearest neighbour (e.g. {})",
                    atoms.merged.len(),
                    ex.join(", ")
                ),
            ));
        }
        for m in &atoms.merged {
            // Its total now holds a neighbour's people too: no longer the published figure.
            if let Some(c) = communes.get_mut(&m.into) {
                c.published_total = None;
            }
        }
        let atom_stats = AtomStats {
            raw_units,
            units: atoms.units.len(),
            multi_cell_units: atoms.multi_cell(),
            cells: atoms.footprints.iter().map(Vec::len).sum(),
            communes_merged: atoms.merged.len(),
        };
        let footprints = atoms.footprints;
        let units = atoms.units;
        for u in &units {
            if let Some(code) = &u.commune {
                communes.entry(code.clone()).or_insert_with(|| CommuneInfo {
                    code: code.clone(),
                    name: String::new(),
                    published_total: None,
                    geometry: None,
                    mairie: None,
                });
            }
        }
        let unit_snaps: Vec<_> = units
            .par_iter()
            .map(|u| index.snap(&graph, u.lon, u.lat, max_snap_m))
            .collect();
        let off: Vec<&Site> = sites
            .iter()
            .zip(&site_snaps)
            .filter(|(_, s)| s.is_err())
            .map(|(s, _)| s)
            .collect();
        if !off.is_empty() {
            let ex: Vec<&str> = off.iter().take(5).map(|s| s.id.as_str()).collect();
            warnings.push(Warning::new(
                "sites",
                off.len(),
                format!(
                    "{} sites are farther than {max_snap_m} m from any road and serve no one (e.g. {})",
                    off.len(),
                    ex.join(", ")
                ),
            ));
        }
        let (n_off, w_off) = units
            .iter()
            .zip(&unit_snaps)
            .filter(|(_, s)| s.is_err())
            .fold((0, 0.0), |(n, w), (u, _)| (n + 1, w + u.weight));
        if n_off > 0 {
            warnings.push(Warning::new(
                "population",
                n_off,
                format!(
                    "{n_off} demand units (weight {w_off:.1}) are farther than {max_snap_m} m from any road: counted unreachable"
                ),
            ));
        }
        let group_columns: Vec<String> = units
            .iter()
            .flat_map(|u| u.groups.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Study {
            name,
            synthetic,
            graph: Arc::new(graph),
            index: Arc::new(index),
            sites,
            site_snaps,
            units,
            footprints,
            atoms: atom_stats,
            unit_snaps,
            counts,
            communes: communes.into_values().collect(),
            group_columns,
            thresholds,
            bands_min: crate::config::DEFAULT_BANDS_MIN.to_vec(),
            secrecy_min_count,
            max_snap_m,
            provenance,
            warnings,
            unit_index: OnceLock::new(),
        }
    }

    /// The units partitioned by commune, grouping value and 200 m cell (built once).
    pub fn unit_index(&self) -> &UnitIndex {
        self.unit_index.get_or_init(|| UnitIndex::new(self))
    }

    /// The kinds of site in the study, sorted.
    pub fn kinds(&self) -> Vec<String> {
        self.sites
            .iter()
            .map(|s| s.kind.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Total weight of all demand units.
    pub fn total_weight(&self) -> f64 {
        self.units.iter().map(|u| u.weight).sum()
    }
}

fn read_population(
    path: &Path,
    pc: &PopulationConfig,
    pieces: &[RoadPiece],
) -> Result<Population, CoverageError> {
    let counts = pc
        .counts
        .clone()
        .unwrap_or_else(|| counts_for_column(&pc.weight));
    let pop = match pc.format {
        PopulationFormat::Communes => {
            let communes = read_communes(path, &pc.weight)?;
            let weights = pc.class_weights.clone().unwrap_or_default();
            let mut missing = Vec::new();
            for c in &communes {
                for g in &pc.group_by {
                    if !c.props.contains_key(g) {
                        missing.push((c.code.clone(), g.clone()));
                    }
                }
            }
            if let Some((code, g)) = missing.first() {
                return Err(CoverageError::Study {
                    path: path.to_path_buf(),
                    reason: format!("commune {code}: field `{g}` (a group_by column) is missing"),
                });
            }
            let group_of: HashMap<String, BTreeMap<String, String>> = communes
                .iter()
                .map(|c| {
                    let g = pc
                        .group_by
                        .iter()
                        .map(|k| (k.clone(), c.props[k].clone()))
                        .collect();
                    (c.code.clone(), g)
                })
                .collect();
            let mut pop = Population::from_communes(communes, pieces, &weights, counts);
            for u in &mut pop.units {
                if let Some(g) = u.commune.as_ref().and_then(|c| group_of.get(c)) {
                    u.groups.extend(g.clone());
                }
            }
            pop
        }
        PopulationFormat::InseeGrid => {
            let mut o = GridOptions::new(pc.weight.clone());
            if let Some(id) = &pc.id {
                o.id_column = id.clone();
            }
            o.counts = Some(counts);
            o.group_by = pc.group_by.clone();
            read_insee_grid(path, &o)?
        }
        PopulationFormat::Points => {
            let mut o = PointsOptions::new(pc.weight.clone());
            if let Some(e) = pc.epsg {
                o.epsg = e;
            }
            o.x_column = pc.x.clone();
            o.y_column = pc.y.clone();
            if let Some(id) = &pc.id {
                o.id_column = id.clone();
            }
            o.commune_column = pc.commune.clone();
            o.group_by = pc.group_by.clone();
            o.counts = Some(counts);
            read_points(path, &o)?
        }
    };
    if pop.units.is_empty() {
        return Err(CoverageError::Study {
            path: path.to_path_buf(),
            reason: "no demand unit in this population source".into(),
        });
    }
    Ok(pop)
}

/// A population source's warning as published. Warnings about raw units (points, cells) give
/// no unit id, and their count only when it is at least the secrecy minimum: a count of
/// households is a count. Warnings about communes (public) keep their examples.
fn population_warning(w: &zb_places::Warning, min: f64) -> Warning {
    use zb_places::WarningKind;
    let about_units = matches!(w.kind, WarningKind::ZeroWeight | WarningKind::NoCommune);
    if !about_units {
        return Warning::new("population", w.count, w.to_string());
    }
    let detail = (!w.examples.is_empty()).then(|| format!("e.g. {}", w.examples.join(", ")));
    let shown = w.count as f64 >= min;
    let message = if shown {
        w.message.clone()
    } else {
        let n = w.count.to_string();
        w.message.replacen(&n, &format!("fewer than {min}"), 1)
    };
    Warning {
        about: "population".into(),
        count: shown.then_some(w.count),
        message,
        detail,
    }
}

fn or_none(code: &str) -> &str {
    if code.is_empty() {
        "(no commune)"
    } else {
        code
    }
}

/// Loads a study without a progress display.
pub fn load_study(path: &Path) -> Result<Study, CoverageError> {
    Study::load(path, &NoProgress)
}
