"""A citizen books and cancels on a phone-sized Chromium (360 x 740),
against a real ``python server.py`` with the demo office."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import zxingcpp
from PIL import Image
from sqlalchemy import select

from queueing.models import Appointment
from tests.conftest import serious_violations

pytestmark = pytest.mark.browser

PHONE = (360, 740)
#: The smallest side of anything a finger must hit, in CSS pixels.
TOUCH_TARGET_PX = 44
#: Phone numbers: one booking per phone, service and day.
PHONES = (f"0901 234 {n:03d}" for n in itertools.count(100))

#: Boxes of every link, button and choice on the page that are too small.
SMALL_TARGETS = """
limit => [...document.querySelectorAll('a, button, input, summary, label.slot-choice')]
  .filter(element => element.type !== 'hidden' && element.type !== 'radio')
  .map(element => [element.id || element.className || element.textContent.trim(),
                   element.getBoundingClientRect()])
  .filter(([, box]) => box.width > 0 && (box.height < limit || box.width < limit))
  .map(([name, box]) => [name, Math.round(box.width), Math.round(box.height)])
"""


@pytest.fixture
def phone_page(new_page):
    return new_page(*PHONE, is_mobile=True, has_touch=True)


def appointment_of(live_server, access_token):
    with live_server.db.read() as session:
        return session.scalar(select(Appointment).where(Appointment.access_token == access_token))


def fits_the_phone(page):
    """Nothing too small to tap, nothing wider than the screen."""
    assert page.evaluate(SMALL_TARGETS, TOUCH_TARGET_PX) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def choose_service_and_slot(live_server, page, service="HT"):
    """From /book to a chosen slot; returns the slot's start."""
    page.goto(live_server.url("/book"))
    fits_the_phone(page)
    with page.expect_navigation():
        page.locator(f'a.service-choice[data-service="{service}"]').tap()
    slot = page.locator("label.slot-choice").first
    slot.tap()
    radio = slot.locator("input[type=radio]")
    assert radio.is_checked()
    return radio.get_attribute("value")


def test_a_citizen_books_a_slot_and_sees_the_code_and_its_qr(live_server, phone_page):
    page = phone_page
    start = choose_service_and_slot(live_server, page)
    fits_the_phone(page)
    assert serious_violations(page) == []
    page.fill("#name", "Nguyễn Văn A")
    page.fill("#phone", next(PHONES))

    with page.expect_navigation():
        page.locator("#book-submit").tap()

    access_token = page.url.rsplit("/", 1)[1]
    appointment = appointment_of(live_server, access_token)
    assert appointment is not None
    assert appointment.state == "booked"
    assert appointment.start == datetime.fromisoformat(start)
    assert page.locator("#booking-code").inner_text().replace("\n", "") == appointment.code
    assert page.locator("#booking-state").inner_text() == "Đã đặt lịch hẹn"
    assert page.locator("#booking-service").inner_text() == "Tư pháp – Hộ tịch"
    end = appointment.end.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert page.locator("#booking-time").inner_text() == f"{start[11:16]} – {end:%H:%M}"
    qr = page.locator("#booking-qr")
    qr.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('#booking-qr'); "
        "return i.complete && i.naturalWidth > 0; }"
    )
    assert qr.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [232, 232]
    box = qr.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (232, 232)
    shot = Image.open(io.BytesIO(qr.screenshot()))
    (result,) = zxingcpp.read_barcodes(shot)
    assert result.text == appointment.code
    fits_the_phone(page)
    assert serious_violations(page) == []


def book_one(live_server, page):
    """Books the first free slot of HT on the phone; the booking's token."""
    choose_service_and_slot(live_server, page)
    page.fill("#phone", next(PHONES))
    with page.expect_navigation():
        page.locator("#book-submit").tap()
    return page.url.rsplit("/", 1)[1]


def test_a_citizen_cancels_the_booking_after_confirming(live_server, phone_page):
    page = phone_page
    access_token = book_one(live_server, page)

    with page.expect_navigation():
        page.locator("#cancel-booking").tap()
    fits_the_phone(page)
    assert appointment_of(live_server, access_token).state == "booked"
    with page.expect_navigation():
        page.locator("#confirm-cancel").tap()

    assert page.url == live_server.url(f"/book/{access_token}")
    assert page.locator("#booking-state").inner_text() == "Lịch hẹn đã bị hủy"
    assert page.locator("#cancel-booking").count() == 0
    assert appointment_of(live_server, access_token).state == "cancelled"


def test_keeping_the_booking_at_the_confirmation_cancels_nothing(live_server, phone_page):
    page = phone_page
    access_token = book_one(live_server, page)
    with page.expect_navigation():
        page.locator("#cancel-booking").tap()

    with page.expect_navigation():
        page.locator("#keep-booking").tap()

    assert page.locator("#booking-state").inner_text() == "Đã đặt lịch hẹn"
    assert appointment_of(live_server, access_token).state == "booked"


def test_a_slot_taken_meanwhile_is_said_next_to_the_times(live_server, phone_page):
    page = phone_page
    start = choose_service_and_slot(live_server, page)
    slots = requests.get(
        live_server.url(f"/api/v1/services/HT/slots?date={start[:10]}"), timeout=10
    ).json()["slots"]
    for _ in range(next(s for s in slots if s["start"] == start)["available"]):
        taken = requests.post(
            live_server.url("/api/v1/appointments"),
            json={"service": "HT", "start": start},
            timeout=10,
        )
        assert taken.status_code == 201, taken.text

    with page.expect_navigation():
        page.locator("#book-submit").tap()

    assert page.locator("#start-error").inner_text() == (
        "Giờ này vừa hết chỗ. Vui lòng chọn giờ khác."
    )
    assert page.locator(f'input[name=start][value="{start}"]').count() == 0
    fits_the_phone(page)


def test_the_booking_pages_speak_english(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url("/book"))
    with page.expect_navigation():
        page.locator("a.language-switch").tap()

    assert page.locator("h1").inner_text() == "Book an appointment"
    access_token = book_one(live_server, page)

    assert page.url == live_server.url(f"/book/{access_token}")
    assert page.locator("#booking-state").inner_text() == "Booked"
    assert page.locator("#add-to-calendar").inner_text() == "Add to calendar"


def test_the_booking_page_runs_under_the_policy(live_server, new_page):
    """Under the app's Content-Security-Policy (no bypass): nothing refused,
    the QR image loads."""
    booked = requests.post(
        live_server.url("/api/v1/appointments"),
        json={"service": "KD", "start": first_free_start(live_server, "KD")},
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
    page = new_page(*PHONE, is_mobile=True, has_touch=True, bypass_csp=False)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))

    response = page.goto(booked.json()["status_url"])

    assert response.status == 200
    assert (
        page.locator("#booking-qr").evaluate(
            "image => image.decode().then(() => image.naturalWidth)"
        )
        == 232
    )
    assert violations == []


def first_free_start(live_server, service):
    today = requests.get(live_server.url(f"/api/v1/services/{service}/slots"), timeout=10).json()
    free = [slot["start"] for slot in today["slots"] if slot["available"] > 0]
    if not free:  # late in the evening: tomorrow
        tomorrow = (date.fromisoformat(today["date"]) + timedelta(days=1)).isoformat()
        slots = requests.get(
            live_server.url(f"/api/v1/services/{service}/slots?date={tomorrow}"), timeout=10
        ).json()["slots"]
        free = [slot["start"] for slot in slots if slot["available"] > 0]
    return free[0]
