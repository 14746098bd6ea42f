"""The comparison of offices in a real headless Chromium, against a real
``python server.py`` with the demo office, two more offices and a
supervisor of the demo office and Hà Nội."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock, serious_violations
from tests.offices import PASSWORD, add_office, make_supervisor, visit

pytestmark = pytest.mark.browser

GREEN = "rgb(27, 110, 58)"
RED = "rgb(179, 38, 30)"


def yesterday_morning() -> datetime:
    """09:00 yesterday in the offices' timezone: within the 30 days shown by
    default, and no visit of the morning runs past midnight."""
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    yesterday = datetime.now(zone).date() - timedelta(days=1)
    return datetime.combine(yesterday, time(9, 0), zone).astimezone(UTC)


@pytest.fixture(scope="module")
def offices(live_server):
    """HN and HP beside DEMO, with visits of yesterday: DEMO waits 60 s and
    120 s, HN 20 minutes, HP 10 s; 40 days earlier (the period before) DEMO
    waited 10 minutes and HN 5. A supervisor ``lanhdao`` oversees DEMO and
    HN."""
    database = live_server.db
    clock = Clock(yesterday_morning())
    add_office(database, clock(), "HN", "Bộ phận Một cửa Hà Nội")
    add_office(database, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    # The demo's three counters are open: DEMO's visits go through counter 1.
    today = clock.moment
    clock.moment = today - timedelta(days=40)
    visit(database, clock, "DEMO", "HT", wait_s=600, service_s=100)
    visit(database, clock, "HN", "HS", wait_s=300, service_s=100)
    clock.moment = today
    visit(database, clock, "DEMO", "HT", wait_s=60, service_s=300, score=5)
    visit(database, clock, "DEMO", "DD", wait_s=120, service_s=200, score=2)
    visit(database, clock, "HN", "HS", wait_s=1200, service_s=60, score=4)
    visit(database, clock, "HP", "HS", wait_s=10, service_s=60)
    make_supervisor(database, clock(), "lanhdao", ["DEMO", "HN"])


def sign_in(page, live_server, username, password):
    page.goto(live_server.url("/login"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def shown_offices(page):
    return page.locator("#compared-offices tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.office)"
    )


def figure(page, office, name):
    return page.locator(f'#compared-offices tr[data-office="{office}"] td[data-figure="{name}"]')


def test_a_supervisor_lands_on_their_offices_sorts_and_drills_down(live_server, offices, new_page):
    page = new_page(1600, 1000)
    sign_in(page, live_server, "lanhdao", PASSWORD)
    page.wait_for_url(live_server.url("/manager/offices"))
    assert page.locator("h1").inner_text() == "So sánh các đơn vị"
    assert page.locator("#nav-offices").get_attribute("aria-current") == "page"
    # Their two offices by name, never Hải Phòng.
    assert shown_offices(page) == ["HN", "DEMO"]
    assert "Hải Phòng" not in page.locator("main").inner_text()
    assert figure(page, "DEMO", "wait_mean_s").locator(".value").inner_text() == "1:30"
    assert figure(page, "HN", "wait_mean_s").locator(".value").inner_text() == "20:00"
    assert figure(page, "DEMO", "issued").locator(".value").inner_text() == "2"
    # Waits fell at DEMO (10:00 to 1:30), grew at HN (5:00 to 20:00).
    demo_trend = figure(page, "DEMO", "wait_mean_s").locator(".trend")
    hanoi_trend = figure(page, "HN", "wait_mean_s").locator(".trend")
    assert demo_trend.inner_text().startswith("▼ −8:30")
    assert hanoi_trend.inner_text().startswith("▲ +15:00")
    assert demo_trend.evaluate("node => getComputedStyle(node).color") == GREEN
    assert hanoi_trend.evaluate("node => getComputedStyle(node).color") == RED
    assert serious_violations(page) == []

    header = page.locator('#compared-offices th[data-sort="wait_mean_s"] a')
    header.click()
    page.wait_for_url("**sort=wait_mean_s&order=asc")
    assert shown_offices(page) == ["DEMO", "HN"]
    assert (
        page.locator('#compared-offices th[data-sort="wait_mean_s"]').get_attribute("aria-sort")
        == "ascending"
    )
    page.locator('#compared-offices th[data-sort="wait_mean_s"] a').click()
    page.wait_for_url("**sort=wait_mean_s&order=desc")
    assert shown_offices(page) == ["HN", "DEMO"]

    page.locator('#compared-offices tr[data-office="DEMO"] th a').click()
    page.wait_for_url("**/manager/reports?office=DEMO*")
    assert page.locator("h1").inner_text() == "Báo cáo thời gian chờ và phục vụ"
    assert page.locator("#report-totals [data-figure=issued]").inner_text() == "2"
    assert page.locator("#report-totals [data-figure=served]").inner_text() == "2"


def test_the_chart_follows_the_figure_chosen(live_server, offices, new_page):
    page = new_page(1600, 1000)
    sign_in(page, live_server, "lanhdao", PASSWORD)
    page.wait_for_url(live_server.url("/manager/offices"))
    page.select_option("#chart-figure", "wait_mean_s")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**chart=wait_mean_s*")
    bars = page.locator("svg#chart-offices rect title").all_text_contents()
    assert bars == ["Bộ phận Một cửa Hà Nội: 20:00", "Bộ phận Một cửa – UBND phường Bến Nghé: 1:30"]


def test_a_manager_opening_the_comparison_gets_403(live_server, offices, new_page):
    page = new_page(1440, 900)
    sign_in(page, live_server, "quanly", "demo-quanly")
    page.wait_for_url(live_server.url("/manager/"))
    assert page.locator("#nav-offices").count() == 0
    response = page.goto(live_server.url("/manager/offices"))
    assert response.status == 403
    assert page.locator("#compared-offices").count() == 0
