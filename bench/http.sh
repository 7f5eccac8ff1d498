#!/usr/bin/env bash
# Measures `deconflict serve` over loopback with wrk (docs/performance.md):
#   create: POST /v1/activities, each checked, notified and durably committed
#   list:   GET /v1/activities?bbox=... returning about 100 features
# on a fresh SQLite store holding the At Tanf scenario and 20,000 activities
# spread over 5 x 5 degrees. Usage: bench/http.sh [BUILD_DIR] [CLIENTS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
CLIENTS=${2:-32}
SECONDS_EACH=${3:-10}
BIN="$BUILD/deconflict"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v wrk > /dev/null || { echo "bench/http.sh needs wrk (scripts/install-deps.sh --bench)" >&2; exit 2; }

WORK=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2> /dev/null; wait 2> /dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
DB="$WORK/bench.db"

"$BIN" import --db "$DB" "$HERE/../scenarios/at-tanf-2018.geojson" > /dev/null
TOKEN=$("$BIN" party add coalition --db "$DB" 2> /dev/null)
# 20,000 activities of one party, 800 a square degree: a 0.35-degree box holds about 100.
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) {
  printf "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.5f,%.5f]},", 36 + 5 * rand(), 31 + 5 * rand();
  printf "\"properties\":{\"id\":\"bench-%d\",\"type\":\"activity\",\"party\":\"coalition\",\"kind\":\"patrol\",", i;
  printf "\"radius_m\":500,\"start\":\"2018-10-01T00:00:00Z\",\"end\":\"2018-10-02T00:00:00Z\"}}\n" } }' \
  > "$WORK/activities.ndjson"
"$BIN" import --no-notices --db "$DB" "$WORK/activities.ndjson" > /dev/null

"$BIN" serve --db "$DB" --listen 127.0.0.1:0 --max-objects-per-party 10000000 --rate-limit 0 --max-probes-per-day 1000000000 --simulated-clock 2018-09-01T00:00:00Z 2> "$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$WORK/server.log" | head -1)

# One load: wrk's summary, then the CPU that the server and wrk each took a
# request (user and system; both share the machine's cores, so what wrk takes
# the server cannot have). Usage: load SCRIPT [ENV=VALUE...]
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
load() {
  local script=$1 out="$WORK/wrk.out" before after
  shift
  before=$(server_cpu_ticks)
  { TIMEFORMAT='%U %S' && time env "$@" wrk -t1 -c"$CLIENTS" -d"${SECONDS_EACH}s" --latency -s "$script" "$URL" > "$out"; } \
    2> "$WORK/wrk.time"
  after=$(server_cpu_ticks)
  sed -n '/Latency Distribution/,/Transfer/p' "$out"
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v wrk="$(cat "$WORK/wrk.time")" '
    / requests in / { n = $1 }
    END { split(wrk, w, " "); if (n > 0) printf "CPU a request: server %.1f us, wrk %.1f us\n", ticks / hz * 1e6 / n, (w[1] + w[2]) * 1e6 / n }' "$out"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "== list: GET /v1/activities?bbox= (0.35 x 0.35 degrees, about 100 features), $CLIENTS clients"
echo "features in one answer: $(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/activities?bbox=38,33,38.35,33.35" | grep -o '"Feature"' | wc -l)"
load "$HERE/http/list.lua" TOKEN="$TOKEN"
echo "== create: POST /v1/activities (2 km movements, checked, notified, durably committed), $CLIENTS clients"
load "$HERE/http/create.lua" TOKEN="$TOKEN"

# The same creates, each signed by its party: the party registers a key (from
# then on its acts must be signed), and the requests are signed before the run
# (at most 12,000 a second of it).
"$BIN" key new --out "$WORK/coalition.key" > /dev/null 2>&1
"$BIN" party key add "$WORK/coalition.key" --url "$URL" --token "$TOKEN" > /dev/null
g++ -std=c++20 -O2 -I "$HERE/../src" -I "$HERE/../include" "$HERE/signed_requests.cpp" "$BUILD/libdeconflict.a" \
  -lsodium -lcrypto -o "$WORK/signed_requests"
"$WORK/signed_requests" "$WORK/coalition.key" "${URL#http://}" "$TOKEN" $((12000 * SECONDS_EACH)) 7 > "$WORK/signed.bin"
echo "== signed create: the same, each request signed by its party (RFC 9421, verified by the server), $CLIENTS clients"
load "$HERE/http/signed_create.lua" REQUESTS="$WORK/signed.bin"
