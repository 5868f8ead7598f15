//! Exports the road graph zoneblanche builds from a PBF as a node-level directed edge list, for
//! the peer race (`benches/peers/`): SciPy and pandana then search the same graph with the same
//! edge times, and the same points map to the same nodes.
//!
//! `zb-export-graph PBF SITES.csv DEMAND.csv OUT_DIR [--search-runs N] [--max-snap-m M]`
//!
//! * The PBF is imported with zoneblanche's `simple` profile (haversine link times to the
//!   millisecond, no per-segment rounding), the race's common ground. As the oracle of the routing
//!   tests builds it, every OSM way node is a vertex and each pair of consecutive way nodes an
//!   edge of `haversine * 3600 / speed` milliseconds (fractional), in the directions the way may
//!   be driven. Only the nodes of the links zoneblanche keeps (its largest strongly connected
//!   component) are written; parallel edges keep the fastest.
//! * Each site and demand point is snapped as `zoneblanche times` snaps it (nearest position on a
//!   road, at most `--max-snap-m` metres, default 1,000) and mapped to the nearer end of the
//!   road segment it snapped onto: that OSM node is "its" node.
//! * `zb_node_ms` is zoneblanche's own time from each demand point's node to the nearest site
//!   node (sites and homes placed exactly on their nodes): the peers computing on the same nodes
//!   should agree with it to the millisecond rounding of link times.
//! * The search alone is timed here (median of `--search-runs`, default 101): the multi-source
//!   search from the sites as `times` snaps them, and the interpolation of the 5,000 times.
//!
//! Writes `OUT_DIR/nodes.csv` (`node,osm_id,lon,lat`), `OUT_DIR/edges.csv` (`from,to,ms`),
//! `OUT_DIR/points.csv` (`kind,idx,id,lon,lat,node,snap_m,node_m,zb_node_ms,zb_node_site`;
//! `kind` is `site` or `demand`; `node` empty when the point did not snap) and
//! `OUT_DIR/timing.csv` (`stage,ms`: the import, the graph, the node-level edge list built and
//! written, the snapping index, the snapping of the points and the search alone).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zb_routing::geom::{Coord, coord_dist_m};
use zb_routing::{
    Graph, MISSING, NoProgress, Profile, SiteSeeds, Snap, SnapIndex, import_pbf, point_time,
};

type Error = Box<dyn std::error::Error>;

struct Point {
    id: String,
    lon: f64,
    lat: f64,
}

