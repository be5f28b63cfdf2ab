"""The dashboard in a real browser: sign-in, the overview, the jobs page with
its query and live rows, a job's page with its actions, and what a viewer's
key sees. Every wait is an explicit, bounded wait on a condition."""

import os
import re

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import KEYS

TIMEOUT = 15


def wait(browser, condition, timeout=TIMEOUT, redrawn=True):
    """Waits for `condition`. Parts a page draws again (a job's header after a
    status change) may go stale between finding and reading them: that only
    means "not yet", unless `redrawn` is False, where staleness is a failure."""
    ignored = [StaleElementReferenceException] if redrawn else None
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored).until(condition)


def css(browser, selector):
    return wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, selector)))


def visible(browser, selector):
    return wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def status_of(element):
    return element.find_element(By.CSS_SELECTOR, ".badge").get_attribute("data-status")


def expected_refusal(entry):
    # Signing in asks GET /api/whoami first without a key (loopback mode
    # needs none) and then with a wrong one: Chromium logs those 401s.
    # signed_in() forgets a key on the favicon's own page, which names no
    # icon: Chromium then asks for /favicon.ico, which jobforge has not.
    return ("/api/whoami" in entry["message"] and " 401 " in entry["message"]) or \
        "/favicon.ico - " in entry["message"]


@pytest.fixture(autouse=True)
def console(browser):
    """Fails the test on any console error. A test that provokes a refusal on
    purpose lists the answers it expects ("URL - ... status of 404")."""
    browser.get_log("browser")  # what earlier tests left
    expected = []
    yield expected
    errors = [e for e in browser.get_log("browser")
              if e["level"] == "SEVERE" and not expected_refusal(e)
              and not (e["source"] == "network" and any(x in e["message"] for x in expected))]
    assert errors == []


def sign_in(browser, server, name):
    browser.get(server.url + "/")
    key = visible(browser, "#api-key")
    key.send_keys(KEYS[name][0])
    browser.find_element(By.ID, "sign-in-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")


def signed_in(browser, server, name):
    """Signs in as `name` unless this tab already is (the tests share one browser)."""
    _, tenant, role = KEYS[name]
    on_server = browser.current_url.startswith(server.url + "/")
    who = browser.find_elements(By.ID, "who")
    if on_server and who and who[0].text == f"{tenant} · {role}":
        return
    # Forget the old key on a page of the same origin that runs no script:
    # clearing it under the running app would let a poll in flight go out
    # without a key and log a 401.
    browser.get(server.url + "/ui/favicon.svg")
    browser.execute_script("sessionStorage.clear()")
    sign_in(browser, server, name)


def open_page(browser, fragment):
    browser.execute_script("location.hash = arguments[0]", fragment)


