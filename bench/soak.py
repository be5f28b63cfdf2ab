#!/usr/bin/python3
"""bench/soak.py: a soak of the real jobforge server (Python 3, standard library only).

Starts `jobforge serve` (SQLite store, a fresh temporary data dir, a free
loopback port, 16 executors), submits --jobs jobs of mixed types at a steady
--rate through POST /api/jobs/batch, cancels some at random, then waits for
the queue to drain and checks:

  * resources: the server's RSS (/proc/PID/status VmRSS), open fds
    (/proc/PID/fd) and threads (/proc/PID/task), sampled every
    --sample-seconds; after warm-up (the first --warmup share of the jobs,
    20%) the RSS slope in KiB per 100k jobs must stay under --rss-slope-limit
    (over the whole post-warm-up window and over its last half: "keeps
    growing"), fds and threads must not grow by more than --fd-slack /
    --thread-slack over their value at the end of warm-up;
  * no job stuck: after the last submission, every job reaches completed,
    failed or canceled within --drain-timeout seconds;
  * histories: every history is a valid path of docs/state_machine.md (first
    entry from null to scheduled/blocked/pending, each transition allowed,
    each entry's `from` equal to the previous transition's `to`, a note has
    from == to == the current status, attempt numbers never fall, the last
    `to` is the job's status, the number of `running` entries is the job's
    `attempts`); checked on every job of the full listing (GET /api/jobs,
    pages of 1,000, within --list-budget seconds) and, through
    GET /api/jobs/{id}/history, on --sample random jobs plus every job that
    was canceled or failed (within --sample-budget seconds);
  * outcomes: each job ends as its kind predicts (below);
  * counts: /metrics `jobforge_jobs{status}` equals GET /api/stats `jobs`,
    equals the count of the full listing by status; the counters
    jobforge_jobs_{completed,failed,canceled}_total equal the store's counts
    and jobforge_jobs_created_total the jobs created (distinct ids answered).

The mix (fixed; shares of the entries submitted, chains count all their
entries; --mix-scale is not offered on purpose: the shares keep 16 executors
on a 2-core machine busy well under capacity at 3,000 jobs/s):

  kind        share  what                                              expected end
  noop        ~62%   noop                                              completed
  sleep        10%   sleep 1-10 ms                                     completed
  retry_ok      4%   fail times 1-2 transient, max_attempts 4,          completed
                     backoff 10-40 ms
  dead          2%   fail times 5 transient, max_attempts 2 (half) or  failed (dead letter)
                     times 1 permanent (half)
  timeout       1%   sleep 2000 ms, timeout_ms 15-40, max_attempts 1   failed, last_error.kind timeout
                     (a fifth: max_attempts 2, backoff 10 ms)
  cancel        1%   sleep 100-300 ms, canceled 0-150 ms after the     canceled (completed allowed
                     batch answered (graceful or forced, at random)    only when the cancel was refused)
  pending cancel 1%  noop, canceled at once                            canceled or completed (race)
  chain         ~15% a parent (noop / sleep 5-50 ms / fail permanent)  children of a completed parent:
                     and 1-3 children in one batch (`depends_on` by    completed; of a failed parent:
                     name; on_dependency_failure cancel or run);       canceled (cancel) or completed
                     1 in 20 chains: a blocked child canceled          (run); canceled child: canceled
  dedup         3%   noop with a unique_key (unique_for_ms 1 h) that    the answer is the first job's id
                     an earlier entry (this batch or a recent one)
                     already used

Exit status: 0 when every check passes, 1 when one fails, 2 when --cap runs out.
"""

import argparse
import atexit
import bisect
import collections
import heapq
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no bench/__pycache__/ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lib  # noqa: E402 - bench/, put first on the path above

FINAL = ("completed", "failed", "canceled")
ACTIVE = ("scheduled", "blocked", "pending", "running", "retrying")
STATUSES = ACTIVE + FINAL
# docs/state_machine.md, the table (None: the submission)
ALLOWED = {
    None: {"scheduled", "blocked", "pending"},
    "scheduled": {"pending", "canceled"},
    "blocked": {"pending", "canceled"},
    "pending": {"running", "canceled"},
    "running": {"completed", "retrying", "failed", "canceled", "pending"},
    "retrying": {"pending", "canceled"},
    "failed": {"pending"},
    "completed": set(),
    "canceled": set(),
}

# expected outcomes (codes kept in a dict id -> code)
E_COMPLETED, E_FAILED, E_TIMEOUT, E_CANCEL, E_CANCEL_RACE, E_ANY, E_DEP_CANCELED = range(7)
E_NAMES = ["completed", "failed", "failed(timeout)", "canceled (completed if the cancel was refused)",
           "canceled|completed", "any", "canceled (a parent failed)"]


