"""bench_lib: what the Python benchmarks in bench/ share (standard library only).

Processes and temp dirs started through here are ended and removed at exit
(after install_cleanup()); a small keep-alive client for the JSON API on
127.0.0.1; `jobforge serve` on a free loopback port with a temp data dir;
/proc and /metrics readers; a steady flow of noop jobs.

The scripts are run by path (`/usr/bin/python3 bench/cluster_bench.py`), so
they import this module with their own folder put first on sys.path.
"""

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
# What a request raises when the connection fails (after its retries).
REQUEST_ERRORS = (OSError, http.client.HTTPException)

# ---------------------------------------------------------------- processes and temp dirs

_procs = []  # every process started through spawn(), killed at exit
_tempdirs = []  # removed at exit unless kept
_hooks = []  # run first at exit (e.g. quitting browsers)
_keep = False


class TimeCap(Exception):
    """Raised by SIGALRM (after install_cleanup()) when a run passes its --cap."""


def cleanup():
    """Runs the at_cleanup hooks, kills and reaps every process started, removes the temp dirs."""
    for hook in _hooks:
        hook()
    for p in _procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGKILL)  # works on a SIGSTOPped process too
            except ProcessLookupError:
                pass
    for p in _procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    _procs.clear()
    if not _keep:
        for d in _tempdirs:
            shutil.rmtree(d, ignore_errors=True)
        _tempdirs.clear()


def _on_signal(signum, _frame):
    """SIGALRM: raises TimeCap; SIGINT/SIGTERM/SIGHUP: cleans up and exits 128 + the signal."""
    if signum == signal.SIGALRM:
        raise TimeCap("the run passed its --cap")
    cleanup()
    sys.exit(128 + signum)


def install_cleanup():
    """Cleans up at exit and on SIGINT/SIGTERM/SIGHUP; makes SIGALRM (the --cap) raise TimeCap."""
    atexit.register(cleanup)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(s, _on_signal)


def at_cleanup(hook):
    """Has cleanup() call hook() first, before the processes are killed."""
    _hooks.append(hook)


def keep_temp_dirs(keep=True):
    """Leaves the temp dirs (data, logs) in place at exit and in remove_temp_dir (--keep)."""
    global _keep
    _keep = keep


def temp_dir(prefix):
    """A new temp dir, removed at exit."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tempdirs.append(d)
    return d


def remove_temp_dir(d):
    """Removes a temp dir of temp_dir() now (unless kept)."""
    if not _keep:
        shutil.rmtree(d, ignore_errors=True)
        if d in _tempdirs:
            _tempdirs.remove(d)


def spawn(argv, log_path, **popen_args):
    """Starts argv with stdout and stderr into log_path (stdin /dev/null); killed at exit."""
    with open(log_path, "wb") as log:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             **popen_args)
    _procs.append(p)
    return p


def stop_process(p, grace=0):
    """Ends p (SIGTERM and SIGKILL after `grace` s, or SIGKILL at once) and reaps it."""
    if p.poll() is None:
        try:
            if grace:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    p.kill()
            else:
                p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait(timeout=10)
    if p in _procs:  # cleanup() may have run first (a signal)
        _procs.remove(p)


def log_tail(path, lines=15):
    """The last lines of a log file ("" when there is none)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- /proc

def free_port():
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of a process (all its threads, live or ended), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15


def loadavg():
    """The machine's 1, 5 and 15 minute load averages, as one string."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def percentile(values, q):
    """The q-th percentile (nearest rank) of values; NaN when there are none."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100.0 * len(s) + 0.5)) - 1))]


# ---------------------------------------------------------------- HTTP

