#!/usr/bin/env python3
"""Runs an installed jobforge as its systemd unit would (Type=notify), on
127.0.0.1 and a free port: waits for READY=1 on a notification socket of
its own, asks GET /health and GET /metrics, stops it with SIGTERM and
expects STOPPING=1 and exit status 0.

    serve_check.py BINARY CONFIG DATA_DIR TEMPLATES_DIR
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

binary, config, data_dir, templates_dir = sys.argv[1:5]


def fail(message, log=""):
    print("serve_check: " + message, file=sys.stderr)
    if log:
        print("--- jobforge's log:\n" + log, file=sys.stderr)
    sys.exit(1)


with tempfile.TemporaryDirectory() as tmp:
    # systemd's side of sd_notify: a datagram socket named by NOTIFY_SOCKET.
    notify_path = os.path.join(tmp, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=notify_path,
               JOBFORGE_SMTP_TEMPLATES_DIR=templates_dir, JOBFORGE_LOG_LEVEL="info")
    log_path = os.path.join(tmp, "log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [binary, "serve", "--config", config, "--data-dir", data_dir,
             "--host", "127.0.0.1", "--port", "0", "--executors", "2"],
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
