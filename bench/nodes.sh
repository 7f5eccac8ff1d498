#!/usr/bin/env bash
# Creates per second on PostgreSQL, one node and then two nodes on one
# database (docs/performance.md, docs/operations.md): POST /v1/activities,
# each checked, notified and durably committed, from CLIENTS keep-alive
# clients in all (split between the nodes), over loopback. The database runs
# with its defaults for durability (fsync and synchronous_commit on).
# Usage: bench/nodes.sh [BUILD_DIR] [CLIENTS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
CLIENTS=${2:-32}
SECONDS_EACH=${3:-10}
BIN="$BUILD/deconflict"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wrk > /dev/null || { echo "bench/nodes.sh needs wrk (scripts/install-deps.sh --bench)" >&2; exit 2; }
. "$HERE/pg.sh"
WORK=$(mktemp -d)
NODES=()
cleanup() { for p in "${NODES[@]}"; do kill "$p" 2> /dev/null; done; wait 2> /dev/null; rm -rf "$WORK"; stop_pg; }
trap cleanup EXIT
start_pg "-c shared_buffers=1GB"
psql_ -c "CREATE DATABASE bench" > /dev/null
STORE=(--db "postgresql://postgres@127.0.0.1:$PORT/bench" --key-file "$WORK/record.key")
"$BIN" import "${STORE[@]}" "$HERE/../scenarios/at-tanf-2018.geojson" > /dev/null
TOKEN=$("$BIN" party add coalition "${STORE[@]}" 2> /dev/null)

start_node() {  # sets URL to the new node's
  local log="$WORK/node${#NODES[@]}.log"
  "$BIN" serve "${STORE[@]}" --listen 127.0.0.1:0 --max-objects-per-party 10000000 --rate-limit 0 --simulated-clock 2018-09-01T00:00:00Z > "$log" 2>&1 &
  NODES+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
  URL=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
}
create() {  # URL CLIENTS SEED: wrk's requests per second and p99
  SEED=$3 TOKEN=$TOKEN wrk -t1 -c"$2" -d"${SECONDS_EACH}s" --latency -s "$HERE/http/create.lua" "$1" > "$WORK/wrk.$3"
  echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.$3") $(awk '$1 == "99%" {print $2}' "$WORK/wrk.$3")"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
start_node
A=$URL
read -r one p99_one <<< "$(create "$A" "$CLIENTS" 1)"
start_node
B=$URL
create "$A" $((CLIENTS / 2)) 2 > "$WORK/a" &
create "$B" $((CLIENTS / 2)) 3 > "$WORK/b"
wait $!
read -r two_a p99_a < "$WORK/a"
read -r two_b p99_b < "$WORK/b"
"$BIN" record verify "${STORE[@]}" | tail -1
echo "| nodes | creates/s | p99 |"
echo "| --- | --- | --- |"
echo "| 1 | $one | $p99_one |"
echo "| 2 | $(echo "$two_a + $two_b" | bc) ($two_a + $two_b) | $p99_a, $p99_b |"
