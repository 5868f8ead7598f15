#!/usr/bin/env python3
"""Results of the scale benchmark (benches/scale/run.sh): merge rows, draw the SVG plot, print
the table and the growth. Standard library only; the SVG is written by hand.

    scale.py merge RESULTS.csv NEW_ROWS.csv   # rows of NEW replace the same sizes in RESULTS
    scale.py plot RESULTS.csv OUT.svg         # each cost against road nodes, log-log
    scale.py table RESULTS.csv                # markdown table
    scale.py growth RESULTS.csv               # least-squares slope per road node, exponent
"""

import csv
import math
import os
import sys

SIZE_ORDER = ["dep1", "dep10", "dep30", "france"]

# (column, title, unit shown, factor to the "per node" unit, per-node unit, target for France)
METRICS = [
    ("import_s", "import (PBF → graph)", "s", 1e6, "µs", 120.0),
    ("import_peak_mb", "import peak memory", "MB", 1e6, "bytes", 4000.0),
    ("graph_mb", "graph in memory", "MB", 1e6, "bytes", None),
    ("cache_load_s", "graph cache load", "s", 1e9, "ns", 3.0),
    ("snap_index_s", "snapping index build", "s", 1e9, "ns", None),
    ("snap_index_mb", "snapping index memory", "MB", 1e6, "bytes", None),
    ("ready_peak_mb", "peak: cache load + snapping index", "MB", 1e6, "bytes", None),
    ("coverage_s", "full coverage (1 site / 100k inh.)", "s", 1e9, "ns", 3.0),
    ("baseline_s", "what-if baseline", "s", 1e9, "ns", None),
    ("whatif_add_ms", "add one site (median)", "ms", 1e6, "ns", 50.0),
]


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def order(rows):
    def key(r):
        s = r["size"]
        return (SIZE_ORDER.index(s) if s in SIZE_ORDER else len(SIZE_ORDER), float(r["road_nodes"]))

    return sorted(rows, key=key)


def merge(results, new):
    fresh = read(new)
    if not fresh:
        return
    fields = list(fresh[0].keys())
    old = read(results) if os.path.exists(results) else []
    sizes = {r["size"] for r in fresh}
    kept = [r for r in old if r["size"] not in sizes and set(r.keys()) == set(fields)]
    rows = order(kept + fresh)
    tmp = results + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, results)


def num(r, c):
    v = r.get(c, "")
    return float(v) if v not in ("", None) else None


