#!/usr/bin/python3
"""cluster_bench: jobforge's cluster on loopback, over HTTP only.

Starts a coordinator (`jobforge serve --store memory --cluster-port C`) and
0, 1 or 2 worker nodes (`jobforge worker --join`), each configuration in a
fresh temp dir on free ports, and measures:

  noop    drain throughput and submit->start, with 0 worker nodes (the
          coordinator runs the jobs on its own 16 executors), 1 and 2 worker
          nodes (coordinator --executors 0, 16 executors per node)
  sleep   the same for sleep jobs (5 ms) with 1 and 2 worker nodes: the
          scaling ratio 2 nodes / 1 node
  loss    2 worker nodes busy with 200 ms sleep jobs; kill -9 one, then (in a
          new cluster) SIGSTOP one: time from the signal to the coordinator's
          node_lost history entries, and until those jobs run again

Drain: N jobs are submitted through POST /api/jobs/batch (1,000 per request)
with the type paused, the process CPU times are read, the type is resumed
at t0, and the queue is polled (GET /api/jobs?status=pending,running,
retrying&limit=1, every 10 ms) until it is empty. The drain time is the
last `completed` history entry's `at` minus t0 (same clock, 1 ms
resolution); throughput is N / that. The coordinator's CPU time (utime +
stime from /proc/PID/stat, 10 ms ticks) between t0 and the empty queue,
divided by N, is its CPU per dispatch (with 0 nodes it includes running the
jobs itself).

submit->start: a drained queue says nothing about it (the jobs waited for
the resume), so after each drain M jobs are submitted one per request from
one keep-alive connection at R/s, and each job's history gives running.at -
pending.at (1 ms resolution, so p50 is often 0 or 1 ms).

Every loop has a cap, the whole run has --cap seconds (SIGALRM), and every
process started is killed at exit (atexit, SIGINT/SIGTERM/SIGHUP/SIGALRM).
Exit status: 0, 1 when a check failed (a job not completed, a node not up),
2 on the time cap.

  /usr/bin/python3 bench/cluster_bench.py                    # everything, ~2-3 min
  /usr/bin/python3 bench/cluster_bench.py --only loss
  /usr/bin/python3 bench/cluster_bench.py --noop-jobs 50000 --sleep-jobs 10000
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # no bench/__pycache__/ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lib  # noqa: E402 - bench/, put first on the path above
from bench_lib import REPO, Client, TimeCap, cpu_seconds, free_port, loadavg, percentile  # noqa: E402

bench_lib.install_cleanup()  # every process started is killed at exit, the temp dirs removed


def parse_at(text):
    """RFC 3339 with milliseconds and Z -> seconds since the epoch."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