class CapReached(Exception):
    pass


def log(msg):
    print(time.strftime("%H:%M:%S") + " " + msg, flush=True)


# ---------------------------------------------------------------- HTTP client
def soak_client(port, timeout=60):
    """A client that tries a request 3 times, 0.2 s, 0.4 s apart, on a failed connection or a 503."""
    return bench_lib.Client(port, timeout=timeout, tries=3, backoff=0.2, retry_503=True)


# ---------------------------------------------------------------- the server
class Server:
    def __init__(self, binary, executors, out_dir, extra):
        self.data_dir = tempfile.mkdtemp(prefix="soak-data-")
        self.port = bench_lib.free_port()
        self.stderr_path = os.path.join(out_dir, "server.stderr")
        self.stdout_path = os.path.join(out_dir, "server.stdout")
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", self.data_dir, "--executors", str(executors)] + extra
        self.cmd = cmd
        self.err = open(self.stderr_path, "wb")
        self.out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def wait_ready(self, timeout=30):
        bench_lib.wait_ready(self.proc, bench_lib.Client(self.port, timeout=2, tries=1), "/ready",
                             timeout, self.stderr_path, "server")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, keep_data=False):
        bench_lib.stop_process(self.proc, grace=15)
        for f in (self.err, self.out):
            try:
                f.close()
            except OSError:
                pass
        if not keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def proc_sample(pid):
    rss = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
                break
    fds = len(os.listdir("/proc/%d/fd" % pid))
    threads = len(os.listdir("/proc/%d/task" % pid))
    return rss, fds, threads, bench_lib.cpu_seconds(pid)


# ---------------------------------------------------------------- sampling
class Sampler(threading.Thread):
    def __init__(self, server, interval, progress):
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.progress = progress  # callable -> (phase, entries, jobs)
        self.samples = []  # dicts
        self.stop_evt = threading.Event()
        self.client = soak_client(server.port, timeout=10)
        self.t0 = time.monotonic()

    def take(self):
        try:
            rss, fds, threads, cpu = proc_sample(self.server.pid)
        except (OSError, ValueError):
            return
        phase, entries, jobs = self.progress()
        backlog = done = None
        try:
            s, st = self.client.request("GET", "/api/stats", tries=2)  # the server drops idle keep-alives after 5 s
            if s == 200:
                j = st.get("jobs", {})
                backlog = sum(j.get(k, 0) for k in ACTIVE)
                done = sum(j.get(k, 0) for k in FINAL)
        except bench_lib.REQUEST_ERRORS:
            pass
        self.samples.append(dict(t=time.monotonic() - self.t0, phase=phase, entries=entries, jobs=jobs,
                                 rss=rss, fds=fds, threads=threads, cpu=cpu, backlog=backlog, done=done))

    def run(self):
        while not self.stop_evt.is_set():
            self.take()
            self.stop_evt.wait(self.interval)


