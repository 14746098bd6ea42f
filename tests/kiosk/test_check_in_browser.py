"""Checking in a booking at the kiosk, in a real Chromium against a real
server: the code tapped on the screen's keys or typed by a scanner, the
refusals a citizen may meet, and the booked ticket called first.

The live server runs on the real clock, so bookings are made for the slot
about to begin (its check-in window is open) through the booking use case
on the server's database, or through the API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from queueing.booking import CODE_ALPHABET
from queueing.models import Appointment, Ticket
from tests.conftest import serious_violations
from tests.counter.test_counter_browser import open_terminal
from tests.display.clerk_api import ClerkApi

from .helpers import (
    book,
    book_now,
    clear_lines,
    kiosk_printer,
    last_ticket_id,
    next_slot_start,
    tickets_after,
)

pytestmark = pytest.mark.browser

PORTRAIT = (1080, 1920)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
#: The demo office's check-in window opens this long before a booking.
EARLY = timedelta(minutes=30)

UNKNOWN_CODE = "Không tìm thấy lịch hẹn có mã này. Ông/bà vui lòng kiểm tra lại mã."
TOO_LATE = (
    "Đã quá thời gian làm thủ tục cho lịch hẹn này. Ông/bà vui lòng lấy số thứ tự thông thường."
)


def booking_ticket(server: Any, code: str) -> Ticket:
    with server.db.read() as session:
        appointment = session.scalar(select(Appointment).where(Appointment.code == code))
        assert appointment is not None and appointment.ticket_id is not None
        ticket = session.get(Ticket, appointment.ticket_id)
        assert ticket is not None
        return ticket


@pytest.fixture
def kiosk(live_server, new_page):
    """``kiosk(path="/kiosk")``: a kiosk page on its check-in screen, that
    keeps the check-in requests it sends in ``page.check_ins``."""

    def open_check_in(path="/kiosk", size=PORTRAIT, clock=False):
        page = new_page(*size)
        page.check_ins = []

        def note(request):
            if request.method == "POST" and request.url.endswith("/check-in"):
                page.check_ins.append(request)

        page.on("request", note)
        if clock:
            page.clock.install()
        page.goto(live_server.url(path))
        page.locator("#screen-home").wait_for()
        page.locator('[data-action="check-in"]').click()
        page.locator("#screen-check-in").wait_for(state="visible")
        return page

    return open_check_in


def tap_code(page: Any, code: str) -> None:
    for character in code:
        page.locator(f'[data-code-key="{character}"]').click()


def message(page: Any) -> str:
    notice = page.locator("#check-in-message")
    notice.wait_for(state="visible")
    return str(notice.inner_text())


def confirmation_code(page: Any) -> str:
    page.locator("#screen-confirmation").wait_for(state="visible")
    return str(page.locator("#confirmation-code").inner_text())


def test_the_home_screen_has_a_visible_way_to_check_in(live_server, new_page):
    page = new_page(*PORTRAIT)
    page.goto(live_server.url("/kiosk"))

    entry = page.get_by_role("button", name="Tôi đã đặt lịch hẹn")

    assert entry.is_visible()
    box = entry.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 300
    assert box["y"] + box["height"] <= PORTRAIT[1]


def test_the_keys_are_the_code_alphabet_and_big(kiosk):
    page = kiosk()

    keys = page.locator("[data-code-key]")

    assert [keys.nth(i).inner_text() for i in range(keys.count())] == list(CODE_ALPHABET)
    for name in ("Xóa", "Xác nhận"):
        assert page.get_by_role("button", name=name).is_visible()
    for button in page.locator(".code-keys button").all():
        box = button.bounding_box()
        assert box["width"] >= 60 and box["height"] >= 60


def test_a_booking_checked_in_by_tapping_the_keys_gets_its_ticket_printed(
    live_server, kiosk, tmp_path
):
    code = book_now(live_server, "HT")
    paper = tmp_path / "paper.bin"
    kiosk_id = kiosk_printer(live_server, f"file://{paper}")
    try:
        page = kiosk(f"/kiosk/{kiosk_id}")
        before = last_ticket_id(live_server)

        tap_code(page, code)
        assert page.locator("#check-in-code").inner_text() == code
        page.get_by_role("button", name="Xác nhận").click()
        shown = confirmation_code(page)

        (ticket,) = tickets_after(live_server, before)
        assert (ticket.code, ticket.channel, ticket.service.code) == (shown, "booking", "HT")
        assert booking_ticket(live_server, code).id == ticket.id
        assert [json.loads(r.post_data) for r in page.check_ins] == [
            {"print": True, "language": "vi", "kiosk": kiosk_id}
        ]
        assert page.check_ins[0].url.endswith(f"/api/v1/appointments/{code}/check-in")
        assert page.locator("#confirmation-booking").inner_text() == "Đặt lịch hẹn"
        assert page.locator("#printer-ok").is_visible()
        assert paper.read_bytes().startswith(b"\x1b@")
    finally:
        kiosk_printer(live_server, "")


def test_a_scanner_typing_the_code_and_enter_checks_in(live_server, kiosk):
    code = book_now(live_server, "DD")
    page = kiosk()
    before = last_ticket_id(live_server)

    page.keyboard.type(code)
    page.keyboard.press("Enter")
    shown = confirmation_code(page)

    (ticket,) = tickets_after(live_server, before)
    assert (ticket.code, ticket.channel) == (shown, "booking")
    assert len(page.check_ins) == 1


def test_a_scanned_code_in_lower_case_with_a_dash_is_read_as_the_code(live_server, kiosk):
    code = book_now(live_server, "KD")
    page = kiosk()

    page.keyboard.type(f"{code[:4]}-{code[4:]}".lower())
    assert page.locator("#check-in-code").inner_text() == code
    page.keyboard.press("Enter")

    assert confirmation_code(page) == booking_ticket(live_server, code).code


@pytest.mark.parametrize("size", [PORTRAIT, (1920, 1080)])
def test_the_check_in_screen_has_no_serious_accessibility_violation(kiosk, size):
    page = kiosk(size=size)
    page.keyboard.type("ZZZZ2345")
    page.keyboard.press("Enter")
    message(page)

    assert serious_violations(page) == []


def test_delete_takes_back_the_last_character(kiosk):
    page = kiosk()

    tap_code(page, "AB3")
    page.get_by_role("button", name="Xóa").click()
    page.keyboard.press("Backspace")

    assert page.locator("#check-in-code").inner_text() == "A"


def test_checking_in_too_early_says_from_what_time(live_server, kiosk):
    start = next_slot_start() + timedelta(hours=2)
    code = book(live_server, "LD", start)
    page = kiosk()
    before = last_ticket_id(live_server)

    page.keyboard.type(code)
    page.keyboard.press("Enter")

    opens = (start - EARLY).astimezone(ZONE).strftime("%H:%M")
    assert message(page) == (
        f"Ông/bà đến sớm hơn giờ hẹn. Vui lòng quay lại làm thủ tục từ {opens}."
    )
    assert page.locator("#check-in-walk-in").is_hidden()
    assert tickets_after(live_server, before) == []


def test_the_english_kiosk_offers_the_check_in_and_says_from_what_time(live_server, kiosk):
    start = next_slot_start() + timedelta(hours=3)
    code = book(live_server, "HT", start)
    page = kiosk("/kiosk?lang=en")
    assert page.locator("#check-in-heading").inner_text() == "Enter your booking code"
    entry = page.locator('[data-action="check-in"]').text_content()
    assert entry is not None and entry.strip() == "I have an appointment"

    page.keyboard.type(code)
    page.keyboard.press("Enter")

    opens = (start - EARLY).astimezone(ZONE).strftime("%H:%M")
    assert message(page) == (
        f"You are early for your appointment. Please come back to check in from {opens}."
    )


def test_an_unknown_code_says_so_and_the_next_scan_starts_afresh(live_server, kiosk):
    page = kiosk()
    before = last_ticket_id(live_server)

    page.keyboard.type("ZZZZ2345")
    page.keyboard.press("Enter")

    assert message(page) == UNKNOWN_CODE
    assert page.locator("#check-in-code").inner_text() == "ZZZZ2345"
    assert tickets_after(live_server, before) == []
    page.keyboard.type("AB")
    assert page.locator("#check-in-code").inner_text() == "AB"
    assert page.locator("#check-in-message").is_hidden()


def test_too_late_offers_a_normal_ticket(live_server, kiosk):
    start = next_slot_start() - timedelta(hours=2)
    code = book(live_server, "DD", start, now=start - timedelta(minutes=5))
    page = kiosk()

    tap_code(page, code)
    page.get_by_role("button", name="Xác nhận").click()

    assert message(page) == TOO_LATE
    page.get_by_role("button", name="Lấy số thứ tự thông thường").click()
    page.locator("#screen-home").wait_for(state="visible")
    assert page.locator('#screen-home [data-service="DD"]').is_visible()


def test_a_booking_checked_in_already_says_so(live_server, kiosk):
    code = book_now(live_server, "LD")
    response = requests.post(live_server.url(f"/api/v1/appointments/{code}/check-in"), json={})
    assert response.status_code == 201, response.text
    page = kiosk()

    page.keyboard.type(code)
    page.keyboard.press("Enter")

    assert message(page) == (
        "Lịch hẹn này đã được làm thủ tục. "
        "Nếu ông/bà chưa nhận được số thứ tự, vui lòng hỏi cán bộ hướng dẫn."
    )


def test_a_cancelled_booking_says_so_and_offers_a_normal_ticket(live_server, kiosk):
    code = book_now(live_server, "HT")
    with live_server.db.read() as session:
        token = session.scalar(select(Appointment.access_token).where(Appointment.code == code))
    response = requests.post(
        live_server.url(f"/api/v1/appointments/{code}/cancel"), json={"token": token}
    )
    assert response.status_code == 200, response.text
    page = kiosk()

    page.keyboard.type(code)
    page.keyboard.press("Enter")

    assert message(page) == "Lịch hẹn này đã bị hủy. Ông/bà vui lòng lấy số thứ tự thông thường."
    assert page.get_by_role("button", name="Lấy số thứ tự thông thường").is_visible()


def test_the_idle_check_in_screen_returns_home(kiosk):
    page = kiosk(clock=True)
    tap_code(page, "AB")

    page.clock.fast_forward(61_000)

    page.locator("#screen-home").wait_for(state="visible")
    assert page.locator("#screen-check-in").is_hidden()
    page.get_by_role("button", name="Tôi đã đặt lịch hẹn").click()
    assert page.locator("#check-in-code").inner_text() == ""


def test_a_checked_in_booking_is_called_before_an_earlier_walk_in(live_server, kiosk):
    clerk = live_server.headers("clerk")
    api = ClerkApi(live_server)
    clear_lines(live_server, clerk)
    api.free(1)
    walk_in = api.issue("KD")
    code = book_now(live_server, "KD")
    page = kiosk()

    page.keyboard.type(code)
    page.keyboard.press("Enter")
    confirmation_code(page)

    booked = booking_ticket(live_server, code)
    assert booked.id > walk_in["id"]
    first = api.call_next(1)
    api.post("/api/v1/counters/1/finish")
    second = api.call_next(1)
    api.post("/api/v1/counters/1/finish")
    assert (first["id"], first["channel"]) == (booked.id, "booking")
    assert second["id"] == walk_in["id"]


def test_the_counter_terminal_marks_a_booking_ticket(live_server, kiosk, new_page):
    clerk = live_server.headers("clerk")
    api = ClerkApi(live_server)
    clear_lines(live_server, clerk)
    api.free(2)
    walk_in = api.issue("HT")
    code = book_now(live_server, "HT")
    response = requests.post(live_server.url(f"/api/v1/appointments/{code}/check-in"), json={})
    assert response.status_code == 201, response.text
    booked = response.json()["ticket"]
    page = open_terminal(new_page, live_server, 2)

    booked_row = page.locator(f'#line tr[data-ticket="{booked["id"]}"]')
    booked_row.locator(".badge-booking").wait_for()
    assert booked_row.locator(".badge-booking").inner_text() == "Hẹn"
    walk_in_row = page.locator(f'#line tr[data-ticket="{walk_in["id"]}"]')
    walk_in_row.wait_for()
    assert walk_in_row.locator(".badge-booking").count() == 0
    assert page.locator("#current-booking").is_hidden()

    page.keyboard.press("F1")
    page.wait_for_function(
        "(code) => document.getElementById('current-code').textContent === code",
        arg=booked["code"],
    )
    assert page.locator("#current-booking").is_visible()
    assert page.locator("#current-booking").inner_text() == "Hẹn"
    api.post("/api/v1/counters/2/finish")
