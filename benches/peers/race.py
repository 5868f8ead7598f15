"""The peer race: zoneblanche against SciPy, pandana and Valhalla on the same job.

Run through `benches/peers/run.sh`, which prepares the inputs and the two virtual environments.
Each engine runs in its own process and writes `WORK/<engine>.json` (stage times, versions, notes)
and `WORK/<engine>_times.csv` (`idx,seconds,site`: per demand point, the time to the nearest site
and which site, by index in the sites file; empty when unreachable). `report` reads them all,
compares every engine with zoneblanche and prints the table.

    python race.py zoneblanche WORK BIN PBF SITES DEMAND ZBG RUNS
    python race.py scipy WORK RUNS
    python race.py pandana WORK RUNS
    python race.py valhalla WORK PBF SITES DEMAND ALGORITHM RUNS
    python race.py report WORK TERRITORY LABEL RESULTS_CSV

WORK holds the export of `zb-export-graph` (nodes.csv, edges.csv, points.csv, timing.csv).
Only the standard library is needed by `zoneblanche`, `valhalla`'s JSON handling and `report`;
`scipy` and `pandana` need numpy, pandas, scipy and pandana.
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def now():
    return time.perf_counter()


def median(xs):
    return statistics.median(xs) if xs else None


def write_json(path, obj):
    Path(path).write_text(json.dumps(obj, indent=1) + "\n")


def write_times(path, rows):
    """rows: (idx, seconds or None, site or None)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["idx", "seconds", "site"])
        for idx, s, site in rows:
            w.writerow([idx, "" if s is None else f"{s:.3f}", "" if site is None else site])


def read_points(work):
    """Sites and demand points of the export: dicts with idx, id, lon, lat, node (or None)."""
    sites, demand = [], []
    with open(Path(work) / "points.csv") as f:
        for r in csv.DictReader(f):
            r["idx"] = int(r["idx"])
            r["node"] = int(r["node"]) if r["node"] else None
            (sites if r["kind"] == "site" else demand).append(r)
    return sites, demand


def export_timing(work):
    """Stage times of zb-export-graph, in seconds."""
    with open(Path(work) / "timing.csv") as f:
        return {r["stage"]: float(r["ms"]) / 1000.0 for r in csv.DictReader(f)}


def pbf_to_edge_list_s(work):
    """What the node-level peers' graph costs from the PBF: zoneblanche's own import and graph,
    then the node-level edge list built and written (zb-export-graph)."""
    t = export_timing(work)
    return t["zb_import"] + t["zb_graph"] + t["export_edge_list"]


def read_ids(path):
    with open(path) as f:
        return [r["id"] for r in csv.DictReader(f)]


# ---------------------------------------------------------------------------------------------
# zoneblanche


