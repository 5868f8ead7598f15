#!/usr/bin/env bash
# Scripted end-to-end run of `zoneblanche times` on the real Andorra extract with the committed
# synthetic points (10 sites, 5,000 demand points): median wall time over N runs from the PBF
# and from the graph cache, and the peak memory of an import.
# Usage: benches/scripts/times_e2e.sh [N=11]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-11}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zoneblanche-target}
PBF=../shared/data/andorra-latest.osm.pbf
[ -f "$PBF" ] || { echo "skipped: $PBF is absent"; exit 0; }
cargo build --release -q -p zoneblanche
BIN=$CARGO_TARGET_DIR/release/zoneblanche
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SITES=data/andorra/synthetic_sites.csv
DEMAND=data/andorra/synthetic_demand.csv
/usr/bin/time -o "$TMP/rss" -f "%M" "$BIN" import "$PBF" -o "$TMP/andorra.zbg" 2>/dev/null
peak=$(tail -1 "$TMP/rss")
echo "import peak RSS: $((peak / 1024)) MB ($peak KB)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {
  for _ in $(seq "$N"); do
    t0=$EPOCHREALTIME
    "$BIN" times "$@" --sites "$SITES" --demand "$DEMAND" --out "$TMP/out.csv" 2>/dev/null
    t1=$EPOCHREALTIME
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'

  done | median
}
echo "times from the PBF:         median $(run --pbf "$PBF") s wall over $N runs"
echo "times from the graph cache: median $(run --graph "$TMP/andorra.zbg") s wall over $N runs"
"$BIN" times --graph "$TMP/andorra.zbg" --sites "$SITES" --demand "$DEMAND" --out "$TMP/out.csv" 2>&1 | tail -3
