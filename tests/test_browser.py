"""The pages in a real browser: Debian's headless chromium driven by Selenium against the app
served by werkzeug on a loopback port. Screenshots of the main pages go to test-artifacts/.

The browser downloads nothing (no driver manager, background networking off). Locally the
tests skip when chromium is not installed; under CI (``CI`` set) a missing browser fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from inventory.db import make_sessionmaker
from tests import dash_fixture
from tests.conftest import FERNET_KEY
from tests.dash_fixture import NOW, PASSWORD, DashData

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    if os.environ.get("CI"):
        raise RuntimeError("CI must have chromium and chromium-driver (.ci/run installs them)")
    pytest.skip(
        "chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def site(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch, browser: WebDriver
) -> Iterator[tuple[str, DashData]]:
    """The app on a free loopback port, with the dashboard fixture loaded, logged in as admin."""
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, FERNET_KEY)
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    browser.delete_all_cookies()
    browser.get(base + "/login")
    browser.find_element(By.NAME, "name").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(browser, 20).until(lambda b: "/login" not in b.current_url)
    yield base, data
    browser.get("about:blank")  # no request in flight when the server stops
    server.shutdown()
    thread.join(10)


def follow(browser: WebDriver, element: WebElement, action: str = "click") -> None:
    """Click (or submit) and wait until the next page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    getattr(element, action)()
    WebDriverWait(browser, 30).until(staleness_of(page))


