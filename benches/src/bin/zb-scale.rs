//! The scale benchmark (`benches/scale/run.sh`): how zoneblanche's costs grow with the size of
//! the territory, on generated territories (`zoneblanche generate`).
//!
//! ```text
//! zb-scale import PBF
//! zb-scale index X.zbg
//! zb-scale measure PBF --communes communes_france.csv [--dep 48,12] [--size NAME]
//!                  [--import-peak-kb KB] [--cache X.zbg] [--runs 5] [--header]
//! ```
//!
//! * `import`: only imports the PBF (`import_pbf` + `Graph::from_raw`), so that
//!   `/usr/bin/time -v` around it gives the peak memory of an import; prints
//!   `road_nodes,junctions,import_s` on stdout.
//! * `index`: (`zb-scale index X.zbg`) loads a graph cache and builds the snapping index;
//!   prints the resident memory the index adds and the process's peak, in MB. `measure` runs it
//!   as a child process (a fresh heap measures the index alone).
//! * `measure`: times, in one process, the import (PBF -> raw network -> graph), the graph's
//!   bytes per OSM road node and per junction, the graph cache written and loaded, the snapping
//!   index, a study built from the communes of `--dep` (every metropolitan département when
//!   absent) as demand, its full coverage (`Study::evaluate`), the what-if baseline and adding
//!   one site (`Baseline::apply_kind`). Prints one CSV row on stdout (with the header first
//!   under `--header`), and what it does on stderr.
//!
//! The study is SYNTHETIC: demand units are the communes' mairies weighted by
//! `population_municipale`; sites, one per 100,000 inhabitants (at least 2, so both kinds
//! exist), stand at the mairies of the most populous communes, kinds alternating `mediation`
//! and `espace_rencontre` by rank; their ids say `synthetic`. Thresholds: 30 min for
//! mediation, 45 min for espaces de rencontre.
//!
//! Repeated measures (cache load, snapping index, coverage) run up to `--runs` times within a
//! time budget and report the median; add-one-site is the median over 21 added sites spread
//! over the territory (and the slowest of them).

use std::path::{Path, PathBuf};
use std::time::Instant;

use zb_coverage::Study;
use zb_places::{DemandUnit, Population, Site};
use zb_routing::{Graph, NoProgress, Profile, SnapIndex, cache, import_pbf};
use zb_whatif::Baseline;

type Error = Box<dyn std::error::Error>;

/// Columns of the CSV row, in order.
const HEADER: &str = "size,deps,communes,population,pbf_mb,road_nodes,junctions,links,\
shape_points,import_s,import_pbf_s,graph_build_s,import_peak_mb,graph_mb,bytes_per_node,\
bytes_per_junction,cache_mb,cache_write_s,cache_load_s,snap_index_s,snap_index_mb,ready_peak_mb,study_build_s,units,sites,\
coverage_s,baseline_s,whatif_add_ms,whatif_add_max_ms,whatif_copy_ms,whatif_junctions,measure_peak_mb,\
load1";

struct Commune {
    code: String,
    name: String,
    population: f64,
    lon: f64,
    lat: f64,
}

