#!/usr/bin/env bash
# Installs every Debian package jobforge needs (only the missing ones), then
# configures and builds into build/. Idempotent and quick when all is there.
#
#   scripts/setup.sh                 # Release-ish build into build/
#   BUILD_DIR=build-asan JOBFORGE_SANITIZE=ON scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake make pkg-config clang-format git ca-certificates ccache
  # the stack of SPEC §1
  libcaf-dev libboost-json1.81-dev libvalijson-dev libcpp-httplib-dev libssl-dev
  libspdlog-dev catch2 libsqlite3-dev postgresql libpq-dev
  libcurl4-openssl-dev libkainjow-mustache-dev prometheus-cpp-dev libcli11-dev
  libbenchmark-dev zlib1g-dev libjemalloc-dev
  # cron schedules' time zones: date's tz over the system tzdata
  libhowardhinnant-date-dev tzdata
  # real servers and tools the tests use (SMTP; certificates and network
  # namespaces for the cluster tests)
  python3-aiosmtpd openssl iproute2
  # the dashboard: Chart.js it serves, and the browser its tests drive
  libjs-chart.js chromium chromium-driver python3-selenium python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The OpenAPI validator the end-to-end tests run on GET /openapi.json: an
# npm package pinned by tools/openapi-validator/package-lock.json.
if [ ! -d tools/openapi-validator/node_modules/@seriousme ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: installing nodejs npm"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends nodejs npm
  fi
  (cd tools/openapi-validator && npm ci --no-audit --no-fund --loglevel=error)
fi

build_dir=${BUILD_DIR:-build}
build_type=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
cmake_args=(-S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type"
  -DJOBFORGE_WERROR="${JOBFORGE_WERROR:-OFF}"
  -DJOBFORGE_SANITIZE="${JOBFORGE_SANITIZE:-OFF}"
  -DJOBFORGE_BUILD_BENCH="${JOBFORGE_BUILD_BENCH:-ON}")
# Re-running configure is cheap (under a second) and re-applies the options.
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j"${JOBS:-2}"