def run_zoneblanche(work, binary, pbf, sites, demand, zbg, runs):
    work = Path(work)
    runs = int(runs)
    out = work / "zoneblanche_out.csv"

    def one(net_args):
        t0 = now()
        p = subprocess.run(
            [binary, "times", *net_args, "--sites", sites, "--demand", demand, "--out", str(out)],
            capture_output=True,
            text=True,
        )
        wall = now() - t0
        if p.returncode != 0:
            sys.exit(f"zoneblanche times failed: {p.stderr.strip()}")
        stages = {}
        for line in p.stderr.splitlines():
            if line.startswith("stages: "):
                for part in line[len("stages: "):].split(", "):
                    name, ms, _ = part.rsplit(" ", 2)
                    stages[name] = stages.get(name, 0.0) + float(ms) / 1000.0
        return wall, stages

    # The node-level peers run zoneblanche's `simple` profile (see zb-export-graph); so does it.
    subprocess.run([binary, "import", pbf, "-o", zbg, "--profile", "simple"], check=True,
                   capture_output=True)
    pbf_runs = [one(["--pbf", pbf, "--profile", "simple"]) for _ in range(runs)]
    zbg_runs = [one(["--graph", zbg]) for _ in range(runs)]

    def med_stage(rs, name):
        return median([r[1].get(name, 0.0) for r in rs])

    timing = export_timing(work)
    site_ids = read_ids(sites)
    site_index = {s: i for i, s in enumerate(site_ids)}
    rows = []
    with open(out) as f:
        for i, r in enumerate(csv.DictReader(f)):
            s = float(r["seconds"]) if r["seconds"] else None
            rows.append((i, s, site_index.get(r["site_id"]) if r["site_id"] else None))
    write_times(work / "zoneblanche_times.csv", rows)
    write_json(
        work / "zoneblanche.json",
        {
            "engine": "zoneblanche",
            "version": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip(),
            "from_pbf_s": med_stage(pbf_runs, "import") + med_stage(pbf_runs, "graph"),
            "load_s": med_stage(zbg_runs, "load graph"),
            "build_s": med_stage(pbf_runs, "snap index"),
            "query_s": timing["zb_search"] + timing["zb_point_times"],
            "search_s": timing["zb_search"],
            "point_times_s": timing["zb_point_times"],
            "snap_s": med_stage(pbf_runs, "snap+times"),
            "e2e_s": median([r[0] for r in pbf_runs]),
            "e2e_graph_s": median([r[0] for r in zbg_runs]),
            "runs": runs,
            "notes": "end to end: median wall of `zoneblanche times --pbf` / `--graph` (process "
            "start, CSV in and out, snapping included); query: multi-source search + 5,000 "
            "interpolated times (median of zb-export-graph's runs); preprocess: snapping R-tree; "
            "snap: snapping the 5,000 points and their times (2 threads)",
        },
    )


# ---------------------------------------------------------------------------------------------
# SciPy


def run_scipy(work, runs):
    t0 = now()
    import numpy as np
    import pandas as pd
    import scipy
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra
    from scipy.spatial import cKDTree

    t_imports = now() - t0

    work = Path(work)
    runs = int(runs)
    sites, demand = read_points(work)
    t0 = now()
    nodes = pd.read_csv(work / "nodes.csv")
    edges = pd.read_csv(work / "edges.csv")
    t_load = now() - t0
    n = len(nodes)
    t0 = now()
    # Reversed graph: an edge a->b of time t becomes b->a, so one search from the sites gives
    # the time from every node TO its nearest site.
    rev = csr_matrix(
        (edges["ms"].to_numpy(dtype=np.float64), (edges["to"].to_numpy(), edges["from"].to_numpy())),
        shape=(n, n),
    )
    t_build = now() - t0
    # Snapping as a SciPy user would: the nearest node (k-d tree in a local plane). The results
    # below use the export's nodes (the nearer end of the segment zoneblanche snaps onto), so
    # that every engine starts from the same nodes; this step is timed and compared only.
    t0 = now()
    cos0 = np.cos(np.radians(nodes["lat"].mean()))
    tree = cKDTree(np.column_stack([nodes["lon"].to_numpy() * cos0, nodes["lat"].to_numpy()]))
    pts = [*sites, *demand]
    _, kd_nodes = tree.query(
        np.array([[float(p["lon"]) * cos0, float(p["lat"])] for p in pts])
    )
    t_snap = now() - t0
    kd_same = sum(int(k) == p["node"] for k, p in zip(kd_nodes, pts)) / len(pts)
    zero_edges = int((edges["ms"] <= 0).sum())
    n_comp, _ = connected_components(rev, directed=True, connection="strong")
    site_nodes = [s["node"] for s in sites if s["node"] is not None]
    site_of_node = {}
    for s in sites:
        if s["node"] is not None:
            site_of_node.setdefault(s["node"], s["idx"])
    times = []
    for _ in range(runs):
        t0 = now()
        dist, _pred, src = dijkstra(
            rev, directed=True, indices=site_nodes, min_only=True, return_predecessors=True
        )
        times.append(now() - t0)
    rows = []
    for d in demand:
        if d["node"] is None or not np.isfinite(dist[d["node"]]):
            rows.append((d["idx"], None, None))
        else:
            rows.append((d["idx"], dist[d["node"]] / 1000.0, site_of_node[int(src[d["node"]])]))
    write_times(work / "scipy_times.csv", rows)
    q = median(times)
    write_json(
        work / "scipy.json",
        {
            "engine": "scipy",
            "version": f"scipy {scipy.__version__}, numpy {np.__version__}, pandas {pd.__version__}",
            "from_pbf_s": pbf_to_edge_list_s(work),
            "load_s": t_load,
            "build_s": t_build,
            "snap_s": t_snap,
            "query_s": q,
            "e2e_s": pbf_to_edge_list_s(work) + t_load + t_build + t_snap + q,
            "e2e_graph_s": t_load + t_build + t_snap + q,
            "imports_s": t_imports,
            "runs": runs,
            "graph": f"{n} nodes, {len(edges)} edges, {n_comp} strongly connected component(s), "
            f"{zero_edges} zero-time edges",
            "notes": "scipy.sparse.csgraph.dijkstra(min_only=True, indices=site nodes) over the "
            "reversed node-level graph (CSR); snap: cKDTree nearest node, timed only "
            f"({100 * kd_same:.1f}% the export's node); end to end from the graph = CSV read + "
            "CSR build + snap + one query; from the PBF, plus zb-export-graph's import and edge "
            "list; Python start and imports not counted",
        },
    )


