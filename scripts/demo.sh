#!/usr/bin/env bash
# The At Tanf week of September 2018, replayed through the real API of
# `deconflict serve` on a simulated clock into a fresh embedded store; the
# timeline is printed as it goes, then the map is served until Ctrl-C.
# DEMO_LISTEN=HOST:PORT serves elsewhere (default 127.0.0.1:8080).
set -euo pipefail
BIN=${1:-build/deconflict}
DB=$(dirname "$BIN")/demo.db
rm -rf "$DB" "$DB-wal" "$DB-shm" "$DB.key" "$DB.log" "$DB.keys"
exec "$BIN" replay scenarios/at-tanf-2018.replay.json --db "$DB" --listen "${DEMO_LISTEN:-127.0.0.1:8080}" --serve
