//! `zoneblanche import` and `zoneblanche times`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use rayon::prelude::*;
use zb_routing::{Graph, Profile, SiteSeeds, SnapIndex, cache, import_pbf, point_time};

use crate::args::{ImportArgs, NetworkArgs, TimesArgs};
use crate::input::read_points;
use crate::progress::Bar;

/// Stage timings, printed in the summary.
#[derive(Default)]
pub struct Stages(Vec<(&'static str, f64)>);

impl Stages {
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.0.push((name, t.elapsed().as_secs_f64()));
        out
    }
    pub fn line(&self) -> String {
        let total: f64 = self.0.iter().map(|s| s.1).sum();
        let mut s = String::new();
        for (name, secs) in &self.0 {
            let _ = write!(s, "{name} {:.1} ms, ", secs * 1000.0);
        }
        let _ = write!(s, "total {:.1} ms", total * 1000.0);
        s
    }
}

fn load_profile(arg: Option<&str>) -> anyhow::Result<Profile> {
    Ok(match arg {
        Some(a) => Profile::from_arg(a)?,
        None => Profile::default(),
    })
}

fn import_graph(pbf: &Path, profile: &Profile, stages: &mut Stages) -> anyhow::Result<Graph> {
    let bar = Bar::new();
    let raw = stages.time("import", || import_pbf(pbf, profile, &bar));
    bar.finish();
    let raw = raw?;
    let graph = stages.time("graph", || Graph::from_raw(&raw));
    Ok(graph)
}

/// Loads the road network from `--pbf` or `--graph`.
pub fn load_network(net: &NetworkArgs, stages: &mut Stages) -> anyhow::Result<Graph> {
    match (&net.pbf, &net.graph) {
        (Some(pbf), None) => {
            let profile = load_profile(net.profile.as_deref())?;
            import_graph(pbf, &profile, stages)
        }
        (None, Some(g)) => Ok(stages.time("load graph", || cache::read_graph(g))?),
        _ => bail!("give exactly one of --pbf and --graph"),
    }
}

pub fn import(a: ImportArgs) -> anyhow::Result<()> {
    let mut stages = Stages::default();
    let profile = load_profile(a.profile.as_deref())?;
    let graph = import_graph(&a.pbf, &profile, &mut stages)?;
    let bytes = stages.time("write", || cache::write_graph(&graph, &a.out))?;
    let s = graph.stats();
    eprintln!(
        "{}: {} car ways of {} ways; {} vertices, {} links, {} arcs, {} shape points; {} referenced nodes absent from the file",
        a.pbf.display(),
        s.car_ways,
        s.ways_in_file,
        graph.num_vertices(),
        graph.num_links(),
        graph.num_arcs(),
        graph.num_shape_points(),
        s.missing_nodes
    );
    eprintln!("{}", s.left_out_summary());
    eprintln!(
        "wrote {} ({bytes} bytes); {}",
        a.out.display(),
        stages.line()
    );
    Ok(())
}

struct Outcome {
    seconds: Option<f64>,
    site: Option<u32>,
    snap_m: Option<f64>,
}

pub fn times(a: TimesArgs) -> anyhow::Result<()> {
    if !(a.threshold_min.is_finite() && a.threshold_min > 0.0) {
        bail!(
            "--threshold-min: {} is not a positive number of minutes",
            a.threshold_min
        );
    }
    if !(a.max_snap_m.is_finite() && a.max_snap_m >= 0.0) {
        bail!("--max-snap-m: {} is not a distance in metres", a.max_snap_m);
    }
    let mut stages = Stages::default();
    // Inputs first: a bad CSV should not wait for an import.
    let sites = stages.time("read csv", || read_points(&a.sites, "sites", false))?;
    let demand = stages.time("read csv", || read_points(&a.demand, "demand points", true))?;
    let graph = load_network(&a.network, &mut stages)?;
    let index = stages.time("snap index", || SnapIndex::new(&graph));

    let snapped: Vec<_> = stages.time("snap sites", || {
        sites
            .iter()
            .map(|s| index.snap(&graph, s.lon, s.lat, a.max_snap_m))
            .collect()
    });
    let mut placed = Vec::new();
    for (i, (s, r)) in sites.iter().zip(&snapped).enumerate() {
        match r {
            Ok(snap) => placed.push((i as u32, *snap)),
            Err(why) => eprintln!(
                "warning: {}: site `{}` is not on the network: {why}",
                a.sites.display(),
                s.id
            ),
        }
    }
    if placed.is_empty() {
        bail!(
            "{}: none of the {} sites is within {} m of a road",
            a.sites.display(),
            sites.len(),
            a.max_snap_m
        );
    }
    let seeds = SiteSeeds::new(&graph, &placed);
    let field = stages.time("search", || seeds.field(&graph, None));
    let outcomes: Vec<Outcome> = stages.time("snap+times", || {
        demand
            .par_iter()
            .map(|d| match index.snap(&graph, d.lon, d.lat, a.max_snap_m) {
                Err(_) => Outcome {
                    seconds: None,
                    site: None,
                    snap_m: None,
                },
                Ok(snap) => {
                    let t = point_time(&graph, &field, &seeds, &snap);
                    Outcome {
                        // Rounded as written, so that `flagged` agrees with the printed value.
                        seconds: t.map(|(ms, _)| (ms / 100.0).round() / 10.0),
                        site: t.map(|(_, s)| s),
                        snap_m: Some(snap.dist_m),
                    }
                }
            })
            .collect()
    });

    let threshold_s = a.threshold_min * 60.0;
    let mut out = String::with_capacity(demand.len() * 40);
    out.push_str("id,seconds,site_id,snap_m,flagged\n");
    let (mut total_w, mut flagged_n, mut flagged_w, mut unreachable_n, mut unreachable_w) =
        (0.0, 0, 0.0, 0, 0.0);
    for (d, o) in demand.iter().zip(&outcomes) {
        let flagged = o.seconds.is_none_or(|s| s > threshold_s);
        total_w += d.weight;
        if flagged {
            flagged_n += 1;
            flagged_w += d.weight;
        }
        if o.seconds.is_none() {
            unreachable_n += 1;
            unreachable_w += d.weight;
        }
        write_field(&mut out, &d.id);
        out.push(',');
        if let Some(s) = o.seconds {
            let _ = write!(out, "{s:.1}");
        }
        out.push(',');
        if let Some(s) = o.site {
            write_field(&mut out, &sites[s as usize].id);
        }
        out.push(',');
        if let Some(m) = o.snap_m {
            let _ = write!(out, "{m:.1}");
        }
        let _ = writeln!(out, ",{}", u8::from(flagged));
    }
    stages
        .time("write", || {
            zb_routing::cache::write_atomic(&a.out, out.as_bytes())
        })
        .with_context(|| format!("{}: cannot write the output", a.out.display()))?;
    eprintln!(
        "{} demand points, total weight {}; flagged (beyond {} min or unreachable): {} points, weight {}; unreachable: {} points, weight {}",
        demand.len(),
        fmt_w(total_w),
        a.threshold_min,
        flagged_n,
        fmt_w(flagged_w),
        unreachable_n,
        fmt_w(unreachable_w)
    );
    eprintln!(
        "{} sites ({} on the network); graph {} vertices, {} links",
        sites.len(),
        placed.len(),
        graph.num_vertices(),
        graph.num_links()
    );
    eprintln!("stages: {}", stages.line());
    Ok(())
}

fn fmt_w(w: f64) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w:.3}")
    }
}

/// Writes a CSV field, quoted when it needs to be.
fn write_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}
