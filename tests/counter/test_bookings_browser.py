"""Today's bookings at the counter, in a real Chromium against a real
server: the clerk finds the citizen's booking in the list and checks them in
by the code they tell, and the row says so.

The live server runs on the real clock, so the booking is made for the slot
about to begin (its check-in window is open)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from queueing.models import Appointment, Ticket
from tests.conftest import LiveServer, serious_violations
from tests.counter.test_counter_browser import log_in
from tests.kiosk.helpers import book_now

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def bookings_page(new_page: Any, server: LiveServer) -> Any:
    page = new_page(1366, 768)
    log_in(page, server)
    page.click("button[name=counter][value='1']")
    page.wait_for_url("**/counter")
    page.goto(server.url("/counter/1/bookings"))
    return page


def row_of(page: Any, code: str) -> Any:
    return page.locator("#bookings-table tbody tr", has=page.locator("td.code", has_text=code))


def booking_tickets(server: LiveServer) -> int:
    with server.db.read() as session:
        return len(session.scalars(select(Ticket.id).where(Ticket.channel == "booking")).all())


def test_a_clerk_checks_in_a_booking_from_the_list(live_server, new_page):
    code = book_now(live_server, "HT")
    with live_server.db.read() as session:
        start, day = session.execute(
            select(Appointment.start, Appointment.service_day).where(Appointment.code == code)
        ).one()
    page = bookings_page(new_page, live_server)
    # The next slot lies on today's list unless it starts after midnight.
    listed = day == datetime.now(ZONE).date()
    if listed:
        row = row_of(page, code)
        assert row.count() == 1
        assert row.locator("td").nth(0).inner_text() == start.astimezone(ZONE).strftime("%H:%M")
        assert row.locator("td").nth(5).inner_text() == "Chưa đến"
        assert row.get_attribute("class") == "is-booked"
    assert serious_violations(page) == []

    # Told aloud, typed as heard: lower case, with a space before it.
    page.fill("#code", " " + code.lower())
    page.click(".check-in-form button[type=submit]")
    page.wait_for_selector("#check-in-success")

    with live_server.db.read() as session:
        appointment = session.scalar(select(Appointment).where(Appointment.code == code))
        assert appointment is not None and appointment.ticket_id is not None
        ticket = session.get(Ticket, appointment.ticket_id)
        assert ticket is not None
        assert (appointment.state, ticket.channel) == ("checked_in", "booking")
    expected = f"Đã xác nhận lịch hẹn: số {ticket.code}."
    assert page.locator("#check-in-success").inner_text() == expected
    if listed:
        row = row_of(page, code)
        assert row.get_attribute("class") == "is-checked_in"
        assert row.locator("td").nth(5).inner_text() == "Đã xác nhận"

    # The same code again is refused and issues nothing more.
    issued = booking_tickets(live_server)
    page.fill("#code", code)
    page.click(".check-in-form button[type=submit]")
    page.wait_for_selector("#check-in-error")
    assert page.locator("#check-in-error").inner_text() == "Lịch hẹn này đã được xác nhận."
    assert booking_tickets(live_server) == issued