def rfc3339(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---------------------------------------------------------------- a cluster

class Cluster:
    def __init__(self, args, coord_executors, workers, label):
        self.args = args
        self.label = label
        self.dir = bench_lib.temp_dir("jf-cluster-bench-")
        self.http_port = free_port()
        self.cluster_port = free_port()
        while self.cluster_port == self.http_port:
            self.cluster_port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("JOBFORGE_CONFIG", "JOBFORGE_CLUSTER_PORT")}
        self.coord = self._spawn("coordinator", [
            args.bin, "serve", "--port", str(self.http_port), "--store", "memory",
            "--data-dir", os.path.join(self.dir, "data"), "--executors", str(coord_executors),
            "--cluster-port", str(self.cluster_port)])
        self.api = Client(self.http_port)
        bench_lib.wait_ready(self.coord, self.api, "/api/cluster/nodes", 20,
                             self.log_path("coordinator"), "coordinator", timeout=2)
        self.workers = {}
        for name, executors in workers:
            self.start_worker(name, executors)
        self.wait_up([name for name, _ in workers])

    def _spawn(self, name, argv):
        # cwd: the temp dir, so no config/jobforge.json is read (built-in defaults)
        return bench_lib.spawn(argv, self.log_path(name), cwd=self.dir, env=self.env)

    def log_path(self, name):
        return os.path.join(self.dir, name + ".log")

    def start_worker(self, name, executors):
        self.workers[name] = self._spawn(name, [
            self.args.bin, "worker", "--join", f"127.0.0.1:{self.cluster_port}",
            "--node-id", name, "--executors", str(executors)])

    def nodes(self):
        return self.api.ok("GET", "/api/cluster/nodes")["items"]

    def node(self, name, session=None):
        """The newest session of a node, or the given one."""
        found = None
        for n in self.nodes():
            if not n.get("local") and n["id"] == name and (session is None or
                                                           n.get("session") == session):
                found = n
        return found

    def wait_up(self, names, cap=20.0):
        deadline = time.time() + cap
        while time.time() < deadline:
            up = {n["id"] for n in self.nodes() if not n.get("local") and n["state"] == "up"}
            if all(name in up for name in names):
                return
            for name in names:
                if self.workers[name].poll() is not None:
                    raise RuntimeError(f"worker {name} exited\n" +
                                       bench_lib.log_tail(self.log_path(name)))
            time.sleep(0.05)
        raise RuntimeError(f"workers {names} not all up after {cap} s: {self.nodes()}")

    def all_jobs(self, type_name, created_from=None, cap=120.0):
        jobs, cursor = [], None
        deadline = time.time() + cap
        while time.time() < deadline:
            path = f"/api/jobs?type={type_name}&limit=1000&order=created_asc"
            if created_from:
                path += "&created_from=" + created_from
            if cursor:
                path += "&cursor=" + cursor
            page = self.api.ok("GET", path)
            jobs.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor or not page["items"]:
                return jobs
        raise RuntimeError("listing the jobs took longer than its cap")

    def queue_empty(self, type_name):
        page = self.api.ok("GET", f"/api/jobs?type={type_name}"
                           "&status=pending,running,retrying&limit=1")
        return not page["items"]

    def wait_empty(self, type_name, cap, interval=0.01):
        deadline = time.time() + cap
        while time.time() < deadline:
            if self.queue_empty(type_name):
                return time.time()
            time.sleep(interval)
        return None

    def stop(self):
        self.api.close()
        for p in [self.coord] + list(self.workers.values()):
            bench_lib.stop_process(p)
        bench_lib.remove_temp_dir(self.dir)


# ---------------------------------------------------------------- measurements

def first_at(job, to):
    for h in job["history"]:
        if h["to"] == to:
            return parse_at(h["at"])
    return None


def submit_batches(c, spec, n):
    """Submits n copies of spec through the batch route; returns jobs/s."""
    t = time.time()
    left = n
    while left > 0:
        k = min(1000, left)
        doc = c.api.ok("POST", "/api/jobs/batch", {"jobs": [spec] * k})
        if len(doc["jobs"]) != k:
            raise RuntimeError(f"batch of {k} returned {len(doc['jobs'])} jobs")
        left -= k
    return n / (time.time() - t)


def cluster_messages(c):
    """(order messages, outcome messages) sent so far, from /metrics."""
    counts = {name: value for name, _, value in bench_lib.metric_samples(c.api.text("/metrics")[1])
              if name in ("jobforge_cluster_order_messages_total",
                          "jobforge_cluster_outcome_messages_total")}
    return (counts.get("jobforge_cluster_order_messages_total", 0),
            counts.get("jobforge_cluster_outcome_messages_total", 0))


