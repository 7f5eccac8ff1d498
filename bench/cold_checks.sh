#!/usr/bin/env bash
# Checks on the world workload with the code warm and the data cold
# (docs/performance.md): its 1,000 queries again at 100 longitudes (each
# moved by a multiple of 3.6 degrees, in a shuffled order), 100,000 checks
# whose candidates are mostly not in any cache, as a long-running server's
# are. The workload's own 1,000 queries (bench/postgis.sh) also pay a fresh
# process's first calls and first faults; these 100,000 mostly do not.
# Usage: bench/cold_checks.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
DATA=bench/data/world
if [ ! -s "$DATA/queries.ndjson" ]; then "$BUILD/deconflict-gen" world "$DATA"; fi
QUERIES="$DATA/queries-moved.ndjson"
if [ ! -s "$QUERIES" ]; then
  python3 - "$DATA/queries.ndjson" "$QUERIES" <<'PY'
import json, random, sys
queries = [json.loads(line) for line in open(sys.argv[1])]
def moved(c, k):
    if isinstance(c[0], (int, float)):
        lon = c[0] + 3.6 * k
        return [round(lon - 360 if lon > 180 else lon, 6)] + c[1:]
    return [moved(x, k) for x in c]
out = []
for k in range(100):
    for q in queries:
        q = json.loads(json.dumps(q))
        q["geometry"]["coordinates"] = moved(q["geometry"]["coordinates"], k)
        q["properties"]["id"] += "k%d" % k
        out.append(q)
random.Random(1).shuffle(out)
with open(sys.argv[2], "w") as f:
    for q in out:
        f.write(json.dumps(q, separators=(",", ":")) + "\n")
PY
fi
for _ in $(seq "$RUNS"); do
  "$BUILD/deconflict" check --stats --against "$DATA/world.ndjson" "$QUERIES" 2>&1 > /dev/null | tail -1
done
