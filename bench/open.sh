#!/usr/bin/env bash
# Opening a store of 1,000,000 volumes (docs/performance.md): `deconflict
# serve` on a SQLite store holding the world workload, timed from its start
# until it answers GET /v1/health, with the CPU it took by then (user and
# system), its resident memory then (VmRSS) and at its peak (VmHWM). The
# environment is passed on: `GLIBC_TUNABLES=glibc.malloc.hugetlb=1 bash
# bench/open.sh` measures the heap in huge pages (docs/operations.md). The
# store is built once, by importing bench/data/world/world.ndjson (several
# minutes), into bench/data/world/store.db.
# Usage: bench/open.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
BIN="$BUILD/deconflict"
DATA=bench/data/world
STORE="$DATA/store.db"

if [ ! -s "$DATA/world.ndjson" ]; then "$BUILD/deconflict-gen" world "$DATA"; fi
if [ ! -s "$STORE.done" ]; then
  echo "building $STORE (once)..."
  rm -f "$STORE" "$STORE-wal" "$STORE-shm" "$STORE.key"
  "$BIN" import --no-notices --db "$STORE" --now 2018-09-01T00:00:00Z "$DATA/world.ndjson"
  date > "$STORE.done"
fi

LOG=$(mktemp)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2> /dev/null; wait 2> /dev/null; rm -f "$LOG"; }
trap cleanup EXIT

# Timed with the store's file in the page cache, as a node restarting on its
# own machine finds it: a first run after the file left the cache (other work
# in between) spends seconds reading it from disk, which is the disk's time.
cat "$STORE" > /dev/null

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "store: $(du -h "$STORE" | cut -f1), $(sqlite3 "$STORE" 'SELECT count(*) FROM objects' 2> /dev/null || echo '?') objects"
for run in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  "$BIN" serve --db "$STORE" --listen 127.0.0.1:0 > /dev/null 2> "$LOG" &
  SERVER=$!
  url=
  until [ -n "$url" ] && curl -sf "$url/v1/health" > /dev/null; do
    kill -0 "$SERVER" 2> /dev/null || { cat "$LOG"; exit 1; }
    sleep 0.02
    url=$(grep -o 'http://[0-9.:]*' "$LOG" | head -1 || true)
  done
  ready=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$SERVER/stat")
  printf 'run %d: ready in %.2f s, CPU %s s, resident %d MiB (peak %d MiB)\n' "$run" "$(echo "$ready - $start" | bc)" \
    "$cpu" $((rss / 1024)) $((peak / 1024))
  kill "$SERVER"
  wait "$SERVER" 2> /dev/null || true
  SERVER=
done
