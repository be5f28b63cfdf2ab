#!/usr/bin/env bash
# Builds CAF 0.17.6 (core, io, openssl) with -fsanitize=thread from Debian's
# own source package, for the ThreadSanitizer pass of scripts/test
# (JOBFORGE_TSAN=ON, JOBFORGE_CAF_PREFIX=<the folder below>).
#
#   scripts/caf-tsan.sh     # builds once (~15 min on 2 cores), then seconds
#
# Why: Debian's libcaf_* are not instrumented, so TSan sees none of the
# synchronisation inside them and reports races on every message CAF hands
# from one thread to another. Instrumenting CAF itself removes those.
#
# The result goes into the home directory (CI keeps it between runs on one
# machine), by default $HOME/.cache/jobforge/caf-0.17.6-tsan, or
# $JOBFORGE_CAF_TSAN_PREFIX. A stamp file records what it was built from
# (the Debian source version, the flags, the compiler, this recipe's
# revision); when it matches, the script reuses the folder and exits.
#
# Nothing comes from outside Debian: the sources are `apt-get source` of the
# package that builds the installed libcaf-dev (deb-src is enabled for it if
# needed, same URIs as the system's deb lines). The build is checked to
# install exactly the headers of Debian's libcaf-dev, so code compiled
# against it has the ABI of the library it replaces.
set -euo pipefail

prefix=${JOBFORGE_CAF_TSAN_PREFIX:-$HOME/.cache/jobforge/caf-0.17.6-tsan}
# Debian builds CAF as C++14 (its CMakeLists patch) with -O2 -g; the same
# here, plus TSan. Frame pointers keep TSan's stacks of CAF frames complete.
cxxflags="-std=c++14 -O2 -g -fno-omit-frame-pointer -fsanitize=thread"
# Raise when the recipe below changes in a way that changes the result.
recipe=1

say() { printf 'caf-tsan: %s\n' "$*"; }

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

source_pkg=$(dpkg-query -W -f='${source:Package}' libcaf-dev)
source_version=$(dpkg-query -W -f='${source:Version}' libcaf-dev)
key="$source_pkg $source_version | $cxxflags | $(g++ --version | head -n1) | recipe $recipe"
stamp="$prefix/.jobforge-build"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
  say "reusing $prefix ($source_pkg $source_version)"
  exit 0
fi

start=$(date +%s)
say "building $source_pkg $source_version with ThreadSanitizer into $prefix" \
  "(about 15 minutes on 2 cores, once per machine)"

# dpkg-source unpacks the source package; cmake builds it.
for p in dpkg-dev cmake g++ libssl-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "$p"
  fi
done

# The source index: a deb-src twin of the system's deb lines, so that the
# sources come from the same archive (and snapshot) as the binaries.
if ! apt-get source --print-uris "$source_pkg=$source_version" >/dev/null 2>&1; then
  src_list=/etc/apt/sources.list.d/debian-src.sources
  say "enabling deb-src in $src_list"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
    "${sudo_cmd[@]}" tee "$src_list" >/dev/null
  "${sudo_cmd[@]}" apt-get update -q >/dev/null
fi

mkdir -p "$(dirname "$prefix")"
# One fixed folder, not a random one: ccache keys on the paths in the
# compiler's command line, so that a rebuild (a new recipe, a lost prefix)
# finds the objects compiled the time before.
work=$prefix.work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"

# apt checks every file it fetches against the signed source index.
if apt-get source -q "$source_pkg=$source_version" >apt-source.log 2>&1; then
  src=$(find . -mindepth 1 -maxdepth 1 -type d -name "$source_pkg-*" | head -n1)
  say "unpacked $source_pkg $source_version with Debian's patches"
else
  # Seen on this project's mirror: the .dsc and the upstream tarball are
  # served but the small debian.tar.xz (packaging + patches) is not. The
  # tarball is still Debian's (apt verified it against the signed index);
  # Debian's patches to the headers are taken from the installed
  # libcaf-dev itself below, and the header check at the end proves the
  # result matches it.
  orig=$(ls ./*.orig.tar.* 2>/dev/null | head -n1 || true)
  if [ -z "$orig" ] || ! ls ./*.dsc >/dev/null 2>&1; then
    cat apt-source.log >&2
    say "could not fetch the source package $source_pkg=$source_version"
    exit 1
  fi
  say "Debian's packaging tarball is not on the mirror; building its upstream tarball" \
    "$(basename "$orig") with the installed libcaf-dev's headers"
  grep '^E:' apt-source.log >&2 || true
  tar xf "$orig"
  src=$(find . -mindepth 1 -maxdepth 1 -type d -name "$source_pkg-*" | head -n1)
  # Each header libcaf-dev installs replaces the tarball's copy where they
  # differ (Debian's GCC 11 fix adds an #include <limits>, for one).
  while IFS= read -r installed; do
    rel=${installed#/usr/include/}
    for lib in core io openssl test; do
      if [ -f "$src/libcaf_$lib/$rel" ] && ! cmp -s "$installed" "$src/libcaf_$lib/$rel"; then
        say "  Debian's $rel"
        cp "$installed" "$src/libcaf_$lib/$rel"
      fi
    done
  done < <(dpkg -L libcaf-dev | grep '^/usr/include/caf/.*\.hpp$')
fi

# Only the three libraries jobforge links (and the test DSL's headers, which
# CAF installs unconditionally): no examples, tools, unit tests, OpenCL or
# Python. The log level is Debian's (QUIET), so build_config.hpp matches.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B build -DCMAKE_BUILD_TYPE=None "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="$cxxflags" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCMAKE_INSTALL_RPATH='$ORIGIN' \
  -DCMAKE_INSTALL_PREFIX="$prefix.new" -DCMAKE_INSTALL_LIBDIR=lib \
  -DCAF_LOG_LEVEL=QUIET -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_OPENCL=yes -DCAF_NO_PYTHON=yes -DCAF_NO_SUMMARY=yes -DCAF_NO_COMPILER_CHECK=yes \
  >cmake.log 2>&1 || { cat cmake.log >&2; exit 1; }
rm -rf "$prefix.new"
nice -n 19 cmake --build build -j2 >build.log 2>&1 || { tail -n 60 build.log >&2; exit 1; }
cmake --install build >/dev/null

# The ABI check: the headers installed must be Debian's, byte for byte.
if ! diff -r /usr/include/caf "$prefix.new/include/caf" >headers.diff; then
  cat headers.diff >&2
  say "the instrumented build's headers differ from libcaf-dev's (above); not using it"
  exit 1
fi
for lib in core io openssl; do
  # (grep -c reads all of nm's output: grep -q would end the pipe early.)
  if [ "$(nm -D "$prefix.new/lib/libcaf_$lib.so" | grep -c __tsan_)" -eq 0 ]; then
    say "libcaf_$lib.so is not instrumented"
    exit 1
  fi
done

rm -rf "$prefix"
mv "$prefix.new" "$prefix"
echo "$key" >"$stamp"
say "built in $(($(date +%s) - start)) s: $prefix"
