#!/usr/bin/env bash
# The peer race: zoneblanche against SciPy (multi-source Dijkstra), pandana (nearest_pois) and
# Valhalla (sources_to_targets) on the same PBF and the same 10 sites and 5,000 demand points.
#
# Usage: benches/peers/run.sh [andorra|dep48|all]        (default: all)
#
# * Builds the release binaries `zoneblanche`, `zb-export-graph` and `zb-bench-points`.
# * Installs the peers from PyPI into benches/peers/.venv (CPython 3.11 or whatever `python3` is:
#   scipy, pandas, pandana) and benches/peers/.venv-valhalla (pyvalhalla 3.9.1, whose wheels
#   carry the tile builder but need CPython >= 3.12: found on PATH or through pyenv; without it
#   Valhalla is reported as not run). Both folders are git-ignored; set PYTHON / VALHALLA_PYTHON
#   to choose the interpreters.
# * Per territory: zb-export-graph writes the node-level graph zoneblanche imports (default car
#   profile) and the node of every point; each engine runs in its own process; the table is
#   printed (markdown) and the figures written to benches/peers/results-<territory>.csv.
#
# Territories: `andorra` is the real extract ../shared/data/andorra-latest.osm.pbf with the
# synthetic points of data/andorra/; `dep48` is a SYNTHETIC Lozère made by
# `zoneblanche generate --communes ../shared/data/communes_france.csv --dep 48` with 10 sites and
# 5,000 demand points from `zb-bench-points` (skipped, with the reason, if `generate` is absent).
#
# Knobs (environment): RUNS (zoneblanche end-to-end runs, 11), PEER_RUNS (SciPy and pandana
# query runs, 5), VALHALLA_RUNS (TimeDistanceMatrix runs, 3), COSTMATRIX_RUNS (1; 0 skips the
# CostMatrix run, which takes about a minute per 50,000 pairs), WORK (scratch folder,
# benches/peers/work).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zoneblanche-target}
SHARED=${ZB_SHARED_DATA:-$ROOT/../shared/data}
WORK=${WORK:-$HERE/work}
RUNS=${RUNS:-11}
PEER_RUNS=${PEER_RUNS:-5}
VALHALLA_RUNS=${VALHALLA_RUNS:-3}
COSTMATRIX_RUNS=${COSTMATRIX_RUNS:-1}
WHICH=${1:-all}
case "$WHICH" in andorra | dep48 | all) ;; *) echo "usage: $0 [andorra|dep48|all]" >&2; exit 2 ;; esac

log() { echo "[peers] $*" >&2; }

# --- binaries --------------------------------------------------------------------------------
log "building the release binaries (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo build --release -q -p zoneblanche
cargo build --release -q -p zb-benches --bin zb-export-graph --bin zb-bench-points
BIN=$CARGO_TARGET_DIR/release/zoneblanche
EXPORT=$CARGO_TARGET_DIR/release/zb-export-graph
POINTS=$CARGO_TARGET_DIR/release/zb-bench-points

# --- Python environments ---------------------------------------------------------------------
PEERS_REQ="numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 pandana==0.8"
VALHALLA_REQ="pyvalhalla==3.9.1"

# venv DIR PYTHON REQUIREMENTS: creates DIR and installs REQUIREMENTS unless already done.
venv() {
  local dir=$1 py=$2 req=$3
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.installed" 2>/dev/null)" != "$req" ]; then
    log "installing $req into $dir ($("$py" --version 2>&1))"
    rm -rf "$dir"
    "$py" -m venv "$dir" || return 1
    # shellcheck disable=SC2086
    "$dir/bin/pip" install -q --disable-pip-version-check $req || return 1
    echo "$req" >"$dir/.installed"
  fi
}

PYTHON=${PYTHON:-python3}
venv "$HERE/.venv" "$PYTHON" "$PEERS_REQ" || { log "cannot install $PEERS_REQ"; exit 1; }
PY=$HERE/.venv/bin/python