def test_sign_in_refuses_a_wrong_key_then_opens_the_overview(browser, server, screenshots):
    browser.get(server.url + "/")
    key = visible(browser, "#api-key")
    browser.save_screenshot(os.path.join(screenshots, "sign-in.png"))
    key.send_keys("not-a-key-of-this-server")
    browser.find_element(By.ID, "sign-in-button").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "sign-in-error"), "does not accept"))
    assert browser.execute_script("return sessionStorage.getItem('jobforge.api_key')") is None

    key.clear()
    key.send_keys(KEYS["admin"][0])
    browser.find_element(By.ID, "sign-in-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
    assert browser.find_element(By.ID, "who").text == "acme · admin"
    assert browser.current_url.endswith("#/overview")
    assert browser.find_element(By.ID, "nav-overview").is_displayed()

    # The counts are live: a job that completes shows in them without a reload.
    # The tiles are drawn again at each refresh: read them afresh each time.
    def completed(d):
        # One script call: a tile found, then redrawn before its text is read, is stale.
        text = d.execute_script(
            "const e = document.querySelector('[data-count=\"completed\"] .tile-value');"
            " return e ? e.textContent : null;")
        return int(text.replace("\u2009", ""))

    css(browser, '[data-count="completed"]')
    before = completed(browser)
    server.api("POST", "/api/jobs?wait=10", {"type": "echo", "payload": {"n": 1}})
    wait(browser, lambda d: completed(d) == before + 1)
    # Chart.js is loaded by the overview itself, while it reads the figures.
    wait(browser, lambda d: d.execute_script("return typeof Chart") == "function")
    css(browser, "#type-table tbody tr")
    browser.save_screenshot(os.path.join(screenshots, "overview.png"))


def test_the_overview_draws_the_last_15_minutes_live(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/overview")
    css(browser, "#type-table tbody tr")

    def chart_total(d, dataset):
        return d.execute_script(
            "const c = Chart.getChart('throughput-chart');"
            "return c ? c.data.datasets[arguments[0]].data.reduce((n, p) => n + p.y, 0) : -1;", dataset)

    # The counts and tables may come before the chart: it is drawn once Chart.js has loaded.
    wait(browser, lambda d: d.execute_script("return typeof Chart") == "function" and chart_total(d, 0) >= 0)
    before_done, before_failed = chart_total(browser, 0), chart_total(browser, 1)
    server.api("POST", "/api/jobs?wait=10", {"type": "echo", "payload": {"chart": 1}})
    server.api("POST", "/api/jobs?wait=10", {"type": "fail", "payload": {"times": 5, "kind": "permanent"}})
    # The stream's stats events bring both into the chart, without a reload.
    wait(browser, lambda d: chart_total(d, 0) >= before_done + 1 and chart_total(d, 1) >= before_failed + 1)
    points = browser.execute_script("return Chart.getChart('throughput-chart').data.datasets[0].data.length")
    assert points >= 60
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, '[data-count="run-p95"] .tile-value').text != "—")
    # Top errors are read again every 10 s.
    row = css(browser, '#top-errors tr[data-error-type="fail"][data-error-code="deliberate"]', )
    assert "deliberate" in row.text
    browser.save_screenshot(os.path.join(screenshots, "overview-live.png"))


def test_a_submitted_job_completes_live_and_the_query_round_trips(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/jobs")
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".pager"), "page 1"))

    job = server.api("POST", "/api/jobs", {"type": "progress", "payload": {"steps": 15, "step_ms": 150},
                                           "tags": ["vip"], "priority": "high"})
    row = css(browser, f'tr[data-job-id="{job["id"]}"]')
    assert status_of(row) != "completed"
    # The same row element changes in place (a reload would make it stale and fail here).
    wait(browser, lambda d: status_of(row) == "completed", redrawn=False)
    assert row.find_element(By.CSS_SELECTOR, ".progress-cell").text == "100 %"
    assert row.find_element(By.CSS_SELECTOR, ".attempts-cell").text.startswith("1/")

    query = browser.find_element(By.ID, "query")
    query.clear()
    query.send_keys("tag:vip status:completed" + Keys.ENTER)
    wait(browser, lambda d: d.current_url.endswith("#/jobs?q=status%3Acompleted+tag%3Avip"))
    css(browser, f'tr[data-job-id="{job["id"]}"]')
    assert Select(browser.find_element(By.ID, "filter-status")).first_selected_option.get_attribute("value") == "completed"
    assert browser.find_element(By.ID, "filter-tag").get_attribute("value") == "vip"
    assert {status_of(r) for r in browser.find_elements(By.CSS_SELECTOR, "#job-rows tr")} == {"completed"}
    browser.save_screenshot(os.path.join(screenshots, "jobs.png"))

    browser.refresh()
    wait(browser, lambda d: d.find_element(By.ID, "query").get_attribute("value") == "status:completed tag:vip")
    css(browser, f'tr[data-job-id="{job["id"]}"]')

    # A bad query is explained and changes nothing.
    url = browser.current_url
    query = browser.find_element(By.ID, "query")
    query.clear()
    query.send_keys("colour:red status:done" + Keys.ENTER)
    errors = visible(browser, "#query-errors")
    assert 'unknown qualifier "colour:"' in errors.text
    assert 'unknown status "done"' in errors.text
    assert browser.current_url == url
    css(browser, f'tr[data-job-id="{job["id"]}"]')

    # The filter controls write the query.
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("failed")
    wait(browser, lambda d: d.current_url.endswith("#/jobs?q=status%3Afailed+tag%3Avip"))
    wait(browser, lambda d: d.find_element(By.ID, "query").get_attribute("value") == "status:failed tag:vip")
    visible(browser, "#jobs-empty")


