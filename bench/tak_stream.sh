#!/usr/bin/env bash
# TAK streams (docs/performance.md, "TAK streams"): a store of 10,000 circles
# of one party, `deconflict serve --tak-port 0` on it, and a TAK client
# (bench/tak_stream.py) that times the whole view and then live changes.
# Usage: bench/tak_stream.sh [BUILD_DIR]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
HERE=$(dirname "$(realpath "$0")")
WORK=$(mktemp -d /tmp/deconflict-tak-bench-XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
TOKEN=$("$BUILD/deconflict" party add russia --db tak.db 2>/dev/null)
python3 - <<'PY'
import json
features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36 + (i % 100) * 0.05, 32 + (i // 100) * 0.03]},
             "properties": {"id": "russia.p%d" % i, "type": "activity", "party": "russia", "kind": "patrol",
                            "radius_m": 500, "start": "2030-09-02T00:00:00Z", "end": "2030-09-03T00:00:00Z"}}
            for i in range(10000)]
json.dump({"type": "FeatureCollection", "features": features}, open("patrols.geojson", "w"))
PY
"$BUILD/deconflict" import --db tak.db patrols.geojson > /dev/null 2>&1
"$BUILD/deconflict" serve --db tak.db --listen 127.0.0.1:0 --tak-port 0 --rate-limit 0 2> serve.log &
SERVER=$!
until grep -qs "listening on" serve.log; do sleep 0.1; done
HTTP_PORT=$(sed -n 's|.*listening on http://127.0.0.1:||p' serve.log)
TAK_PORT=$(sed -n 's|.*TAK streams on tcp://127.0.0.1:||p' serve.log)
python3 "$HERE/tak_stream.py" "$TAK_PORT" "$HTTP_PORT" "$TOKEN"
