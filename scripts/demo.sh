#!/usr/bin/env bash
# The At Tanf week of September 2018: loads the scenario into a fresh embedded
# store and prints what conflicts with what.
set -euo pipefail
BIN=${1:-build/deconflict}
SCENARIO=scenarios/at-tanf-2018.geojson
DB=$(dirname "$BIN")/demo.db
rm -f "$DB" "$DB-wal" "$DB-shm"

echo "== At Tanf, September 2018: loading $SCENARIO into $DB"
"$BIN" import "$SCENARIO" --db "$DB"
echo
echo "== What is declared"
"$BIN" list --db "$DB"
echo
echo "== Conflicts: who must be notified of what"
"$BIN" conflicts --db "$DB"
echo
echo "== The same check from files, as NDJSON (deconflict check --against WORLD QUERIES)"
"$BIN" check --against "$SCENARIO" "$SCENARIO" --skip-invalid 2>/dev/null | head -n 2 | cut -c1-200