def fit(xs, ys):
    """Least squares y = a + b x and log y = c + k log x; returns (a, b, r2, k)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if n < 2 or sxx == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    syy = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / syy if syy > 0 else 1.0
    k = None
    if all(x > 0 for x in xs) and all(y > 0 for y in ys):
        lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
        mlx, mly = sum(lx) / n, sum(ly) / n
        k = sum((u - mlx) * (v - mly) for u, v in zip(lx, ly)) / sum((u - mlx) ** 2 for u in lx)
    return a, b, r2, k


def series(rows, col):
    pts = [(num(r, "road_nodes"), num(r, col), r["size"]) for r in rows]
    return [(x, y, s) for x, y, s in pts if x is not None and y is not None]


def fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.2g}"


def growth_lines(rows):
    out = []
    for col, title, unit, factor, per, _ in METRICS:
        pts = series(rows, col)
        f = fit([p[0] for p in pts], [p[1] for p in pts]) if len(pts) >= 2 else None
        if f is None:
            continue
        a, b, r2, k = f
        # b is in `unit` per node; `factor` converts `unit` to `per`.
        slope = b * factor
        intercept = f"{'-' if a < 0 else '+'} {fmt(abs(a))} {unit}"
        exp = f"; exponent {k:.2f} (log-log)" if k is not None else ""
        out.append(
            f"{title}: {fmt(slope)} {per} per road node {intercept} (R² {r2:.3f}{exp})"
        )
    bpn = series(rows, "bytes_per_node")
    if bpn:
        out.append(
            "graph bytes per road node: "
            + ", ".join(f"{s} {fmt(y)}" for _, y, s in bpn)
            + "; per junction: "
            + ", ".join(f"{s} {fmt(y)}" for _, y, s in series(rows, "bytes_per_junction"))
        )
    return out


def table(rows):
    cols = [
        ("size", "size", None),
        ("communes", "communes", "int"),
        ("road_nodes", "road nodes", "int"),
        ("junctions", "junctions", "int"),
        ("pbf_mb", "PBF MB", "f1"),
        ("import_s", "import s", "f2"),
        ("import_peak_mb", "import peak MB", "int"),
        ("bytes_per_node", "graph B/node", "f1"),
        ("bytes_per_junction", "graph B/junction", "int"),
        ("cache_mb", "cache MB", "f1"),
        ("cache_write_s", "cache write s", "f2"),
        ("cache_load_s", "cache load s", "f3"),
        ("snap_index_s", "snap index s", "f3"),
        ("snap_index_mb", "snap index MB", "int"),
        ("ready_peak_mb", "peak MB, cache load + index", "int"),
        ("sites", "sites", "int"),
        ("coverage_s", "coverage s", "f3"),
        ("baseline_s", "what-if baseline s", "f3"),
        ("whatif_add_ms", "add one site ms: median / max (of which copying the baseline)", "whatif"),
        ("load1", "load avg", "f1"),
    ]

    def cell(r, c, kind):
        v = r.get(c, "")
        if kind is None or v == "":
            return v
        x = float(v)
        if kind == "int":
            return f"{x:,.0f}"
        if kind == "whatif":
            return f"{x:.2f} / {float(r['whatif_add_max_ms']):.2f} ({float(r['whatif_copy_ms']):.2f})"
        return f"{x:.{kind[1]}f}"

    lines = ["| " + " | ".join(h for _, h, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(cell(r, c, k) for c, _, k in cols) + " |")
    return lines


def log_ticks(lo, hi):
    ticks = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            t = m * 10.0**e
            if lo <= t <= hi:
                ticks.append(t)
    if len(ticks) > 7:
        ticks = [t for t in ticks if f"{t:e}".startswith("1")]
    return ticks


def tick_label(t):
    if t >= 1e6:
        return f"{t / 1e6:g}M"
    if t >= 1e3:
        return f"{t / 1e3:g}k"
    return f"{t:g}"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plot(rows, out):
    W, H, cols = 330, 250, 4
    ml, mr, mt, mb = 58, 14, 30, 40
    n = len(METRICS)
    nrows = math.ceil(n / cols)
    total_w, total_h = W * cols, H * nrows + 60
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'viewBox="0 0 {total_w} {total_h}" font-family="sans-serif" font-size="11">',
        f'<rect width="{total_w}" height="{total_h}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">zoneblanche scale benchmark: '
        f"cost against road nodes (log-log), SYNTHETIC generated territories</text>",
        '<text x="10" y="38" fill="#555">dots: measures; grey line: least-squares fit '
        "a + b·n (n = road nodes); blue dotted: power law fitted in log-log (exponent at the "
        "bottom right); red dashed: target for all of metropolitan France</text>",
    ]
    colors = {"dep1": "#1b9e77", "dep10": "#d95f02", "dep30": "#7570b3", "france": "#e7298a"}
    for i, (col, title, unit, _, _, target) in enumerate(METRICS):
        ox, oy = (i % cols) * W, 50 + (i // cols) * H
        pts = series(rows, col)
        pw, ph = W - ml - mr, H - mt - mb
        svg.append(f'<g transform="translate({ox},{oy})">')
        svg.append(f'<text x="{ml}" y="16" font-weight="bold">{esc(title)} ({unit})</text>')
        svg.append(
            f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>'
            f'<clipPath id="clip{i}"><rect x="{ml}" y="{mt}" width="{pw}" height="{ph}"/></clipPath>'
        )
        pts = [p for p in pts if p[0] > 0 and p[1] > 0]
        if not pts:
            svg.append(f'<text x="{ml + 10}" y="{mt + 20}">no data</text></g>')
            continue
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        x0, x1 = min(xs) / 1.6, max(xs) * 1.6
        yvals = ys + ([target] if target else [])
        y0, y1 = min(yvals) / 2, max(yvals) * 2

        def px(x):
            return ml + pw * (math.log(x) - math.log(x0)) / (math.log(x1) - math.log(x0))

        def py(y):
            return mt + ph * (1 - (math.log(y) - math.log(y0)) / (math.log(y1) - math.log(y0)))

        for t in log_ticks(x0, x1):
            svg.append(
                f'<line x1="{px(t):.1f}" y1="{mt}" x2="{px(t):.1f}" y2="{mt + ph}" stroke="#eee"/>'
                f'<text x="{px(t):.1f}" y="{mt + ph + 14}" text-anchor="middle">{tick_label(t)}</text>'
            )
        for t in log_ticks(y0, y1):
            svg.append(
                f'<line x1="{ml}" y1="{py(t):.1f}" x2="{ml + pw}" y2="{py(t):.1f}" stroke="#eee"/>'
                f'<text x="{ml - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{tick_label(t)}</text>'
            )
        svg.append(
            f'<text x="{ml + pw / 2}" y="{mt + ph + 30}" text-anchor="middle" fill="#555">'
            "OSM road nodes</text>"
        )
        f = fit(xs, ys) if len(pts) >= 2 else None
        if f:
            a, b = f[0], f[1]
            path = []
            for j in range(81):
                x = math.exp(math.log(x0) + (math.log(x1) - math.log(x0)) * j / 80)
                y = a + b * x
                if y0 <= y <= y1:
                    path.append(f"{'M' if not path else 'L'}{px(x):.1f},{py(y):.1f}")
            if path:
                svg.append(
                    f'<path d="{" ".join(path)}" fill="none" stroke="#888" stroke-width="1.5" '
                    f'clip-path="url(#clip{i})"/>'
                )
            k = f[3]
            if k is not None:
                # Power law through the points (least squares in log-log): a straight line here.
                lx = [math.log(x) for x in xs]
                c0 = sum(math.log(y) for y in ys) / len(ys) - k * sum(lx) / len(lx)
                ya, yb = math.exp(c0 + k * math.log(x0)), math.exp(c0 + k * math.log(x1))
                svg.append(
                    f'<line x1="{px(x0):.1f}" y1="{py(ya):.1f}" x2="{px(x1):.1f}" y2="{py(yb):.1f}" '
                    f'stroke="#3a7bd5" stroke-dasharray="2,3" stroke-width="1.2" clip-path="url(#clip{i})"/>'
                    f'<text x="{ml + pw - 4}" y="{mt + ph - 6}" text-anchor="end" fill="#3a7bd5">'
                    f"∝ n^{k:.2f}</text>"
                )
        if target:
            svg.append(
                f'<line x1="{ml}" y1="{py(target):.1f}" x2="{ml + pw}" y2="{py(target):.1f}" '
                f'stroke="#d00" stroke-dasharray="5,4"/>'
                f'<text x="{ml + 4}" y="{py(target) - 4:.1f}" fill="#d00">target {fmt(target)} {unit}</text>'
            )
        for x, y, s in pts:
            c = colors.get(s, "#333")
            right = x == max(xs)
            svg.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{c}"/>'
                f'<text x="{px(x) + (-6 if right else 6):.1f}" y="{py(y) + 14:.1f}" fill="{c}" '
                f'text-anchor="{"end" if right else "start"}">{esc(s)} {fmt(y)}</text>'
            )
        svg.append("</g>")
    svg.append("</svg>")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(svg) + "\n")
    os.replace(tmp, out)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, results = argv[1], argv[2]
    if cmd == "merge" and len(argv) == 4:
        merge(results, argv[3])
    elif cmd == "plot" and len(argv) == 4:
        plot(order(read(results)), argv[3])
    elif cmd == "table":
        print("\n".join(table(order(read(results)))))
    elif cmd == "growth":
        print("\n".join(growth_lines(order(read(results)))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