# ---------------------------------------------------------------- the load
class Load:
    def __init__(self, args, rng):
        self.args = args
        self.rng = rng
        self.expected = {}  # id -> E_*
        self.kind_of = {}  # id -> kind name (first answer)
        self.cancel_ok = set()  # ids whose cancel was answered 200
        self.cancel_refused = set()
        self.entries = 0  # entries submitted (answered)
        self.by_kind = collections.Counter()
        self.dedup_answers = 0
        self.dedup_mismatch = []
        self.recent_keys = collections.deque(maxlen=2000)  # (key, id)
        self.key_seq = 0
        self.cancels = []  # heap of (due, seq, id, mode)
        self.cancel_seq = 0
        self.http_errors = []
        self.cancel_calls = collections.Counter()
        self.batches = 0

    def unit(self, batch, pending_dups):
        """Append one unit (one entry or a chain) to batch: list of (entry, meta)."""
        r = self.rng.random() if self.args.mix == "mixed" else 1.0
        R = self.rng
        if r < 0.10:
            batch.append(({"type": "sleep", "payload": {"ms": R.randint(1, 10)}}, ("sleep", E_COMPLETED, None)))
        elif r < 0.14:
            batch.append(({"type": "fail", "payload": {"times": R.randint(1, 2), "kind": "transient"},
                           "max_attempts": 4,
                           "retry": {"initial_backoff_ms": R.randint(10, 40), "max_backoff_ms": 100}},
                          ("retry_ok", E_COMPLETED, None)))
        elif r < 0.16:
            if R.random() < 0.5:
                e = {"type": "fail", "payload": {"times": 5, "kind": "transient"}, "max_attempts": 2,
                     "retry": {"initial_backoff_ms": 10, "max_backoff_ms": 50}}
            else:
                e = {"type": "fail", "payload": {"times": 1, "kind": "permanent"}}
            batch.append((e, ("dead", E_FAILED, None)))
        elif r < 0.17:
            e = {"type": "sleep", "payload": {"ms": 2000}, "timeout_ms": R.randint(15, 40), "max_attempts": 1}
            if R.random() < 0.2:
                e["max_attempts"] = 2
                e["retry"] = {"initial_backoff_ms": 10, "max_backoff_ms": 20}
            batch.append((e, ("timeout", E_TIMEOUT, None)))
        elif r < 0.18:
            mode = "forced" if R.random() < 0.5 else "graceful"
            batch.append(({"type": "sleep", "payload": {"ms": R.randint(100, 300)}},
                          ("cancel", E_CANCEL, (R.uniform(0, 0.15), mode))))
        elif r < 0.19:
            batch.append(({"type": "noop"}, ("pending_cancel", E_CANCEL_RACE, (0.0, "graceful"))))
        elif r < 0.22:
            # dedup: reuse a recent key (earlier batch) or one of this batch
            if self.recent_keys and R.random() < 0.7:
                key, first = self.recent_keys[R.randrange(len(self.recent_keys))]
                batch.append(({"type": "noop", "unique_key": key, "unique_for_ms": 3600000},
                              ("dedup", E_ANY, ("dup", first))))
            else:
                self.key_seq += 1
                key = "soak-%d-%d" % (self.args.seed, self.key_seq)
                batch.append(({"type": "noop", "unique_key": key, "unique_for_ms": 3600000},
                              ("dedup_first", E_COMPLETED, ("first", key))))
                if R.random() < 0.5:
                    batch.append(({"type": "noop", "unique_key": key, "unique_for_ms": 3600000},
                                  ("dedup", E_ANY, ("same_batch", len(batch) - 1))))
        elif r < 0.28:
            # chain: a parent and 1-3 children, by name
            name = "p%d" % len(batch)
            pr = R.random()
            if pr < 0.6:
                pe, pexp = {"type": "noop"}, E_COMPLETED
            elif pr < 0.85:
                pe, pexp = {"type": "sleep", "payload": {"ms": R.randint(5, 50)}}, E_COMPLETED
            else:
                pe, pexp = {"type": "fail", "payload": {"times": 1, "kind": "permanent"}}, E_FAILED
            pe["name"] = name
            batch.append((pe, ("chain_parent", pexp, None)))
            cancel_child = pr >= 0.6 and pr < 0.85 and R.random() < 0.2
            for i in range(R.randint(1, 3)):
                policy = "cancel" if R.random() < 0.7 else "run"
                ce = {"type": "noop", "depends_on": [name], "on_dependency_failure": policy}
                if pexp == E_FAILED:
                    exp = E_DEP_CANCELED if policy == "cancel" else E_COMPLETED
                else:
                    exp = E_COMPLETED
                meta = None
                kind = "chain_child"
                if cancel_child and i == 0:
                    exp, meta, kind = E_CANCEL, (0.0, "graceful"), "chain_child_cancel"
                batch.append((ce, (kind, exp, meta)))
        else:
            batch.append(({"type": "noop"}, ("noop", E_COMPLETED, None)))

    def build_batch(self, size):
        batch = []
        while len(batch) < size:
            self.unit(batch, None)
        if self.args.timeout_ms:
            for e, _ in batch:
                e.setdefault("timeout_ms", self.args.timeout_ms)
        return batch[:1000]

    def submit(self, client, batch):
        body = {"jobs": [e for e, _ in batch]}
        status, resp = client.request("POST", "/api/jobs/batch", body)
        if status != 201 or not isinstance(resp, dict) or len(resp.get("jobs", [])) != len(batch):
            self.http_errors.append("batch %d: HTTP %s %s" % (self.batches, status, str(resp)[:300]))
            return 0
        self.batches += 1
        now = time.monotonic()
        jobs = resp["jobs"]
        for i, ((entry, (kind, exp, meta)), job) in enumerate(zip(batch, jobs)):
            jid = job["id"]
            self.by_kind[kind] += 1
            if kind == "dedup":
                self.dedup_answers += 1
                want = meta[1] if meta[0] == "dup" else jobs[meta[1]]["id"]
                if jid != want:
                    self.dedup_mismatch.append((entry.get("unique_key"), want, jid))
                    self.expected.setdefault(jid, E_ANY)
                continue
            if jid in self.expected:
                # a new entry answered with a known id: only dedup may do that
                self.dedup_mismatch.append(("(no dedup expected)", kind, jid))
                continue
            self.expected[jid] = exp
            if kind == "dedup_first":
                self.recent_keys.append((meta[1], jid))
            elif meta is not None and kind in ("cancel", "pending_cancel", "chain_child_cancel"):
                self.cancel_seq += 1
                heapq.heappush(self.cancels, (now + meta[0], self.cancel_seq, jid, meta[1]))
        self.entries += len(batch)
        return len(batch)

    def run_cancels(self, client, force_all=False):
        now = time.monotonic()
        by_mode = collections.defaultdict(list)
        while self.cancels and (force_all or self.cancels[0][0] <= now) and sum(map(len, by_mode.values())) < 1000:
            _, _, jid, mode = heapq.heappop(self.cancels)
            by_mode[mode].append(jid)
        for mode, ids in by_mode.items():
            status, resp = client.request("POST", "/api/jobs/bulk",
                                          {"action": "cancel", "ids": ids, "mode": mode, "reason": "soak"})
            if status != 200 or not isinstance(resp, dict):
                self.http_errors.append("bulk cancel: HTTP %s %s" % (status, str(resp)[:300]))
                continue
            for res in resp.get("results", []):
                jid = res.get("id")
                if res.get("error"):
                    self.cancel_refused.add(jid)
                    self.cancel_calls["refused:" + str(res["error"].get("code"))] += 1
                else:
                    self.cancel_ok.add(jid)
                    self.cancel_calls["accepted"] += 1
        return bool(self.cancels) and force_all