class Client:
    """One keep-alive connection to a jobforge server's HTTP API on 127.0.0.1.

    A request that fails on the connection is sent again on a new one, up to
    `tries` times in all (sleeping backoff * the try number in between); with
    retry_503 a 503 answer is retried the same way. After the last try the
    connection's error is raised (one of REQUEST_ERRORS).
    """

    def __init__(self, port, timeout=30, tries=2, backoff=0.0, retry_503=False):
        """A client of the server on 127.0.0.1:port (connects on the first request)."""
        self.port = port
        self.timeout = timeout
        self.tries = tries
        self.backoff = backoff
        self.retry_503 = retry_503
        self.conn = None

    def send(self, method, path, body=None, tries=None, timeout=None):
        """Sends one request (body: JSON-able or None): (status, the answer's bytes)."""
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        tries = tries or self.tries
        for attempt in range(tries):
            if self.conn is None:
                # the timeout of the connection's socket, for all its requests
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=timeout or self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                if self.retry_503 and resp.status == 503 and attempt + 1 < tries:
                    time.sleep(self.backoff * (attempt + 1))
                    continue
                return resp.status, raw
            except REQUEST_ERRORS:
                self.close()
                if attempt + 1 == tries:
                    raise
                time.sleep(self.backoff * (attempt + 1))

    def request(self, method, path, body=None, tries=None):
        """(status, the answer's JSON; None when empty, {"_raw": its start} when not JSON)."""
        status, raw = self.send(method, path, body, tries)
        try:
            return status, (json.loads(raw) if raw else None)
        except ValueError:
            return status, {"_raw": raw[:300].decode("utf-8", "replace")}

    def ok(self, method, path, body=None):
        """The answer's JSON; raises RuntimeError unless the status is 2xx."""
        status, doc = self.request(method, path, body)
        if status // 100 != 2:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {json.dumps(doc)[:300]}")
        return doc

    def text(self, path):
        """GET path: (status, the answer as text), e.g. /metrics."""
        status, raw = self.send("GET", path)
        return status, raw.decode("utf-8", "replace")

    def close(self):
        """Closes the connection (the next request opens a new one)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')


def metric_samples(text):
    """The samples of a /metrics page (Prometheus text): (name, labels text, value) each."""
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        m = _SAMPLE.match(line)
        if m:
            yield m.group(1), m.group(3) or "", float(m.group(4))


# ---------------------------------------------------------------- a server and its jobs

def wait_ready(proc, client, path, cap, log_path, what="jobforge", timeout=None):
    """Polls GET path until it answers 200; raises RuntimeError (with the log's tail) if proc exits or cap s pass."""
    deadline = time.monotonic() + cap
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; its log:\n" + log_tail(log_path))
        try:
            if client.send("GET", path, timeout=timeout)[0] == 200:
                return
        except REQUEST_ERRORS:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer GET {path} with 200 in {cap} s; its log:\n"
                               + log_tail(log_path))
        time.sleep(0.05)


def serve(binary, args, prefix, ready="/health", cap=15, env=None):
    """Starts `jobforge serve` on a free loopback port with a temp data dir and waits for GET ready: (process, port, client)."""
    folder = temp_dir(prefix)
    port = free_port()
    log_path = os.path.join(folder, "log")
    p = spawn([binary, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data-dir", os.path.join(folder, "data")] + list(args), log_path, env=env)
    client = Client(port)
    wait_ready(p, client, ready, cap, log_path)
    return p, port, client


def completed_jobs(client):
    """The count of completed jobs in the store (GET /api/stats)."""
    return client.ok("GET", "/api/stats")["jobs"]["completed"]


def fill(client, jobs):
    """Submits `jobs` noop jobs in batches of 1,000 and waits until all are done: (their ids, seconds)."""
    start = time.monotonic()
    before = completed_jobs(client)
    ids = []
    for first in range(0, jobs, 1000):
        batch = [{"type": "noop", "payload": {"n": first + i}} for i in range(min(1000, jobs - first))]
        doc = client.ok("POST", "/api/jobs/batch", {"jobs": batch})
        ids += [j["id"] for j in doc["jobs"]]
    deadline = time.monotonic() + 600
    while completed_jobs(client) < before + jobs:
        if time.monotonic() > deadline:
            raise RuntimeError("the fill did not finish in 10 minutes")
        time.sleep(0.2)
    return ids, time.monotonic() - start


class Flow(threading.Thread):
    """About `rate` noop jobs a second, as batches every 100 ms, until .stop is set."""

    def __init__(self, port, rate):
        """A flow into the server on 127.0.0.1:port, over a connection of its own."""
        super().__init__(daemon=True)
        self.client = Client(port)
        self.per_tick = max(1, rate // 10)
        self.stop = threading.Event()

    def run(self):
        """Posts a batch every 100 ms (on a fixed schedule) until stopped."""
        next_tick = time.monotonic()
        while not self.stop.is_set():
            batch = [{"type": "noop", "payload": {"flow": i}} for i in range(self.per_tick)]
            self.client.request("POST", "/api/jobs/batch", {"jobs": batch})
            next_tick += 0.1
            self.stop.wait(max(0.0, next_tick - time.monotonic()))
