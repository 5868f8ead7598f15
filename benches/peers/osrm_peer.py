"""The OSRM peer: zoneblanche's `car` profile against OSRM's own car.lua on the same PBF and points.

Run through `benches/peers/osrm.sh`, which makes the inputs and the Python 3.12 environment with
the `osrm-bindings` wheel (it carries osrm-extract, osrm-contract and the Table service).

    python osrm_peer.py WORK PBF SITES DEMAND THRESHOLDS_MIN RUNS ZB_BIN LABEL RESULTS_CSV
    python osrm_peer.py table WORK PBF SITES DEMAND OUT_CSV      (OSRM's durations only)

OSRM: `osrm-extract -p car.lua` (the wheel's profile), `osrm-contract`, then one Table request
(sources = every demand point, destinations = every site, CH), the minimum over the sites per
point. zoneblanche: `zoneblanche times --pbf` and `--graph` with the default profile (median
wall of RUNS runs, process start, CSV in and out and snapping included). The agreement is
printed as a markdown table (median and p95 of |Δ|, share within 1 s and within 2 %, flags at
each threshold) and written to RESULTS_CSV (`territory,metric,value`).
"""

import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import osrm


def now():
    return time.perf_counter()


def read_points(path):
    with open(path) as f:
        return [(r["id"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]


def osrm_tool(name):
    return str(Path(osrm.__file__).parent / "bin" / name)


def profile():
    return str(Path(osrm.__file__).parent / "share" / "profiles" / "car.lua")


def run(cmd, **kw):
    t = now()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return now() - t


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def zb_times(zb, args, out, runs):
    walls = []
    for _ in range(runs):
        t = now()
        subprocess.run([zb, "times", *args, "--out", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(now() - t)
    with open(out) as f:
        rows = list(csv.DictReader(f))
    return statistics.median(walls), [float(r["seconds"]) if r["seconds"] else None for r in rows]


def osrm_durations(work, pbf, sites, demand, runs):
    """OSRM's whole pipeline on PBF: per demand point, the shortest Table duration to a site
    (None when no site is reachable), and the times of extract, contract, load and Table."""
    # OSRM's whole pipeline, from the PBF (extract writes next to its input: a link in WORK).
    base = work / "osrm" / "territory.osm.pbf"
    base.parent.mkdir(parents=True, exist_ok=True)
    if base.exists() or base.is_symlink():
        base.unlink()
    os.symlink(os.path.abspath(pbf), base)
    stem = str(base).removesuffix(".osm.pbf") + ".osrm"
    t_extract = run([osrm_tool("osrm-extract"), "-p", profile(), str(base)])
    t_contract = run([osrm_tool("osrm-contract"), stem])
    t = now()
    engine = osrm.OSRM(storage_config=stem, algorithm="CH", default_radius="unlimited",
                       use_shared_memory=False,
                       max_locations_distance_table=len(sites) + len(demand) + 1)
    t_load = now() - t
    coords = [(lon, lat) for _, lon, lat in demand] + [(lon, lat) for _, lon, lat in sites]
    params = osrm.TableParameters(
        coordinates=coords,
        sources=list(range(len(demand))),
        destinations=list(range(len(demand), len(coords))),
        annotations=["duration"],
    )
    table_walls = []
    for _ in range(max(runs, 1)):
        t = now()
        res = engine.Table(params)
        table_walls.append(now() - t)
    t_table = statistics.median(table_walls)
    osrm_s = []
    for row in res["durations"]:
        vals = [v for v in row if v is not None]
        osrm_s.append(min(vals) if vals else None)
    return osrm_s, (t_extract, t_contract, t_load, t_table)


def table_only():
    """`osrm_peer.py table WORK PBF SITES DEMAND OUT`: writes OUT as `id,seconds` (the agreement
    test of crates/cli/tests/osrm_agreement.rs reads it)."""
    work, pbf, sites_csv, demand_csv, out = sys.argv[2:7]
    demand = read_points(demand_csv)
    osrm_s, _ = osrm_durations(Path(work), pbf, read_points(sites_csv), demand, 1)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "seconds"])
        for (i, _, _), o in zip(demand, osrm_s):
            w.writerow([i, "" if o is None else f"{o:.1f}"])


def main():
    work, pbf, sites_csv, demand_csv, thresholds, runs, zb, label, results = sys.argv[1:10]
    work = Path(work)
    runs = int(runs)
    thresholds = [float(t) for t in thresholds.split(",")]
    sites, demand = read_points(sites_csv), read_points(demand_csv)

    osrm_s, (t_extract, t_contract, t_load, t_table) = osrm_durations(work, pbf, sites, demand, runs)

    # zoneblanche, from the PBF and from its graph cache.
    zbg = str(work / "territory.zbg")
    subprocess.run([zb, "import", pbf, "-o", zbg], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    common = ["--sites", sites_csv, "--demand", demand_csv, "--max-snap-m", "100000"]
    out = str(work / "zb_times.csv")
    wall_pbf, zb_s = zb_times(zb, ["--pbf", pbf, *common], out, runs)
    wall_graph, zb_s2 = zb_times(zb, ["--graph", zbg, *common], out, runs)
    assert zb_s == zb_s2, "the graph cache gives other times than the PBF"

    both = [(z, o) for z, o in zip(zb_s, osrm_s) if z is not None and o is not None]
    d = [abs(z - o) for z, o in both]
    signed = [z - o for z, o in both]
    rel = [abs(z - o) / o for z, o in both if o > 0]
    rows = [
        ("demand points", len(demand)),
        ("sites", len(sites)),
        ("points timed by both", len(both)),
        ("points only zoneblanche times", sum(1 for z, o in zip(zb_s, osrm_s) if z is not None and o is None)),
        ("points only OSRM times", sum(1 for z, o in zip(zb_s, osrm_s) if z is None and o is not None)),
        ("OSRM median time (s)", round(statistics.median([o for _, o in both]), 1)),
        ("zoneblanche median time (s)", round(statistics.median([z for z, _ in both]), 1)),
        ("median Δ zoneblanche − OSRM (s)", round(statistics.median(signed), 2)),
        ("median |Δ| (s)", round(statistics.median(d), 2)),
        ("p95 |Δ| (s)", round(pct(d, 0.95), 2)),
        ("p95 |Δ| / OSRM time (%)", round(100 * pct(rel, 0.95), 2)),
        ("max |Δ| (s)", round(max(d), 1)),
        ("within 1 s (%)", round(100 * sum(x <= 1.0 for x in d) / len(d), 1)),
        ("within 2 % (%)", round(100 * sum(x <= 0.02 for x in rel) / len(rel), 1)),
    ]
    for thr in thresholds:
        lim = thr * 60
        fz = [z is None or z > lim for z in zb_s]
        fo = [o is None or o > lim for o in osrm_s]
        agree = sum(a == b for a, b in zip(fz, fo)) / len(fz)
        rows.append((f"flagged at {thr:g} min: OSRM / zoneblanche", f"{sum(fo)} / {sum(fz)}"))
        rows.append((f"flags agree at {thr:g} min (%)", round(100 * agree, 2)))
    osrm_total = t_extract + t_contract + t_load + t_table
    rows += [
        ("OSRM extract (s)", round(t_extract, 3)),
        ("OSRM contract (s)", round(t_contract, 3)),
        ("OSRM load (s)", round(t_load, 3)),
        ("OSRM Table query, snapping included (s)", round(t_table, 4)),
        ("OSRM whole pipeline (s)", round(osrm_total, 3)),
        ("zoneblanche times --pbf, wall (s)", round(wall_pbf, 3)),
        ("zoneblanche times --graph, wall (s)", round(wall_graph, 3)),
        ("whole pipeline: OSRM / zoneblanche --pbf", round(osrm_total / wall_pbf, 1)),
        ("OSRM Table query / zoneblanche --graph (whole process)", round(t_table / wall_graph, 1)),
    ]
    print(f"\n{label}\n\n| metric | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")
    with open(results, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["territory", "metric", "value"])
        for k, v in rows:
            w.writerow([label, k, v])


if __name__ == "__main__":
    if sys.argv[1:2] == ["table"]:
        table_only()
    else:
        main()
