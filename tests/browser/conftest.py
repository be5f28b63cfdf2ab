"""The dashboard in headless Chromium (Debian's chromium and chromium-driver)
against the real `jobforge serve`, started here on 127.0.0.1 with a free port
and a temp data dir: one with API keys (four roles of tenant acme, a viewer
of tenant globex), one in loopback mode (no keys). One browser and these two
servers serve the whole suite, so it stays well under a minute.

Run by CTest (tests/CMakeLists.txt) as
  /usr/bin/python3 -m pytest tests/browser --jobforge BUILD/src/jobforge --screenshots DIR
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# name: (key, tenant, role)
KEYS = {
    "admin": ("acme-admin-key-0123456789", "acme", "admin"),
    "submitter": ("acme-submitter-key-0123456789", "acme", "submitter"),
    "operator": ("acme-operator-key-0123456789", "acme", "operator"),
    "viewer": ("acme-viewer-key-0123456789", "acme", "viewer"),
    "globex-viewer": ("globex-viewer-key-0123456789", "globex", "viewer"),
}


def pytest_addoption(parser):
    parser.addoption("--jobforge", required=True, help="the jobforge binary to serve")
    parser.addoption("--screenshots", required=True, help="folder for a screenshot of every page")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`jobforge serve` as a child process, with a small API client."""

    def __init__(self, binary, folder, keyed):
        config = os.path.join(folder, "jobforge.json")
        keys = [{"key": key, "tenant": tenant, "role": role} for key, tenant, role in KEYS.values()]
        with open(config, "w") as f:
            json.dump({"api_keys": keys if keyed else [], "sse_keep_alive_ms": 1000,
                       "schedules": [{"name": "nightly-cleanup", "cron": "0 3 * * *",
                                      "job": {"type": "noop", "tenant": "acme"}}]}, f)
        self.keyed = keyed
        self.log_path = os.path.join(folder, "jobforge.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(self.log_path, "a")
        self.command = [binary, "serve", "--config", config, "--host", "127.0.0.1",
                        "--port", str(self.port), "--data-dir", os.path.join(folder, "data"),
                        "--executors", "4"]
        self.start()

    def start(self):
        """Starts the server (again, on the same port and data)."""
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jobforge exited at start-up:\n{self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jobforge did not become healthy:\n{self.read_log()}")
            time.sleep(0.05)  # a child process offers nothing to wait on but polling

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def api(self, method, path, body=None, key="admin"):
        headers = {"Content-Type": "application/json"}
        if self.keyed:
            headers["Authorization"] = f"Bearer {KEYS[key][0]}"
        request = urllib.request.Request(
            self.url + path, method=method,
            data=None if body is None else json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(request, keyed):
    folder = tempfile.mkdtemp(prefix="jobforge-browser-")
    s = Server(request.config.getoption("--jobforge"), folder, keyed)
    yield s
    s.stop()
    s.log.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def server(request):
    yield from serve(request, keyed=True)


@pytest.fixture(scope="session")
def loopback_server(request):
    yield from serve(request, keyed=False)


@pytest.fixture(scope="session")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: scripts/setup.sh installs chromium and chromium-driver")
    profile = tempfile.mkdtemp(prefix="jobforge-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Nothing but the server on loopback: no background networking, updates,
    # sync, first-run pages or metrics.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions",
                "--no-first-run", "--no-default-browser-check", "--metrics-recording-only",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
                "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots(request):
    folder = request.config.getoption("--screenshots")
    os.makedirs(folder, exist_ok=True)
    return folder