def test_job_pages_show_history_progress_and_the_admins_actions(browser, server, screenshots):
    signed_in(browser, server, "admin")
    done = server.api("POST", "/api/jobs?wait=10", {"type": "echo", "payload": {"greeting": "hello"}})
    open_page(browser, f"#/jobs/{done['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), done["id"]))
    assert status_of(browser.find_element(By.CSS_SELECTOR, ".job-head h1")) == "completed"
    transitions = browser.find_elements(By.CSS_SELECTOR, "#job-timeline tbody tr")
    assert [status_of(t) for t in transitions][-2:] == ["running", "completed"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#job-attempts tbody tr")) == 1
    assert '"hello"' in browser.find_element(By.ID, "job-payload").text
    assert browser.find_elements(By.ID, "cancel-job") == []
    assert browser.find_elements(By.ID, "retry-job") == []
    browser.save_screenshot(os.path.join(screenshots, "job.png"))

    # A running job: its progress moves live, and the admin cancels it.
    long = server.api("POST", "/api/jobs", {"type": "progress", "payload": {"steps": 600, "step_ms": 100}})
    open_page(browser, f"#/jobs/{long['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), long["id"]))
    bar = css(browser, "#job-progress-bar")
    first = float(bar.get_attribute("value"))
    wait(browser, lambda d: float(d.find_element(By.ID, "job-progress-bar").get_attribute("value")) > first)
    assert re.search(r"step \d+/600", browser.find_element(By.ID, "job-progress-text").text)
    browser.save_screenshot(os.path.join(screenshots, "job-running.png"))
    browser.find_element(By.ID, "cancel-reason").send_keys("not needed")
    browser.find_element(By.ID, "cancel-job").click()
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "canceled")
    assert "not needed" in browser.find_element(By.CSS_SELECTOR, ".job-head").text
    assert browser.find_elements(By.ID, "cancel-job") == []

    # A failed job: the admin retries it, and it runs a second attempt.
    failed = server.api("POST", "/api/jobs?wait=10",
                        {"type": "fail", "payload": {"times": 5, "kind": "permanent"}, "max_attempts": 3})
    assert failed["status"] == "failed"
    open_page(browser, f"#/jobs/{failed['id']}")
    visible(browser, "#retry-job").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#job-attempts tbody tr")) == 2)
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "failed")


def test_a_viewer_key_sees_no_action_buttons(browser, server, screenshots):
    running = server.api("POST", "/api/jobs", {"type": "progress", "payload": {"steps": 600, "step_ms": 100}})
    failed = server.api("POST", "/api/jobs?wait=10",
                        {"type": "fail", "payload": {"times": 5, "kind": "permanent"}})
    signed_in(browser, server, "admin")
    browser.find_element(By.ID, "sign-out").click()
    visible(browser, "#api-key")
    assert browser.execute_script("return sessionStorage.getItem('jobforge.api_key')") is None
    sign_in(browser, server, "viewer")
    assert browser.find_element(By.ID, "who").text == "acme · viewer"
    assert browser.current_url.endswith("#/jobs")
    assert not browser.find_element(By.ID, "nav-overview").is_displayed()
    assert not browser.find_element(By.ID, "nav-submit").is_displayed()
    open_page(browser, "#/submit")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "view"), "needs a submitter key"))
    assert browser.find_elements(By.ID, "submit-job") == []

    for job in (running, failed):
        open_page(browser, f"#/jobs/{job['id']}")
        wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), job["id"]))
        assert browser.find_elements(By.CSS_SELECTOR, "#job-actions button") == []
        assert browser.find_elements(By.ID, "submit-like-this") == []
        assert not browser.find_element(By.ID, "job-actions").is_displayed()
    browser.save_screenshot(os.path.join(screenshots, "job-viewer.png"))
    open_page(browser, "#/dead-letter")
    css(browser, f'#dead-letter-rows tr[data-job-id="{failed["id"]}"]')
    assert not browser.find_element(By.ID, "bulk-actions").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#dead-letter-table input[type=checkbox]") == []
    css(browser, "#dead-letter-group-rows tr")
    assert browser.find_elements(By.CSS_SELECTOR, "#dead-letter-groups button") == []
    open_page(browser, "#/types")
    css(browser, 'tr[data-type="noop"]')
    assert browser.find_elements(By.CSS_SELECTOR, "#job-types-table button") == []
    open_page(browser, "#/jobs")
    css(browser, "#job-rows tr")
    assert browser.find_elements(By.CSS_SELECTOR, "#jobs-table input[type=checkbox]") == []
    assert not browser.find_element(By.TAG_NAME, "jf-job-bulk-actions").is_displayed()
    server.api("POST", f"/api/jobs/{running['id']}/cancel", {"mode": "forced"})


