#!/usr/bin/env bash
# The recovery of a deep queue through `jobforge serve` itself, timed from
# outside (recovery_bench times the same code path in process):
#
#   start     a coordinator is started on a store that holds the queue; the
#             time from its exec to the first 200 from GET /api/stats (the
#             scheduler answers only once it has admitted every recovered
#             job; with PostgreSQL, a coordinator standing by answers 503)
#   takeover  (postgres) leader A runs on the database and standby B waits
#             for the lease; A gets SIGTERM (it drains, releases the lease);
#             the time from that signal to B's first 200, then from A's exit
#             to B's first 200
#   kill      (postgres) the same, but A gets SIGKILL: B takes over once the
#             lease A held expires; the time from the kill to the first job
#             B accepts (201 to POST /api/jobs, one `noop` job per run added
#             to the queue)
#
# Both run with --executors 0, so that nothing is dispatched and the store
# is left as found (write the queue once with recovery_bench). Every wait
# is bounded (60 s). Loopback and unix sockets only.
#
#   bench/serve-recovery.sh start sqlite DATA_DIR [RUNS]
#   bench/serve-recovery.sh start postgres URL [RUNS]
#   bench/serve-recovery.sh takeover postgres URL [RUNS]
#   bench/serve-recovery.sh kill postgres URL [RUNS]
#
# Env: JOBFORGE_BIN (default build/src/jobforge).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:?start, takeover or kill}
store=${2:?sqlite or postgres}
where=${3:?a data directory (sqlite) or a libpq connection string (postgres)}
runs=${4:-3}
BIN=${JOBFORGE_BIN:-$REPO/build/src/jobforge}
work=$(mktemp -d /tmp/serve-recovery.XXXXXX)
pids=()
cleanup() {
  # Each pid is a `timeout` (it forwards TERM, but KILL ends only itself):
  # its jobforge first.
  for p in "${pids[@]}"; do
    pkill -KILL -P "$p" 2>/dev/null
    kill -KILL "$p" 2>/dev/null
  done
  [ "${KEEP_LOGS:-0}" = 1 ] && echo "logs kept in $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Starts a coordinator on `port`; its pid in $started.
start_one() {  # start_one <port> <log>
  local args=(serve --host 127.0.0.1 --port "$1" --executors 0 --data-dir "$work/data-$1")
  if [ "$store" = sqlite ]; then
    args=(serve --host 127.0.0.1 --port "$1" --executors 0 --data-dir "$where" --store sqlite)
    timeout -k 5 300 "$BIN" "${args[@]}" >"$2" 2>&1 &
  else
    JOBFORGE_POSTGRES_URL=$where timeout -k 5 300 "$BIN" "${args[@]}" --store postgres >"$2" 2>&1 &
  fi
  started=$!
  pids+=("$started")
}
# Waits (up to 60 s) for GET /api/stats to answer 200; the time it did, in ms.
wait_stats() {  # wait_stats <port> <pid>
  local deadline=$(($(now_ms) + 60000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/api/stats")" = 200 ]; then
      now_ms
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
# Submits a noop job until one is accepted (up to 60 s); the time it was, in ms.
wait_accepts() {  # wait_accepts <port> <pid>
  local deadline=$(($(now_ms) + 60000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'content-type: application/json' \
      -d '{"type":"noop","payload":{}}' "http://127.0.0.1:$1/api/jobs")" = 201 ]; then
      now_ms
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
# Leader A (port $pa, pid $a) and standby B ($pb, $b), B waiting for the lease.
start_leader_and_standby() {
  pa=$(free_port)
  pb=$(free_port)
  start_one "$pa" "$work/a.log"
  a=$started
  wait_stats "$pa" "$a" >/dev/null || { echo "leader A did not start" >&2; tail -5 "$work/a.log" >&2; exit 1; }
  start_one "$pb" "$work/b.log"
  b=$started
  for _ in $(seq 100); do grep -q "standby: the leader is" "$work/b.log" && break; sleep 0.1; done
}
stop_one() {  # stop_one <pid>
  kill -TERM "$1" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null
}
said() { grep -hoE "$1" "$2" | tail -1; }
# The time of the last log line matching `pattern`, in ms ("" when none).
logged_ms() {  # logged_ms <pattern> <log>
  local stamp
  stamp=$(grep -E "$1" "$2" | tail -1 | sed -nE 's/^\[([0-9-]+ [0-9:.]+)\].*/\1/p')
  [ -n "$stamp" ] && date -d "$stamp" +%s%3N
}
# From the lease taken (postgres) or the first log line (sqlite) to the
# scheduler's "recovered" line, by the log's own clock.
recovery_ms() {  # recovery_ms <log>
  local from to
  if [ "$store" = postgres ]; then from=$(logged_ms 'took the leader lease' "$1"); else
    from=$(logged_ms '^\[' <(head -1 "$1"))
  fi
  to=$(logged_ms 'recovered [0-9]+ unfinished jobs' "$1")
  [ -n "$from" ] && [ -n "$to" ] && echo "$((to - from))"
}

echo "serve-recovery: $mode on $store, $runs runs, $BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ "$mode" = start ]; then
    port=$(free_port)
    t0=$(now_ms)
    start_one "$port" "$work/a.log"
    a=$started
    if ! t1=$(wait_stats "$port" "$a"); then
      echo "run $run: no answer within 60 s; log:" >&2
      tail -5 "$work/a.log" >&2
      exit 1
    fi
    echo "run $run (load $load): exec -> first 200 from /api/stats $((t1 - t0)) ms;" \
      "serve says: $(said 'recovered [0-9]+ unfinished jobs' "$work/a.log"), $(said 'started in [0-9]+ ms' "$work/a.log");" \
      "log: $([ "$store" = postgres ] && echo "lease taken" || echo "first line") -> recovered $(recovery_ms "$work/a.log") ms"
    stop_one "$a"
  elif [ "$mode" = kill ] && [ "$store" = postgres ]; then
    start_leader_and_standby
    server_a=$(pgrep -P "$a")  # jobforge itself, not its `timeout`
    t0=$(now_ms)
    kill -KILL "$server_a"
    if ! t1=$(wait_accepts "$pb" "$b"); then
      echo "run $run: the standby accepted no job within 60 s; log:" >&2
      tail -5 "$work/b.log" >&2
      exit 1
    fi
    taken=$(logged_ms 'took the leader lease' "$work/b.log")
    echo "run $run (load $load): SIGKILL to A -> B accepts a job $((t1 - t0)) ms" \
      "(lease taken $((taken - t0)) ms after the kill); B says: $(said 'recovered [0-9]+ unfinished jobs' "$work/b.log"); log: lease taken ->" \
      "recovered $(recovery_ms "$work/b.log") ms"
    stop_one "$b"
  elif [ "$mode" = takeover ] && [ "$store" = postgres ]; then
    start_leader_and_standby
    t0=$(now_ms)
    kill -TERM "$a"
    for _ in $(seq 600); do kill -0 "$a" 2>/dev/null || break; sleep 0.01; done
    ta=$(now_ms)
    if ! t1=$(wait_stats "$pb" "$b"); then
      echo "run $run: the standby did not take over within 60 s; log:" >&2
      tail -5 "$work/b.log" >&2
      exit 1
    fi
    echo "run $run (load $load): SIGTERM to A -> B answers $((t1 - t0)) ms (A exited after" \
      "$((ta - t0)) ms; A's exit -> B answers $((t1 - ta)) ms); B says: $(said 'recovered [0-9]+ unfinished jobs' "$work/b.log"), $(said 'started in [0-9]+ ms' "$work/b.log"); log: lease taken ->" \
      "recovered $(recovery_ms "$work/b.log") ms"
    stop_one "$b"
  else
    echo "$mode needs store postgres" >&2
    exit 64
  fi
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
