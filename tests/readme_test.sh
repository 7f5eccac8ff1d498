#!/usr/bin/env bash
# A document's commands, as written: every ```sh block of the README under
# "## The command" (or of DOC under SECTION; every block of DOC when SECTION
# is empty) runs in order, in a scratch directory that sees the repository's
# scenarios/ and examples/ and the build's binary as build/, and the test
# fails on the first command that fails.
# Usage: readme_test.sh REPO_ROOT BUILD_DIR [DOC [SECTION]]
set -euo pipefail
ROOT=$1
BUILD=$2
DOC=${3:-README.md}
SECTION=${4-## The command}
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
awk -v section="$SECTION" '
     section == "" {in_section = 1}
     section != "" && index($0, section) == 1 {in_section = 1; next}
     section != "" && /^## / {in_section = 0}
     in_section && /^```sh$/ {in_block = 1; next}
     in_block && /^```$/ {in_block = 0; next}
     in_section && in_block {print}' "$ROOT/$DOC" > "$SCRATCH/readme.sh"
if [ ! -s "$SCRATCH/readme.sh" ]; then
  echo "readme_test: no sh block under '$SECTION' in $DOC" >&2
  exit 1
fi
cd "$SCRATCH"
# -x shows each command, so a failure names the line of the document that failed.
if ! bash -euxo pipefail readme.sh > output.txt 2>&1; then
  echo "readme_test: a command of $DOC failed; the end of its output:" >&2
  tail -30 output.txt >&2
  exit 1
fi
echo "readme_test: $(grep -c -v '^\s*\(#\|$\)' readme.sh) lines of $DOC ran"