def start_profilers(c, pids):
    """With --perf DIR: one `perf record -g` per process for the drain only."""
    if not c.args.perf:
        return []
    os.makedirs(c.args.perf, exist_ok=True)
    label = c.label.replace(" ", "_").replace(",", "")
    procs = []
    for name, pid in pids.items():
        out = os.path.join(c.args.perf, f"{label}-{name}.data")
        procs.append(subprocess.Popen(
            ["perf", "record", "-q", "-g", "-F", "1999", "-p", str(pid), "-o", out],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(0.5)  # perf attaches before the resume
    return procs


def stop_profilers(procs):
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def drain(c, spec, n, cap):
    t = spec["type"]
    c.api.ok("POST", f"/api/job-types/{t}/pause")
    submit_rate = submit_batches(c, spec, n)
    pending = c.api.ok("GET", "/api/stats")["jobs"]["pending"]
    if pending != n:
        raise RuntimeError(f"{pending} jobs pending after submitting {n} (paused)")
    pids = {"coordinator": c.coord.pid, **{k: p.pid for k, p in c.workers.items()}}
    messages0 = cluster_messages(c)
    profilers = start_profilers(c, pids)
    cpu0 = {k: cpu_seconds(pid) for k, pid in pids.items()}
    t0 = time.time()
    c.api.ok("POST", f"/api/job-types/{t}/resume")
    t_end = c.wait_empty(t, cap)
    cpu1 = {k: cpu_seconds(pid) for k, pid in pids.items()}
    stop_profilers(profilers)
    messages1 = cluster_messages(c)
    if t_end is None:
        raise RuntimeError(f"{t}: queue not empty {cap} s after the resume")
    jobs = c.all_jobs(t)
    done = [j for j in jobs if j["status"] == "completed"]
    if len(done) != n:
        raise RuntimeError(f"{t}: {len(done)} of {n} completed ({len(jobs)} listed)")
    last = max(first_at(j, "completed") for j in done)
    per_node = {}
    for j in done:
        node = next(h["node"] for h in j["history"] if h["to"] == "running") or "local"
        per_node[node] = per_node.get(node, 0) + 1
    seconds = max(last - t0, 1e-3)
    cpu = {k: cpu1[k] - cpu0[k] for k in pids}
    return {
        "submit_rate": submit_rate, "drain_s": seconds, "rate": n / seconds,
        "poll_s": t_end - t0,
        "coord_us": cpu["coordinator"] / n * 1e6,
        "coord_cores": cpu["coordinator"] / (t_end - t0),
        "workers_us": sum(v for k, v in cpu.items() if k != "coordinator") / n * 1e6,
        "per_node": per_node,
        "order_messages": messages1[0] - messages0[0],
        "outcome_messages": messages1[1] - messages0[1],
    }


def latency(c, spec, m, rate, cap):
    """m jobs one per request at `rate`/s; submit->start from the histories (ms)."""
    t = spec["type"]
    start = time.time()
    created_from = rfc3339(start - 0.002)
    ids = set()
    deadline = start + cap
    for i in range(m):
        due = start + i / rate
        now = time.time()
        if now > deadline:
            raise RuntimeError("latency phase: submission took longer than its cap")
        if due > now:
            time.sleep(due - now)
        ids.add(c.api.ok("POST", "/api/jobs", spec)["id"])
    if c.wait_empty(t, cap=30, interval=0.05) is None:
        raise RuntimeError("latency phase: jobs still queued 30 s after the last submission")
    waits = []
    for j in c.all_jobs(t, created_from=created_from):
        if j["id"] in ids:
            s, r = first_at(j, "pending"), first_at(j, "running")
            if s is not None and r is not None:
                waits.append((r - s) * 1000.0)
    if len(waits) != m:
        raise RuntimeError(f"latency phase: {len(waits)} of {m} jobs found with a start")
    return {"p50": percentile(waits, 50), "p99": percentile(waits, 99), "max": max(waits)}


def throughput_config(args, label, spec, n, coord_executors, workers):
    print(f"  {label}: starting ...", flush=True)
    c = Cluster(args, coord_executors, workers, label)
    try:
        d = drain(c, spec, n, cap=args.drain_cap)
        lat = latency(c, spec, args.latency_jobs, args.latency_rate, cap=60)
        d.update(lat)
        nodes = ", ".join(f"{k} {v}" for k, v in sorted(d["per_node"].items()))
        print(f"  {label}: {n} jobs drained in {d['drain_s']:.3f} s = {d['rate']:,.0f} jobs/s "
              f"(submitted paused at {d['submit_rate']:,.0f}/s; ran on: {nodes}); "
              f"coordinator {d['coord_us']:.1f} us CPU/job ({d['coord_cores']:.2f} cores), "
              f"workers {d['workers_us']:.1f} us/job; "
              f"{d['order_messages']:,.0f} order and {d['outcome_messages']:,.0f} outcome "
              f"messages; submit->start p50 {d['p50']:.0f} ms, "
              f"p99 {d['p99']:.0f} ms, max {d['max']:.0f} ms; load {loadavg()}", flush=True)
        return d
    finally:
        c.stop()


def lost_attempts(jobs, t_sig, until=float("inf")):
    """Seconds from the signal to each node_lost entry naming w1 (recorded
    before `until`), and to the next `running` entry of the same job (its
    re-dispatch)."""
    lost, rerun = [], []
    for j in jobs:
        hist = j["history"]
        for i, h in enumerate(hist):
            err = h.get("error") or {}
            if (err.get("kind") == "node_lost" and h.get("node") == "w1"
                    and parse_at(h["at"]) < until):
                lost.append(parse_at(h["at"]) - t_sig)
                nxt = next((x for x in hist[i + 1:] if x["to"] == "running"), None)
                if nxt:
                    rerun.append(parse_at(nxt["at"]) - t_sig)
    return lost, rerun


def node_loss(args, how, spare=False):
    """2 workers busy with long sleep jobs; SIGKILL or SIGSTOP w1. With
    `spare`, only as many jobs as one node has executors, spread over both:
    w2 has a free slot for each of w1's jobs, so the time to their re-run
    is the detection and the re-dispatch alone, not a wait for a slot."""
    sig = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP}[how]
    e = args.executors
    c = Cluster(args, 0, [("w1", e), ("w2", e)], "loss-" + how + ("-spare" if spare else ""))
    try:
        victim = c.node("w1")
        session = victim["session"]
        sleep_ms = args.loss_ms * 10 if spare else args.loss_ms
        spec = {"type": "sleep", "payload": {"ms": sleep_ms}}
        submit_batches(c, spec, e if spare else args.loss_jobs)
        deadline = time.time() + 10
        while time.time() < deadline:
            n, other = c.node("w1", session), c.node("w2")
            if spare and n and other and n["running"] >= 1 and n["running"] + other["running"] >= e:
                break
            if not spare and n and n["running"] >= e:
                break
            time.sleep(0.005)
        else:
            raise RuntimeError(f"w1 never ran its jobs: {c.node('w1', session)}")
        held = c.node("w1", session)["running"]
        time.sleep(args.loss_ms / 1000.0 / 4)  # mid-attempt, not at a hand-over
        t_sig = time.time()
        os.kill(c.workers["w1"].pid, sig)
        t_seen = None
        deadline = t_sig + 15
        while time.time() < deadline:
            n = c.node("w1", session)
            if n is None or n["state"] == "lost":
                t_seen = time.time()
                break
            time.sleep(0.005)
        if t_seen is None:
            raise RuntimeError(f"w1 not lost 15 s after SIG{how.upper()}")
        # The lost attempts: history entries of kind node_lost naming w1.
        deadline = time.time() + 5
        while time.time() < deadline:
            lost, _ = lost_attempts(c.all_jobs("sleep"), t_sig)
            if len(lost) >= held:
                break
            time.sleep(0.05)
        rejoined, until = None, float("inf")
        if how == "stop":
            os.kill(c.workers["w1"].pid, signal.SIGCONT)
            t_cont = time.time()
            until = t_cont - 0.001  # not the new session's attempts, killed below
            deadline = t_cont + 5
            while time.time() < deadline:
                n = c.node("w1")
                if n and n["session"] != session and n["state"] == "up":
                    rejoined = time.time() - t_cont
                    break
                time.sleep(0.01)
            c.workers["w1"].send_signal(signal.SIGKILL)
        # Every job must still complete (on w2, or on w1's new session).
        if c.wait_empty("sleep", cap=60, interval=0.05) is None:
            raise RuntimeError("sleep jobs still queued 60 s after the node loss")
        jobs = c.all_jobs("sleep")
        completed = sum(1 for j in jobs if j["status"] == "completed")
        lost, rerun = lost_attempts(jobs, t_sig, until)
        r = {"how": how, "spare": spare, "seen_s": t_seen - t_sig, "lost": len(lost),
             "lost_min": min(lost) if lost else float("nan"),
             "lost_max": max(lost) if lost else float("nan"),
             "rerun_n": len(rerun),
             "rerun_p50": percentile(rerun, 50), "rerun_max": max(rerun) if rerun else float("nan"),
             "rejoined_s": rejoined, "completed": completed, "jobs": len(jobs)}
        print(f"  SIG{how.upper()} w1{' (spare slots on w2)' if spare else ''}: nodes list shows it lost after {r['seen_s']*1000:.0f} ms; "
              f"{r['lost']} node_lost entries at +{r['lost_min']*1000:.0f}..+"
              f"{r['lost_max']*1000:.0f} ms; running again at p50 +{r['rerun_p50']*1000:.0f} ms, "
              f"max +{r['rerun_max']*1000:.0f} ms ({r['rerun_n']}); "
              + (f"rejoined {rejoined*1000:.0f} ms after SIGCONT; " if rejoined is not None
                 else ("did not rejoin within 5 s of SIGCONT; " if how == "stop" else ""))
              + f"{completed}/{len(jobs)} completed; load {loadavg()}", flush=True)
        if completed != len(jobs):
            raise RuntimeError(f"{len(jobs) - completed} sleep jobs did not complete")
        if len(lost) < held:
            raise RuntimeError(f"only {len(lost)} node_lost entries for w1's {held} attempts")
        return r
    finally:
        c.stop()


# ---------------------------------------------------------------- main

def print_table(table):
    """Prints rows of strings (the first the header) as a Markdown table, columns padded."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, r in enumerate(table):
        print("| " + " | ".join(v.ljust(widths[k]) for k, v in enumerate(r)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(REPO, "build/src/jobforge"))
    ap.add_argument("--only", default="noop,sleep,loss",
                    help="comma-separated parts: noop, sleep, loss")
    ap.add_argument("--noop-jobs", type=int, default=20000)
    ap.add_argument("--sleep-jobs", type=int, default=5000)
    ap.add_argument("--sleep-ms", type=int, default=5)
    ap.add_argument("--executors", type=int, default=16, help="per node (and local)")
    ap.add_argument("--latency-jobs", type=int, default=1000)
    ap.add_argument("--latency-rate", type=float, default=200.0)
    ap.add_argument("--loss-jobs", type=int, default=320)
    ap.add_argument("--loss-ms", type=int, default=200)
    ap.add_argument("--drain-cap", type=float, default=90.0, help="seconds per drain")
    ap.add_argument("--cap", type=int, default=420, help="seconds for the whole run")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs and logs")
    ap.add_argument("--perf", metavar="DIR",
                    help="record each process with `perf record -g` during each drain, into DIR")
    args = ap.parse_args()
    bench_lib.keep_temp_dirs(args.keep)
    parts = set(args.only.split(","))
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no executable {args.bin}")
    signal.alarm(args.cap)

    e = args.executors
    started = time.time()
    print(f"cluster_bench: {args.bin} (built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(args.bin)))}), "
          f"nproc {os.cpu_count()}, load {loadavg()}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
          flush=True)
    noop = {"type": "noop", "payload": {}}
    sleep = {"type": "sleep", "payload": {"ms": args.sleep_ms}}
    rows, losses = [], []
    try:
        if "noop" in parts:
            print(f"noop: {args.noop_jobs} jobs per drain, then {args.latency_jobs} at "
                  f"{args.latency_rate:.0f}/s for submit->start", flush=True)
            for label, ce, ws in [("noop, 0 nodes (local)", e, []),
                                  ("noop, 1 node", 0, [("w1", e)]),
                                  ("noop, 2 nodes", 0, [("w1", e), ("w2", e)])]:
                rows.append((label, len(ws), throughput_config(args, label, noop,
                                                               args.noop_jobs, ce, ws)))
        if "sleep" in parts:
            print(f"sleep {args.sleep_ms} ms: {args.sleep_jobs} jobs per drain", flush=True)
            for label, ws in [(f"sleep {args.sleep_ms} ms, 1 node", [("w1", e)]),
                              (f"sleep {args.sleep_ms} ms, 2 nodes", [("w1", e), ("w2", e)])]:
                rows.append((label, len(ws), throughput_config(args, label, sleep,
                                                               args.sleep_jobs, 0, ws)))
        if "loss" in parts:
            print(f"node loss: 2 nodes x {e} executors, {args.loss_jobs} sleep jobs of "
                  f"{args.loss_ms} ms", flush=True)
            for how in ("kill", "stop"):
                losses.append(node_loss(args, how))
            print(f"node loss with spare slots: {e} sleep jobs of {args.loss_ms * 10} ms over "
                  f"both nodes", flush=True)
            losses.append(node_loss(args, "kill", spare=True))
    except TimeCap as ex:
        print(f"TIMEOUT: {ex}", file=sys.stderr)
        bench_lib.cleanup()
        sys.exit(2)
    except Exception as ex:  # noqa: BLE001 - report, clean up, exit 1
        print(f"FAILED: {ex}", file=sys.stderr)
        bench_lib.cleanup()
        sys.exit(1)
    signal.alarm(0)

    # ---- the table
    print()
    print(f"Results (load {loadavg()}, {time.time() - started:.0f} s)")
    if rows:
        hdr = ("configuration", "jobs/s", "drain s", "submit->start p50/p99/max ms",
               "coord CPU us/job", "coord cores", "worker CPU us/job")
        table = [hdr]
        for label, nodes, d in rows:
            table.append((label, f"{d['rate']:,.0f}", f"{d['drain_s']:.3f}",
                          f"{d['p50']:.0f} / {d['p99']:.0f} / {d['max']:.0f}",
                          f"{d['coord_us']:.1f}", f"{d['coord_cores']:.2f}",
                          f"{d['workers_us']:.1f}" if nodes else "-"))
        print_table(table)
        by = {label: d for label, _, d in rows}
        local = by.get("noop, 0 nodes (local)")
        print()
        for k in ("noop, 1 node", "noop, 2 nodes"):
            if local and k in by:
                print(f"{k} / local: {by[k]['rate'] / local['rate'] * 100:.0f}% "
                      f"(target >= 50%)")
        if "noop, 1 node" in by and "noop, 2 nodes" in by:
            print(f"noop 2 nodes / 1 node: {by['noop, 2 nodes']['rate'] / by['noop, 1 node']['rate']:.2f}x")
        s1, s2 = (f"sleep {args.sleep_ms} ms, 1 node", f"sleep {args.sleep_ms} ms, 2 nodes")
        if s1 in by and s2 in by:
            print(f"sleep {args.sleep_ms} ms 2 nodes / 1 node: "
                  f"{by[s2]['rate'] / by[s1]['rate']:.2f}x (target >= 1.8x; ideal rates "
                  f"{e * 1000 / args.sleep_ms:,.0f} and {2 * e * 1000 / args.sleep_ms:,.0f}/s)")
            for k in (s1, s2):
                ideal = (1 if k == s1 else 2) * e * 1000 / args.sleep_ms
                print(f"{k}: {by[k]['rate'] / ideal * 100:.0f}% of the ideal rate")
        if local and "noop, 1 node" in by:
            print(f"coordinator CPU per remote dispatch (noop, 1 node): "
                  f"{by['noop, 1 node']['coord_us']:.1f} us, against {local['coord_us']:.1f} us "
                  f"per job run locally")
    if losses:
        print()
        hdr = ("signal to w1", "nodes list: lost", "node_lost entries (at - signal)",
               "running again (p50 / max)", "after")
        table = [hdr]
        for r in losses:
            after = f"{r['completed']}/{r['jobs']} completed"
            if r["how"] == "stop":
                after = (f"SIGCONT: rejoined in {r['rejoined_s']*1000:.0f} ms, then killed; "
                         if r["rejoined_s"] is not None else "SIGCONT: no rejoin in 5 s; ") + after
            table.append((("SIGKILL" if r["how"] == "kill" else "SIGSTOP")
                          + (", spare slots" if r["spare"] else ""),
                          f"{r['seen_s']*1000:.0f} ms",
                          f"{r['lost']} at +{r['lost_min']*1000:.0f} .. +{r['lost_max']*1000:.0f} ms",
                          f"+{r['rerun_p50']*1000:.0f} / +{r['rerun_max']*1000:.0f} ms",
                          after))
        print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
