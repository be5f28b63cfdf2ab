#!/usr/bin/env bash
# Installs the client component of a build into a temp prefix, checks the
# installed headers include no CAF, httplib or Boost, then configures and
# builds a small consumer project with find_package(jobforge) and runs it.
#   install_and_consume.sh BUILD_DIR CONSUMER_SOURCE_DIR
set -euo pipefail
build=$1
consumer=$2
prefix=$(mktemp -d /tmp/jobforge-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix/usr" --component client >/dev/null
test -f "$prefix/usr/lib/cmake/jobforge/jobforgeConfig.cmake"
test -f "$prefix/usr/include/jobforge/client.hpp"
if grep -rnE '#include <(caf|httplib|boost)' "$prefix/usr/include/jobforge"; then
  echo "installed headers include a dependency" >&2
  exit 1
fi
cmake -S "$consumer" -B "$prefix/build" -DCMAKE_PREFIX_PATH="$prefix/usr" >/dev/null
cmake --build "$prefix/build" >/dev/null
"$prefix/build/consumer"
