#!/usr/bin/env bash
# The OSRM peer: zoneblanche's default `car` profile against OSRM 26.10's car.lua, on the same
# PBF and the same points (benches/peers/osrm_peer.py does the runs and prints the agreement).
#
# Usage: benches/peers/osrm.sh [andorra|monaco|all|install]        (default: all)
#   install: only the Python environment (scripts/setup test uses it for the agreement test).
#
# * Installs `osrm-bindings==26.10.0` into benches/peers/.venv-osrm (git-ignored). The wheel is
#   cp312 only: a python3.12 is taken from OSRM_PYTHON, PATH or pyenv (~/.pyenv/versions/3.12*).
# * Territories: Andorra (../shared/data/andorra-latest.osm.pbf) with 10 synthetic sites and
#   5,000 synthetic homes on OSM way nodes, thresholds 15 and 30 min; Monaco
#   (monaco-latest.osm.pbf) with 5 sites and 1,000 homes, 5 min. Points come from
#   `zb-bench-points ... nodes` (fixed seeds). Results: benches/peers/results-osrm-<territory>.csv.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zoneblanche-target}
SHARED=${ZB_SHARED_DATA:-$ROOT/../shared/data}
WORK=${WORK:-$HERE/work/osrm}
RUNS=${RUNS:-5}
WHICH=${1:-all}
case "$WHICH" in andorra | monaco | all | install) ;; *) echo "usage: $0 [andorra|monaco|all|install]" >&2; exit 2 ;; esac
log() { echo "[osrm] $*" >&2; }

py=${OSRM_PYTHON:-}
if [ -z "$py" ]; then
  for c in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 "$(command -v python3.12 || true)"; do
    if [ -n "$c" ] && "$c" --version >/dev/null 2>&1; then py=$c; break; fi
  done
fi
[ -n "$py" ] || { log "no working python3.12 (osrm-bindings has only a cp312 wheel): OSRM not run"; exit 0; }
VENV=$HERE/.venv-osrm
REQ="osrm-bindings==26.10.0"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$REQ" ]; then
  log "installing $REQ into $VENV ($("$py" --version))"
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  "$VENV/bin/pip" install -q "$REQ"
  echo "$REQ" >"$VENV/.installed"
fi
[ "$WHICH" = install ] && exit 0

log "building the release binaries"
cargo build --release -q -p zoneblanche
cargo build --release -q -p zb-benches --bin zb-bench-points
BIN=$CARGO_TARGET_DIR/release/zoneblanche
POINTS=$CARGO_TARGET_DIR/release/zb-bench-points

territory() {
  local name=$1 pbf=$2 sites=$3 homes=$4 thresholds=$5
  if [ ! -f "$pbf" ]; then log "skipped $name: $pbf is absent"; return; fi
  local w=$WORK/$name
  mkdir -p "$w"
  "$BIN" import "$pbf" -o "$w/points.zbg" 2>/dev/null
  "$POINTS" "$w/points.zbg" "$w" "$sites" "$homes" nodes 2>/dev/null
  log "$name: OSRM extract + contract + Table, zoneblanche times (RUNS=$RUNS)"
  "$VENV/bin/python" "$HERE/osrm_peer.py" "$w" "$pbf" "$w/sites.csv" "$w/demand.csv" "$thresholds" \
    "$RUNS" "$BIN" "$name" "$HERE/results-osrm-$name.csv"
}

[ "$WHICH" = monaco ] || territory andorra "$SHARED/andorra-latest.osm.pbf" 10 5000 15,30
[ "$WHICH" = andorra ] || territory monaco "$SHARED/monaco-latest.osm.pbf" 5 1000 5