# A CPython >= 3.12 for pyvalhalla: $VALHALLA_PYTHON, python3.12/3.13 on PATH, or pyenv's.
is_py312() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
find_py312() {
  if [ -n "${VALHALLA_PYTHON:-}" ]; then echo "$VALHALLA_PYTHON"; return; fi
  local c
  for c in python3.12 python3.13; do
    if command -v "$c" >/dev/null && is_py312 "$c"; then command -v "$c"; return; fi
  done
  if command -v pyenv >/dev/null; then
    for c in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.[0-9]+)?$' | sort -V); do
      c="$(pyenv root)/versions/$c/bin/python3"
      if is_py312 "$c"; then echo "$c"; return; fi
    done
  fi
}
VPY=""
VALHALLA_WHY=""
if PY312=$(find_py312) && [ -n "$PY312" ]; then
  if venv "$HERE/.venv-valhalla" "$PY312" "$VALHALLA_REQ"; then
    VPY=$HERE/.venv-valhalla/bin/python
  else
    VALHALLA_WHY="pip could not install $VALHALLA_REQ for $PY312"
  fi
else
  VALHALLA_WHY="no CPython >= 3.12 here (pyvalhalla wheels with valhalla_build_tiles are cp312-abi3; \
the cp311 wheel, pyvalhalla 3.2.0, has no tile builder) and 'pyenv install 3.12' needs python.org"
fi
[ -z "$VALHALLA_WHY" ] || log "Valhalla not run: $VALHALLA_WHY"

# --- one territory ---------------------------------------------------------------------------
race() {
  local name=$1 label=$2 pbf=$3 sites=$4 demand=$5
  local w=$WORK/$name
  log "$label: exporting the graph and the points"
  mkdir -p "$w"
  rm -rf "$w"/valhalla_tiles "$w"/valhalla_tiles_s "$w"/*.json "$w"/*_times.csv
  cut -d' ' -f1-3 /proc/loadavg >"$w/load_start"
  "$EXPORT" "$pbf" "$sites" "$demand" "$w"
  log "$label: zoneblanche ($RUNS end-to-end runs from the PBF and from the graph cache)"
  "$PY" "$HERE/race.py" zoneblanche "$w" "$BIN" "$pbf" "$sites" "$demand" "$w/$name.zbg" "$RUNS"
  log "$label: SciPy"
  "$PY" "$HERE/race.py" scipy "$w" "$PEER_RUNS"
  log "$label: pandana"
  "$PY" "$HERE/race.py" pandana "$w" "$PEER_RUNS" >"$w/pandana.log" 2>&1 || {
    cat "$w/pandana.log" >&2
    exit 1
  }
  if [ -n "$VPY" ]; then
    log "$label: Valhalla tile build + TimeDistanceMatrix"
    "$VPY" "$HERE/race.py" valhalla "$w" "$pbf" "$sites" "$demand" timedistancematrix "$VALHALLA_RUNS"
    if [ "$COSTMATRIX_RUNS" -gt 0 ]; then
      log "$label: Valhalla CostMatrix (what select_optimal picks for auto; about a minute)"
      "$VPY" "$HERE/race.py" valhalla "$w" "$pbf" "$sites" "$demand" costmatrix "$COSTMATRIX_RUNS"
    fi
  fi
  echo "$VALHALLA_WHY" >"$w/valhalla_why"
  echo
  "$PY" "$HERE/race.py" report "$w" "$name" "$label" "$HERE/results-$name.csv" | tee "$w/table.md"
  echo
}

if [ "$WHICH" = all ] || [ "$WHICH" = andorra ]; then
  PBF=$SHARED/andorra-latest.osm.pbf
  if [ -f "$PBF" ]; then
    race andorra "Andorra (real OSM extract)" "$PBF" data/andorra/synthetic_sites.csv \
      data/andorra/synthetic_demand.csv
  else
    log "skipped Andorra: $PBF is absent"
  fi
fi

if [ "$WHICH" = all ] || [ "$WHICH" = dep48 ]; then
  COMMUNES=$SHARED/communes_france.csv
  if ! "$BIN" generate --help >/dev/null 2>&1; then
    log "skipped dep48: this zoneblanche has no 'generate' command; once it does: $0 dep48"
  elif [ ! -f "$COMMUNES" ]; then
    log "skipped dep48: $COMMUNES is absent"
  else
    d=$WORK/dep48
    mkdir -p "$d/points"
    "$BIN" generate --communes "$COMMUNES" --dep 48 --seed 1 -o "$d/dep48.osm.pbf"
    "$BIN" import "$d/dep48.osm.pbf" -o "$d/dep48-points.zbg" 2>/dev/null
    "$POINTS" "$d/dep48-points.zbg" "$d/points" 10 5000
    race dep48 "Lozère (48), SYNTHETIC network from zoneblanche generate" "$d/dep48.osm.pbf" \
      "$d/points/sites.csv" "$d/points/demand.csv"
  fi
fi
