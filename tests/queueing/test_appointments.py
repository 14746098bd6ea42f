"""Booking ahead through the use cases: slots and their room, booking,
cancelling, checking in and missed bookings, on SQLite and PostgreSQL.

The test clock stands at 09:00 on Monday 23 November 2026 in the demo
office, which is open all day with 15-minute slots of three places.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from queueing import appointments
from queueing import operations as ops
from queueing.errors import Invalid, NotFound, WrongState
from queueing.models import Appointment, Office, Service
from queueing.operations import Actor

PUBLIC = Actor("public")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def local(hour, minute=0, day=23):
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def book(db, office, clock):
    def book_one(start, service="HT", **options):
        return db.write(
            lambda s: appointments.book(s, office.id, service, start, clock(), PUBLIC, **options)
        )[0]

    return book_one


def refusal(error_type, work):
    with pytest.raises(error_type) as raised:
        work()
    return raised.value.code


def test_a_day_offers_every_slot_with_its_room(db, office, clock, book):
    book(local(9, 30))
    book(local(9, 30), phone="0901 234 567")
    with db.read() as session:
        current = session.get(Office, office.id)
        service = session.scalar(select(Service).where(Service.code == "HT"))
        slots = appointments.day_slots(session, current, service, clock().date(), clock())
    assert len(slots) == 96
    by_start = {slot["start"]: slot for slot in slots}
    assert by_start["2026-11-23T09:30:00+07:00"] == {
        "start": "2026-11-23T09:30:00+07:00",
        "end": "2026-11-23T09:45:00+07:00",
        "capacity": 3,
        "booked": 2,
        "available": 1,
    }
    # A slot that has begun (09:00, now) offers nothing.
    assert by_start["2026-11-23T09:00:00+07:00"]["available"] == 0
    assert by_start["2026-11-23T09:15:00+07:00"]["available"] == 3


def test_the_last_place_of_a_slot_goes_once(db, book):
    for _ in range(3):
        book(local(10))
    assert refusal(WrongState, lambda: book(local(10))) == "slot_full"
    with db.read() as session:
        assert session.query(Appointment).count() == 3


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (local(10, 5), "not_a_slot"),
        (local(9), "slot_past"),
        (local(8, 45), "slot_past"),
        (local(10, day=23) + timedelta(days=15), "beyond_horizon"),
    ],
)
def test_a_start_that_is_no_bookable_slot_is_refused_and_nothing_is_stored(db, book, start, code):
    assert refusal(Invalid, lambda: book(start)) == code
    with db.read() as session:
        assert session.query(Appointment).count() == 0


def test_bad_names_phones_and_services_are_refused(db, book):
    assert refusal(Invalid, lambda: book(local(10), name="x" * 101)) == "invalid_name"
    for phone in ("12", "abc defg hij", "0901234567890123456", "+84 90 12 34 56 78 99 11"):
        assert refusal(Invalid, lambda p=phone: book(local(10), phone=p)) == "invalid_phone"
    assert refusal(Invalid, lambda: book(local(10), service="NOPE")) == "unknown_service"
    with db.read() as session:
        assert session.query(Appointment).count() == 0


def test_a_service_without_slots_takes_no_bookings(db, office, book):
    def no_slots(session):
        session.scalar(select(Service).where(Service.code == "LD")).slot_minutes = 0

    db.write(no_slots)
    assert refusal(Invalid, lambda: book(local(10), service="LD")) == "not_bookable"


def test_one_phone_holds_one_booking_per_service_and_day_when_the_office_says_so(db, office, book):
    first = book(local(10), phone="+84 901-234-567")
    assert first.phone == "+84901234567"
    assert refusal(WrongState, lambda: book(local(11), phone="+84901234567")) == (
        "phone_has_booking"
    )
    book(local(11), service="DD", phone="+84901234567")  # another service
    db.write(lambda s: setattr(s.get(Office, office.id), "is_one_booking_per_phone", False))
    assert book(local(11), phone="+84901234567").state == "booked"


def test_the_same_idempotency_key_books_once(db, book):
    first = book(local(10), idempotency=("addr:1", "k1"))
    again = book(local(10), idempotency=("addr:1", "k1"))
    assert again.id == first.id
    assert refusal(Invalid, lambda: book(local(11), idempotency=("addr:1", "k1"))) == (
        "idempotency_key_reused"
    )
    with db.read() as session:
        assert session.query(Appointment).count() == 1


def test_a_cancelled_booking_frees_its_place(db, clock, book):
    held = [book(local(10)) for _ in range(3)]
    db.write(lambda s: appointments.cancel(s, held[0].code, clock(), PUBLIC))
    assert book(local(10)).state == "booked"
    assert (
        refusal(
            WrongState,
            lambda: db.write(lambda s: appointments.cancel(s, held[0].code, clock(), PUBLIC)),
        )
        == "appointment_cancelled"
    )


def test_check_in_runs_from_the_early_window_to_the_late_one(db, clock, book):
    booked = book(local(10))

    def check_in(code=booked.code):
        return db.write(lambda s: appointments.check_in(s, code, clock(), PUBLIC))

    clock.moment = local(9, 29)
    with pytest.raises(WrongState) as early:
        check_in()
    assert (early.value.code, early.value.message) == (
        "too_early",
        "too early: check in from 09:30",
    )
    clock.moment = local(9, 30)
    appointment, ticket = check_in(booked.code.lower())
    assert (appointment.state, appointment.ticket_id) == ("checked_in", ticket.id)
    assert (ticket.channel, ticket.state, ticket.code) == ("booking", "waiting", "A001")
    assert refusal(WrongState, check_in) == "already_checked_in"
    late = book(local(10, 15))
    clock.moment = local(10, 31)  # 16 minutes after 10:15
    assert refusal(WrongState, lambda: check_in(late.code)) == "too_late"
    assert refusal(NotFound, lambda: check_in("ZZZZZZZZ")) == "appointment_not_found"


def test_a_checked_in_booking_is_called_before_the_walk_ins(db, office, counters, clock, book):
    booked = book(local(9, 15))
    walk_in, _ = db.write(lambda s: ops.issue_ticket(s, office.id, "HT", clock(), PUBLIC))
    clock.advance(60)
    _appointment, ticket = db.write(
        lambda s: appointments.check_in(s, booked.code, clock(), PUBLIC)
    )
    called = db.write(lambda s: ops.call_next(s, counters[0].id, clock(), PUBLIC))
    assert (called.id, called.channel) == (ticket.id, "booking")
    assert db.write(lambda s: ops.call_next(s, counters[1].id, clock(), PUBLIC)).id == walk_in.id


def test_bookings_not_checked_in_after_the_late_window_are_missed(db, office, clock, book):
    gone, coming, checked = book(local(9, 15)), book(local(9, 30)), book(local(9, 30))
    clock.moment = local(9, 31)
    db.write(lambda s: appointments.check_in(s, checked.code, clock(), PUBLIC))
    assert db.write(lambda s: appointments.mark_missed(s, office.id, clock())) == 1
    with db.read() as session:
        states = {a.code: a.state for a in session.query(Appointment)}
    assert states == {gone.code: "missed", coming.code: "booked", checked.code: "checked_in"}
    assert (
        refusal(
            WrongState,
            lambda: db.write(lambda s: appointments.check_in(s, gone.code, clock(), PUBLIC)),
        )
        == "too_late"
    )


def test_citizens_booking_the_last_place_at_once_one_wins(db, clock, book):
    """Six citizens at once for the last place of each of four slots."""
    slots = [local(10, 15 * n) for n in range(4)]
    for slot in slots:
        book(slot)
        book(slot)
    outcomes: dict[datetime, list[str]] = {slot: [] for slot in slots}
    start = threading.Barrier(6 * len(slots))

    def citizen(slot):
        start.wait()
        try:
            book(slot)
            outcomes[slot].append("booked")
        except WrongState as error:
            outcomes[slot].append(error.code)

    threads = [threading.Thread(target=citizen, args=(slot,)) for slot in slots for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {slot: sorted(found) for slot, found in outcomes.items()} == {
        slot: ["booked"] + ["slot_full"] * 5 for slot in slots
    }
    with db.read() as session:
        assert session.query(Appointment).filter_by(state="booked").count() == 3 * len(slots)