def test_another_tenants_key_never_sees_acmes_jobs(browser, server, console):
    acme = server.api("POST", "/api/jobs?wait=10", {"type": "echo", "payload": {"secret": "acme"}})
    signed_in(browser, server, "globex-viewer")
    assert browser.find_element(By.ID, "who").text == "globex · viewer"
    wait(browser, EC.text_to_be_present_in_element((By.ID, "jobs-empty"), "No job matches."))
    assert browser.find_elements(By.CSS_SELECTOR, "#job-rows tr") == []
    console.append(f"/api/jobs/{acme['id']} - Failed to load resource: the server responded with a status of 404")
    open_page(browser, f"#/jobs/{acme['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-error"), "No job"))
    assert browser.find_elements(By.ID, "job-id") == []


def test_jobs_come_in_pages_of_fifty(browser, server):
    server.api("POST", "/api/jobs/batch",
               {"jobs": [{"type": "noop", "payload": {"n": n}, "tags": ["paging"]} for n in range(55)]})
    signed_in(browser, server, "viewer")
    open_page(browser, "#/jobs?q=tag%3Apaging")

    def rows(d):
        # In one call: the first page may be drawn again while it is read.
        return d.execute_script("return [...document.querySelectorAll('#job-rows tr')].map((r) => r.dataset.jobId)")

    wait(browser, lambda d: len(rows(d)) == 50)
    first = rows(browser)
    assert browser.find_element(By.ID, "page-newer").get_attribute("disabled") is not None
    browser.find_element(By.ID, "page-older").click()
    wait(browser, lambda d: len(rows(d)) == 5)
    assert not set(rows(browser)) & set(first)
    assert "page 2" in browser.find_element(By.CSS_SELECTOR, ".pager").text
    assert browser.find_element(By.ID, "page-older").get_attribute("disabled") is not None
    browser.find_element(By.ID, "page-newer").click()
    wait(browser, lambda d: rows(d) == first)


def test_loopback_mode_opens_at_once_and_the_stream_survives_a_restart(browser, loopback_server, screenshots,
                                                                       console):
    server = loopback_server
    browser.get(server.url + "/")
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
    assert browser.find_element(By.ID, "who").text == "default · admin"
    assert browser.current_url.endswith("#/overview")
    assert not browser.find_element(By.ID, "sign-out").is_displayed()
    assert browser.find_elements(By.ID, "api-key") == []

    open_page(browser, "#/jobs")
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".pager"), "page 1"))
    # The stream is cut, and reconnecting is refused until the server is back.
    # It was opened for the overview and retargeted: the jobs page's reads job events.
    console.extend(["/api/events - Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING",
                    "/api/events - Failed to load resource: net::ERR_CONNECTION_REFUSED"])
    server.stop()
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "reconnecting")
    browser.save_screenshot(os.path.join(screenshots, "jobs-reconnecting.png"))
    server.start()
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live", timeout=20)
    job = server.api("POST", "/api/jobs", {"type": "progress", "payload": {"steps": 5, "step_ms": 100}})
    row = css(browser, f'tr[data-job-id="{job["id"]}"]')
    wait(browser, lambda d: status_of(row) == "completed", redrawn=False)

    # A hidden tab holds no stream open; shown again, it catches up.
    def show(hidden):
        browser.execute_script(
            "Object.defineProperty(document, 'hidden', {configurable: true, get: () => arguments[0]});"
            "document.dispatchEvent(new Event('visibilitychange'));", hidden)

    show(True)
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "paused")
    missed = server.api("POST", "/api/jobs?wait=10", {"type": "echo", "payload": {}})
    show(False)
    wait(browser, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, f'tr[data-job-id="{missed["id"]}"]')) == "completed")


