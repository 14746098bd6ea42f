"""Booking through API v1 (../shared/API.md, "Appointments (booking)"): every
row of the contract, its errors, and bad input that changes nothing.

The test clock stands at 09:00 (+07:00) on Monday 23 November 2026; the demo
office is open all day with 15-minute slots of three places.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from queueing.models import Appointment, Office, Ticket

from .test_api import conforms, error_code

TEN = "2026-11-23T10:00:00+07:00"


@pytest.fixture
def book(client):
    def book_one(start=TEN, service="HT", expect=201, **fields):
        response = client.post(
            "/api/v1/appointments", json={"service": service, "start": start, **fields}
        )
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    return book_one


def stored(app_db):
    with app_db.read() as session:
        return session.scalar(select(func.count(Appointment.id)))


def test_slots_of_a_day_with_their_room(client, book):
    book()
    response = client.get("/api/v1/services/HT/slots?date=2026-11-23")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["service"], body["date"], len(body["slots"])) == ("HT", "2026-11-23", 96)
    ten = next(slot for slot in body["slots"] if slot["start"] == TEN)
    assert ten == {
        "start": TEN,
        "end": "2026-11-23T10:15:00+07:00",
        "capacity": 3,
        "booked": 1,
        "available": 2,
    }
    assert conforms(body, "Slots")
    # Without a date: the office's today.
    assert client.get("/api/v1/services/HT/slots").get_json()["date"] == "2026-11-23"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/services/NOPE/slots", 404, "service_not_found"),
        ("/api/v1/services/HT/slots?date=23-11-2026", 400, "invalid_date"),
        ("/api/v1/services/HT/slots?date=1999-01-01", 422, "invalid_date"),
    ],
)
def test_slots_of_no_service_or_no_date_are_refused(client, path, status, code):
    response = client.get(path)
    assert (response.status_code, error_code(response)) == (status, code)


def test_booking_answers_201_with_the_appointment(client, book):
    body = book(name="Nguyễn Văn A", phone="0901 234 567")
    assert conforms(body, "Appointment")
    assert (body["service"], body["office"], body["state"], body["ticket"]) == (
        "HT",
        "DEMO",
        "booked",
        None,
    )
    assert (body["start"], body["end"]) == (TEN, "2026-11-23T10:15:00+07:00")
    assert (body["name"], body["phone"]) == ("Nguyễn Văn A", "0901234567")
    assert len(body["code"]) >= 6 and not set(body["code"]) & set("0O1I")
    assert len(body["access_token"]) >= 16
    assert body["status_url"] == f"http://luot.test/book/{body['access_token']}"


def test_the_last_place_goes_once_then_409_slot_full(client, book, app_db):
    for _ in range(3):
        book()
    response = client.post("/api/v1/appointments", json={"service": "HT", "start": TEN})
    assert (response.status_code, error_code(response)) == (409, "slot_full")
    assert stored(app_db) == 3


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"service": "HT", "start": "2026-11-23T10:05:00+07:00"}, 422, "not_a_slot"),
        ({"service": "HT", "start": "2026-11-23T08:45:00+07:00"}, 422, "slot_past"),
        ({"service": "HT", "start": "2026-12-23T10:00:00+07:00"}, 422, "beyond_horizon"),
        ({"service": "HT", "start": "2026-11-23T10:00:00"}, 422, "invalid_start"),
        ({"service": "HT", "start": "0001-01-01T00:00:00+14:00"}, 422, "slot_past"),
        ({"service": "HT", "start": "9999-12-31T23:45:00-12:00"}, 422, "beyond_horizon"),
        ({"service": "HT", "start": "tomorrow"}, 400, "invalid_field"),
        ({"service": "HT", "start": 1700000000}, 400, "invalid_field"),
        ({"service": "HT"}, 400, "invalid_field"),
        ({"service": "NOPE", "start": TEN}, 422, "unknown_service"),
        ({"service": 7, "start": TEN}, 400, "invalid_field"),
        ({"service": "HT", "start": TEN, "phone": "12345"}, 422, "invalid_phone"),
        ({"service": "HT", "start": TEN, "phone": 901234567}, 400, "invalid_field"),
        ({"service": "HT", "start": TEN, "name": "x" * 101}, 400, "invalid_field"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_stored(client, app_db, body, status, code):
    response = client.post("/api/v1/appointments", json=body)
    assert (response.status_code, error_code(response)) == (status, code)
    assert stored(app_db) == 0


def test_huge_and_malformed_bodies_are_refused(client, app_db):
    huge = client.post(
        "/api/v1/appointments",
        data='{"service": "HT", "start": "' + "x" * 2_000_000 + '"}',
        content_type="application/json",
    )
    assert huge.status_code in (400, 413)
    broken = client.post("/api/v1/appointments", data="{", content_type="application/json")
    assert broken.status_code == 400
    assert stored(app_db) == 0


def test_the_same_idempotency_key_books_once(client, app_db):
    def post(start=TEN):
        return client.post(
            "/api/v1/appointments",
            json={"service": "HT", "start": start},
            headers={"Idempotency-Key": "portal-42"},
        )

    first, again = post(), post()
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["code"] == first.get_json()["code"]
    other = post("2026-11-23T11:00:00+07:00")
    assert (other.status_code, error_code(other)) == (422, "idempotency_key_reused")
    assert stored(app_db) == 1


def test_booking_is_rate_limited_per_address(app, client, app_db):
    app.config["LUOT_BOOKING_RATE_LIMIT"] = "2/hour"
    codes = [
        client.post("/api/v1/appointments", json={"service": "HT", "start": TEN}).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert stored(app_db) == 2


def test_a_booking_is_read_by_its_holder_and_staff_only(client, book, auth):
    body = book()
    path = f"/api/v1/appointments/{body['code']}"
    assert client.get(f"{path}?token={body['access_token']}").get_json() == body
    assert client.get(path, headers=auth("clerk")).get_json()["code"] == body["code"]
    for anonymous in (path, f"{path}?token=wrong", "/api/v1/appointments/ZZZZZZZZ"):
        response = client.get(anonymous)
        assert (response.status_code, error_code(response)) == (404, "appointment_not_found")


def test_cancel_frees_the_place_for_the_holder_or_staff(client, book, auth, app_db):
    held = [book() for _ in range(3)]
    path = f"/api/v1/appointments/{held[0]['code']}/cancel"
    refused = client.post(path, json={"token": "wrong"})
    assert (refused.status_code, error_code(refused)) == (404, "appointment_not_found")
    cancelled = client.post(path, json={"token": held[0]["access_token"]})
    assert (cancelled.status_code, cancelled.get_json()["state"]) == (200, "cancelled")
    assert book()["state"] == "booked"
    by_staff = client.post(f"/api/v1/appointments/{held[1]['code']}/cancel", headers=auth("clerk"))
    assert by_staff.get_json()["state"] == "cancelled"
    again = client.post(path, json={"token": held[0]["access_token"]})
    assert (again.status_code, error_code(again)) == (409, "appointment_cancelled")


def test_check_in_turns_the_booking_into_a_ticket_called_before_walk_ins(client, book, clock, auth):
    body = book(start="2026-11-23T09:15:00+07:00")
    walk_in = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    response = client.post(f"/api/v1/appointments/{body['code'].lower()}/check-in", json={})
    assert response.status_code == 201
    checked = response.get_json()
    assert checked["appointment"]["state"] == "checked_in"
    assert checked["ticket"]["channel"] == "booking"
    assert checked["appointment"]["ticket"]["id"] == checked["ticket"]["id"]
    assert conforms(checked["ticket"], "Ticket")
    called = client.post("/api/v1/counters/1/call-next", headers=auth("clerk")).get_json()
    assert called["ticket"]["id"] == checked["ticket"]["id"]
    assert walk_in["id"] != checked["ticket"]["id"]
    again = client.post(f"/api/v1/appointments/{body['code']}/check-in", json={})
    assert (again.status_code, error_code(again)) == (409, "already_checked_in")


def test_check_in_outside_its_window_is_409_and_issues_nothing(client, book, clock, app_db):
    later = book(start="2026-11-23T11:00:00+07:00")
    early = client.post(f"/api/v1/appointments/{later['code']}/check-in", json={})
    assert (early.status_code, error_code(early)) == (409, "too_early")
    assert "10:30" in early.get_json()["error"]["message"]
    clock.advance(2 * 3600 + 16 * 60)  # 11:16
    late = client.post(f"/api/v1/appointments/{later['code']}/check-in", json={})
    assert (late.status_code, error_code(late)) == (409, "too_late")
    assert (
        client.get(
            f"/api/v1/appointments/{later['code']}?token={later['access_token']}"
        ).get_json()["state"]
        == "missed"
    )
    unknown = client.post("/api/v1/appointments/ZZZZZZZZ/check-in", json={})
    assert (unknown.status_code, error_code(unknown)) == (404, "appointment_not_found")
    with app_db.read() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 0


def test_check_in_with_a_bad_body_changes_nothing(client, book, app_db):
    body = book(start="2026-11-23T09:15:00+07:00")
    for bad in ({"print": "yes"}, {"kiosk": "one"}, {"language": "fr"}, {"kiosk": 999}):
        response = client.post(f"/api/v1/appointments/{body['code']}/check-in", json=bad)
        assert response.status_code in (400, 404, 422), bad
    with app_db.read() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 0
        assert session.scalar(select(Appointment.state)) == "booked"


def test_another_office_s_booking_is_hidden_from_its_staff(client, book, app_db, make_token, clock):
    body = book()

    def other(session):
        office = Office(code="HUE", name="Huế", created_at=clock())
        session.add(office)
        session.flush()
        return office.id

    token = make_token("clerk", office_id=app_db.write(other))
    response = client.get(
        f"/api/v1/appointments/{body['code']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert (response.status_code, error_code(response)) == (404, "appointment_not_found")


def test_the_background_loop_marks_bookings_past_their_late_window_missed(
    app, client, book, app_db, clock
):
    """The test clock stands at 09:00 (+07:00); the 10:00 booking's late
    window (15 minutes) closes at 10:15."""
    from web.jobs import mark_missed_bookings

    body = book()
    clock.advance(75 * 60)
    assert mark_missed_bookings(app) == 0
    clock.advance(1)
    assert mark_missed_bookings(app) == 1
    assert mark_missed_bookings(app) == 0
    with app_db.read() as session:
        assert session.scalar(select(Appointment.state)) == "missed"
    read = client.get(f"/api/v1/appointments/{body['code']}?token={body['access_token']}")
    assert read.get_json()["state"] == "missed"


def test_a_retried_check_in_with_the_same_key_gets_the_same_ticket(client, book, app_db):
    """A kiosk that lost the answer retries with the same Idempotency-Key."""
    body = book(start="2026-11-23T09:15:00+07:00")
    path = f"/api/v1/appointments/{body['code']}/check-in"
    first = client.post(path, json={}, headers={"Idempotency-Key": "tap-1"})
    again = client.post(path, json={}, headers={"Idempotency-Key": "tap-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["ticket"]["id"] == first.get_json()["ticket"]["id"]
    other = client.post(path, json={}, headers={"Idempotency-Key": "tap-2"})
    assert (other.status_code, error_code(other)) == (409, "already_checked_in")
    with app_db.read() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 1