# ---------------------------------------------------------------------------------------------
# pandana


def run_pandana(work, runs):
    t0 = now()
    import numpy as np
    import pandas as pd
    import pandana

    t_imports = now() - t0

    work = Path(work)
    runs = int(runs)
    sites, demand = read_points(work)
    t0 = now()
    nodes = pd.read_csv(work / "nodes.csv", index_col="node")
    edges = pd.read_csv(work / "edges.csv")
    t_load = now() - t0
    t0 = now()
    # twoway=False: edges are directed from `from` to `to`; pandana contracts the graph here.
    # Impedance in seconds: pandana's contraction hierarchy keeps integer thousandths of it,
    # and a search radius in milliseconds would overflow them.
    weights = pd.DataFrame({"s": edges["ms"] / 1000.0})
    net = pandana.Network(
        nodes["lon"], nodes["lat"], edges["from"], edges["to"], weights, twoway=False
    )
    t_build = now() - t0
    max_s = 4 * 3600.0  # search radius: a result at the radius counts as unreachable
    placed = [s for s in sites if s["node"] is not None]
    # The POIs sit exactly on their nodes, so pandana's own nearest-node lookup finds them.
    x = pd.Series([nodes.at[s["node"], "lon"] for s in placed], index=[s["idx"] for s in placed])
    y = pd.Series([nodes.at[s["node"], "lat"] for s in placed], index=[s["idx"] for s in placed])
    t0 = now()
    net.set_pois("sites", max_s, 1, x, y)
    t_pois = now() - t0
    poi_nodes = net.get_node_ids(x, y)
    mismatched = int(sum(int(a) != s["node"] for a, s in zip(poi_nodes, placed)))
    # Snapping the demand points as a pandana user would (its k-d tree): timed and compared
    # only; the results use the export's nodes, as for every engine.
    t0 = now()
    dx = pd.Series([float(d["lon"]) for d in demand])
    dy = pd.Series([float(d["lat"]) for d in demand])
    kd_nodes = net.get_node_ids(dx, dy)
    t_snap = now() - t0
    kd_same = sum(int(k) == d["node"] for k, d in zip(kd_nodes, demand)) / len(demand)
    times = []
    for _ in range(runs):
        t0 = now()
        res = net.nearest_pois(max_s, "sites", num_pois=1, include_poi_ids=True)
        times.append(now() - t0)
    dist = res[1]
    poi = res["poi1"]
    rows = []
    for d in demand:
        if d["node"] is None:
            rows.append((d["idx"], None, None))
            continue
        v = float(dist.at[d["node"]])
        p = poi.at[d["node"]]
        if v >= max_s or not np.isfinite(v) or pd.isna(p):
            rows.append((d["idx"], None, None))
        else:
            rows.append((d["idx"], v, int(p)))
    write_times(work / "pandana_times.csv", rows)
    q = median(times)
    write_json(
        work / "pandana.json",
        {
            "engine": "pandana",
            "version": f"pandana {pandana.__version__}, pandas {pd.__version__}",
            "from_pbf_s": pbf_to_edge_list_s(work),
            "load_s": t_load,
            "build_s": t_build + t_pois,
            "network_s": t_build,
            "set_pois_s": t_pois,
            "snap_s": t_snap,
            "query_s": q,
            "e2e_s": pbf_to_edge_list_s(work) + t_load + t_build + t_pois + t_snap + q,
            "e2e_graph_s": t_load + t_build + t_pois + t_snap + q,
            "imports_s": t_imports,
            "runs": runs,
            "notes": "Network(twoway=False) builds the contraction hierarchy; set_pois(sites, "
            f"4 h); nearest_pois(num_pois=1) for every node; {mismatched} site(s) mapped by "
            "pandana to another node than the export's; snap: get_node_ids, timed only "
            f"({100 * kd_same:.1f}% the export's node); Python start and imports not counted",
        },
    )