# ---------------------------------------------------------------- checks
def check_history(job_id, status, attempts, history):
    """Returns a list of problems (strings); empty when the history is a valid path."""
    probs = []
    if not history:
        return ["empty history"]
    cur = None
    last_attempt = -1
    runs = 0
    for i, h in enumerate(history):
        f, t = h.get("from"), h.get("to")
        a = h.get("attempt", 0)
        if a is not None:
            if a < last_attempt:
                probs.append("entry %d: attempt %s after %s" % (i, a, last_attempt))
            last_attempt = a
        if i == 0:
            if f is not None:
                probs.append("first entry from %r (want null)" % f)
            if t not in ALLOWED[None]:
                probs.append("first entry to %r" % t)
            cur = t
            continue
        if f == t:  # a note
            if f != cur:
                probs.append("entry %d: note %s->%s while %s" % (i, f, t, cur))
            continue
        if f != cur:
            probs.append("entry %d: from %s, previous to %s" % (i, f, cur))
        if t not in ALLOWED.get(f, set()):
            probs.append("entry %d: %s->%s not allowed" % (i, f, t))
        if t == "running":
            runs += 1
        cur = t
    if cur != status:
        probs.append("last to %s, status %s" % (cur, status))
    if attempts is not None and runs != attempts:
        probs.append("%d running entries, attempts %s" % (runs, attempts))
    return probs


def check_outcome(job, exp, cancel_ok):
    st = job["status"]
    jid = job["id"]
    if exp == E_ANY:
        return None
    if exp == E_COMPLETED:
        ok = st == "completed"
    elif exp == E_FAILED:
        ok = st == "failed"
    elif exp == E_TIMEOUT:
        le = job.get("last_error") or {}
        ok = st == "failed" and le.get("kind") == "timeout"
    elif exp == E_CANCEL:
        ok = st == "canceled" or (st == "completed" and jid not in cancel_ok)
    elif exp == E_CANCEL_RACE:
        ok = st == "canceled" or (st == "completed" and jid not in cancel_ok)
    elif exp == E_DEP_CANCELED:
        ok = st == "canceled"
    else:
        ok = True
    if ok:
        return None
    return "expected %s, got %s (cancel accepted: %s, last_error %s)" % (
        E_NAMES[exp], st, jid in cancel_ok, json.dumps(job.get("last_error"))[:200])


def parse_metrics(text):
    gauge = {}
    counters = collections.defaultdict(int)
    for name, labels, val in bench_lib.metric_samples(text):
        if name == "jobforge_jobs":
            lm = re.search(r'status="([^"]+)"', labels)
            if lm:
                gauge[lm.group(1)] = int(val)
        elif name in ("jobforge_jobs_created_total", "jobforge_jobs_completed_total", "jobforge_jobs_failed_total",
                      "jobforge_jobs_canceled_total", "jobforge_jobs_retried_total", "jobforge_jobs_started_total"):
            counters[name] += int(val)
    return gauge, dict(counters)


