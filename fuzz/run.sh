#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on its seed corpus (fuzz/corpus/<t>/,
# kept in the repo, never written to) plus the inputs it finds in this run,
# after replaying the regression inputs of fuzz/regressions/<t>/ (inputs that
# once crashed it). A crash fails the run and names the input to keep.
# Usage: fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SECONDS_EACH=${2:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for target in feature_reader record_verifier http_request; do
  bin="$BUILD/fuzz/${target}_fuzz"
  regressions=("$HERE/regressions/$target"/*)
  if [ -e "${regressions[0]}" ]; then "$bin" "${regressions[@]}" > "$WORK/$target.regressions.log" 2>&1 ||
    { cat "$WORK/$target.regressions.log"; echo "fuzz: $target fails a regression input" >&2; exit 1; }; fi
  mkdir -p "$WORK/$target"
  if ! (cd "$WORK" && "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
        -print_final_stats=1 "$WORK/$target" "$HERE/corpus/$target" > "$WORK/$target.log" 2>&1); then
    tail -40 "$WORK/$target.log"
    mkdir -p "$HERE/found"
    cp "$WORK"/crash-* "$WORK"/timeout-* "$WORK"/oom-* "$HERE/found/" 2> /dev/null || true
    echo "fuzz: $target crashed; the input is in fuzz/found/: fix it, then move it to fuzz/regressions/$target/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$target.log")
  echo "fuzz: $target: $runs executions in ${SECONDS_EACH} s, no crash"
done