# ---------------------------------------------------------------------------------------------
# Valhalla


def run_valhalla(work, pbf, sites_csv, demand_csv, algorithm, runs):
    t0 = now()
    import valhalla
    from valhalla.config import get_config

    t_imports = now() - t0

    work = Path(work)
    runs = int(runs)
    tiles = work / "valhalla_tiles"
    config_path = work / "valhalla.json"
    if not (tiles.is_dir() and any(tiles.iterdir())):
        tiles.mkdir(parents=True, exist_ok=True)
        config = get_config(tile_extract="", tile_dir=tiles)
        config["service_limits"]["auto"]["max_matrix_location_pairs"] = 10**8
        config["service_limits"]["auto"]["max_matrix_distance"] = 1e8
        config_path.write_text(json.dumps(config))
        build = Path(valhalla.__file__).parent / "bin" / "valhalla_build_tiles"
        t0 = now()
        p = subprocess.run([str(build), "-c", str(config_path), pbf], capture_output=True, text=True)
        t_tiles = now() - t0
        if p.returncode != 0:
            sys.exit(f"valhalla_build_tiles failed: {p.stdout[-2000:]}{p.stderr[-2000:]}")
        (work / "valhalla_tiles_s").write_text(f"{t_tiles}\n")
    t_tiles = float((work / "valhalla_tiles_s").read_text())
    config = json.loads(config_path.read_text())
    config["thor"]["source_to_target_algorithm"] = algorithm
    t0 = now()
    actor = valhalla.Actor(config)
    t_actor = now() - t0

    def pts(path):
        with open(path) as f:
            return [{"lon": float(r["lon"]), "lat": float(r["lat"])} for r in csv.DictReader(f)]

    targets, sources = pts(sites_csv), pts(demand_csv)
    request = json.dumps(
        {"sources": sources, "targets": targets, "costing": "auto", "verbose": False}
    )
    times = []
    for _ in range(runs):
        t0 = now()
        answer = actor.matrix(request)
        times.append(now() - t0)
    t0 = now()
    answer = json.loads(answer)
    t_decode = now() - t0
    durations = answer["sources_to_targets"]["durations"]
    rows = []
    for i, row in enumerate(durations):
        best = None
        for j, s in enumerate(row):
            if s is not None and (best is None or s < best[0]):
                best = (float(s), j)
        rows.append((i, best[0], best[1]) if best else (i, None, None))
    name = f"valhalla-{algorithm}"
    write_times(work / f"{name}_times.csv", rows)
    q = median(times)
    write_json(
        work / f"{name}.json",
        {
            "engine": name,
            "version": f"pyvalhalla {valhalla.__version__}",
            "algorithm": answer.get("algorithm"),
            "from_pbf_s": t_tiles,
            "load_s": t_actor,
            "query_s": q,
            "decode_s": t_decode,
            "e2e_s": t_tiles + t_actor + q + t_decode,
            "e2e_graph_s": t_actor + q + t_decode,
            "imports_s": t_imports,
            "runs": runs,
            "notes": "valhalla_build_tiles from the PBF (default config), then one "
            f"sources_to_targets request ({len(sources)} sources x {len(targets)} targets, auto "
            "costing, its own profile, turn costs and snapping), nearest = least duration",
        },
    )


# ---------------------------------------------------------------------------------------------
# Report

