#!/usr/bin/env bash
# The Debian package, end to end, without touching the machine:
#   1. cpack builds jobforge_<version>_amd64.deb from the build folder;
#   2. dpkg-deb --info/--contents show the control fields (shared libraries
#      from dpkg-shlibdeps, Chart.js), conffiles, maintainer scripts, files;
#   3. systemd-analyze verify passes on the units;
#   4. dpkg --root installs it into a scratch root, running the maintainer
#      scripts there (--force-script-chrootless: they honour DPKG_ROOT;
#      under fakeroot when not run as root), and the installed binary
#      answers --version and serves (serve_check.py);
#   5. remove keeps the configuration and the data, purge deletes both
#      (or keeps the data with JOBFORGE_KEEP_DATA=yes), and nothing else of
#      the package is left.
# What it cannot do here: the systemctl calls of the maintainer scripts
# (skipped under DPKG_ROOT) and running the units under a real systemd.
#
#   tests/package/package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "package_test: FAILED: $*" >&2; exit 1; }
say() { echo "package_test: $*"; }
# has TEXT PATTERN WHAT: fails unless TEXT has a line matching PATTERN.
has() { grep -qE -- "$2" <<<"$1" || fail "$3 (no line matching '$2')"; }

tmp=$(mktemp -d /tmp/jobforge-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. Build. -B keeps CPack's staging out of the build folder.
version=$("$build/src/jobforge" --version | awk '{print $2}')
[ -n "$version" ] || fail "jobforge --version printed no version"
cpack -G DEB -B "$tmp/out" --config "$build/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
deb="$tmp/out/jobforge_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $deb (cpack made: $(ls "$tmp/out"))"
say "built $(basename "$deb") ($(( $(stat -c %s "$deb") / 1024 )) KiB)"

# 2. What it holds.
info=$(dpkg-deb --info "$deb")
has "$info" '^ Package: jobforge$' "package name"
has "$info" "^ Version: ${version}\$" "version"
has "$info" '^ Architecture: amd64$' "architecture"
depends=$(dpkg-deb --field "$deb" Depends)
for dep in libjs-chart.js passwd libcaf-core0.17 libsqlite3-0 libpq5 libcurl4 libc6 libstdc\\+\\+6; do
  has "$(tr ',' '\n' <<<"$depends" | sed 's/^ *//')" "^${dep}( |\$)" "Depends: $dep"
done
for script in postinst prerm postrm; do
  has "$info" " [*] +${script} " "an executable $script"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$tmp/conffiles"
conffiles=$(cat "$tmp/conffiles")
for f in /etc/jobforge/jobforge.json /etc/jobforge/templates/welcome.txt \
  /etc/jobforge/templates/notification.html; do
  has "$conffiles" "^${f}\$" "conffile $f"
done
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for f in ./usr/bin/jobforge ./etc/jobforge/jobforge.json ./etc/jobforge/templates/welcome.subject \
  ./lib/systemd/system/jobforge.service ./lib/systemd/system/jobforge-worker@.service \
  ./usr/share/doc/jobforge/alerts.yml ./usr/share/doc/jobforge/README.md; do
  has "$contents" "^${f}\$" "file $f"
done
# Nothing else: no headers, static libraries, tests or benchmarks.
unexpected=$(grep -vE '^\./(usr/bin/jobforge|etc/jobforge/.*|lib/systemd/system/.*|usr/share/doc/jobforge/.*|(usr/?|usr/bin/|usr/share/|usr/share/doc/|etc/|lib/|lib/systemd/)?)$' <<<"$contents" || true)
[ -z "$unexpected" ] || fail "unexpected files in the package: $unexpected"
# The binary is stripped (its debug information would be most of its size).
dpkg-deb -x "$deb" "$tmp/x"
readelf -S "$tmp/x/usr/bin/jobforge" | grep -q '\.debug_info' && fail "/usr/bin/jobforge is not stripped"
say "dpkg-deb --info/--contents: control fields, Depends, conffiles, scripts and files as expected"

# The packaged configuration points at the installed system's folders.
python3 - "$tmp/x/etc/jobforge/jobforge.json" <<'PY' || fail "packaged jobforge.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["data_dir"] == "/var/lib/jobforge", c["data_dir"]
assert c["smtp"]["templates_dir"] == "/etc/jobforge/templates", c["smtp"]["templates_dir"]
PY

# 3. The units: what the service needs, then systemd's own check.
unit="$tmp/x/lib/systemd/system/jobforge.service"
worker="$tmp/x/lib/systemd/system/jobforge-worker@.service"
for line in 'Type=notify' 'Restart=on-failure' 'StateDirectory=jobforge' 'ProtectSystem=strict' \
  'NoNewPrivileges=yes' 'PrivateTmp=yes' 'User=jobforge' \
  'ExecStart=/usr/bin/jobforge serve --config /etc/jobforge/jobforge.json'; do
  grep -qx -- "$line" "$unit" || fail "jobforge.service lacks $line"
done
grep -q -- '--join %I' "$worker" || fail "jobforge-worker@.service does not join its instance"
# Exit 75 (a PostgreSQL leader that lost its lease) must restart: on-failure
# restarts every non-zero status not listed in RestartPreventExitStatus.
grep -E '^RestartPreventExitStatus=.*\b75\b' "$unit" && fail "jobforge.service does not restart on 75"
command -v systemd-analyze >/dev/null ||
  fail "systemd-analyze is not installed (package systemd; scripts/setup.sh installs it)"
# verify wants ExecStart's binary to exist: point it at the unpacked one.
mkdir "$tmp/units"
for u in "$unit" "$worker"; do
  sed "s|/usr/bin/jobforge|$tmp/x/usr/bin/jobforge|" "$u" >"$tmp/units/$(basename "$u")"
done
# It exits 0 on warnings (an unknown key, a bad value): any output fails.
(cd "$tmp" && systemd-analyze verify "$tmp/units/jobforge.service" \
  "$tmp/units/jobforge-worker@.service") >"$tmp/verify.log" 2>&1 || true
[ ! -s "$tmp/verify.log" ] || { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify"; }
say "systemd-analyze verify: both units clean"

# 4. Install into a scratch root. dpkg --root needs its database there, and
# useradd (postinst) the user database; the shared libraries and Chart.js
# are the machine's (--force-depends: the scratch root has no packages).
# Not as root, dpkg runs under fakeroot, which fakes the owners that the
# maintainer scripts set (kept in a state file, so the checks see them too).
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v fakeroot >/dev/null || fail "not root, and no fakeroot to install as root (package fakeroot)"
  touch "$tmp/fakeroot.state"
  as_root=(fakeroot -i "$tmp/fakeroot.state" -s "$tmp/fakeroot.state")
fi
# dpkg wants ldconfig and start-stop-daemon on PATH, which a user's may lack.
export PATH="$PATH:/usr/sbin:/sbin"
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'root:*:19000:0:99999:7:::' >"$root/etc/shadow"
echo 'root:*::' >"$root/etc/gshadow"
chmod 640 "$root/etc/shadow" "$root/etc/gshadow"
find "$root" -type f | sort >"$tmp/before"
# --log: dpkg's log would otherwise go to the machine's /var/log/dpkg.log.
dpkg_root() { "${as_root[@]}" dpkg --root="$root" --log="$root/var/log/dpkg.log" \
  --force-script-chrootless --force-depends --force-not-root "$@" >>"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log" >&2; fail "dpkg $*"; }; }
status_of() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' jobforge 2>/dev/null || true; }
host_users=$(md5sum /etc/passwd /etc/group)
host_data_before=$(ls -d /var/lib/jobforge 2>/dev/null || true)

dpkg_root -i "$deb"
[ "$(status_of)" = "install ok installed" ] || fail "status after install: $(status_of)"
grep -q '^jobforge:x:[0-9]*:[0-9]*:.*:/var/lib/jobforge:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "postinst made no jobforge system user: $(cat "$root/etc/passwd")"
ids=$(grep '^jobforge:' "$root/etc/passwd" | cut -d: -f3,4)
data_dir_mode=$("${as_root[@]}" stat -c '%u:%g %a' "$root/var/lib/jobforge")
[ "$data_dir_mode" = "$ids 750" ] || fail "/var/lib/jobforge is $data_dir_mode, not $ids 750"
[ "$(md5sum /etc/passwd /etc/group)" = "$host_users" ] || fail "postinst changed the machine's users"
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Conffiles}\n' jobforge | grep -q /etc/jobforge/jobforge.json ||
  fail "dpkg did not record /etc/jobforge/jobforge.json as a conffile"
