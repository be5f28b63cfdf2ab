#!/usr/bin/python3
"""read_pool_bench: reads of jobs on PostgreSQL while jobs flow, by postgres.pool_size.

For each pool size of --pools, in --rounds alternating runs: a fresh database
on a durable PostgreSQL server of its own (bench/pg-bench-server: initdb
defaults, fsync and synchronous_commit on), `jobforge serve --store postgres`
on loopback with --executors, the store filled with --jobs `noop` jobs
(batches of 1,000, waited for), then for --seconds:

  flow    about --rate `noop` jobs a second, as batches every 100 ms through
          one keep-alive connection: commits keep coming, as in production
  reads   one client reading back to back, alternately a page of
          GET /api/jobs?limit=100 and GET /api/jobs/{id} of a job of the
          fill: each read's latency, p50 / p99, and reads a second

With pool_size 0 the store writer answers every read between its commits
on the writing connection; with N > 0 reader actors answer them on N
read-only connections of their own once the writes before them committed.
The server's CPU and the jobs completed a second in the window are printed
too.

Every wait has a deadline and the whole run has --cap seconds (SIGALRM);
every process started is ended at exit; the server's folder is removed.

  /usr/bin/python3 bench/read_pool_bench.py --jobforge build/src/jobforge
  /usr/bin/python3 bench/read_pool_bench.py --jobforge build/src/jobforge --pools 0,1,2,4 --rounds 3
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no bench/__pycache__/ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lib  # noqa: E402 - bench/, put first on the path above
from bench_lib import (REPO, Client, Flow, TimeCap, completed_jobs, cpu_seconds,  # noqa: E402
                       loadavg, percentile)

bench_lib.install_cleanup()  # every process started is killed at exit, the temp dirs removed

PG_SERVER = os.path.join(REPO, "bench", "pg-bench-server")


def one_run(args, pool, round_no):
    url = subprocess.run([PG_SERVER, "fresh", args.pg_dir, f"readpool{round_no}_{pool}"],
                         check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    env = dict(os.environ, JOBFORGE_POSTGRES_URL=url, JOBFORGE_POSTGRES_POOL_SIZE=str(pool))
    p, port, client = bench_lib.serve(
        args.jobforge, ["--store", "postgres", "--executors", str(args.executors)],
        "jobforge-read-pool-bench-", ready="/ready", cap=30, env=env)
    try:
        ids, _ = bench_lib.fill(client, args.jobs)
        flow = Flow(port, args.rate)
        flow.start()
        time.sleep(1)  # the flow settles
        reader = Client(port)
        lists, gets = [], []
        done0, cpu0 = completed_jobs(client), cpu_seconds(p.pid)
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < args.seconds:
            t = time.monotonic()
            if i % 2 == 0:
                reader.ok("GET", "/api/jobs?limit=100")
                lists.append(time.monotonic() - t)
            else:
                reader.ok("GET", "/api/jobs/" + ids[(i * 7919) % len(ids)])
                gets.append(time.monotonic() - t)
            i += 1
        window = time.monotonic() - start
        done1, cpu1 = completed_jobs(client), cpu_seconds(p.pid)
        flow.stop.set()
        flow.join(timeout=10)
        ms = lambda v, q: percentile(v, q) * 1000  # noqa: E731
        return {"pool": pool, "round": round_no, "reads_s": (len(lists) + len(gets)) / window,
                "list_p50": ms(lists, 50), "list_p99": ms(lists, 99),
                "get_p50": ms(gets, 50), "get_p99": ms(gets, 99),
                "done_s": (done1 - done0) / window, "cpu": (cpu1 - cpu0) / window,
                "load": loadavg()}
    finally:
        bench_lib.stop_process(p, grace=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobforge", default=os.path.join(REPO, "build", "src", "jobforge"))
    ap.add_argument("--pg-dir", default="/tmp/jf-read-pool-pg")
    ap.add_argument("--pools", default="0,2")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--executors", type=int, default=16)
    ap.add_argument("--cap", type=int, default=900)
    args = ap.parse_args()
    signal.alarm(args.cap)
    subprocess.run([PG_SERVER, "start", args.pg_dir], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)
    pools = [int(x) for x in args.pools.split(",")]
    rows = []
    try:
        for r in range(args.rounds):
            for pool in (pools if r % 2 == 0 else list(reversed(pools))):
                row = one_run(args, pool, r)
                rows.append(row)
                print("pool {pool} round {round}: {reads_s:.0f} reads/s; list p50/p99 "
                      "{list_p50:.2f}/{list_p99:.2f} ms; get p50/p99 {get_p50:.2f}/{get_p99:.2f} ms; "
                      "{done_s:.0f} jobs/s done; server CPU {cpu:.2f}; load {load}".format(**row),
                      flush=True)
    except TimeCap as e:
        print(f"read_pool_bench: {e}")
    finally:
        subprocess.run([PG_SERVER, "stop", args.pg_dir], timeout=120, stdout=subprocess.DEVNULL)
    print("\n| pool_size | reads/s | list p50 / p99 ms | get p50 / p99 ms | jobs done/s | server CPU |")
    print("|---|---|---|---|---|---|")
    for pool in pools:
        mine = [r for r in rows if r["pool"] == pool]
        if not mine:
            continue
        med = lambda k: statistics.median(r[k] for r in mine)  # noqa: E731
        print(f"| {pool} | {med('reads_s'):.0f} | {med('list_p50'):.2f} / {med('list_p99'):.2f} "
              f"| {med('get_p50'):.2f} / {med('get_p99'):.2f} | {med('done_s'):.0f} "
              f"| {med('cpu'):.2f} |")


if __name__ == "__main__":
    main()