def test_dead_letter_bulk_discard_and_replay_with_an_edited_payload(browser, server, screenshots, console):
    failed = [server.api("POST", "/api/jobs?wait=10",
                         {"type": "fail", "payload": {"times": 5, "kind": "permanent"}})["id"] for _ in range(3)]
    signed_in(browser, server, "operator")
    open_page(browser, "#/dead-letter")
    rows = {i: css(browser, f'#dead-letter-rows tr[data-job-id="{i}"]') for i in failed}
    assert "permanent · deliberate" in rows[failed[0]].text
    browser.save_screenshot(os.path.join(screenshots, "dead-letter.png"))

    for i in failed[:2]:
        rows[i].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    browser.find_element(By.ID, "bulk-discard").click()
    confirm = visible(browser, "#bulk-confirm")
    assert confirm.text.startswith("Discard 2 jobs for good?")
    browser.find_element(By.ID, "bulk-confirm-yes").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "bulk-outcome"), "2 discarded"))
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, f'#dead-letter-rows tr[data-job-id="{failed[0]}"]'))
    assert not browser.find_elements(By.CSS_SELECTOR, f'#dead-letter-rows tr[data-job-id="{failed[1]}"]')
    css(browser, f'#dead-letter-rows tr[data-job-id="{failed[2]}"]')

    # The third: replayed from its page with an edited payload.
    target = failed[2]
    open_page(browser, f"#/jobs/{target}")
    visible(browser, "#replay-job").click()
    payload = visible(browser, "#replay-payload")

    def replay_with(text):
        payload.clear()
        payload.send_keys(text)
        browser.find_element(By.ID, "replay-submit").click()

    replay_with("{not json")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "replay-error"), "not JSON"))
    console.append(f"/api/dead-letter/{target}/replay - Failed to load resource: the server responded with a status of 422")
    replay_with('{"times": -1}')
    wait(browser, EC.text_to_be_present_in_element((By.ID, "replay-error"), "$.times: Expected number greater than or equal to 0"))
    assert server.api("GET", f"/api/jobs/{target}")["status"] == "failed"
    replay_with('{"times": 0}')
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "completed")
    assert '"times": 0' in browser.find_element(By.ID, "job-payload").text.replace("\n", "")
    browser.save_screenshot(os.path.join(screenshots, "job-replayed.png"))


def test_dead_letter_groups_by_type_and_code_and_discards_a_group(browser, server, screenshots):
    ids = [server.api("POST", "/api/jobs?wait=10",
                      {"type": "fail", "payload": {"times": 5, "kind": "permanent", "code": "bulk_group"}})["id"]
           for _ in range(2)]
    signed_in(browser, server, "operator")
    open_page(browser, "#/dead-letter")
    group = '#dead-letter-group-rows tr[data-group-type="fail"][data-group-code="bulk_group"]'
    row = css(browser, group)
    assert row.find_element(By.CSS_SELECTOR, ".group-count").text == "2"
    assert "permanent" in row.text
    browser.save_screenshot(os.path.join(screenshots, "dead-letter-groups.png"))
    row.find_element(By.CSS_SELECTOR, ".group-discard").click()
    confirm = visible(browser, "#bulk-confirm")
    assert confirm.text.startswith("Discard 2 jobs of fail · bulk_group for good?")
    browser.find_element(By.ID, "bulk-confirm-yes").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "bulk-outcome"), "2 discarded"))
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, group))
    for i in ids:
        assert not browser.find_elements(By.CSS_SELECTOR, f'#dead-letter-rows tr[data-job-id="{i}"]')


