#!/usr/bin/env bash
# Installs every Debian package jobforge needs (only the missing ones), then
# configures and builds into build/. Idempotent and quick when all is there.
#
#   scripts/setup.sh                 # Release-ish build into build/
#   BUILD_DIR=build-asan JOBFORGE_SANITIZE=ON scripts/setup.sh
#
# The build options (JOBFORGE_WERROR, JOBFORGE_SANITIZE, JOBFORGE_TSAN,
# JOBFORGE_CAF_PREFIX, JOBFORGE_BUILD_BENCH, JOBFORGE_E2E_TESTS, JOBFORGE_UNITY,
# CMAKE_BUILD_TYPE) are applied
# when given in the environment; otherwise a build folder keeps what its
# CMake cache holds, and a new one gets the defaults below. So scripts/test (which asks for warnings as errors) and
# scripts/jobforge (which asks for nothing) share one build/ and never
# rebuild it for each other: changing a flag recompiles every object.
# TARGETS (space-separated) builds only those targets, not everything.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake make pkg-config clang-format git ca-certificates ccache
  # the fuzz targets (scripts/fuzz): clang++ with its libFuzzer runtime
  # (libclang-rt-14-dev ships libclang_rt.fuzzer; libfuzzer-14-dev is only
  # libFuzzer built for other compilers, not needed here)
  clang libclang-rt-14-dev
  # the stack of SPEC §1
  libcaf-dev libboost-json1.81-dev libvalijson-dev libre2-dev libcpp-httplib-dev libssl-dev
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
  # alert rules: promtool checks and unit-tests config/alerts.yml (the
  # package's own server is not started: there is no service manager in a
  # container, and on a machine with one it is just another service)
  prometheus
  # the Debian package and its systemd units (tests/package): dpkg-shlibdeps
  # for the package's Depends, systemd-analyze verify for the units, fakeroot
  # for its scratch-root install when the tests do not run as root
  dpkg-dev fakeroot systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages (a few minutes on a fresh machine): ${missing[*]}"
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
cache="$build_dir/CMakeCache.txt"
cmake_args=(-S . -B "$build_dir")
# build_option NAME DEFAULT: -DNAME=$NAME when the environment sets it, else the
# default for a folder not configured yet, else nothing (the cache's value).
build_option() {
  if [ -n "${!1:-}" ]; then
    cmake_args+=("-D$1=${!1}")
  elif [ ! -f "$cache" ]; then
    cmake_args+=("-D$1=$2")
  fi
}
# The code compiles clean with warnings as errors, so that is the default:
# one set of flags serves scripts/test and scripts/jobforge alike.
build_option CMAKE_BUILD_TYPE RelWithDebInfo
build_option JOBFORGE_WERROR ON
build_option JOBFORGE_SANITIZE OFF
build_option JOBFORGE_TSAN OFF
build_option JOBFORGE_CAF_PREFIX ""
build_option JOBFORGE_BUILD_BENCH ON
build_option JOBFORGE_E2E_TESTS ON
build_option JOBFORGE_UNITY OFF

# A first build takes a while: say so, rather than keep silent for minutes.
if [ ! -f "$cache" ]; then
  echo "setup: first build of $build_dir/ (about 15 minutes on 2 cores; a few with objects in ccache);" \
    "progress follows"
fi
# Re-running configure is cheap (under a second) and re-applies the options.
cmake "${cmake_args[@]}" >/dev/null
start=$(date +%s)
# Make prints a line per object compiled; the "Built target" lines of an
# up-to-date build are left out, so that a run with nothing to do is quiet.
target_args=()
for t in ${TARGETS:-}; do target_args+=(--target "$t"); done
cmake --build "$build_dir" -j"${JOBS:-2}" "${target_args[@]}" |
  { grep --line-buffered -v -e '^\[ *[0-9]*%\] Built target' \
      -e '^Consolidate compiler generated dependencies' || true; }
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -ge 5 ]; then
  echo "setup: $build_dir/ built in ${elapsed} s"
fi
