#!/usr/bin/python3
"""dashboard_bench: the web dashboard against a busy server, in headless Chromium.

Starts `jobforge serve` (SQLite store in a temp dir, loopback, no keys, 16
executors by default), fills the store with --jobs `noop` jobs (POST
/api/jobs/batch, 1,000 per request, waiting until they are done), then keeps
~--rate jobs/s flowing (a thread posting batches of rate/10 every 100 ms
through one keep-alive connection) and measures:

  render  the first render of the overview (#/overview: the counts, the
          per-type table and a chart with its 15 minutes of points drawn)
          and of the jobs page (#/jobs: 50 rows), each --renders times in a
          fresh tab of one browser: from driver.get() to the condition seen
          by a 10 ms poll in the page (so it includes the sign-in check,
          the modules, Chart.js and the API calls, not Chromium's start)
  cpu     the server's CPU (utime + stime from /proc/PID/stat) over
          --seconds with no dashboard open and --seconds with --tabs
          browsers each showing the overview (one visible tab each: a
          hidden tab closes its stream), at the same flow, in --rounds
          alternating windows (the browsers on about:blank in between);
          the difference is what the dashboard costs the server. The jobs
          completed per second in each window are printed too (the flow is
          the same in both).

Every wait has a deadline, the whole run has --cap seconds (SIGALRM), and
every process started (server, browsers) is ended at exit.

  /usr/bin/python3 bench/dashboard_bench.py --jobforge build/src/jobforge
  /usr/bin/python3 bench/dashboard_bench.py --jobforge build/src/jobforge --jobs 20000 --seconds 10
"""

import argparse
import os
import signal
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.dont_write_bytecode = True  # no bench/__pycache__/ left in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lib  # noqa: E402 - bench/, put first on the path above
from bench_lib import Flow, TimeCap, completed_jobs, cpu_seconds, loadavg  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

_drivers = []  # every browser started, quit at exit (before the server is killed)


def _quit_browsers():
    for d in _drivers:
        try:
            d.quit()
        except Exception:  # noqa: BLE001 - a browser already gone
            pass
    _drivers.clear()


bench_lib.install_cleanup()
bench_lib.at_cleanup(_quit_browsers)


def browser():
    profile = bench_lib.temp_dir("jobforge-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--no-first-run", "--window-size=1280,1000",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    _drivers.append(d)
    return d


READY = {
    # The counts, the per-type table and the chart with its history drawn.
    "overview": "document.querySelector('[data-count=\"completed\"]') && "
                "document.querySelector('#type-table tbody tr') && "
                "(window.Chart?.getChart('throughput-chart')?.data.datasets[0].data.length ?? 0) > 0",
    "jobs": "document.querySelectorAll('#job-rows tr').length === 50",
}


def first_render(d, url, page, timeout=20):
    """Milliseconds from driver.get() of a new tab to the page's ready condition."""
    d.switch_to.new_window("tab")
    start = time.monotonic()
    d.get(f"{url}/#/{page}")
    deadline = start + timeout
    while not d.execute_script(f"return Boolean({READY[page]})"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"#{page} did not render in {timeout} s")
        time.sleep(0.01)
    took = (time.monotonic() - start) * 1000
    d.close()
    d.switch_to.window(d.window_handles[0])
    return took


def show_overview(tabs, url):
    """Every tab shows the overview, drawn, and has settled for 2 s."""
    for d in tabs:
        d.get(url + "/#/overview")
    for d in tabs:
        deadline = time.monotonic() + 20
        while not d.execute_script(f"return Boolean({READY['overview']})"):
            if time.monotonic() > deadline:
                raise RuntimeError("a tab did not show the overview")
            time.sleep(0.05)
    time.sleep(2)


def cpu_window(pid, client, seconds):
    c0, t0, done0 = cpu_seconds(pid), time.monotonic(), completed_jobs(client)
    time.sleep(seconds)
    c1, t1, done1 = cpu_seconds(pid), time.monotonic(), completed_jobs(client)
    return (c1 - c0) / (t1 - t0), (done1 - done0) / (t1 - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobforge", required=True)
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--executors", type=int, default=16)
    ap.add_argument("--renders", type=int, default=5)
    ap.add_argument("--tabs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cap", type=int, default=900)
    args = ap.parse_args()
    signal.alarm(args.cap)

    print(f"load average {loadavg()}")
    server, port, client = bench_lib.serve(args.jobforge, ["--executors", str(args.executors)],
                                           "jobforge-dashboard-bench-", ready="/health", cap=15)
    url = f"http://127.0.0.1:{port}"
    _, took = bench_lib.fill(client, args.jobs)
    print(f"store: {args.jobs} noop jobs submitted and completed in {took:.1f} s; load average {loadavg()}")

    flow = Flow(port, args.rate)
    flow.start()
    time.sleep(3)  # the flow settles
    main_browser = browser()
    main_browser.get(url + "/")
    renders = {page: [first_render(main_browser, url, page) for _ in range(args.renders)]
               for page in ("overview", "jobs")}
    for page, times in renders.items():
        print(f"first render #/{page}: median {statistics.median(times):.0f} ms, "
              f"max {max(times):.0f} ms over {len(times)} ({', '.join(f'{t:.0f}' for t in times)})")
    main_browser.quit()
    _drivers.remove(main_browser)

    # The server's own CPU drifts by a few % of a core over a minute (the
    # store grows, the machine is shared), as much as the figure measured:
    # the windows without and with tabs alternate, --rounds of each.
    tabs = [browser() for _ in range(args.tabs)]
    window = args.seconds / args.rounds
    idle, shown = [], []
    for r in range(args.rounds):
        for d in tabs:
            d.get("about:blank")  # no stream, no reads
        time.sleep(1)
        idle.append(cpu_window(server.pid, client, window))
        show_overview(tabs, url)
        shown.append(cpu_window(server.pid, client, window))
        print(f"round {r + 1}: server CPU {idle[-1][0] * 100:.1f} % of a core with no tab, "
              f"{shown[-1][0] * 100:.1f} % with {args.tabs}; load average {loadavg()}")
    idle_cpu, idle_rate = (statistics.fmean(x) for x in zip(*idle))
    tab_cpu, tab_rate = (statistics.fmean(x) for x in zip(*shown))
    print(f"no tab:   server CPU {idle_cpu * 100:.1f} % of a core, {idle_rate:.0f} jobs/s completed")
    print(f"{args.tabs} tabs:   server CPU {tab_cpu * 100:.1f} % of a core, {tab_rate:.0f} jobs/s completed")
    extra = tab_cpu - idle_cpu
    spread = [(t[0] - i[0]) * 100 for i, t in zip(idle, shown)]
    print(f"dashboard: {extra * 100:+.1f} % of a core ({extra / idle_cpu * 100:+.1f} % of the server's CPU; "
          f"by round {', '.join(f'{x:+.1f}' for x in spread)})")
    flow.stop.set()
    flow.join(timeout=5)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TimeCap as e:
        print(f"TIMEOUT: {e}")
        sys.exit(2)