def test_jobs_page_changes_priority_and_cancels_a_selection(browser, server, screenshots):
    later = {"type": "echo", "payload": {}, "run_in_ms": 3_600_000, "tags": ["bulk-ui"]}
    ids = [server.api("POST", "/api/jobs", later)["id"] for _ in range(3)]
    signed_in(browser, server, "operator")
    open_page(browser, "#/jobs?q=tag%3Abulk-ui")
    for i in ids:
        css(browser, f'tr[data-job-id="{i}"]')
    visible(browser, "#select-all-jobs").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "bulk-count"), "3 selected"))
    assert browser.find_elements(By.ID, "bulk-retry") == []  # an admin's action
    Select(browser.find_element(By.ID, "bulk-priority-choice")).select_by_value("critical")
    browser.find_element(By.ID, "bulk-priority").click()
    confirm = visible(browser, "#bulk-confirm")
    assert confirm.text.startswith("Change the priority of 3 jobs to critical?")
    browser.save_screenshot(os.path.join(screenshots, "jobs-bulk-confirm.png"))
    browser.find_element(By.ID, "bulk-confirm-yes").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "bulk-outcome"), "3 changed"))

    def priorities(d):
        return d.execute_script(
            "return [...document.querySelectorAll('#job-rows tr')].map((r) => r.querySelector('.priority-cell').textContent)")

    wait(browser, lambda d: priorities(d) == ["critical"] * 3)
    for i in ids[:2]:
        browser.find_element(By.CSS_SELECTOR, f'tr[data-job-id="{i}"] input.select-job').click()
    browser.find_element(By.ID, "bulk-cancel").click()
    assert visible(browser, "#bulk-confirm").text.startswith("Cancel 2 jobs?")
    browser.find_element(By.ID, "bulk-confirm-yes").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "bulk-outcome"), "2 canceled"))
    wait(browser, lambda d: [status_of(d.find_element(By.CSS_SELECTOR, f'tr[data-job-id="{i}"]')) for i in ids]
         == ["canceled", "canceled", "scheduled"])
    browser.save_screenshot(os.path.join(screenshots, "jobs-bulk.png"))
    server.api("POST", "/api/jobs/bulk", {"action": "cancel", "ids": [ids[2]]})


def test_job_page_says_why_it_waits_changes_priority_and_shows_its_log(browser, server, screenshots):
    parent = server.api("POST", "/api/jobs", {"type": "echo", "payload": {}, "run_in_ms": 3_600_000})
    child = server.api("POST", "/api/jobs", {"type": "echo", "payload": {}, "depends_on": [parent["id"]]})
    signed_in(browser, server, "admin")
    open_page(browser, f"#/jobs/{child['id']}")
    why = visible(browser, "#job-why")
    assert "Blocked: waits for its parents to complete: 0 of 1 done" in why.text
    assert parent["id"][:8] in why.text
    node = css(browser, f'#job-graph .graph-node[data-node-id="{parent["id"]}"]')
    assert status_of(node) == "scheduled"
    browser.save_screenshot(os.path.join(screenshots, "job-graph.png"))
    Select(browser.find_element(By.ID, "priority-choice")).select_by_value("high")
    browser.find_element(By.ID, "change-priority").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".job-head"), "high"))
    assert server.api("GET", f"/api/jobs/{child['id']}")["priority"] == "high"
    # The parent now runs at its waiting child's priority (inheritance).
    assert server.api("GET", f"/api/jobs/{parent['id']}")["effective_priority"] == "high"
    open_page(browser, f"#/jobs/{parent['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "effective-priority"),
                                                   "normal, runs at high (inherited)"))
    open_page(browser, f"#/jobs/{child['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), child["id"]))
    # The parent is canceled: the child, whose parent failed, follows live.
    server.api("POST", "/api/jobs/bulk", {"action": "cancel", "ids": [parent["id"]]})
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "canceled")

    # A job whose first attempts fail logs a warning each time: the second
    # line arrives while the page is open.
    failing = server.api("POST", "/api/jobs", {"type": "fail", "payload": {"times": 2, "kind": "transient"},
                                               "retry": {"initial_backoff_ms": 1500, "jitter": 0}})
    open_page(browser, f"#/jobs/{failing['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), failing["id"]))
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#job-log-lines tr")) == 2)
    lines = browser.find_elements(By.CSS_SELECTOR, "#job-log-lines tr")
    assert "failing on purpose" in lines[1].text and "warn" in lines[1].text
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "completed")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#job-log-lines tr")) == 2
    browser.save_screenshot(os.path.join(screenshots, "job-logs.png"))


