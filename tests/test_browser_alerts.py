"""The alert page in a real browser (headless chromium, as tests/test_browser.py drives it):
a county's IT staff sees the county's open alerts, acknowledges one with its button, and the
page comes back saying who took it on; a screenshot of each step goes to the test's tmp dir."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from inventory.db import make_sessionmaker
from tests import alert_pages_fixture
from tests.alert_pages_fixture import NOW, PASSWORD, AlertWorld
from tests.conftest import FERNET_KEY
from tests.test_browser import browser, follow

__all__ = ["browser"]  # the module-scoped driver fixture, shared with tests/test_browser.py


@pytest.fixture
def county_site(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch, browser: WebDriver
) -> Iterator[tuple[str, AlertWorld]]:
    """The app on a free loopback port with the alert world, logged in as the county's admin."""
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        world = alert_pages_fixture.build(db, FERNET_KEY)
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    browser.delete_all_cookies()
    browser.get(base + "/login")
    browser.find_element(By.NAME, "name").send_keys("county")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(browser, 20).until(lambda b: "/login" not in b.current_url)
    yield base, world
    browser.get("about:blank")
    server.shutdown()
    thread.join(10)


def shot(browser: WebDriver, folder: Path, name: str) -> Path:
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1400, min(max(height, 800), 6000))
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1400, 1000)
    assert path.stat().st_size > 10_000
    return path


def test_a_county_admin_acknowledges_an_alert_from_the_alert_page(
    browser: WebDriver, county_site: tuple[str, AlertWorld], tmp_path: Path
) -> None:
    base, world = county_site
    browser.get(base + "/")
    follow(browser, browser.find_element(By.ID, "nav-alerts"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "未恢复告警"
    rows = browser.find_elements(By.CSS_SELECTOR, "#alerts tbody tr[data-alert]")
    shown = {int(r.get_attribute("data-alert") or 0) for r in rows}
    assert shown == {world.alert["in"], world.alert["sibling"]}  # not the other county's
    shot(browser, tmp_path, "alerts-open")
    # Narrow to critical ones, then acknowledge: the filter survives the round trip.
    Select(browser.find_element(By.ID, "filter-severity")).select_by_value("critical")
    follow(browser, browser.find_element(By.ID, "filter-submit"))
    alert_id = world.alert["in"]
    follow(browser, browser.find_element(By.ID, f"ack-{alert_id}"))
    assert "severity=critical" in browser.current_url
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-alert="{alert_id}"]')
    assert row.find_element(By.CSS_SELECTOR, ".acknowledged").text == "county"
    assert not browser.find_elements(By.ID, f"ack-{alert_id}")
    assert browser.find_elements(By.ID, f"ack-{world.alert['sibling']}")
    path = shot(browser, tmp_path, "alerts-acknowledged")
    assert path.parent == tmp_path
    # The same page in English.
    follow(browser, browser.find_element(By.ID, "lang-switch"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Open alerts"
    shot(browser, tmp_path, "alerts-en")
