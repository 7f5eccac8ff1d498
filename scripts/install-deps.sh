#!/usr/bin/env bash
# Installs the Debian 12 packages that deconflict needs to build, test and benchmark
# (the failover tests run a real Patroni cluster: patroni, etcd-server, haproxy).
# Idempotent: installs only what is missing, and runs apt-get update only when it must.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config git time procps
  libgeographiclib-dev nlohmann-json3-dev libsimdjson-dev libcli11-dev libspdlog-dev
  libsqlite3-dev libpq-dev libboost-dev libsodium-dev libssl-dev openssl libgdal-dev gdal-bin libxml2-dev libxml2-utils
  postgresql-15 patroni etcd-server haproxy iproute2
  curl jq
  libgtest-dev libgmock-dev libbenchmark-dev
  golang-go golang-golang-x-mod-dev
)
# --bench adds what the benchmarks drive the server with; --fuzz, clang with libFuzzer;
# --format, clang-format for `make format-check`.
for flag in "$@"; do
  case "$flag" in
    --bench) PACKAGES+=(wrk curl postgresql-15-postgis-3 bc sqlite3) ;;
    --fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev) ;;
    --format) PACKAGES+=(clang-format) ;;
    *) echo "install-deps: unknown option $flag" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