def screenshot(browser: WebDriver, name: str, width: int = 1400) -> Path:
    """The whole page as a PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(width, min(max(height, 800), 6000))
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1400, 1000)
    assert path.stat().st_size > 10_000
    return path


def test_the_overview_renders_its_charts(browser: WebDriver, site: tuple[str, DashData]) -> None:
    base, _ = site
    browser.get(base + "/overview")
    for chart in ("bars", "stages", "trend", "map"):
        svg = browser.find_element(By.CSS_SELECTOR, f'svg[data-chart="{chart}"]')
        assert svg.size["width"] > 300 and svg.size["height"] > 80, chart
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg .bar-row")) == 10
    dots = browser.find_elements(By.CSS_SELECTOR, "circle.school-dot")
    assert len(dots) > 10 and all(d.is_displayed() for d in dots[:5])
    # The stylesheet applied (no CDN: it came from the app itself).
    header = browser.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") == "rgba(29, 78, 137, 1)"
    screenshot(browser, "overview-zh")
    # The A4 print layout: no navigation or date picker, the charts still there.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "header nav").is_displayed()
        assert not browser.find_element(By.ID, "as-of").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, 'svg[data-chart="map"]').is_displayed()
        screenshot(browser, "overview-print", width=794)  # A4's width at 96 dpi
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # The as-of date picker.
    picker = browser.find_element(By.ID, "as-of")
    browser.execute_script("arguments[0].value = '2024-06-30'", picker)
    follow(browser, picker, "submit")
    assert "as_of=2024-06-30" in browser.current_url
    assert "2024年6月30日" in browser.find_element(By.CSS_SELECTOR, ".sub").text


def test_drill_down_from_the_prefecture_to_a_school(
    browser: WebDriver, site: tuple[str, DashData]
) -> None:
    base, data = site
    browser.get(base + "/overview")
    follow(
        browser, browser.find_element(By.CSS_SELECTOR, f'#ranking a[href*="region={data.county}"]')
    )
    assert "/overview/schools" in browser.current_url
    Select(browser.find_element(By.ID, "filter-stage")).select_by_value("secondary")
    follow(browser, browser.find_element(By.ID, "filter-submit"))
    assert "stage=secondary" in browser.current_url
    Select(browser.find_element(By.ID, "filter-stage")).select_by_value("")
    follow(browser, browser.find_element(By.ID, "filter-submit"))
    screenshot(browser, "school-list")
    follow(
        browser,
        browser.find_element(
            By.CSS_SELECTOR, f'#school-list a[href*="/schools/{data.school_code}"]'
        ),
    )
    assert f"/schools/{data.school_code}" in browser.current_url
    assert browser.find_element(By.ID, "tier-declared").text
    assert browser.find_elements(By.CSS_SELECTOR, 'svg[data-chart="availability"] rect')
    screenshot(browser, "school")


def test_a_classroom_added_through_the_form_changes_the_schools_figures(
    browser: WebDriver, site: tuple[str, DashData]
) -> None:
    base, data = site
    browser.get(f"{base}/schools/{data.school_code}")
    have, rooms = (int(n) for n in browser.find_element(By.ID, "standard-rooms").text.split(" / "))
    follow(browser, browser.find_element(By.ID, "add-classroom"))
    browser.find_element(By.ID, "f-room_code").send_keys("BROWSER-1")
    browser.find_element(By.ID, "f-floor").send_keys("2")
    Select(browser.find_element(By.ID, "f-display")).select_by_value("interactive_panel")
    browser.find_element(By.ID, "f-has_teacher_terminal").click()
    browser.find_element(By.ID, "f-has_audio").click()
    browser.find_element(By.ID, "f-wired_mbps").send_keys("1000")
    screenshot(browser, "classroom-form")
    follow(browser, browser.find_element(By.ID, "save"))
    assert browser.current_url.endswith(f"/schools/{data.school_code}")
    now_have, now_rooms = (
        int(n) for n in browser.find_element(By.ID, "standard-rooms").text.split(" / ")
    )
    # One more standard room; ordinary rooms are the larger of the declared count and the rows.
    assert now_have == have + 1 and now_rooms in (rooms, rooms + 1)
    assert "BROWSER-1" in browser.find_element(By.ID, "classrooms").text


def test_a_bad_form_value_shows_its_message(browser: WebDriver, site: tuple[str, DashData]) -> None:
    base, data = site
    browser.get(f"{base}/schools/{data.school_code}/classrooms/new")
    browser.find_element(By.ID, "f-room_code").send_keys("BAD-1")
    browser.find_element(By.ID, "f-floor").send_keys("upstairs")
    follow(browser, browser.find_element(By.ID, "save"))
    assert browser.find_element(By.ID, "err-floor").text == "不是有效的整数。"
    assert browser.find_element(By.ID, "f-floor").get_attribute("value") == "upstairs"
    assert browser.find_element(By.ID, "f-room_code").get_attribute("value") == "BAD-1"
    screenshot(browser, "form-error")


def test_the_language_switch(browser: WebDriver, site: tuple[str, DashData]) -> None:
    base, _ = site
    browser.get(base + "/status")
    assert "运行状态" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, "status-zh")
    follow(browser, browser.find_element(By.ID, "lang-switch"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Status board"
    # The choice sticks: a plain link to another page opens in English.
    browser.get(base + "/overview")
    assert "Digital-campus rate (declared)" in browser.find_element(By.ID, "headline").text
    screenshot(browser, "overview-en")
    follow(browser, browser.find_element(By.ID, "lang-switch"))
    browser.get(base + "/status")
    assert "运行状态" in browser.find_element(By.TAG_NAME, "h1").text


@pytest.mark.parametrize(
    ("name", "landing"),
    [
        ("admin", "/overview"),
        ("viewer", "/overview"),
        ("county", "/status"),
        ("staff", "/schools/{staff_school}"),
    ],
)
def test_each_role_lands_on_the_page_it_works_from(
    browser: WebDriver, site: tuple[str, DashData], name: str, landing: str
) -> None:
    """Leadership on the overview of its scope, a region admin on the region's status board,
    school staff on their school; / is no page of links but the way there."""
    base, data = site
    browser.delete_all_cookies()
    browser.get(base + "/login?lang=en")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"))
    path = landing.format(staff_school=data.staff_school)
    assert browser.current_url == f"{base}{path}?lang=en"
    assert f"Signed in as {name}" in browser.find_element(By.ID, "who").text
    if path == "/overview":
        assert browser.find_element(By.CSS_SELECTOR, 'svg[data-chart="map"]').is_displayed()
    elif path == "/status":
        assert int(browser.find_element(By.ID, "down-count").text) >= 1
        assert data.down_device in browser.find_element(By.TAG_NAME, "main").text
    else:
        assert data.staff_school in browser.find_element(By.TAG_NAME, "main").text
    follow(browser, browser.find_element(By.LINK_TEXT, "Home"))  # the nav's Home leads here
    assert browser.current_url == f"{base}{path}?lang=en"
    screenshot(browser, f"landing-{name}")