/// Reads the communes of `deps` (every metropolitan département, not 97x, when empty) from a
/// `communes_france.csv`-like file (no quoted fields). Position: the mairie, else the inner
/// point, else the centroid (as `zoneblanche generate`); communes without one are skipped.
fn read_communes(path: &Path, deps: &[String]) -> Result<(Vec<Commune>, usize), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let need =
        |name: &str| col(name).ok_or_else(|| format!("{}: no `{name}` column", path.display()));
    let (c_code, c_dep, c_pop) = (
        need("code_insee")?,
        need("dep")?,
        need("population_municipale")?,
    );
    let c_name = col("nom");
    let positions: Vec<(usize, usize)> = [
        ("mairie_lon", "mairie_lat"),
        ("inner_point_lon", "inner_point_lat"),
        ("centroid_lon", "centroid_lat"),
    ]
    .iter()
    .filter_map(|(x, y)| Some((col(x)?, col(y)?)))
    .collect();
    if positions.is_empty() {
        return Err(format!("{}: no mairie_lon/mairie_lat columns", path.display()).into());
    }
    let mut out = Vec::new();
    let mut without_position = 0;
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if line.contains('"') {
            return Err(format!(
                "{}: line {}: quoted fields are not read",
                path.display(),
                n + 2
            )
            .into());
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |c: usize| f.get(c).copied().unwrap_or("");
        let dep = get(c_dep);
        let wanted = if deps.is_empty() {
            !dep.starts_with("97")
        } else {
            deps.iter().any(|d| d == dep)
        };
        if !wanted {
            continue;
        }
        let population = match get(c_pop) {
            "" => 0.0,
            s => s.parse::<f64>().map_err(|_| {
                format!(
                    "{}: line {}: population `{s}` is not a number",
                    path.display(),
                    n + 2
                )
            })?,
        };
        let pos = positions.iter().find_map(|&(x, y)| {
            let lon = get(x).parse::<f64>().ok()?;
            let lat = get(y).parse::<f64>().ok()?;
            (lon.is_finite() && lat.is_finite()).then_some((lon, lat))
        });
        let Some((lon, lat)) = pos else {
            without_position += 1;
            continue;
        };
        out.push(Commune {
            code: get(c_code).to_string(),
            name: c_name.map(get).unwrap_or("").to_string(),
            population,
            lon,
            lat,
        });
    }
    if out.is_empty() {
        return Err(format!("{}: no commune of départements {deps:?}", path.display()).into());
    }
    Ok((out, without_position))
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `f` until `max_runs` runs are timed in `times` (which may hold earlier runs) or the
/// next would take the total over `budget_s`; at least one run. Returns the median seconds of
/// `times`, their number and the last result.
fn timed_runs<T>(
    mut times: Vec<f64>,
    max_runs: usize,
    budget_s: f64,
    mut f: impl FnMut() -> T,
) -> (f64, usize, T) {
    loop {
        let t = Instant::now();
        let out = f();
        times.push(secs(t));
        let spent: f64 = times.iter().sum();
        let last = times[times.len() - 1];
        if times.len() >= max_runs.max(1) || spent + last > budget_s {
            let n = times.len();
            return (median(times), n, out);
        }
        drop(out);
    }
}

/// The 1-minute load average at the start (the machine may be shared); NaN when unknown.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// Peak resident memory of this process so far (VmHWM), in MB (10^6 bytes); NaN when unknown.
fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resident memory of this process now (VmRSS), in MB; NaN when unknown.
fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb * 1024.0 / 1e6)
}

fn import(pbf: &Path) -> Result<(Graph, usize, f64, f64), Error> {
    let t = Instant::now();
    let raw = import_pbf(pbf, &Profile::default(), &NoProgress)?;
    let t_pbf = secs(t);
    let t = Instant::now();
    let graph = Graph::from_raw(&raw);
    let t_graph = secs(t);
    Ok((graph, raw.node_ids.len(), t_pbf, t_graph))
}

struct Args {
    pbf: PathBuf,
    communes: Option<PathBuf>,
    deps: Vec<String>,
    size: String,
    import_peak_kb: Option<f64>,
    cache: Option<PathBuf>,
    runs: usize,
    header: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, Error> {
    let mut a = Args {
        pbf: PathBuf::new(),
        communes: None,
        deps: Vec::new(),
        size: String::new(),
        import_peak_kb: None,
        cache: None,
        runs: 5,
        header: false,
    };
    let mut pbf = None;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--communes" => a.communes = Some(value("--communes")?.into()),
            "--dep" => a.deps.extend(
                value("--dep")?
                    .split(',')
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty()),
            ),
            "--size" => a.size = value("--size")?,
            "--import-peak-kb" => {
                let v = value("--import-peak-kb")?;
                a.import_peak_kb = Some(v.parse().map_err(|_| format!("--import-peak-kb {v}"))?);
            }
            "--cache" => a.cache = Some(value("--cache")?.into()),
            "--runs" => {
                let v = value("--runs")?;
                a.runs = v.parse().map_err(|_| format!("--runs {v}"))?;
            }
            "--header" => a.header = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            s if pbf.is_none() => pbf = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}").into()),
        }
    }
    a.pbf = pbf.ok_or("missing the PBF file")?;
    Ok(a)
}

const USAGE: &str = "usage: zb-scale import PBF\n       zb-scale index X.zbg\n       zb-scale measure PBF --communes CSV [--dep 48,12] [--size NAME] [--import-peak-kb KB] [--cache X.zbg] [--runs 5] [--header]\n       zb-scale header";