/// Reads `id,lon,lat` (other columns ignored; no quoted fields) from a CSV file.
fn read_points(path: &Path) -> Result<Vec<Point>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("{}: no `{name}` column", path.display()))
    };
    let (ci, cx, cy) = (col("id")?, col("lon")?, col("lat")?);
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let get = |c: usize| {
            f.get(c)
                .map(|s| s.trim())
                .ok_or_else(|| format!("{}: line {}: too few fields", path.display(), n + 2))
        };
        let num = |c: usize| -> Result<f64, Error> {
            let s = get(c)?;
            s.parse::<f64>().map_err(|_| {
                format!("{}: line {}: `{s}` is not a number", path.display(), n + 2).into()
            })
        };
        out.push(Point {
            id: get(ci)?.to_string(),
            lon: num(cx)?,
            lat: num(cy)?,
        });
    }
    Ok(out)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: zb-export-graph PBF SITES.csv DEMAND.csv OUT_DIR [--search-runs N] [--max-snap-m M]";
    if args.len() < 5 {
        return Err(usage.into());
    }
    let (pbf, sites_csv, demand_csv) = (
        Path::new(&args[1]),
        Path::new(&args[2]),
        Path::new(&args[3]),
    );
    let out = PathBuf::from(&args[4]);
    let mut search_runs = 101usize;
    let mut max_snap_m = zb_routing::DEFAULT_MAX_SNAP_M;
    let mut rest = args[5..].iter();
    while let Some(a) = rest.next() {
        let v = rest.next().ok_or(usage)?;
        match a.as_str() {
            "--search-runs" => search_runs = v.parse::<usize>()?.max(1),
            "--max-snap-m" => max_snap_m = v.parse()?,
            _ => return Err(usage.into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    let sites = read_points(sites_csv)?;
    let demand = read_points(demand_csv)?;
    let mut timing: Vec<(&str, f64)> = Vec::new();
    let ms_since = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;

    let t = Instant::now();
    let raw = import_pbf(pbf, &Profile::simple(), &NoProgress)?;
    timing.push(("zb_import", ms_since(t)));
    let t = Instant::now();
    let graph = Graph::from_raw(&raw);
    timing.push(("zb_graph", ms_since(t)));
    let t = Instant::now();
    let index = SnapIndex::new(&graph);
    timing.push(("zb_snap_index", ms_since(t)));

    // The OSM nodes of the kept links, by position.
    let t = Instant::now();
    let kept: HashSet<Coord> = (0..graph.num_links() as u32)
        .flat_map(|l| graph.link_shape(l).iter().copied())
        .collect();
    let mut dense = vec![u32::MAX; raw.node_ids.len()];
    let mut node_of_coord: HashMap<Coord, u32> = HashMap::new();
    let mut nodes = String::from("node,osm_id,lon,lat\n");
    let mut n_nodes = 0u32;
    let mut shared_positions = 0usize;
    for (i, &c) in raw.node_coords.iter().enumerate() {
        if c == MISSING || !kept.contains(&c) {
            continue;
        }
        dense[i] = n_nodes;
        // A position shared by several nodes maps to the first (the lowest OSM id).
        match node_of_coord.entry(c) {
            Entry::Vacant(e) => {
                e.insert(n_nodes);
            }
            Entry::Occupied(_) => shared_positions += 1,
        }
        let _ = writeln!(
            nodes,
            "{n_nodes},{},{:.7},{:.7}",
            raw.node_ids[i],
            c.lon(),
            c.lat()
        );
        n_nodes += 1;
    }
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    for w in &raw.ways {
        for pair in raw.way_node_slice(w).windows(2) {
            let (a, b) = (pair[0] as usize, pair[1] as usize);
            if a == b || dense[a] == u32::MAX || dense[b] == u32::MAX {
                continue;
            }
            let ms = coord_dist_m(raw.node_coords[a], raw.node_coords[b]) * 3600.0 / w.speed_kmh;
            if w.forward {
                edges.push((dense[a], dense[b], ms));
            }
            if w.backward {
                edges.push((dense[b], dense[a], ms));
            }
        }
    }
    edges.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    edges.dedup_by(|next, kept| (next.0, next.1) == (kept.0, kept.1));
    let mut edge_text = String::with_capacity(edges.len() * 24);
    edge_text.push_str("from,to,ms\n");
    for (a, b, ms) in &edges {
        let _ = writeln!(edge_text, "{a},{b},{ms:.3}");
    }
    std::fs::write(out.join("nodes.csv"), nodes)?;
    std::fs::write(out.join("edges.csv"), edge_text)?;
    timing.push(("export_edge_list", ms_since(t)));

    // Points: snapped as `times` snaps them, then the nearer end of their segment.
    let node_for = |s: &Snap| -> (u32, f64) {
        let cum = graph.link_cum_m(s.link);
        let shape = graph.link_shape(s.link);
        let k = (0..cum.len())
            .min_by(|&i, &j| {
                (f64::from(cum[i]) - s.offset_m)
                    .abs()
                    .total_cmp(&(f64::from(cum[j]) - s.offset_m).abs())
            })
            .expect("links have 2+ shape points");
        let c = shape[k];
        let node = node_of_coord[&c];
        (node, (f64::from(cum[k]) - s.offset_m).abs())
    };
    let t = Instant::now();
    let site_snaps: Vec<Option<Snap>> = sites
        .iter()
        .map(|p| index.snap(&graph, p.lon, p.lat, max_snap_m).ok())
        .collect();
    let home_snaps: Vec<Option<Snap>> = demand
        .iter()
        .map(|p| index.snap(&graph, p.lon, p.lat, max_snap_m).ok())
        .collect();
    timing.push(("zb_snap_points_1_thread", ms_since(t)));
    let site_nodes: Vec<Option<(u32, f64)>> = site_snaps
        .iter()
        .map(|s| s.as_ref().map(node_for))
        .collect();
    let home_nodes: Vec<Option<(u32, f64)>> = home_snaps
        .iter()
        .map(|s| s.as_ref().map(node_for))
        .collect();

    // zoneblanche on the same nodes: sites and homes placed exactly on their nodes.
    let node_coord: HashMap<u32, Coord> = node_of_coord.iter().map(|(c, n)| (*n, *c)).collect();
    let snap_node = |n: u32| -> Snap {
        let c = node_coord[&n];
        index
            .snap(&graph, c.lon(), c.lat(), 0.01)
            .expect("a node of a kept link lies on the graph")
    };
    let node_sites: Vec<(u32, Snap)> = site_nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.map(|(n, _)| (i as u32, snap_node(n))))
        .collect();
    let node_seeds = SiteSeeds::new(&graph, &node_sites);
    let node_field = node_seeds.field(&graph, None);

    let mut pts = String::from("kind,idx,id,lon,lat,node,snap_m,node_m,zb_node_ms,zb_node_site\n");
    for (i, (p, s)) in sites.iter().zip(&site_snaps).enumerate() {
        let _ = write!(pts, "site,{i},{},{:.7},{:.7},", p.id, p.lon, p.lat);
        match (s, site_nodes[i]) {
            (Some(s), Some((n, d))) => {
                let _ = writeln!(pts, "{n},{:.2},{d:.2},0,{i}", s.dist_m);
            }
            _ => pts.push_str(",,,,\n"),
        }
    }
    for (i, (p, s)) in demand.iter().zip(&home_snaps).enumerate() {
        let _ = write!(pts, "demand,{i},{},{:.7},{:.7},", p.id, p.lon, p.lat);
        match (s, home_nodes[i]) {
            (Some(s), Some((n, d))) => {
                let _ = write!(pts, "{n},{:.2},{d:.2},", s.dist_m);
                match point_time(&graph, &node_field, &node_seeds, &snap_node(n)) {
                    Some((ms, site)) => {
                        let _ = writeln!(pts, "{ms:.3},{site}");
                    }
                    None => pts.push_str(",\n"),
                }
            }
            _ => pts.push_str(",,,,\n"),
        }
    }

    // The search alone, as `times` runs it (sites snapped from their points).
    let placed: Vec<(u32, Snap)> = site_snaps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i as u32, s)))
        .collect();
    let seeds = SiteSeeds::new(&graph, &placed);
    let homes: Vec<Snap> = home_snaps.iter().flatten().copied().collect();
    let mut search = Vec::with_capacity(search_runs);
    let mut interp = Vec::with_capacity(search_runs);
    let mut reached = 0;
    for _ in 0..search_runs {
        let t = Instant::now();
        let field = std::hint::black_box(seeds.field(&graph, None));
        search.push(ms_since(t));
        let t = Instant::now();
        reached = homes
            .iter()
            .filter_map(|s| point_time(&graph, &field, &seeds, s))
            .count();
        interp.push(ms_since(t));
    }
    timing.push(("zb_search", median(search)));
    timing.push(("zb_point_times", median(interp)));

    let mut timing_text = String::from("stage,ms\n");
    for (k, v) in &timing {
        let _ = writeln!(timing_text, "{k},{v:.4}");
    }
    std::fs::write(out.join("points.csv"), pts)?;
    std::fs::write(out.join("timing.csv"), timing_text)?;
    eprintln!(
        "graph: {} junctions, {} links; exported {} nodes, {} directed edges ({} nodes share a \
         position with another); {} of {} sites and {} of {} demand points snapped ({} reached); \
         search median {:.3} ms, point times {:.3} ms over {search_runs} runs; wrote {}",
        graph.num_vertices(),
        graph.num_links(),
        n_nodes,
        edges.len(),
        shared_positions,
        placed.len(),
        sites.len(),
        homes.len(),
        demand.len(),
        reached,
        timing[timing.len() - 2].1,
        timing[timing.len() - 1].1,
        out.display()
    );
    Ok(())
}