say "dpkg --root install: user jobforge ($ids), /var/lib/jobforge 750, conffiles recorded"

[ "$("$root/usr/bin/jobforge" --version)" = "jobforge $version" ] || fail "installed jobforge --version"
# The installed binary with the installed configuration, its data in the
# scratch root's /var/lib/jobforge, the templates from the scratch root.
# The worker unit's own command line, with its instance (the join address)
# and extra flags filled in as systemd would.
# shellcheck disable=SC2016 # the unit's literal $JOBFORGE_WORKER_ARGS
worker_command=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/jobforge-worker@.service" |
  sed -e "s|/usr/bin/jobforge|$root/usr/bin/jobforge|" -e "s|/etc/jobforge/|$root/etc/jobforge/|" \
    -e 's|%I|{join}|' -e 's|\$JOBFORGE_WORKER_ARGS|--node-id pkgtest-worker --executors 1|')
python3 "$here/serve_check.py" "$root/usr/bin/jobforge" "$root/etc/jobforge/jobforge.json" \
  "$root/var/lib/jobforge" "$root/etc/jobforge/templates" "$worker_command" ||
  fail "serving from the scratch root"
[ "$(ls -d /var/lib/jobforge 2>/dev/null || true)" = "$host_data_before" ] ||
  fail "the run from the scratch root made the machine's /var/lib/jobforge"

