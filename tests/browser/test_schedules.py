"""The Schedules page: the config's schedule and one made with the page's
form, a refused form, pause, run now (to the job it made), delete, and a
viewer who sees them but no button. Every wait is an explicit, bounded wait."""

import os
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_dashboard import console, open_page, signed_in, visible, wait  # noqa: F401 (console: autouse)


def row(browser, name):
    rows = browser.find_elements(By.CSS_SELECTOR, f'tr[data-schedule="{name}"]')
    return rows[0] if rows else None


def test_schedules_are_listed_made_paused_run_and_deleted(browser, server, screenshots, console):
    signed_in(browser, server, "operator")
    open_page(browser, "#/schedules")
    wait(browser, lambda d: row(d, "nightly-cleanup") is not None)
    config_row = row(browser, "nightly-cleanup")
    assert "config file" in config_row.text
    assert "0 3 * * *" in config_row.text
    assert config_row.find_elements(By.CSS_SELECTOR, ".delete-schedule") == []
    assert config_row.find_element(By.CSS_SELECTOR, ".next-run").text != "—"

    # A cron the server refuses: its words, and nothing made.
    console.append("api/schedules - Failed to load resource: the server responded with a status of 400")
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "schedule-type")).options) > 1)
    Select(browser.find_element(By.ID, "schedule-type")).select_by_value("echo")
    browser.find_element(By.ID, "schedule-name").send_keys("ui-made")
    browser.find_element(By.ID, "schedule-cron").send_keys("0 25 * * *")
    browser.find_element(By.ID, "schedule-create").click()
    wait(browser, lambda d: d.find_element(By.ID, "schedule-create-outcome").text.startswith("Not created"))
    assert row(browser, "ui-made") is None

    cron = browser.find_element(By.ID, "schedule-cron")
    cron.clear()
    cron.send_keys("*/5 * * * *")
    browser.find_element(By.ID, "schedule-payload").send_keys('{"n": 1}')
    browser.find_element(By.ID, "schedule-create").click()
    wait(browser, lambda d: d.find_element(By.ID, "schedule-create-outcome").text.startswith("Created ui-made"))
    wait(browser, lambda d: row(d, "ui-made") is not None)
    made = server.api("GET", "/api/schedules/ui-made")
    assert made["origin"] == "api" and made["job"]["payload"] == {"n": 1}
    assert made["created_by"] == "acme/operator"

    row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".pause-schedule").click()
    wait(browser, lambda d: row(d, "ui-made").get_attribute("data-paused") == "true")
    assert server.api("GET", "/api/schedules/ui-made")["paused"] is True
    browser.save_screenshot(os.path.join(screenshots, "schedules.png"))

    # Run now: the page opens the job it made.
    row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".trigger-schedule").click()
    wait(browser, lambda d: re.search(r"#/jobs/[0-9a-f-]{36}$", d.current_url))
    job_id = browser.current_url.rsplit("/", 1)[1]
    assert server.api("GET", f"/api/jobs/{job_id}")["type"] == "echo"

    open_page(browser, "#/schedules")
    wait(browser, lambda d: row(d, "ui-made") is not None
         and row(d, "ui-made").find_elements(By.CSS_SELECTOR, ".last-job"))
    assert row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".last-job").get_attribute("href").endswith(job_id)
    assert "1 fired" in row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".counts").text

    # Delete asks once more, then deletes.
    row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".delete-schedule").click()
    assert row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".delete-schedule").text == "Delete ui-made?"
    row(browser, "ui-made").find_element(By.CSS_SELECTOR, ".delete-schedule").click()
    wait(browser, lambda d: row(d, "ui-made") is None)
    assert [s["name"] for s in server.api("GET", "/api/schedules")["items"]] == ["nightly-cleanup"]


def test_a_viewer_sees_schedules_but_no_button(browser, server, screenshots):
    signed_in(browser, server, "viewer")
    open_page(browser, "#/schedules")
    wait(browser, lambda d: row(d, "nightly-cleanup") is not None)
    assert browser.find_elements(By.CSS_SELECTOR, "#schedules-table button") == []
    assert browser.find_elements(By.ID, "schedule-form") == []
    assert "current" in browser.find_element(By.ID, "nav-schedules").get_attribute("class")
    visible(browser, "#schedules-table")
