#!/usr/bin/env bash
# Installs the map page's npm packages (web/package-lock.json) and, for the
# browser tests, Debian's chromium. Idempotent: does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/../web"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_install() {
  echo "install-web: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "$@" > /dev/null
}

missing=()
command -v npm > /dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# npm ci only when nothing is installed yet or the lock file changed since.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-web: npm ci in web/"
  npm ci --no-audit --no-fund --loglevel=error
fi
