#!/usr/bin/env bash
# What one sequential submission costs in the server (issue 19's first
# target): the latency a single keep-alive client (http_load --connections 1)
# sees per POST /api/jobs, against bench/http_ceiling (cpp-httplib answering
# a fixed job at once: the client, the loopback and the HTTP library) and
# against `jobforge serve` on each store, while the submitted noop jobs run
# (16 executors). Rounds alternate the servers, so a busy moment of the
# machine hits all of them alike.
#
#   bash bench/one_request.sh [ROUNDS] [JOBS]      (defaults: 3 rounds of 10,000)
#
# Prints, per server and round, the per-request p50 and mean (1 / rate), and
# at the end the medians of what each jobforge adds over the ceiling.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
rounds=${1:-3}
jobs=${2:-10000}
port=18190  # a new one for each server: a closed one lingers in TIME_WAIT
work=$(mktemp -d /tmp/one_request.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

wait_health() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "one_request: the server on $port did not come up" >&2
  cat "$work"/*.log >&2
  exit 1
}

# Runs one server (the rest of the arguments), measures, stops it; prints
# "NAME p50_ms mean_ms".
measure() {
  local name=$1
  shift
  port=$((port + 1))
  "$@" --port "$port" >"$work/$name.log" 2>&1 &
  local pid=$!
  wait_health
  local out
  out=$("$build/bench/http_load" --url "http://127.0.0.1:$port" --only submit --jobs "$jobs" \
    --connections 1)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local rate p50
  rate=$(sed -n 's/.*all completed after .* = \([0-9]*\) jobs\/s.*/\1/p' <<<"$out")
  p50=$(sed -n 's/.*submit latency per request: p50 \([0-9.]*\) ms.*/\1/p' <<<"$out")
  if [ -z "$rate" ] || [ -z "$p50" ]; then
    echo "one_request: no figures from $name:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v n="$name" -v p="$p50" -v r="$rate" 'BEGIN { printf "%s %.3f %.3f\n", n, p, 1000 / r }'
}

serve() {
  local dir=$work/data-$1-$RANDOM
  shift
  echo "$build/src/jobforge" serve --executors 16 --data-dir "$dir" "$@"
}

echo "# $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds of $jobs"
for round in $(seq 1 "$rounds"); do
  measure ceiling "$build/bench/http_ceiling"
  # shellcheck disable=SC2046
  measure memory $(serve m --store memory)
  # shellcheck disable=SC2046
  measure sqlite-normal $(serve n --store sqlite --sync normal)
  # shellcheck disable=SC2046
  measure sqlite-full $(serve f --store sqlite --sync full)
done | tee "$work/figures"
echo "# added over the ceiling, median of the rounds: p50 ms, mean ms"
awk '
  { p[$1] = p[$1] " " $2; m[$1] = m[$1] " " $3; names[$1] = 1 }
  function median(list,   v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    for (n in names) if (n != "ceiling")
      printf "%s +%.3f +%.3f\n", n, median(p[n]) - median(p["ceiling"]), median(m[n]) - median(m["ceiling"])
  }' "$work/figures" | sort
