//! Writes the synthetic sites and demand points of the routing benchmarks:
//! `zb-bench-points GRAPH.zbg OUT_DIR [N_SITES] [N_DEMAND] [near|nodes]` -> OUT_DIR/sites.csv,
//! OUT_DIR/demand.csv. Points are synthetic (ids say so), with a fixed seed: `near` (the
//! default) places them near random junctions, `nodes` exactly on random OSM way nodes.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err(
            "usage: zb-bench-points GRAPH.zbg OUT_DIR [N_SITES=10] [N_DEMAND=5000] [near|nodes]"
                .into(),
        );
    }
    let graph = zb_routing::cache::read_graph(args[1].as_ref())?;
    let out = PathBuf::from(&args[2]);
    let n_sites = args.get(3).map_or(Ok(10), |s| s.parse())?;
    let n_demand = args.get(4).map_or(Ok(5000), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;
    let (sites, demand) = match args.get(5).map(String::as_str) {
        None | Some("near") => (
            zb_benches::points_near_roads(&graph, n_sites, 50.0, 1, "synthetic-site"),
            zb_benches::points_near_roads(&graph, n_demand, 300.0, 2, "synthetic-home"),
        ),
        Some("nodes") => (
            zb_benches::points_on_way_nodes(&graph, n_sites, 1, "synthetic-site"),
            zb_benches::points_on_way_nodes(&graph, n_demand, 2, "synthetic-home"),
        ),
        Some(other) => return Err(format!("placement `{other}`: near or nodes").into()),
    };
    std::fs::write(out.join("sites.csv"), zb_benches::points_csv(&sites, false))?;
    std::fs::write(
        out.join("demand.csv"),
        zb_benches::points_csv(&demand, true),
    )?;
    eprintln!(
        "wrote {} synthetic sites and {} synthetic demand points to {}",
        n_sites,
        n_demand,
        out.display()
    );
    Ok(())
}