def slope(points):
    """Least squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return 0.0
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1_000_000, help="entries to submit (default 1,000,000)")
    ap.add_argument("--rate", type=float, default=2000.0,
                    help="entries per second (default 2,000: a shared 2-core machine kept up with 2,700 of 3,000)")
    ap.add_argument("--bin", default="/tmp/soak-jobforge", help="the jobforge binary")
    ap.add_argument("--executors", type=int, default=16)
    ap.add_argument("--sample-seconds", type=float, default=5.0)
    ap.add_argument("--cap", type=int, default=3600, help="seconds for the whole run (SIGALRM; exit 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mix", choices=("mixed", "noop"), default="mixed",
                    help="mixed (the table above) or noop only (to tell the features' memory from the jobs')")
    ap.add_argument("--timeout-ms", type=int, default=0,
                    help="timeout_ms of every entry that sets none (default: the type's, 30 s for noop, 1 h for sleep); "
                         "each attempt's timeout timer holds its finished supervisor's memory until it fires")
    ap.add_argument("--batch", type=int, default=0, help="entries per batch (default: rate/5, 50..1000)")
    ap.add_argument("--warmup", type=float, default=0.2, help="share of the jobs counted as warm-up")
    ap.add_argument("--drain-timeout", type=float, default=300.0)
    ap.add_argument("--list-budget", type=float, default=600.0, help="seconds for the full listing")
    ap.add_argument("--sample", type=int, default=20000, help="random jobs whose history route is checked")
    ap.add_argument("--sample-budget", type=float, default=300.0)
    ap.add_argument("--rss-slope-limit", type=float, default=1024.0, help="KiB per 100k jobs after warm-up")
    ap.add_argument("--fd-slack", type=int, default=8)
    ap.add_argument("--thread-slack", type=int, default=8, help="the HTTP pool grows and shrinks with connections")
    ap.add_argument("--out", default="", help="folder for server.stderr, samples.json (default: a new temp dir)")
    ap.add_argument("--keep-data", action="store_true", help="keep the server's data dir")
    ap.add_argument("--server-arg", action="append", default=[], help="extra argument for jobforge serve")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    out_dir = args.out or tempfile.mkdtemp(prefix="soak-out-")
    os.makedirs(out_dir, exist_ok=True)
    t_start = time.monotonic()

    server = Server(args.bin, args.executors, out_dir, args.server_arg)
    atexit.register(server.stop, args.keep_data)

    def on_signal(signum, frame):
        if signum == signal.SIGALRM:
            raise CapReached()
        server.stop(args.keep_data)
        os._exit(128 + signum)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(args.cap)

    log("server pid %d port %d data %s; stderr -> %s" % (server.pid, server.port, server.data_dir, server.stderr_path))
    log("load average %s" % open("/proc/loadavg").read().strip())
    violations = []
    summary = {}
    load = Load(args, rng)
    phase = ["start"]
    sampler = None
    code = 1
    try:
        server.wait_ready()
        sampler = Sampler(server, args.sample_seconds, lambda: (phase[0], load.entries, len(load.expected)))
        sampler.start()
        client = soak_client(server.port)
        ccancel = soak_client(server.port)

        # ---- submission at a steady rate
        phase[0] = "submit"
        batch_size = args.batch or max(50, min(1000, int(args.rate / 5)))
        t0 = time.monotonic()
        behind_max = 0.0
        last_report = t0
        max_batches = args.jobs // 1 + 10
        while load.entries < args.jobs and load.batches < max_batches:
            if not server.alive():
                violations.append("server exited during submission: %s" % server.proc.returncode)
                break
            size = min(batch_size, args.jobs - load.entries)
            due = t0 + load.entries / args.rate
            while True:
                now = time.monotonic()
                load.run_cancels(ccancel)
                if now >= due:
                    break
                time.sleep(min(0.01, due - now))
            behind_max = max(behind_max, time.monotonic() - due)
            batch = load.build_batch(size)
            if load.submit(client, batch) == 0 and len(load.http_errors) > 20:
                violations.append("too many failed batches")
                break
            if time.monotonic() - last_report >= 30:
                last_report = time.monotonic()
                el = last_report - t0
                smp = sampler.samples[-1] if sampler.samples else {}
                log("%d entries, %d jobs, %.0f/s, rss %s KiB, fds %s, threads %s, backlog %s, behind %.1fs" % (
                    load.entries, len(load.expected), load.entries / el, smp.get("rss"), smp.get("fds"),
                    smp.get("threads"), smp.get("backlog"), time.monotonic() - due))
        t_submit_end = time.monotonic()
        submit_s = t_submit_end - t0
        log("submitted %d entries (%d jobs) in %.1fs: %.0f entries/s (target %.0f), max lag %.1fs" % (
            load.entries, len(load.expected), submit_s, load.entries / submit_s, args.rate, behind_max))
        for i in range(100):  # flush the cancels left (bounded)
            if not load.run_cancels(ccancel, force_all=True):
                break

        # ---- drain
        phase[0] = "drain"
        drain_deadline = time.monotonic() + args.drain_timeout
        stats = None
        while time.monotonic() < drain_deadline:
            s, stats = client.request("GET", "/api/stats")
            active = sum(stats["jobs"].get(k, 0) for k in ACTIVE) if s == 200 else -1
            if active == 0:
                break
            time.sleep(1.0)
        drain_s = time.monotonic() - t_submit_end
        s, stats = client.request("GET", "/api/stats")
        store_counts = {k: stats["jobs"].get(k, 0) for k in STATUSES}
        active = sum(store_counts[k] for k in ACTIVE)
        log("drained in %.1fs: %s" % (drain_s, store_counts))
        stuck = []
        if active:
            violations.append("%d jobs not final %.0fs after the last submission: %s" % (
                active, args.drain_timeout, {k: store_counts[k] for k in ACTIVE if store_counts[k]}))
            s, lst = client.request("GET", "/api/jobs?status=%s&limit=50" % ",".join(ACTIVE))
            for j in (lst or {}).get("items", []):
                stuck.append({"id": j["id"], "type": j["type"], "status": j["status"], "attempts": j["attempts"],
                              "history": j["history"], "payload": j["payload"]})
        sampler.take()
        phase[0] = "verify"

        # ---- counts: /metrics against the store
        gauge = counters = None
        for i in range(10):
            s, mtext = client.text("/metrics")
            gauge, counters = parse_metrics(mtext)
            s, stats = client.request("GET", "/api/stats")
            store_counts = {k: stats["jobs"].get(k, 0) for k in STATUSES}
            if all(gauge.get(k, 0) == store_counts[k] for k in STATUSES):
                break
            time.sleep(0.5)
        for k in STATUSES:
            if gauge.get(k, 0) != store_counts[k]:
                violations.append("metrics jobforge_jobs{status=%s} %s != store %s" % (k, gauge.get(k), store_counts[k]))
        created = len(load.expected)
        for name, want in (("jobforge_jobs_created_total", created),
                           ("jobforge_jobs_completed_total", store_counts["completed"]),
                           ("jobforge_jobs_failed_total", store_counts["failed"]),
                           ("jobforge_jobs_canceled_total", store_counts["canceled"])):
            if counters.get(name) != want:
                violations.append("metrics %s %s != %s" % (name, counters.get(name), want))
        store_total = sum(store_counts.values())
        if store_total != created:
            violations.append("store holds %d jobs, %d distinct ids were answered" % (store_total, created))

        # ---- full listing: counts, statuses, histories, outcomes of every job
        list_t0 = time.monotonic()
        listed = collections.Counter()
        seen = 0
        hist_bad = []
        outcome_bad = []
        not_final = []
        unknown = 0
        cursor = None
        pages = 0
        list_complete = False
        while time.monotonic() - list_t0 < args.list_budget and pages < store_total // 1000 + 50:
            q = "/api/jobs?limit=1000&order=created_asc" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            s, page = client.request("GET", q)
            if s != 200:
                violations.append("listing: HTTP %s %s" % (s, str(page)[:200]))
                break
            pages += 1
            if page.get("unreadable"):
                violations.append("listing: unreadable jobs %s" % page["unreadable"][:5])
            for j in page["items"]:
                seen += 1
                st = j["status"]
                listed[st] += 1
                if st not in FINAL:
                    not_final.append(j["id"])
                p = check_history(j["id"], st, j.get("attempts"), j.get("history"))
                if p:
                    hist_bad.append((j["id"], j["type"], p, j.get("history")))
                exp = load.expected.get(j["id"])
                if exp is None:
                    unknown += 1
                else:
                    o = check_outcome(j, exp, load.cancel_ok)
                    if o:
                        outcome_bad.append((j["id"], j["type"], o, j.get("history")))
            cursor = page.get("next_cursor")
            if not cursor or not page["items"]:
                list_complete = True
                break
        list_s = time.monotonic() - list_t0
        log("listed %d jobs in %d pages, %.1fs (%s)" % (seen, pages, list_s, "complete" if list_complete else "INCOMPLETE: budget"))
        if list_complete:
            for k in STATUSES:
                if listed.get(k, 0) != store_counts[k]:
                    violations.append("listing counts %s %d != stats %d" % (k, listed.get(k, 0), store_counts[k]))
            if seen != created:
                violations.append("listing holds %d jobs, %d distinct ids answered" % (seen, created))
        if unknown:
            violations.append("%d listed jobs were never answered to the soak" % unknown)
        if not_final:
            violations.append("%d listed jobs not final, e.g. %s" % (len(not_final), not_final[:5]))
        if hist_bad:
            violations.append("%d invalid histories (listing)" % len(hist_bad))
        if outcome_bad:
            violations.append("%d unexpected outcomes (listing)" % len(outcome_bad))

        # ---- history route on a sample + every failed/canceled (expected or seen)
        sample_t0 = time.monotonic()
        ids = list(load.expected.keys())
        sample = set(rng.sample(ids, min(args.sample, len(ids))))
        sample |= {i for i, e in load.expected.items() if e in (E_FAILED, E_TIMEOUT, E_CANCEL, E_DEP_CANCELED)}
        sample |= load.cancel_ok
        sample = sorted(sample)
        rng.shuffle(sample)
        checked = 0
        route_bad = []
        for jid in sample:
            if time.monotonic() - sample_t0 > args.sample_budget:
                break
            s, h = client.request("GET", "/api/jobs/%s/history" % jid)
            checked += 1
            if s != 200:
                route_bad.append((jid, "HTTP %s" % s, None))
                continue
            p = check_history(jid, h.get("status"), h.get("attempts"), h.get("history"))
            if h.get("status") not in FINAL:
                p.append("status %s not final" % h.get("status"))
            if p:
                route_bad.append((jid, p, h.get("history")))
        sample_s = time.monotonic() - sample_t0
        log("history route: %d of %d sampled jobs checked in %.1fs" % (checked, len(sample), sample_s))
        if route_bad:
            violations.append("%d invalid histories (history route)" % len(route_bad))
        if checked < len(sample) and not list_complete:
            violations.append("neither the listing nor the sample finished in their budgets")

        sampler.take()
        sampler.stop_evt.set()

        # ---- resources
        samples = sampler.samples
        warm_jobs = args.warmup * load.entries
        sub = [x for x in samples if x["phase"] == "submit"]
        post = [x for x in sub if x["entries"] >= warm_jobs]
        res = {}
        if len(post) >= 3:
            w = post[0]
            pts = [(x["entries"], x["rss"]) for x in post]
            sl_all = slope(pts) * 100000
            half = pts[len(pts) // 2:]
            sl_last = slope(half) * 100000 if len(half) >= 2 else sl_all
            res = dict(rss_warm=w["rss"], rss_end_submit=post[-1]["rss"], rss_max=max(x["rss"] for x in samples),
                       rss_end=samples[-1]["rss"], slope_kib_per_100k=sl_all, slope_last_half=sl_last,
                       fds_warm=w["fds"], fds_max_after=max(x["fds"] for x in post), fds_end=samples[-1]["fds"],
                       threads_warm=w["threads"], threads_max_after=max(x["threads"] for x in post),
                       threads_end=samples[-1]["threads"])
            if sl_all > args.rss_slope_limit:
                violations.append("RSS grows %.0f KiB per 100k jobs after warm-up (limit %.0f)" % (sl_all, args.rss_slope_limit))
            if sl_last > args.rss_slope_limit:
                violations.append("RSS keeps growing: %.0f KiB per 100k jobs over the last half (limit %.0f)" % (
                    sl_last, args.rss_slope_limit))
            if res["fds_max_after"] - w["fds"] > args.fd_slack or samples[-1]["fds"] - w["fds"] > args.fd_slack:
                violations.append("fds grow: %d at warm-up, max %d after, %d at the end" % (
                    w["fds"], res["fds_max_after"], samples[-1]["fds"]))
            if res["threads_max_after"] - w["threads"] > args.thread_slack or samples[-1]["threads"] - w["threads"] > args.thread_slack:
                violations.append("threads grow: %d at warm-up, max %d after, %d at the end" % (
                    w["threads"], res["threads_max_after"], samples[-1]["threads"]))
        else:
            violations.append("too few samples after warm-up (%d) to judge RSS" % len(post))

        # ---- server log (spdlog writes to stdout; stderr should stay empty)
        with open(server.stderr_path, "rb") as f:
            err_lines = f.read().decode("utf-8", "replace").splitlines()
        log_levels = collections.Counter()
        log_errors = collections.Counter()  # [error]/[critical] messages, job ids masked
        with open(server.stdout_path, "rb") as f:
            for raw in f:
                m = re.match(rb"^\[[^\]]*\] \[(\w+)\] (.*)", raw)
                if not m:
                    continue
                lvl = m.group(1).decode()
                log_levels[lvl] += 1
                if lvl in ("error", "critical"):
                    msg = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", m.group(2).decode("utf-8", "replace"))
                    log_errors[msg[:200]] += 1
        bad_lines = err_lines + ["%dx %s" % (n, msg) for msg, n in log_errors.most_common(10)]
        warn_lines = log_levels.get("warning", 0)
        if not server.alive():
            violations.append("server exited: %s" % server.proc.returncode)

        # ---- report
        print()
        print("RSS / fds / threads curve (every %.0fs; server pid %d)" % (args.sample_seconds, server.pid))
        print("%7s %-7s %9s %9s %9s %5s %7s %8s %8s" % ("t_s", "phase", "entries", "jobs", "rss_KiB", "fds",
                                                       "threads", "cpu_s", "backlog"))
        step = max(1, len(samples) // 60)
        for i, x in enumerate(samples):
            if i % step == 0 or i == len(samples) - 1:
                print("%7.1f %-7s %9d %9d %9d %5d %7d %8.1f %8s" % (x["t"], x["phase"], x["entries"], x["jobs"], x["rss"],
                                                                 x["fds"], x["threads"], x["cpu"], x["backlog"]))
        outcomes = {k: store_counts[k] for k in FINAL}
        summary = dict(
            entries_submitted=load.entries, jobs_created=created, dedup_answers=load.dedup_answers,
            by_kind=dict(load.by_kind), outcomes=outcomes, store_counts=store_counts,
            metrics_gauge=gauge, metrics_counters=counters,
            cancel_calls=dict(load.cancel_calls), batches=load.batches, batch_size=batch_size,
            target_rate=args.rate, achieved_rate=round(load.entries / submit_s, 1),
            achieved_job_rate=round(created / (t_submit_end - t0 + drain_s), 1),
            submit_seconds=round(submit_s, 1), drain_seconds=round(drain_s, 1), max_lag_seconds=round(behind_max, 1),
            listing=dict(jobs=seen, pages=pages, seconds=round(list_s, 1), complete=list_complete),
            history_route=dict(checked=checked, of=len(sample), seconds=round(sample_s, 1)),
            resources={k: (round(v, 1) if isinstance(v, float) else v) for k, v in res.items()},
            server_cpu_seconds=samples[-1]["cpu"] if samples else None,
            stderr_lines=len(err_lines), log_levels=dict(log_levels), log_errors=dict(log_errors.most_common(10)),
            http_errors=len(load.http_errors), violations=len(violations),
            duration_seconds=round(time.monotonic() - t_start, 1),
        )
        print()
        print("SUMMARY " + json.dumps(summary, indent=1))
        with open(os.path.join(out_dir, "samples.json"), "w") as f:
            json.dump(dict(summary=summary, samples=samples, violations=violations), f)
        details = []
        for jid, typ, p, h in hist_bad[:10]:
            details.append("invalid history (listing) %s %s: %s\n    %s" % (jid, typ, p, json.dumps(h)[:1500]))
        for jid, p, h in route_bad[:10]:
            details.append("invalid history (route) %s: %s\n    %s" % (jid, p, json.dumps(h)[:1500]))
        for jid, typ, o, h in outcome_bad[:10]:
            details.append("unexpected outcome %s %s: %s\n    %s" % (jid, typ, o, json.dumps(h)[:1500]))
        for m in load.dedup_mismatch[:10]:
            details.append("dedup mismatch: %s" % (m,))
        if load.dedup_mismatch:
            violations.append("%d dedup answers not the first job" % len(load.dedup_mismatch))
        for s_ in stuck[:10]:
            details.append("stuck job %s" % json.dumps(s_)[:1500])
        for e in load.http_errors[:10]:
            details.append("http error: %s" % e)
        for l in bad_lines[:15]:
            details.append("server stderr / [error] log: %s" % l[:400])
        if details:
            print()
            print("DETAILS")
            for d in details:
                print("  " + d)
        print()
        if load.http_errors:
            violations.append("%d HTTP errors" % len(load.http_errors))
        if violations:
            print("VIOLATIONS (%d)" % len(violations))
            for v in violations:
                print("  - " + v)
            code = 1
        else:
            print("ALL CHECKS PASSED")
            code = 0
        print("output: %s (server.stderr, samples.json)" % out_dir)
    except CapReached:
        print("CAP: %ds reached in phase %s after %d entries (%d jobs); violations so far: %s" % (
            args.cap, phase[0], load.entries, len(load.expected), violations), flush=True)
        if sampler:
            for x in sampler.samples[-10:]:
                print("  sample %s" % x)
        code = 2
    finally:
        signal.alarm(0)
        if sampler:
            sampler.stop_evt.set()
        server.stop(args.keep_data)
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
