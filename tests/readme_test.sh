#!/usr/bin/env bash
# The README's commands, as written: every ```sh block under "## The command"
# runs in order, in a scratch directory that sees the repository's scenarios/
# and examples/ and the build's binary as build/, and the test fails on the
# first command that fails. Usage: readme_test.sh REPO_ROOT BUILD_DIR
set -euo pipefail
ROOT=$1
BUILD=$2
SCRATCH=$(mktemp -d /tmp/deconflict-readme-XXXXXX)
cleanup() {
  # A block that failed halfway may leave its server running.
  pkill -f "deconflict serve --db deconflict.db" 2> /dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
ln -s "$ROOT/scenarios" "$SCRATCH/scenarios"
ln -s "$ROOT/examples" "$SCRATCH/examples"
ln -s "$BUILD" "$SCRATCH/build"
# The blocks of the section, between its heading and the next one.
awk '/^## The command/ {in_section = 1; next}
     /^## / {in_section = 0}
     in_section && /^```sh$/ {in_block = 1; next}
     in_block && /^```$/ {in_block = 0; next}
     in_section && in_block {print}' "$ROOT/README.md" > "$SCRATCH/readme.sh"
if [ ! -s "$SCRATCH/readme.sh" ]; then
  echo "readme_test: no sh block under '## The command' in README.md" >&2
  exit 1
fi
cd "$SCRATCH"
# -x shows each command, so a failure names the line of the README that failed.
if ! bash -euxo pipefail readme.sh > output.txt 2>&1; then
  echo "readme_test: a README command failed; the end of its output:" >&2
  tail -30 output.txt >&2
  exit 1
fi
echo "readme_test: $(grep -c -v '^\s*\(#\|$\)' readme.sh) README lines ran"
