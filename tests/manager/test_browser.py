"""The board, the reports and the admin screens in a real headless Chromium,
against a real ``python server.py`` with the demo office and its users."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
import requests
import socketio as socketio_client

from tests.conftest import serious_violations
from tests.kiosk.helpers import book_now, clear_lines, free_counter

pytestmark = pytest.mark.browser

#: Where screenshots go when a person wants to look at the pages.
SHOTS = os.environ.get("LUOT_SCREENSHOTS", "")


def shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def log_in(page, live_server, username, password, then):
    """Through the login page of the counter area."""
    page.goto(live_server.url(f"/login?next={then}"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url(then) + "*")


def api(live_server, method, path, role=None, **options):
    headers = live_server.headers(role) if role else {}
    response = requests.request(
        method, live_server.url(path), headers=headers, timeout=10, **options
    )
    assert response.status_code < 300, response.text
    return response.json()


def waiting_cell(page, code):
    return page.locator(f'#board-services tr[data-service="{code}"] td.waiting')


def test_the_board_follows_issues_and_calls_without_reloading(live_server, new_page):
    page = new_page(1440, 900)
    log_in(page, live_server, "quanly", "demo-quanly", "/manager/")
    page.wait_for_selector('#board-services tr[data-service="KD"]')
    before = int(waiting_cell(page, "KD").inner_text())
    page.evaluate("window.stayedOnThePage = true")
    ticket = api(live_server, "POST", "/api/v1/tickets", json={"service": "KD"})
    page.wait_for_function(
        "n => document.querySelector('#board-services tr[data-service=\"KD\"] td.waiting')"
        ".textContent === String(n)",
        arg=before + 1,
    )
    clerk = live_server.token("clerk")
    headers = {"Authorization": f"Bearer {clerk}"}
    services = requests.get(live_server.url("/api/v1/services"), timeout=10).json()["services"]
    waiting = sum(service["waiting"] for service in services)
    for _ in range(waiting):
        # Earlier tickets of this module's office may be ahead: serve them.
        response = requests.post(
            live_server.url("/api/v1/counters/3/call-next"), headers=headers, timeout=10
        )
        if response.json()["ticket"]["code"] == ticket["code"]:
            break
        requests.post(live_server.url("/api/v1/counters/3/finish"), headers=headers, timeout=10)
    else:
        raise AssertionError(f"{ticket['code']} was not called among the {waiting} waiting")
    page.wait_for_function(
        "code => document.querySelector('#board-counters tr[data-counter=\"3\"] td.ticket')"
        ".textContent.startsWith(code)",
        arg=ticket["code"],
    )
    assert waiting_cell(page, "KD").inner_text() == "0"
    served_before = int(
        page.locator('#board-services tr[data-service="KD"] td.served').inner_text()
    )
    requests.post(live_server.url("/api/v1/counters/3/finish"), headers=headers)
    page.wait_for_function(
        "n => document.querySelector('#board-services tr[data-service=\"KD\"] td.served')"
        ".textContent === String(n)",
        arg=served_before + 1,
    )
    assert page.evaluate("window.stayedOnThePage") is True
    assert page.locator("#board-totals [data-total=issued]").inner_text() != "–"
    shoot(page, "board")
    assert serious_violations(page) == []


def test_the_board_warns_when_a_counter_pauses_too_long(live_server, new_page):
    page = new_page(1440, 900)
    log_in(page, live_server, "quanly", "demo-quanly", "/manager/")
    page.wait_for_selector('#board-counters tr[data-counter="2"]')
    from datetime import UTC, datetime, timedelta

    from queueing.models import Counter

    def pause_long_ago(session):
        counter = session.query(Counter).filter_by(number=2).one()
        counter.state = "paused"
        counter.pause_reason = "Nghỉ giữa ca"
        counter.state_changed_at = datetime.now(UTC) - timedelta(minutes=40)

    live_server.db.write(pause_long_ago)
    # Changed behind the app's back: the board's own 15 s refresh shows it.
    page.wait_for_selector("#board-alerts .alert-counter_paused_too_long", timeout=20_000)
    text = page.locator("#board-alerts .alert-counter_paused_too_long").inner_text()
    assert "Quầy 2" in text and "Nghỉ giữa ca" in text
    api(live_server, "POST", "/api/v1/counters/2/open", role="clerk")
    page.wait_for_selector("#board-alerts .alert-counter_paused_too_long", state="detached")


def test_the_board_warns_of_people_waiting_with_no_open_counter(live_server, new_page):
    from tests.kiosk.helpers import issue, restore_service_links, served_only_by

    previous = served_only_by(live_server, "LD", 3)
    page = new_page(1440, 900)
    log_in(page, live_server, "quanly", "demo-quanly", "/manager/")
    page.wait_for_selector('#board-counters tr[data-counter="3"]')
    ticket = issue(live_server, "LD")
    try:
        api(live_server, "POST", "/api/v1/counters/3/pause", role="clerk")
        alert = page.locator("#board-alerts .alert-no_staffed_counter")
        alert.wait_for()
        assert "Lao động – Thương binh và Xã hội" in alert.inner_text()
        assert "không có quầy nào mở" in alert.inner_text()
        estimate = page.locator('#board-services tr[data-service="LD"] td.estimate')
        assert estimate.inner_text() == "Không có quầy mở"
    finally:
        api(live_server, "POST", "/api/v1/counters/3/open", role="clerk")
        restore_service_links(live_server, "LD", previous)
    page.wait_for_selector("#board-alerts .alert-no_staffed_counter", state="detached")
    api(live_server, "POST", f"/api/v1/tickets/{ticket['id']}/cancel", role="clerk")


def test_the_report_page_draws_its_charts_with_the_totals(live_server, new_page):
    # Today has tickets, issued and served, whatever ran before this test.
    from tests.kiosk.helpers import free_counter

    for _ in range(2):
        api(live_server, "POST", "/api/v1/tickets", json={"service": "KD"})
    free_counter(live_server, live_server.headers("clerk"), 1)
    api(live_server, "POST", "/api/v1/counters/1/call-next", role="clerk")
    api(live_server, "POST", "/api/v1/counters/1/finish", role="clerk")
    summary = api(live_server, "GET", "/api/v1/reports/summary", role="manager")
    assert summary["issued"] >= 2 and summary["served"] >= 1
    page = new_page(1440, 900)
    log_in(page, live_server, "quanly", "demo-quanly", "/manager/reports")
    assert page.locator("#report-totals [data-figure=issued]").inner_text() == str(
        summary["issued"]
    )
    assert page.locator("#report-totals [data-figure=served]").inner_text() == str(
        summary["served"]
    )
    chart = page.locator("svg#chart-days")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("title").first.text_content() == "Số lượt theo ngày"
    numbers = [t for t in chart.locator("text").all_text_contents() if re.fullmatch(r"\d+", t)]
    # The last day's two columns: issued, then served.
    assert numbers[-2:] == [str(summary["issued"]), str(summary["served"])]
    hours = page.locator("svg#chart-heat-arrivals text").all_text_contents()
    assert str(summary["issued"]) in hours
    shoot(page, "reports")
    assert serious_violations(page) == []


def test_an_admin_adds_a_service_and_the_screens_hear_it(live_server, new_page):
    heard: list[dict] = []
    arrived = threading.Event()
    client = socketio_client.Client()

    @client.on("queue_changed", namespace="/display")
    def on_changed(state):
        heard.append(state)
        if any(service["code"] == "CC" for service in state["services"]):
            arrived.set()

    client.connect(live_server.base_url, namespaces=["/display"], transports=["websocket"])
    try:
        page = new_page(1440, 1000)
        log_in(page, live_server, "admin", "demo-admin", "/admin/services/new")
        page.fill("#code", "CC")
        page.fill("#name", "Cấp bản sao trích lục")
        page.fill("#prefix", "F")
        page.fill("#target_wait_minutes", "0")
        page.click("form.admin-form button[type=submit]")
        error = page.locator(".field-error").first
        assert error.inner_text() == "Nhập một số từ 1 đến 600."
        shoot(page, "admin-service-form-error")
        assert serious_violations(page) == []
        page.fill("#target_wait_minutes", "20")
        page.fill("#documents", "Tờ khai\nCăn cước công dân")
        page.click("form.admin-form button[type=submit]")
        page.wait_for_selector("#admin-services")
        assert "Cấp bản sao trích lục" in page.locator("#admin-services").inner_text()
        assert arrived.wait(10), f"queue_changed without CC: {len(heard)} received"
    finally:
        client.disconnect()
    services = api(live_server, "GET", "/api/v1/services")["services"]
    assert "CC" in [service["code"] for service in services]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/office",
        "/admin/services/new",
        "/admin/counters/1",
        "/admin/users/new",
        "/admin/tokens",
        "/admin/kiosks",
        "/admin/displays/new",
        "/admin/audit",
    ],
)
def test_admin_pages_have_no_serious_accessibility_violation(live_server, new_page, path):
    page = new_page(1440, 1000)
    log_in(page, live_server, "admin", "demo-admin", path)
    if path == "/admin/office":
        shoot(page, "admin-office")
    assert serious_violations(page) == []


def test_the_board_marks_a_counters_ticket_checked_in_from_a_booking(live_server, new_page):
    clerk = live_server.headers("clerk")
    clear_lines(live_server, clerk)
    free_counter(live_server, clerk, 2)
    code = book_now(live_server, "LD")
    booked = api(live_server, "POST", f"/api/v1/appointments/{code}/check-in", json={})["ticket"]
    page = new_page(1440, 900)
    log_in(page, live_server, "quanly", "demo-quanly", "/manager/")
    page.wait_for_selector('#board-counters tr[data-counter="2"]')

    called = api(live_server, "POST", "/api/v1/counters/2/call-next", "clerk")["ticket"]
    assert called["id"] == booked["id"]
    cell = page.locator('#board-counters tr[data-counter="2"] td.ticket')
    cell.filter(has_text=booked["code"]).wait_for()
    assert cell.locator(".mark-booking").inner_text() == "Hẹn"
    api(live_server, "POST", "/api/v1/counters/2/finish", "clerk")
    cell.filter(has_text="–").wait_for()
    assert cell.locator(".mark-booking").count() == 0
