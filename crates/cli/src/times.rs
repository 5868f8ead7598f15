//! `zoneblanche import` and `zoneblanche times`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use rayon::prelude::*;
use zb_coverage::{Reason, Trip, unit_trip};
use zb_routing::{Graph, Profile, SiteSeeds, SnapIndex, cache, import_pbf};

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
    trip: Trip,
    snap_m: Option<f64>,
}

impl Outcome {
    /// Seconds rounded as written, so that `flagged` agrees with the printed value.
    fn seconds(&self) -> Option<f64> {
        self.trip.ok().map(|t| (t.ms / 100.0).round() / 10.0)
    }
}

/// Points and weight of one group in the summary.
#[derive(Default)]
struct Tally {
    n: usize,
    w: f64,
}

impl Tally {
    fn add(&mut self, w: f64) {
        self.n += 1;
        self.w += w;
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} points, weight {}", self.n, fmt_w(self.w))
    }
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
            .map(|d| {
                let snap = index.snap(&graph, d.lon, d.lat, a.max_snap_m);
                Outcome {
                    trip: unit_trip(&graph, &field, &seeds, &snap),
                    snap_m: snap.ok().map(|s| s.dist_m),
                }
            })
            .collect()
    });

    let threshold_s = a.threshold_min * 60.0;
    let mut out = String::with_capacity(demand.len() * 40);
    out.push_str("id,seconds,site_id,snap_m,flagged,via_ferry,reason\n");
    let mut total_w = 0.0;
    let (mut flagged, mut off_network, mut no_road_link, mut by_ferry) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    for (d, o) in demand.iter().zip(&outcomes) {
        let seconds = o.seconds();
        let is_flagged = seconds.is_none_or(|s| s > threshold_s);
        total_w += d.weight;
        if is_flagged {
            flagged.add(d.weight);
        }
        match o.trip {
            Err(Reason::OffNetwork) => off_network.add(d.weight),
            Err(Reason::NoRoadLink) => no_road_link.add(d.weight),
            Ok(t) if t.via_ferry => by_ferry.add(d.weight),
            Ok(_) => {}
        }
        write_field(&mut out, &d.id);
        out.push(',');
        if let Some(s) = seconds {
            let _ = write!(out, "{s:.1}");
        }
        out.push(',');
        if let Ok(t) = o.trip {
            write_field(&mut out, &sites[t.site as usize].id);
        }
        out.push(',');
        if let Some(m) = o.snap_m {
            let _ = write!(out, "{m:.1}");
        }
        let via_ferry = o.trip.is_ok_and(|t| t.via_ferry);
        let reason = o.trip.err().map_or("", Reason::as_str);
        let _ = writeln!(
            out,
            ",{},{},{reason}",
            u8::from(is_flagged),
            u8::from(via_ferry)
        );
    }
    stages
        .time("write", || {
            zb_routing::cache::write_atomic(&a.out, out.as_bytes())
        })
        .with_context(|| format!("{}: cannot write the output", a.out.display()))?;
    eprintln!(
        "{} demand points, total weight {}; flagged (beyond {} min or unreachable): {flagged}; \
         unreachable: {}; reached by ferry: {by_ferry}",
        demand.len(),
        fmt_w(total_w),
        a.threshold_min,
        Tally {
            n: off_network.n + no_road_link.n,
            w: off_network.w + no_road_link.w
        },
    );
    eprintln!(
        "unreachable by reason: off the road network (farther than {} m from any road): {off_network}; \
         no road link to a site (island without a ferry, isolated network): {no_road_link}",
        a.max_snap_m
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