fn main() {
    if let Err(e) = run() {
        eprintln!("zb-scale: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or(USAGE)?;
    match mode.as_str() {
        "header" => {
            println!("{HEADER}");
            Ok(())
        }
        "import" => {
            let a = parse_args(args)?;
            let t = Instant::now();
            let raw = import_pbf(&a.pbf, &Profile::default(), &NoProgress)?;
            let (t_pbf, peak_pbf, rss_pbf) = (secs(t), peak_rss_mb(), rss_mb());
            let t = Instant::now();
            let graph = Graph::from_raw(&raw);
            let t_graph = secs(t);
            let road_nodes = raw.node_ids.len();
            eprintln!(
                "import {}: {road_nodes} road nodes, {} junctions; PBF {t_pbf:.2} s (peak \
                 {peak_pbf:.0} MB, {rss_pbf:.0} MB resident after) + graph {t_graph:.2} s (peak \
                 {:.0} MB) = {:.2} s",
                a.pbf.display(),
                graph.num_vertices(),
                peak_rss_mb(),
                t_pbf + t_graph
            );
            println!(
                "{road_nodes},{},{:.3}",
                graph.num_vertices(),
                t_pbf + t_graph
            );
            Ok(())
        }
        "index" => {
            // The snapping index's memory, measured in a process that only loads the graph
            // cache and builds the index: the resident memory the index adds, and the peak.
            let a = parse_args(args)?;
            let graph = cache::read_graph(&a.pbf)?;
            let before = rss_mb();
            let index = SnapIndex::new(&graph);
            let index_mb = rss_mb() - before;
            let peak = peak_rss_mb();
            eprintln!(
                "index {}: {} segments, {index_mb:.0} MB resident; peak {peak:.0} MB",
                a.pbf.display(),
                index.len()
            );
            println!("{index_mb:.1},{peak:.1}");
            Ok(())
        }
        "measure" => measure(parse_args(args)?),
        _ => Err(USAGE.into()),
    }
}

/// Runs `zb-scale index CACHE` in a child process: (index MB, peak MB).
fn index_memory(cache: &Path) -> Result<(f64, f64), Error> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .arg("index")
        .arg(cache)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "zb-scale index {}: {}",
            cache.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let mut f = text.trim().split(',').map(|v| v.parse::<f64>());
    match (f.next(), f.next()) {
        (Some(Ok(a)), Some(Ok(b))) => Ok((a, b)),
        _ => Err(format!("zb-scale index: unexpected output `{}`", text.trim()).into()),
    }
}

fn measure(a: Args) -> Result<(), Error> {
    let load1 = load_average();
    let communes_csv = a.communes.clone().ok_or("measure needs --communes")?;
    let (communes, without_position) = read_communes(&communes_csv, &a.deps)?;
    let population: f64 = communes.iter().map(|c| c.population).sum();
    let pbf_mb = std::fs::metadata(&a.pbf)
        .map_err(|e| format!("{}: {e}", a.pbf.display()))?
        .len() as f64
        / 1e6;
    let size = if a.size.is_empty() {
        a.pbf
            .file_stem()
            .map(|s| s.to_string_lossy().trim_end_matches(".osm").to_string())
            .unwrap_or_default()
    } else {
        a.size.clone()
    };
    eprintln!(
        "[{size}] {} communes ({} without position skipped), population {population:.0}, PBF {pbf_mb:.1} MB",
        communes.len(),
        without_position
    );

    // Import.
    let t = Instant::now();
    let (graph, road_nodes, t_pbf, t_graph) = import(&a.pbf)?;
    let import_s = secs(t);
    let junctions = graph.num_vertices();
    let (links, shape_points) = (graph.num_links(), graph.num_shape_points());
    let graph_bytes = graph.heap_bytes();
    eprintln!(
        "[{size}] import {import_s:.2} s (PBF {t_pbf:.2} s, graph {t_graph:.2} s): {road_nodes} road nodes, \
         {junctions} junctions, {links} links, {shape_points} shape points; graph {:.1} MB = \
         {:.1} B/node, {:.1} B/junction",
        graph_bytes as f64 / 1e6,
        graph_bytes as f64 / road_nodes as f64,
        graph_bytes as f64 / junctions as f64
    );

    // Graph cache: written once, loaded up to `runs` times; the loaded graph is used next.
    let cache_path = a
        .cache
        .clone()
        .unwrap_or_else(|| a.pbf.with_extension("zbg"));
    let t = Instant::now();
    let cache_bytes = cache::write_graph(&graph, &cache_path)?;
    let cache_write_s = secs(t);
    let counts = (junctions, links, shape_points);
    drop(graph);
    let (snap_index_mb, ready_peak_mb) = index_memory(&cache_path)?;
    let (cache_load_s, load_runs, graph) =
        timed_runs(Vec::new(), a.runs, 15.0, || cache::read_graph(&cache_path));
    let graph = graph?;
    if (
        graph.num_vertices(),
        graph.num_links(),
        graph.num_shape_points(),
    ) != counts
    {
        return Err("the graph loaded from the cache differs from the one written".into());
    }
    eprintln!(
        "[{size}] cache {:.1} MB: write {cache_write_s:.2} s, load {cache_load_s:.3} s (median of {load_runs})",
        cache_bytes as f64 / 1e6
    );

    let t = Instant::now();
    let index = SnapIndex::new(&graph);
    let first_s = secs(t);
    drop(index);
    let (snap_index_s, snap_runs) = if first_s * 2.0 > 15.0 || a.runs <= 1 {
        (first_s, 1)
    } else {
        let (m, n, _) = timed_runs(vec![first_s], a.runs, 15.0, || SnapIndex::new(&graph));
        (m, n)
    };
    eprintln!(
        "[{size}] snapping index {snap_index_s:.3} s (median of {snap_runs}); in a fresh process: \
         {snap_index_mb:.0} MB resident, peak {ready_peak_mb:.0} MB for the cache loaded and the \
         index built"
    );

    // The synthetic study.
    let n_sites = ((population / 100_000.0).round() as usize)
        .max(2)
        .min(communes.len());
    let mut by_pop: Vec<usize> = (0..communes.len()).collect();
    by_pop.sort_by(|&i, &j| {
        communes[j]
            .population
            .total_cmp(&communes[i].population)
            .then(communes[i].code.cmp(&communes[j].code))
    });
    let kind_of = |rank: usize| {
        if rank.is_multiple_of(2) {
            "mediation"
        } else {
            "espace_rencontre"
        }
    };
    let sites: Vec<Site> = by_pop[..n_sites]
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let c = &communes[i];
            Site {
                id: format!("synthetic-site-{}", c.code),
                name: format!("SYNTHETIC site at the mairie of {}", c.name),
                kind: kind_of(rank).to_string(),
                lon: c.lon,
                lat: c.lat,
                capacity: None,
                waiting_days: None,
                opening: None,
                synthetic: true,
                extra: Default::default(),
            }
        })
        .collect();
    let units: Vec<DemandUnit> = communes
        .iter()
        .map(|c| DemandUnit {
            id: format!("{}-mairie", c.code),
            lon: c.lon,
            lat: c.lat,
            weight: c.population,
            commune: Some(c.code.clone()),
            cell: None,
            groups: Default::default(),
        })
        .collect();
    let n_units = units.len();
    let mut thresholds = zb_coverage::Thresholds {
        default_min: 30.0,
        ..Default::default()
    };
    thresholds.set_minutes("mediation", 30.0);
    thresholds.set_minutes("espace_rencontre", 45.0);
    let name = format!("SYNTHETIC scale benchmark ({size})");
    let provenance = zb_coverage::provenance::Provenance::new(
        Some(name.clone()),
        Vec::new(),
        graph.profile_name().into(),
        true,
    );
    let t = Instant::now();
    let study = Study::from_parts(
        Some(name),
        true,
        graph,
        sites,
        vec![Population::from_units(units, "people")],
        thresholds,
        11.0,
        1_000.0,
        provenance,
    );
    let study_build_s = secs(t);
    let sites_off = study.site_snaps.iter().filter(|s| s.is_err()).count();
    let units_off = study.unit_snaps.iter().filter(|s| s.is_err()).count();
    eprintln!(
        "[{size}] study (index + snapping {n_units} units, {n_sites} SYNTHETIC sites): {study_build_s:.3} s; \
         off the network: {sites_off} sites, {units_off} units"
    );

    let (coverage_s, cov_runs, coverage) =
        timed_runs(Vec::new(), a.runs, 30.0, || study.evaluate());
    for k in &coverage.kinds {
        eprintln!(
            "[{size}] coverage {}: {:.1}% of {:.0} people within {} min ({} zones blanches)",
            k.kind,
            100.0 * k.overall.within_share.unwrap_or(0.0),
            k.overall.total_weight,
            k.threshold_min,
            k.zones.len()
        );
    }
    drop(coverage);
    eprintln!("[{size}] full coverage {coverage_s:.3} s (median of {cov_runs})");

    // What-if: add one site, at 21 communes spread over the territory (not already sites).
    let t = Instant::now();
    let base = Baseline::new(&study);
    let baseline_s = secs(t);
    let is_site: std::collections::HashSet<usize> = by_pop[..n_sites].iter().copied().collect();
    let free: Vec<usize> = (0..communes.len())
        .filter(|i| !is_site.contains(i))
        .collect();
    let n_adds = 21.min(free.len());
    let new_site = study.sites.len() as u32;
    let mut add_ms = Vec::new();
    let mut touched = Vec::new();
    for j in 0..n_adds {
        let c = &communes[free[j * free.len() / n_adds]];
        let Ok(snap) = study
            .index
            .snap(&study.graph, c.lon, c.lat, study.max_snap_m)
        else {
            continue;
        };
        let kind = kind_of(j);
        let t = Instant::now();
        let state = base.apply_kind(&study, kind, &[], &[(new_site, snap)]);
        add_ms.push(secs(t) * 1000.0);
        touched.push(state.junctions_updated as f64);
    }
    if add_ms.is_empty() {
        return Err("no added site could be placed on the network".into());
    }
    // What every add pays whatever the site: copying the kind's baseline field and unit times.
    let kb = base.kinds.get("mediation").ok_or("no mediation site")?;
    let (copy_s, _, _) = timed_runs(Vec::new(), 21, 5.0, || (kb.field.clone(), kb.times.clone()));
    let whatif_copy_ms = copy_s * 1000.0;
    let whatif_add_max_ms = add_ms.iter().copied().fold(0.0, f64::max);
    let n_added = add_ms.len();
    let whatif_add_ms = median(add_ms);
    let whatif_junctions = median(touched);
    eprintln!(
        "[{size}] what-if baseline {baseline_s:.3} s; add one site: median {whatif_add_ms:.2} ms, \
         max {whatif_add_max_ms:.2} ms over {n_added} sites (median {whatif_junctions:.0} junctions updated; copying the baseline \
         field and times alone: {whatif_copy_ms:.2} ms)"
    );

    let measure_peak_mb = peak_rss_mb();
    let import_peak_mb = a.import_peak_kb.map_or(f64::NAN, |kb| kb * 1024.0 / 1e6);
    let fmt_nan = |v: f64, p: usize| {
        if v.is_nan() {
            String::new()
        } else {
            format!("{v:.p$}")
        }
    };
    if a.header {
        println!("{HEADER}");
    }
    let deps = if a.deps.is_empty() {
        "metropolitan".to_string()
    } else {
        a.deps.join(" ")
    };
    println!(
        "{size},{deps},{},{population:.0},{pbf_mb:.2},{road_nodes},{junctions},{links},{shape_points},\
         {import_s:.3},{t_pbf:.3},{t_graph:.3},{},{:.1},{:.2},{:.2},{:.2},{cache_write_s:.3},\
         {cache_load_s:.4},{snap_index_s:.4},{snap_index_mb:.0},{ready_peak_mb:.0},{study_build_s:.4},{n_units},{n_sites},{coverage_s:.4},\
         {baseline_s:.4},{whatif_add_ms:.3},{whatif_add_max_ms:.3},{whatif_copy_ms:.3},{whatif_junctions:.0},{},{}",
        communes.len(),
        fmt_nan(import_peak_mb, 1),
        graph_bytes_mb(study.graph.heap_bytes()),
        graph_bytes as f64 / road_nodes as f64,
        graph_bytes as f64 / junctions as f64,
        cache_bytes as f64 / 1e6,
        fmt_nan(measure_peak_mb, 1),
        fmt_nan(load1, 2),
    );
    Ok(())
}

fn graph_bytes_mb(b: usize) -> f64 {
    b as f64 / 1e6
}
