#!/usr/bin/env bash
# Bulk submission, and where its CPU goes: for each jobforge binary given
# (alternating, ROUNDS times), `serve --store STORE` (postgres, the
# default, on a fresh database of a bench/pg-bench-server; sqlite with
# its defaults; memory) with `noop` paused, then JOBS jobs
# through `http_load --only batch --batch 1000 --connections 1` (one
# client, each request awaited, as the peers harness does). It prints the
# rate and the CPU that jobforge (and the PostgreSQL server processes)
# spent per job while the jobs came in. Comparing two builds in one run
# cancels most of a noisy machine's drift.
#
#   bench/bulk-split.sh /tmp/jobforge-before build/src/jobforge
#   STORE=memory JOBS=100000 ROUNDS=3 bench/bulk-split.sh build/src/jobforge
#
# Needs build/bench/http_load, and PostgreSQL for STORE=postgres
# (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/bulk-split.sh JOBFORGE_BIN [JOBFORGE_BIN ...]" >&2; exit 2; }
STORE=${STORE:-postgres}
case $STORE in postgres | sqlite | memory) ;; *) echo "STORE is postgres, sqlite or memory" >&2; exit 2 ;; esac
JOBS=${JOBS:-60000}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18090}
load=build/bench/http_load
[ -x "$load" ] || { echo "no $load: build the bench targets first" >&2; exit 1; }

server=
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$server" ] && bench/pg-bench-server stop "$server" >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
if [ "$STORE" = postgres ]; then
  server=$(mktemp -d /tmp/jf-pg-bulk.XXXXXX)
  bench/pg-bench-server start "$server" >/dev/null
  bench/pg-bench-server settings "$server"
fi

ticks() { awk '{s += $14 + $15} END {print s + 0}' "$@" 2>/dev/null; }
# The server and every process it started (the sessions' backends among them).
postgres_ticks() {
  [ -n "$server" ] || { echo 0; return; }
  local postmaster files=()
  postmaster=$(head -1 "$server/data/postmaster.pid")
  files=("/proc/$postmaster/stat")
  for q in $(pgrep -P "$postmaster"); do files+=("/proc/$q/stat"); done
  ticks "${files[@]}"
}
per_job_us() { echo $(( ($2 - $1) * 1000000 / $(getconf CLK_TCK) / JOBS )); }
api() { curl -sf -m 5 -X "$1" -H 'content-type: application/json' -d '{}' "http://127.0.0.1:$PORT$2"; }
pending() { curl -sf -m 5 "http://127.0.0.1:$PORT/api/stats" | grep -o '"pending":[0-9]*' | head -1 | cut -d: -f2; }

for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    url=
    [ -n "$server" ] && url=$(bench/pg-bench-server fresh "$server" "bulk$round")
    data=$(mktemp -d /tmp/jf-bulk-data.XXXXXX)
    JOBFORGE_POSTGRES_URL="$url" "$bin" serve --store "$STORE" --port "$PORT" --data-dir "$data" \
      --executors 16 >"$data/log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do curl -sf -m 1 "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.1; done
    for _ in $(seq 50); do api POST /api/job-types/noop/pause >/dev/null && break; sleep 0.1; done
    pg0=$(postgres_ticks)
    jf0=$(ticks "/proc/$pid/stat")
    "$load" --url "http://127.0.0.1:$PORT" --only batch --batch 1000 --connections 1 --jobs "$JOBS" \
      >"$data/load" 2>&1 &
    loader=$!
    # http_load waits for the jobs to complete once they are in: they are
    # let run only when every one is pending, after the CPU is read.
    for _ in $(seq 1200); do
      [ "$(pending || echo 0)" -ge "$JOBS" ] && break
      sleep 0.1
    done
    pg1=$(postgres_ticks)
    jf1=$(ticks "/proc/$pid/stat")
    api POST /api/job-types/noop/resume >/dev/null
    wait "$loader" || true
    rate=$(sed -n 's/.*jobs submitted in .* = \([0-9]*\) jobs\/s.*/\1/p' "$data/load")
    printf '%s round %d: %s jobs/s; CPU per job: jobforge %d us' \
      "$bin" "$round" "${rate:-?}" "$(per_job_us "$jf0" "$jf1")"
    [ -n "$server" ] && printf ', PostgreSQL %d us' "$(per_job_us "$pg0" "$pg1")"
    echo
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    rm -rf "$data"
  done
done