def test_job_types_pause_and_resume(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/types")
    row = css(browser, 'tr[data-type="noop"]')
    assert row.get_attribute("data-paused") == "false"
    row.find_element(By.CSS_SELECTOR, "button.pause-type").click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-type="noop"]').get_attribute("data-paused") == "true")
    assert "paused" in browser.find_element(By.CSS_SELECTOR, 'tr[data-type="noop"] .state-cell').text
    assert server.api("GET", "/api/job-types/noop")["paused"] is True
    browser.save_screenshot(os.path.join(screenshots, "job-types-paused.png"))
    browser.find_element(By.CSS_SELECTOR, 'tr[data-type="noop"] button.resume-type').click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-type="noop"]').get_attribute("data-paused") == "false")
    assert server.api("GET", "/api/job-types/noop")["paused"] is False


def test_job_types_show_their_schema_and_figures(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/types")
    row = css(browser, 'tr[data-type="progress"]')
    assert "reporting progress" in row.text
    more = browser.find_element(By.CSS_SELECTOR, 'details[data-type="progress"]')
    assert more.get_attribute("open") is None
    more.find_element(By.TAG_NAME, "summary").click()
    assert more.get_attribute("open") is not None
    wait(browser, lambda d: '"steps"' in more.text and '"max_attempts"' in more.text)
    browser.save_screenshot(os.path.join(screenshots, "job-types.png"))


def test_nodes_show_this_process(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/nodes")
    css(browser, 'tr[data-node="local"]')
    # Read in one call: the list is drawn again every few seconds.
    cells = browser.execute_script(
        "return [...document.querySelectorAll('tr[data-node=\"local\"] td')].map((c) => c.textContent)")
    assert cells[:4] == ["local (this process)", "up", "—", "every type"]
    assert cells[4] == "4"
    assert "No cluster port" in browser.find_element(By.ID, "cluster-port").text
    browser.save_screenshot(os.path.join(screenshots, "nodes.png"))


def test_submit_through_the_generated_form_and_watch_it_complete(browser, server, screenshots, console):
    signed_in(browser, server, "admin")
    open_page(browser, "#/submit?type=progress")
    steps = css(browser, '[data-path="$.steps"]')
    assert steps.get_attribute("value") == "10"  # the type's sample
    assert "≥ 1" in browser.find_element(By.CSS_SELECTOR, "form.submit").text
    steps.clear()
    steps.send_keys("0")
    console.append("/api/jobs - Failed to load resource: the server responded with a status of 422")
    browser.find_element(By.ID, "submit-job").click()
    problem = visible(browser, '[data-error-for="$.steps"]')
    assert "greater than or equal to 1" in problem.text
    assert browser.current_url.endswith("#/submit?type=progress")
    browser.save_screenshot(os.path.join(screenshots, "submit.png"))

    steps.clear()
    steps.send_keys("3")
    step_ms = browser.find_element(By.CSS_SELECTOR, '[data-path="$.step_ms"]')
    step_ms.clear()
    step_ms.send_keys("200")
    Select(browser.find_element(By.ID, "submit-priority")).select_by_value("high")
    browser.find_element(By.ID, "submit-tags").send_keys("form, vip")
    browser.find_element(By.ID, "submit-job").click()
    wait(browser, lambda d: re.search(r"#/jobs/[0-9a-f-]{36}$", d.current_url))
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "completed")
    head = browser.find_element(By.CSS_SELECTOR, ".job-head").text
    assert "high" in head and "form" in head and "vip" in head
    assert '"steps": 3' in browser.find_element(By.ID, "job-payload").text.replace("\n", "")

    # The raw JSON tab sends what it holds; JSON that does not parse is never sent.
    open_page(browser, "#/submit?type=echo")
    visible(browser, "#tab-raw").click()
    raw = visible(browser, "#payload-raw")
    raw.clear()
    raw.send_keys('{"hi": ')
    browser.find_element(By.ID, "submit-job").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "submit-error"), "not JSON"))
    raw.clear()
    raw.send_keys('{"hi": [1, 2]}')
    browser.find_element(By.ID, "submit-job").click()
    wait(browser, lambda d: re.search(r"#/jobs/[0-9a-f-]{36}$", d.current_url))
    wait(browser, lambda d: status_of(d.find_element(By.CSS_SELECTOR, ".job-head h1")) == "completed")
