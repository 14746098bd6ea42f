"""Today's bookings at the counter, and a check-in by the code the citizen
tells the clerk. The test clock stands at 09:00 (+07:00) on 23 November
2026; the demo office books every service in 15-minute slots."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from queueing.models import Appointment, Office, Ticket
from tests.counter.conftest import csrf_token


@pytest.fixture
def clerk_at_counter(client, make_user, log_in, choose_counter):
    make_user("lan")
    log_in("lan")
    choose_counter(1)


def book(client, start, **fields):
    response = client.post("/api/v1/appointments", json={"service": "HT", "start": start, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def check_in(client, code, *, with_token=True):
    page = client.get("/counter/1/bookings").get_data(as_text=True)
    data = {"code": code}
    if with_token:
        data["csrf_token"] = csrf_token(page)
    return client.post("/counter/1/bookings", data=data, follow_redirects=True)


def message(response, kind):
    match = re.search(rf'id="check-in-{kind}">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_the_day_s_bookings_are_listed_by_time(client, clerk_at_counter):
    later = book(client, "2026-11-23T11:00:00+07:00", name="Trần Thị B", phone="0912345678")
    sooner = book(client, "2026-11-23T09:15:00+07:00")
    page = client.get("/counter/1/bookings").get_data(as_text=True)
    rows = re.findall(
        r'<tr class="is-([a-z_]+)">\s*<td>([^<]*)</td><td class="code">([^<]*)</td>', page
    )
    assert rows == [("booked", "09:15", sooner["code"]), ("booked", "11:00", later["code"])]
    assert "Trần Thị B" in page and "0912345678" in page
    assert 'href="/counter/1/bookings"' in client.get("/counter").get_data(as_text=True)


def test_a_clerk_checks_a_citizen_in_by_the_code_they_tell(client, clerk_at_counter, app_db):
    booked = book(client, "2026-11-23T09:15:00+07:00")
    response = check_in(client, f" {booked['code'].lower()} ")
    assert message(response, "success") == "Đã xác nhận lịch hẹn: số A001."
    with app_db.read() as session:
        appointment = session.scalar(select(Appointment))
        ticket = session.get(Ticket, appointment.ticket_id)
    assert (appointment.state, ticket.channel, ticket.code) == ("checked_in", "booking", "A001")
    again = check_in(client, booked["code"])
    assert message(again, "error") == "Lịch hẹn này đã được xác nhận."


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("later", "Chưa đến giờ xác nhận: từ 10:30."),
        ("ZZZZZZZZ", "Không có lịch hẹn nào với mã này."),
    ],
)
def test_a_refused_check_in_says_why_and_issues_nothing(
    client, clerk_at_counter, app_db, code, expected
):
    later = book(client, "2026-11-23T11:00:00+07:00")
    response = check_in(client, later["code"] if code == "later" else code)
    assert message(response, "error") == expected
    with app_db.read() as session:
        assert session.scalar(select(Ticket.id)) is None


def test_a_check_in_without_its_csrf_token_is_refused(client, clerk_at_counter, app_db):
    booked = book(client, "2026-11-23T09:15:00+07:00")
    response = check_in(client, booked["code"], with_token=False)
    assert response.status_code == 400
    with app_db.read() as session:
        assert session.scalar(select(Appointment.state)) == "booked"


def test_another_office_s_clerk_cannot_open_this_counter_s_bookings(
    client, app_db, make_user, log_in, clock
):
    app_db.write(lambda s: s.add(Office(code="HUE", name="Huế", created_at=clock())))
    make_user("hoa", office="HUE")
    log_in("hoa")
    assert client.get("/counter/1/bookings").status_code in (403, 404)


def test_the_page_asks_for_a_login(client):
    response = client.get("/counter/1/bookings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
