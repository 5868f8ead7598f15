#!/usr/bin/env bash
# Scale benchmark: zoneblanche's costs on generated (SYNTHETIC) territories of four sizes.
#
# Usage: benches/scale/run.sh [--quick] [--keep] [SIZE...]
#   SIZE: dep1 (Lozère), dep10 (ten neighbouring départements), dep30 (thirty, Occitanie +
#         Auvergne-Rhône-Alpes + Nouvelle-Aquitaine minus some), france (all metropolitan
#         France); default: all four.
#   --quick: dep1 only, results in benches/scale/work/ (results.csv and scale.svg untouched).
#   --keep:  keep the generated PBFs and graph caches in benches/scale/work/.
#
# For each size: `zoneblanche generate` writes the territory, `zb-scale import` runs under
# `/usr/bin/time -v` for the peak memory of an import, then `zb-scale measure` times every
# stage and prints one CSV row. The rows are merged into benches/scale/results.csv (rows of
# sizes not run are kept), scale.py draws benches/scale/scale.svg and prints the growth.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zoneblanche-target}
COMMUNES=${COMMUNES:-../shared/data/communes_france.csv}
SCALE=benches/scale
WORK=$SCALE/work
RESULTS=$SCALE/results.csv
PLOT=$SCALE/scale.svg
KEEP=0
SIZES=()
for a in "$@"; do
  case "$a" in
    --quick) SIZES=(dep1); RESULTS=$WORK/results-quick.csv; PLOT=$WORK/scale-quick.svg ;;
    --keep) KEEP=1 ;;
    dep1|dep10|dep30|france) SIZES+=("$a") ;;
    *) echo "usage: $0 [--quick] [--keep] [dep1|dep10|dep30|france]..." >&2; exit 2 ;;
  esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(dep1 dep10 dep30 france)

deps_of() {
  case "$1" in
    dep1) echo 48 ;;
    # Around Lozère: Aveyron, Cantal, Gard, Hérault, Haute-Loire, Lot, Lozère, Puy-de-Dôme,
    # Ardèche, Tarn.
    dep10) echo 12,15,30,34,43,46,48,63,07,81 ;;
    # Occitanie (13) + Auvergne-Rhône-Alpes without 01, 73, 74 (9) + Nouvelle-Aquitaine without
    # 16, 17, 79, 86 (8).
    dep30) echo 09,11,12,30,31,32,34,46,48,65,66,81,82,03,07,15,26,38,42,43,63,69,19,23,24,33,40,47,64,87 ;;
    france) echo "" ;;
  esac
}

[ -f "$COMMUNES" ] || { echo "skipped: $COMMUNES is absent"; exit 0; }
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
mkdir -p "$WORK"
avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')
for s in "${SIZES[@]}"; do
  # France: about 0.13 GB of PBF and 0.6 GB of graph cache.
  if [ "$s" = france ] && [ "$avail_kb" -lt 2000000 ]; then
    echo "error: France needs about 1 GB free under $WORK; $((avail_kb / 1024)) MB left" >&2
    exit 1
  fi
done

echo "building release binaries (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
cargo build --release -q -p zoneblanche
cargo build --release -q -p zb-benches --bin zb-scale
ZB=$CARGO_TARGET_DIR/release/zoneblanche
ZS=$CARGO_TARGET_DIR/release/zb-scale
"$ZB" generate --help >/dev/null 2>&1 || { echo "error: this zoneblanche has no 'generate' command" >&2; exit 2; }

ROWS=$WORK/rows.csv
"$ZS" header >"$ROWS"
for s in "${SIZES[@]}"; do
  deps=$(deps_of "$s")
  pbf=$WORK/$s.osm.pbf
  dep_args=()
  [ -n "$deps" ] && dep_args=(--dep "$deps")
  echo "== $s: generating (${deps:-all metropolitan départements})" >&2
  "$ZB" generate --communes "$COMMUNES" "${dep_args[@]}" --seed 1 -o "$pbf" 2>"$WORK/$s.generate.log" \
    || { cat "$WORK/$s.generate.log" >&2; exit 1; }
  grep -E '^(generated|wrote)' "$WORK/$s.generate.log" >&2 || true
  echo "== $s: import alone under /usr/bin/time -v" >&2
  /usr/bin/time -v -o "$WORK/$s.import.time" "$ZS" import "$pbf" >/dev/null 2>"$WORK/$s.import.log" \
    || { cat "$WORK/$s.import.log" "$WORK/$s.import.time" >&2; exit 1; }
  peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$s.import.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/$s.import.time")
  echo "import alone: peak RSS $((peak_kb / 1024)) MB, wall $wall" >&2
  echo "== $s: measuring" >&2
  "$ZS" measure "$pbf" --communes "$COMMUNES" "${dep_args[@]}" --size "$s" \
    --import-peak-kb "$peak_kb" --cache "$WORK/$s.zbg" >>"$ROWS"
  if [ "$KEEP" = 0 ]; then
    rm -f "$pbf" "$WORK/$s.zbg"
  fi
done

python3 "$SCALE/scale.py" merge "$RESULTS" "$ROWS"
python3 "$SCALE/scale.py" plot "$RESULTS" "$PLOT"
echo "wrote $RESULTS and $PLOT" >&2
python3 "$SCALE/scale.py" table "$RESULTS"
python3 "$SCALE/scale.py" growth "$RESULTS"
