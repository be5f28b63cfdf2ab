#!/usr/bin/env bash
# The peer harness's jobforge benchmark (bench-jobforge.js in the peers
# folder, /work/shared/peers by default) against `jobforge serve --store
# postgres`, read-only use of the harness: its own run-jobforge.sh starts
# `serve` on SQLite and waits for GET /health, which a coordinator on
# PostgreSQL already answers while it stands by for the leader lease. So this
# script starts each server itself, as lib/jobforge.sh does (fresh data dir,
# config without API keys, executors = CONC, a free loopback port), but on a
# fresh database of a durable PostgreSQL server of its own
# (bench/pg-bench-server: initdb defaults, fsync=on, synchronous_commit=on, as
# the harness gives pg-boss and graphile-worker), waits for GET /ready (the
# leader has recovered and serves the API), and files the results as peer
# `jobforge-postgres` in the harness's results file, so that its report.js
# puts them beside the others.
#
#   JOBFORGE_BIN=build/src/jobforge bash bench/peers-jobforge-postgres.sh
#
# Env: JOBFORGE_BIN (default build/src/jobforge), PEERS_DIR, RESULTS (a .jsonl
# to append to; default the harness's default), REPS (3), N, CONC (16) as the
# harness; PG_DIR (/tmp/jf-peers-pg: the server's folder, removed at the end);
# SCENARIOS ("enqueue-bulk enqueue-single drain latency").
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-/work/shared/peers}
. "$PEERS_DIR/lib/env.sh"  # REPS, RESULTS, NODE_PATH, ...
export CONC=${CONC:-16}
BIN=${JOBFORGE_BIN:-$REPO/build/src/jobforge}
[[ "$BIN" == /* ]] || BIN="$PWD/$BIN"
PG_DIR=${PG_DIR:-/tmp/jf-peers-pg}
SCENARIOS=${SCENARIOS:-enqueue-bulk enqueue-single drain latency}
PEER=jobforge-postgres
[ -x "$BIN" ] || { echo "no jobforge binary at $BIN (set JOBFORGE_BIN)" >&2; exit 1; }

server_pid=
work=
stop_server() {
  [ -n "$server_pid" ] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "jobforge (pid $server_pid) did not exit within 30 s of SIGTERM; SIGKILL" >&2
      kill -KILL "$server_pid" 2>/dev/null
    fi
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=
  [ -n "$work" ] && rm -rf "$work"
  work=
}
cleanup() {
  stop_server
  "$REPO/bench/pg-bench-server" stop "$PG_DIR"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

free_port() {
  timeout 10 node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})"
}

# Starts a leader on a fresh database; prints its base URL once GET /ready is 200.
start_server() {
  stop_server
  local port url
  url=$("$REPO/bench/pg-bench-server" fresh "$PG_DIR" jobforge_peers) || return 1
  port=$(free_port) || return 1
  work=$(mktemp -d /tmp/jf-peers-pg-run.XXXXXX)
  echo "{\"api_keys\": [], \"executors\": $CONC}" >"$work/config.json"
  (cd "$work" && JOBFORGE_EXECUTORS=$CONC JOBFORGE_POSTGRES_URL=$url exec timeout -k 15 900 \
    "$BIN" serve --config "$work/config.json" --port "$port" --data-dir "$work/data" \
    --store postgres </dev/null >"$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 300); do  # up to 30 s
    if timeout 2 curl -fs -o /dev/null "http://127.0.0.1:$port/ready"; then
      echo "http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "jobforge on PostgreSQL did not become ready; log tail:" >&2
  tail -n 10 "$work/server.log" >&2
  return 1
}

# One run of bench-jobforge.js, its RESULT line filed under $PEER.
run_one() {  # run_one <scenario> <rep> <url>
  local line
  line=$(JOBFORGE_URL=$3 timeout 600 node "$PEERS_DIR/bench-jobforge.js" "$1" "$2" \
    2> >(tail -5 >&2) | grep '^RESULT ' | sed 's/^RESULT //' |
    sed "s/\"peer\":\"jobforge\"/\"peer\":\"$PEER\"/")
  if [ -n "$line" ]; then echo "$line" | tee -a "$RESULTS" | cut -c1-200; else echo "FAILED: $PEER $1 $2" >&2; fi
}

"$REPO/bench/pg-bench-server" start "$PG_DIR" || exit 1
pg_settings=$("$REPO/bench/pg-bench-server" settings "$PG_DIR")
echo "$PEER: $BIN on $pg_settings (unix socket $PG_DIR); results to $RESULTS"

url=$(start_server) || exit 1
fields=$(JOBFORGE_URL=$url timeout 60 node "$PEERS_DIR/bench-jobforge.js" info 0 "$BIN" \
  "127.0.0.1:${url##*:}") || { echo "reading the settings failed" >&2; exit 1; }
fields=$(echo "$fields" | sed "s/sqlite default (see SPEC §6)/store postgres: $pg_settings, fresh database per run/")
settings "$PEER" "$fields"
for s in $SCENARIOS; do
  for r in $(seq "$REPS"); do
    if url=$(start_server); then run_one "$s" "$r" "$url"; else echo "FAILED: $PEER did not start for $s $r" >&2; fi
  done
done
stop_server