ENGINES = [
    ("zoneblanche", "zoneblanche"),
    ("scipy", "SciPy"),
    ("pandana", "pandana"),
    ("valhalla-costmatrix", "Valhalla CostMatrix"),
    ("valhalla-timedistancematrix", "Valhalla TimeDistanceMatrix"),
]


def read_times(path):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            out[int(r["idx"])] = (
                float(r["seconds"]) if r["seconds"] else None,
                int(r["site"]) if r["site"] else None,
            )
    return out


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def agreement(ref, other):
    diffs, signed, same, both, only_ref, only_other = [], [], 0, 0, 0, 0
    for i, (s, site) in ref.items():
        o = other.get(i, (None, None))
        if s is None and o[0] is None:
            continue
        if s is None:
            only_other += 1
        elif o[0] is None:
            only_ref += 1
        else:
            both += 1
            diffs.append(abs(o[0] - s))
            signed.append(o[0] - s)
            same += site == o[1]
    return {
        "points": both,
        "median_s": pct(signed, 0.5),
        "median_abs_s": pct(diffs, 0.5),
        "p95_abs_s": pct(diffs, 0.95),
        "max_abs_s": max(diffs) if diffs else None,
        "same_site": same / both if both else None,
        "unreached_by_engine": only_ref,
        "unreached_by_zoneblanche": only_other,
    }


