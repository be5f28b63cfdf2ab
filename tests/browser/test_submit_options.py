"""The submit page's options and submit-and-wait, "submit like this" from a
job's page and the payload's download link. Every wait is an explicit,
bounded wait."""

import os
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from test_dashboard import console, css, open_page, signed_in, status_of, visible, wait  # noqa: F401 (console: autouse)


def job_page_status(browser):
    return status_of(browser.find_element(By.CSS_SELECTOR, ".job-head h1"))


def current_job_id(browser):
    match = re.search(r"#/jobs/([0-9a-f-]{36})$", browser.current_url)
    return match.group(1) if match else None


def test_options_are_checked_then_sent_and_submit_and_wait_shows_the_result(browser, server, screenshots):
    signed_in(browser, server, "admin")
    open_page(browser, "#/submit?type=progress")
    steps = css(browser, '[data-path="$.steps"]')
    steps.clear()
    steps.send_keys("2")
    step_ms = browser.find_element(By.CSS_SELECTOR, '[data-path="$.step_ms"]')
    step_ms.clear()
    step_ms.send_keys("20")
    before = server.api("GET", "/api/jobs?type=progress&limit=200")["items"]

    # An unreadable option is shown beside its control and nothing is sent.
    browser.find_element(By.ID, "submit-run-in").send_keys("later")
    browser.find_element(By.ID, "submit-max-attempts").send_keys("0")
    browser.find_element(By.ID, "submit-job").click()
    assert "30s, 5m or 2h" in visible(browser, '[data-option-error="run_in"]').text
    assert "at least 1" in visible(browser, '[data-option-error="max_attempts"]').text
    assert browser.current_url.endswith("#/submit?type=progress")
    assert len(server.api("GET", "/api/jobs?type=progress&limit=200")["items"]) == len(before)

    browser.find_element(By.ID, "submit-run-in").clear()
    browser.find_element(By.ID, "submit-max-attempts").clear()
    browser.find_element(By.ID, "submit-max-attempts").send_keys("2")
    browser.find_element(By.ID, "submit-timeout").send_keys("30s")
    browser.find_element(By.ID, "submit-tags").send_keys("waited")
    Select(browser.find_element(By.ID, "submit-priority")).select_by_value("low")
    browser.find_element(By.ID, "submit-wait").click()
    browser.find_element(By.ID, "submit-job").click()
    # The page stays and shows the job's end and its result.
    outcome = visible(browser, "#submit-outcome")
    wait(browser, lambda d: d.find_element(By.ID, "outcome-status").text == "completed")
    assert not browser.find_element(By.CSS_SELECTOR, '[data-option-error="run_in"]').is_displayed()
    assert browser.current_url.endswith("#/submit?type=progress")
    job_id = browser.find_element(By.ID, "outcome-link").get_attribute("href").rsplit("/", 1)[1]
    job = server.api("GET", f"/api/jobs/{job_id}")
    assert job["status"] == "completed"
    assert (job["max_attempts"], job["timeout_ms"], job["priority"], job["tags"]) == (2, 30000, "low", ["waited"])
    assert outcome.find_element(By.TAG_NAME, "jf-json-view").text != ""
    browser.save_screenshot(os.path.join(screenshots, "submit-and-wait.png"))


def test_submit_like_this_starts_from_the_job_and_takes_a_delay_and_parents(browser, server, screenshots):
    original = server.api("POST", "/api/jobs?wait=10", {
        "type": "progress", "payload": {"steps": 3, "step_ms": 10}, "priority": "high",
        "max_attempts": 4, "timeout_ms": 90000, "tags": ["like"]})
    assert original["status"] == "completed"
    signed_in(browser, server, "admin")
    open_page(browser, f"#/jobs/{original['id']}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "job-id"), original["id"]))
    download = css(browser, "#download-payload")
    assert download.get_attribute("href").startswith("blob:")
    assert download.get_attribute("download") == f"{original['id']}-payload.json"
    css(browser, "#submit-like-this").click()

    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, '[data-path="$.steps"]').get_attribute("value") == "3")
    assert browser.find_element(By.ID, "submit-type").get_attribute("value") == "progress"
    assert browser.find_element(By.CSS_SELECTOR, '[data-path="$.step_ms"]').get_attribute("value") == "10"
    assert Select(browser.find_element(By.ID, "submit-priority")).first_selected_option.get_attribute("value") == "high"
    assert browser.find_element(By.ID, "submit-max-attempts").get_attribute("value") == "4"
    assert browser.find_element(By.ID, "submit-timeout").get_attribute("value") == "90s"
    assert browser.find_element(By.ID, "submit-tags").get_attribute("value") == "like"
    browser.save_screenshot(os.path.join(screenshots, "submit-like-this.png"))

    # Delayed an hour; then a second one waiting on it is blocked.
    browser.find_element(By.ID, "submit-run-in").send_keys("1h")
    browser.find_element(By.ID, "submit-job").click()
    wait(browser, lambda d: current_job_id(d) not in (None, original["id"]))
    delayed = current_job_id(browser)
    wait(browser, lambda d: job_page_status(d) == "scheduled")
    job = server.api("GET", f"/api/jobs/{delayed}")
    assert job["payload"] == {"steps": 3, "step_ms": 10}
    assert (job["priority"], job["max_attempts"], job["timeout_ms"]) == ("high", 4, 90000)

    open_page(browser, "#/submit?type=echo")
    visible(browser, "#tab-raw")
    browser.find_element(By.ID, "submit-depends-on").send_keys(delayed)
    browser.find_element(By.ID, "submit-job").click()
    wait(browser, lambda d: current_job_id(d) not in (None, delayed))
    child = current_job_id(browser)
    wait(browser, lambda d: job_page_status(d) == "blocked")
    for job_id in (child, delayed):
        server.api("POST", f"/api/jobs/{job_id}/cancel", {"reason": "test over"})
