#!/usr/bin/env python3
"""Runs an installed jobforge as its systemd unit would (Type=notify), on
127.0.0.1 and a free port: waits for READY=1 on a notification socket of
its own, asks GET /health and GET /metrics, stops it with SIGTERM and
expects STOPPING=1 and exit status 0. With WORKER_COMMAND (the worker
unit's command line, "{join}" standing for its instance name), the server
opens a cluster port, and that command must join it as node pkgtest-worker
and stop with status 0 on SIGTERM.

    serve_check.py BINARY CONFIG DATA_DIR TEMPLATES_DIR [WORKER_COMMAND]
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

binary, config, data_dir, templates_dir = sys.argv[1:5]
worker_command = sys.argv[5] if len(sys.argv) > 5 else None


def fail(message, log=""):
    print("serve_check: " + message, file=sys.stderr)
    if log:
        print("--- jobforge's log:\n" + log, file=sys.stderr)
    sys.exit(1)


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def check_worker(url, read_log, env):
    """Runs the worker unit's command against the server's cluster port."""
    port = get_json(url + "/api/cluster/nodes")["cluster_port"]
    command = shlex.split(worker_command.replace("{join}", f"127.0.0.1:{port}"))
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            nodes = get_json(url + "/api/cluster/nodes")["items"]
            if any(n["id"] == "pkgtest-worker" and n["state"] == "up" for n in nodes):
                break
            if worker.poll() is not None or time.monotonic() > deadline:
                fail(f"the worker did not join: {nodes}\n--- its output:\n{worker.stdout.read()}",
                     read_log())
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
        if code != 0:
            fail(f"the worker exited with {code} on SIGTERM", read_log())
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    print("serve_check: the worker unit's command joined as pkgtest-worker and stopped with 0")


with tempfile.TemporaryDirectory() as tmp:
    # systemd's side of sd_notify: a datagram socket named by NOTIFY_SOCKET.
    notify_path = os.path.join(tmp, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(60)
    # The configuration's folders are the installed system's: point them at
    # the scratch root's (the worker's too: it makes data_dir's folders).
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, JOBFORGE_DATA_DIR=data_dir,
               JOBFORGE_SMTP_TEMPLATES_DIR=templates_dir, JOBFORGE_LOG_LEVEL="info")
    log_path = os.path.join(tmp, "log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [binary, "serve", "--config", config, "--data-dir", data_dir,
             "--host", "127.0.0.1", "--port", "0", "--executors", "2"]
            + (["--cluster-port", "0"] if worker_command else []),
            stdout=log, stderr=subprocess.STDOUT, env=env)
    read_log = lambda: open(log_path).read()
    try:
        try:
            ready = notify.recv(4096).decode()
        except socket.timeout:
            fail("no READY=1 within 60 s", read_log())
        if "READY=1" not in ready.split("\n"):
            fail("first notification is not READY=1: " + repr(ready), read_log())
        url = re.search(r"STATUS=serving (http://127\.0\.0\.1:\d+)", ready)
        if not url:
            fail("READY=1 without the URL in STATUS=: " + repr(ready), read_log())
        url = url.group(1)
        with urllib.request.urlopen(url + "/health", timeout=10) as r:
            health = json.load(r)
            if r.status != 200 or health.get("status") != "ok":
                fail(f"/health answered {r.status} {health}", read_log())
        with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
            metrics = r.read().decode()
            if "# TYPE jobforge_jobs_created_total counter" not in metrics:
                fail("/metrics lacks jobforge_jobs_created_total", read_log())
        # The packaged configuration is the one in use: the data under data_dir.
        if not os.path.exists(os.path.join(data_dir, "jobforge.db")):
            fail("no jobforge.db in " + data_dir, read_log())
        if worker_command:
            check_worker(url, read_log, env)
        server.send_signal(signal.SIGTERM)
        try:
            stopping = notify.recv(4096).decode()
        except socket.timeout:
            fail("no STOPPING=1 after SIGTERM", read_log())
        if "STOPPING=1" not in stopping.split("\n"):
            fail("notification after SIGTERM is not STOPPING=1: " + repr(stopping), read_log())
        code = server.wait(timeout=60)
        if code != 0:
            fail(f"exit status {code} after SIGTERM", read_log())
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print(f"serve_check: {url} was ready (sd_notify), answered /health and /metrics, "
          "stopped with status 0")