# 5. Remove: the program and units go; configuration and data stay.
echo "not jobforge's" >"$root/etc/unrelated.conf"  # must survive a purge
echo 'JOBFORGE_LOG_LEVEL=debug' >"$root/etc/jobforge/local.env"  # the administrator's
dpkg_root -r jobforge
[ "$(status_of)" = "deinstall ok config-files" ] || fail "status after remove: $(status_of)"
for f in usr/bin/jobforge lib/systemd/system/jobforge.service usr/share/doc/jobforge/README.md; do
  [ ! -e "$root/$f" ] || fail "remove left /$f"
done
[ -f "$root/etc/jobforge/jobforge.json" ] || fail "remove deleted the configuration"
[ -f "$root/var/lib/jobforge/jobforge.db" ] || fail "remove deleted the data"
say "remove: program and units gone, configuration and data kept"

# Purge, keeping the data on request.
JOBFORGE_KEEP_DATA=yes dpkg_root -P jobforge
if status_of | grep -q installed; then fail "status after purge: $(status_of)"; fi
[ ! -e "$root/etc/jobforge" ] || fail "purge left /etc/jobforge: $(find "$root/etc/jobforge")"
[ -f "$root/var/lib/jobforge/jobforge.db" ] || fail "purge with JOBFORGE_KEEP_DATA=yes deleted the data"
# Purge without: the data goes too.
dpkg_root -i "$deb"
dpkg_root -P jobforge
[ ! -e "$root/var/lib/jobforge" ] || fail "purge left /var/lib/jobforge"
[ -f "$root/etc/unrelated.conf" ] || fail "purge deleted a file not its own"
rm "$root/etc/unrelated.conf"
# Nothing of the package is left: only dpkg's own records and the user
# database (the jobforge user stays, as Debian's policy advises).
find "$root" -type f | sort >"$tmp/after"
left=$(comm -13 "$tmp/before" "$tmp/after" | sed "s|^$root||" |
  grep -vE '^/var/lib/dpkg/|^/var/log/dpkg.log$|^/etc/(passwd|group|shadow|gshadow)-?$' || true)
[ -z "$left" ] || fail "files left after purge: $left"
dirs=$(find "$root" -mindepth 1 -type d | sed "s|^$root||" |
  grep -vE '^/(etc|var|var/log|var/lib|var/lib/dpkg(/.*)?)$' || true)
[ -z "$dirs" ] || fail "folders left after purge: $dirs"
say "purge: configuration deleted, data kept with JOBFORGE_KEEP_DATA=yes and deleted without; nothing else left"
