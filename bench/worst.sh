#!/usr/bin/env bash
# The heaviest legal checks (docs/performance.md, "Heavy checks"): a stored
# 19,999-vertex zone with a 500 km buffer (the largest the defaults allow)
# and 19,999-vertex activities against it, far (400 km apart), touching, and
# as a ring 10 m outside it all the way round. Prints each check's time and
# work (geo::Work units), as `deconflict check --stats` measures them.
# Usage: bench/worst.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" <<'PY'
import json, math, sys
out = sys.argv[1]
def circle(lat, lon, r_m, n, phase=0.0):
    pts = []
    for i in range(n):
        a = 2 * math.pi * (i + phase) / n
        pts.append([lon + r_m * math.sin(a) / (111320.0 * math.cos(math.radians(lat))),
                    lat + r_m * math.cos(a) / 111320.0])
    return pts + [pts[0]]
def feature(id_, typ, party, geometry, buffer_m, extra={}):
    p = {"id": id_, "type": typ, "party": party, "kind": "restricted" if typ == "zone" else "exercise",
         "buffer_m": buffer_m, "start": "2026-12-02T00:00:00Z", "end": "2026-12-03T00:00:00Z", **extra}
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": p}) + "\n"
N = 19999
zone = {"type": "Polygon", "coordinates": [circle(33.5, 38.6, 100000, N)]}
open(f"{out}/world.ndjson", "w").write(
    feature("coalition.zone", "zone", "coalition", zone, 500000, {"agreed_by": ["russia"], "accepted": ["russia"]}))
cases = {
    "far": {"type": "Polygon", "coordinates": [circle(33.5, 45.0, 100000, N, 0.5)]},
    "touching": {"type": "Polygon", "coordinates": [circle(33.5, 40.8005, 100000, N, 0.5)]},
    "ring-10m-outside": {"type": "LineString", "coordinates": circle(33.5, 38.6, 100010, N, 0.5)},
}
for name, g in cases.items():
    open(f"{out}/{name}.ndjson", "w").write(feature("russia." + name, "activity", "russia", g, 500000))
PY
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
for q in far touching ring-10m-outside; do
  stats=$("$BUILD/deconflict" check --stats --against "$WORK/world.ndjson" "$WORK/$q.ndjson" 2>&1 > /dev/null | tail -1)
  echo "$q: $stats"
done