def fmt_s(x):
    if x is None:
        return "—"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 1:
        return f"{x:.2f} s"
    ms = x * 1000
    if ms >= 10:
        return f"{ms:.0f} ms"
    if ms >= 1:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def report(work, territory, label, results_csv):
    work = Path(work)
    found = []
    for key, name in ENGINES:
        p = work / f"{key}.json"
        if p.exists():
            found.append((key, name, json.loads(p.read_text()), read_times(work / f"{key}_times.csv")))
    missing = [name for key, name in ENGINES if not (work / f"{key}.json").exists()]
    zb = found[0][2]
    zb_times = found[0][3]
    # zoneblanche on the very nodes the node-level peers use.
    zb_nodes = {}
    with open(work / "points.csv") as f:
        for r in csv.DictReader(f):
            if r["kind"] == "demand":
                zb_nodes[int(r["idx"])] = (
                    float(r["zb_node_ms"]) / 1000.0 if r["zb_node_ms"] else None,
                    int(r["zb_node_site"]) if r["zb_node_site"] else None,
                )
    rows = []  # (territory, engine, metric, value)
    for key, _, j, t in found:
        for m in ("from_pbf_s", "load_s", "build_s", "snap_s", "query_s", "e2e_s", "e2e_graph_s",
                  "search_s", "point_times_s", "network_s", "set_pois_s", "decode_s", "imports_s"):
            if j.get(m) is not None:
                rows.append((territory, key, m, j[m]))
        if key != "zoneblanche":
            a = agreement(zb_times, t)
            for m, v in a.items():
                rows.append((territory, key, f"vs_zb_{m}", v))
            if key in ("scipy", "pandana"):
                a = agreement(zb_nodes, t)
                for m, v in a.items():
                    rows.append((territory, key, f"vs_zb_same_nodes_{m}", v))
            rows.append((territory, key, "query_ratio", j["query_s"] / zb["query_s"]))
            rows.append((territory, key, "e2e_ratio", j["e2e_s"] / zb["e2e_s"]))
            rows.append((territory, key, "e2e_graph_ratio", j["e2e_graph_s"] / zb["e2e_graph_s"]))
    with open(results_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["territory", "engine", "metric", "value"])
        for r in rows:
            v = r[3]
            w.writerow([*r[:3], "" if v is None else (f"{v:.6g}" if isinstance(v, float) else v)])
    val = {(r[1], r[2]): r[3] for r in rows}

    def cell(key, metric, f=fmt_s):
        v = val.get((key, metric))
        return "—" if v is None else f(v)

    cols = [(key, name) for key, name, _, _ in found]
    lines = [f"**{label}**: " + "; ".join(
        f"{name}: {j['version']}" + (f" ({j['algorithm']})" if j.get("algorithm") else "")
        for _, name, j, _ in found)]
    lines.append("")
    lines.append("| | " + " | ".join(name for _, name in cols) + " |")
    lines.append("|---" * (len(cols) + 1) + "|")

    def row(title, metric, f=fmt_s, only=None):
        cells = []
        for key, _ in cols:
            if only and key not in only:
                cells.append("")
            else:
                cells.append(cell(key, metric, f))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    row("graph from the PBF (zb import / zb-export-graph / tile build)", "from_pbf_s")
    row("load graph (zb cache / CSV / tiles)", "load_s")
    row("preprocess (R-tree / CSR / CH + POIs)", "build_s")
    row("snap 5,000 points (zb: + times)", "snap_s")
    row("**nearest-site query**, 10 sites → 5,000 points", "query_s")
    row("**end to end from the PBF**", "e2e_s")
    row("end to end from a prepared graph", "e2e_graph_s")
    row("(Python start-up and imports, not counted)", "imports_s")
    x = lambda v: f"{v:,.0f}×" if v >= 10 else f"{v:.1f}×"
    row("query: engine / zoneblanche", "query_ratio", x)
    row("end to end from the PBF: engine / zoneblanche", "e2e_ratio", x)
    row("end to end from a prepared graph: engine / zoneblanche", "e2e_graph_ratio", x)
    sec = lambda v: f"{v:.1f} s" if v >= 1 else f"{v * 1000:.0f} ms" if v >= 0.001 else f"{v * 1000:.2f} ms"
    share = lambda v: f"{100 * v:.1f}%"
    signed_sec = lambda v: ("+" if v > 0 else "−" if v < 0 else "") + sec(abs(v))
    row("vs zoneblanche: median Δ (engine − zoneblanche)", "vs_zb_median_s", signed_sec)
    row("vs zoneblanche: median \\|Δ\\|", "vs_zb_median_abs_s", sec)
    row("vs zoneblanche: p95 \\|Δ\\|", "vs_zb_p95_abs_s", sec)
    row("vs zoneblanche: same nearest site", "vs_zb_same_site", share)
    row("points zoneblanche reaches and the engine does not", "vs_zb_unreached_by_engine", str)
    row("vs zoneblanche on the same nodes: p95 \\|Δ\\|", "vs_zb_same_nodes_p95_abs_s", sec,
        only=("scipy", "pandana"))
    row("vs zoneblanche on the same nodes: max \\|Δ\\|", "vs_zb_same_nodes_max_abs_s", sec,
        only=("scipy", "pandana"))
    row("vs zoneblanche on the same nodes: same site", "vs_zb_same_nodes_same_site", share,
        only=("scipy", "pandana"))
    if missing:
        lines.append("")
        why = (work / "valhalla_why").read_text().strip() if (work / "valhalla_why").exists() else ""
        lines.append("Not run: " + ", ".join(missing) + (f" ({why})" if why else "") + ".")
    # Targets.
    lines.append("")
    checks = []
    for key, target_q in (("scipy", 5), ("pandana", 5), ("valhalla-costmatrix", 100),
                          ("valhalla-timedistancematrix", 100)):
        if (key, "query_ratio") in val:
            q, e = val[(key, "query_ratio")], val[(key, "e2e_ratio")]
            g = val[(key, "e2e_graph_ratio")]
            checks.append(
                f"{key}: query {q:.1f}× (target ≥ {target_q}×: {'holds' if q >= target_q else 'MISSED'}), "
                f"end to end from the PBF {e:.2f}× (target > 1×: {'holds' if e > 1 else 'MISSED'}), "
                f"from a prepared graph {g:.2f}×"
            )
    lines.append("Targets: " + "; ".join(checks) + ".")
    if (work / "load_start").exists():
        lines.append("")
        lines.append(f"Load average when the race started: {(work / 'load_start').read_text().strip()} "
                     f"({os.cpu_count()} cores).")
    print("\n".join(lines))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "zoneblanche": run_zoneblanche,
        "scipy": run_scipy,
        "pandana": run_pandana,
        "valhalla": run_valhalla,
        "report": report,
    }[cmd](*args)


if __name__ == "__main__":
    main()
