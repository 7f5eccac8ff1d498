#!/usr/bin/env bash
# Measures `deconflict check --stats` on the two workloads of docs/performance.md:
#   (a) dense: 20,000 volumes in a 600 km x 600 km region over 30 days, 1,000 queries
#   (b) world: 1,000,000 volumes worldwide, 1,000 queries
# The workloads are generated deterministically (deconflict-gen) into
# bench/data/ once and reused. Usage: bench/run.sh [BUILD_DIR] [dense|world|all]
set -euo pipefail
BUILD=${1:-build}
WHICH=${2:-all}
DATA=bench/data
mkdir -p "$DATA"

machine() {
  echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
}

run() {
  local name=$1
  mkdir -p "$DATA/$name"
  if [ ! -s "$DATA/$name/queries.ndjson" ]; then
    echo "generating $name workload..."
    "$BUILD/deconflict-gen" "$name" "$DATA/$name"
  fi
  echo "== $name: $(wc -l < "$DATA/$name/world.ndjson") volumes, $(wc -l < "$DATA/$name/queries.ndjson") queries"
  echo "\$ deconflict check --stats --against $DATA/$name/world.ndjson $DATA/$name/queries.ndjson"
  /usr/bin/time -f "wall %e s, max RSS %M KiB" \
    "$BUILD/deconflict" check --stats --against "$DATA/$name/world.ndjson" "$DATA/$name/queries.ndjson" \
    > "$DATA/$name/conflicts.ndjson"
  echo "conflicts found: $(grep -o '"rule"' "$DATA/$name/conflicts.ndjson" | wc -l)"
}

machine
case "$WHICH" in
  dense) run dense ;;
  world) run world ;;
  all) run dense; run world ;;
  *) echo "usage: bench/run.sh [BUILD_DIR] [dense|world|all]" >&2; exit 2 ;;
esac
