#!/usr/bin/env bash
# Soak: `deconflict serve` under sustained load for a while (docs/security.md):
# 32 keep-alive wrk clients on loopback run bench/http/soak.lua (checks,
# bounding-box lists, notices, the record's head) against a store holding the
# At Tanf scenario and 20,000 activities, in ROUNDS rounds of ROUND_SECONDS.
# Each round prints its throughput, p50/p99 and the server's resident memory;
# the run fails on any answer that is not 200, or when memory after the first
# round grows by more than 5%.
# SOAK_STORE=postgres runs it on a throwaway PostgreSQL database (bench/pg.sh).
# Usage: bench/soak.sh [BUILD_DIR] [ROUNDS] [ROUND_SECONDS]
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-10}
ROUND_SECONDS=${3:-30}
BIN="$BUILD/deconflict"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wrk > /dev/null || { echo "bench/soak.sh needs wrk (scripts/install-deps.sh --bench)" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER=
. "$HERE/pg.sh"
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2> /dev/null; wait 2> /dev/null; rm -rf "$WORK"; stop_pg; }
trap cleanup EXIT
STORE=(--db "$WORK/soak.db")
if [ "${SOAK_STORE:-sqlite}" = postgres ]; then
  start_pg "-c shared_buffers=1GB"
  psql_ -c "CREATE DATABASE soak" > /dev/null
  STORE=(--db "postgresql://postgres@127.0.0.1:$PORT/soak" --key-file "$WORK/record.key")
fi
"$BIN" import "${STORE[@]}" "$HERE/../scenarios/at-tanf-2018.geojson" > /dev/null
TOKEN=$("$BIN" party add russia "${STORE[@]}" 2> /dev/null)  # it sees its own activities
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) {
  printf "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.5f,%.5f]},", 36 + 5 * rand(), 31 + 5 * rand();
  printf "\"properties\":{\"id\":\"soak-%d\",\"type\":\"activity\",\"party\":\"russia\",\"kind\":\"patrol\",", i;
  printf "\"radius_m\":500,\"start\":\"2018-10-01T00:00:00Z\",\"end\":\"2018-10-02T00:00:00Z\"}}\n" } }' \
  > "$WORK/activities.ndjson"
"$BIN" import --no-notices "${STORE[@]}" "$WORK/activities.ndjson" > /dev/null
"$BIN" serve "${STORE[@]}" --listen 127.0.0.1:0 --rate-limit 0 --max-probes-per-day 1000000000 --simulated-clock 2018-09-01T00:00:00Z > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$WORK/server.log" | head -1)
rss_mib() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status"; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "soak on ${SOAK_STORE:-sqlite}: $ROUNDS rounds of ${ROUND_SECONDS} s, 32 clients; RSS before: $(rss_mib) MiB"
echo "| round | requests/s | p50 | p99 | not 200 | RSS MiB |"
echo "| --- | --- | --- | --- | --- | --- |"
failed=0
first_rss=
for round in $(seq "$ROUNDS"); do
  SEED=$round TOKEN=$TOKEN wrk -t1 -c32 -d"${ROUND_SECONDS}s" --latency -s "$HERE/http/soak.lua" "$URL" > "$WORK/wrk" 2>&1
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk")
  bad=$(sed -n 's/^answers not 200: \([0-9]*\).*/\1/p' "$WORK/wrk")
  rss=$(rss_mib)
  [ -z "$first_rss" ] && first_rss=$rss
  echo "| $round | $rps | $p50 | $p99 | $bad | $rss |"
  [ "$bad" = "0" ] || failed=1
done
growth=$(echo "scale=1; 100 * ($(rss_mib) - $first_rss) / $first_rss" | bc)
echo "RSS growth after the first round: ${growth}%"
if [ "$failed" -ne 0 ] || [ "$(echo "$growth > 5" | bc)" -eq 1 ]; then echo "soak: FAILED" >&2; exit 1; fi
echo "soak: held"
