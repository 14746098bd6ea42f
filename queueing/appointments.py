"""Booking ahead: a service's slots with their room, booking one, reading
and cancelling it, checking it in (it becomes a ticket of channel
``booking``), and bookings missed.

Bookings of one service take turns on the service's row (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the whole database), so two
citizens booking the last place of a slot at once cannot both have it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from . import booking, operations
from .errors import Invalid, NotFound, WrongState
from .models import (
    BOOKED,
    BOOKING_CANCELLED,
    CHANNEL_BOOKING,
    CHECKED_IN,
    MISSED,
    Appointment,
    IdempotencyKey,
    Office,
    Service,
    Ticket,
)
from .operations import Actor, record

#: The states that hold a place in a slot.
HOLDING = (BOOKED, CHECKED_IN)
NAME_MAX = 100
#: Further from now than any booking horizon (the admin screens allow a year).
FAR_AWAY = timedelta(days=400)
#: A phone number as people write it: digits, with spaces, dots, dashes or
#: brackets between them and an optional leading +.
PHONE = re.compile(r"^\+?[0-9 .()\-]{8,24}$")
PHONE_DIGITS = (8, 15)

REFUSALS = {
    "not_bookable": "this service takes no bookings",
    "not_a_slot": "start is not the start of one of the service's slots",
    "slot_past": "that slot has begun already",
    "beyond_horizon": "that day is beyond how far ahead this office takes bookings",
    "slot_full": "that slot has no room left",
    "phone_has_booking": "this phone number holds a booking for this service that day already",
}


class TooEarly(WrongState):
    """A check-in before the early window opens; ``opens_at`` is when it
    does, on the office's clock (HH:MM)."""

    def __init__(self, opens_at: str) -> None:
        super().__init__(f"too early: check in from {opens_at}", "too_early")
        self.opens_at = opens_at


def is_bookable(service: Service) -> bool:
    return service.is_active and service.slot_minutes > 0 and service.slot_capacity > 0


def normal_phone(raw: str) -> str:
    """A phone number as digits (with its leading +); 422 when it is none."""
    text = raw.strip()
    if not text:
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if not PHONE.match(text) or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        raise Invalid("phone must be a phone number (8 to 15 digits)", "invalid_phone")
    return ("+" if text.startswith("+") else "") + digits


def _slots_of(office: Office, service: Service, day: date) -> list[booking.Slot]:
    return booking.day_slots(
        day,
        office.timezone,
        office.opening_hours or {},
        office.holidays or [],
        service.slot_minutes,
    )


def _booked(session: Session, service_id: int, day: date) -> dict[datetime, int]:
    rows = session.execute(
        select(Appointment.start, func.count(Appointment.id))
        .where(
            Appointment.service_id == service_id,
            Appointment.service_day == day,
            Appointment.state.in_(HOLDING),
        )
        .group_by(Appointment.start)
    ).all()
    return {start: count for start, count in rows}


def day_slots(
    session: Session, office: Office, service: Service, day: date, now: datetime
) -> list[dict[str, Any]]:
    """The service's slots of ``day`` with their room: ``available`` is what
    may be booked now (none once a slot has begun or lies beyond the
    horizon)."""
    if not is_bookable(service):
        return []
    slots = _slots_of(office, service, day)
    booked = _booked(session, service.id, day)
    zone = ZoneInfo(office.timezone)
    result = []
    for slot in slots:
        taken = booked.get(slot.start, 0)
        refusal = booking.booking_refusal(
            slot.start, now, slots, office.booking_horizon_days, office.timezone
        )
        result.append(
            {
                "start": slot.start.astimezone(zone).isoformat(),
                "end": slot.end.astimezone(zone).isoformat(),
                "capacity": service.slot_capacity,
                "booked": taken,
                "available": 0 if refusal else max(service.slot_capacity - taken, 0),
            }
        )
    return result


def book(
    session: Session,
    office_id: int,
    service_code: str,
    start: datetime,
    now: datetime,
    actor: Actor,
    *,
    name: str = "",
    phone: str = "",
    idempotency: tuple[str, str] | None = None,
) -> tuple[Appointment, bool]:
    """Book the slot of the service that begins at ``start``; returns
    (appointment, newly booked)."""
    name = name.strip()
    if len(name) > NAME_MAX:
        raise Invalid(f"name is {NAME_MAX} characters at most", "invalid_name")
    phone = normal_phone(phone)
    office = operations.get_office(session, office_id)
    service = operations.find_service(session, office_id, service_code)
    fingerprint = f"booking|{service.id}|{start.isoformat()}|{name}|{phone}"
    if idempotency is not None:
        earlier = operations.earlier_request(session, idempotency, fingerprint, now)
        if earlier is not None and earlier.appointment_id is not None:
            appointment = session.get(Appointment, earlier.appointment_id)
            assert appointment is not None
            return appointment, False
    if not is_bookable(service):
        raise Invalid(REFUSALS["not_bookable"], "not_bookable")
    # Far beyond any horizon, a start is refused before the office's clock
    # reads it: at the ends of the calendar that would overflow.
    if abs(start - now) > FAR_AWAY:
        refused = "slot_past" if start < now else "beyond_horizon"
        raise Invalid(REFUSALS[refused], refused)
    # Bookings of the service take turns from here to the commit.
    session.execute(select(Service.id).where(Service.id == service.id).with_for_update())
    day = start.astimezone(ZoneInfo(office.timezone)).date()
    slots = _slots_of(office, service, day)
    refusal = booking.booking_refusal(
        start, now, slots, office.booking_horizon_days, office.timezone
    )
    if refusal is not None:
        raise Invalid(REFUSALS[refusal], refusal)
    if phone and office.is_one_booking_per_phone:
        holder = session.scalar(
            select(Appointment.id).where(
                Appointment.service_id == service.id,
                Appointment.service_day == day,
                Appointment.phone == phone,
                Appointment.state.in_(HOLDING),
            )
        )
        if holder is not None:
            raise WrongState(REFUSALS["phone_has_booking"], "phone_has_booking")
    if _booked(session, service.id, day).get(start, 0) >= service.slot_capacity:
        raise WrongState(REFUSALS["slot_full"], "slot_full")
    slot = next(slot for slot in slots if slot.start == start)
    appointment = Appointment(
        office_id=office.id,
        service_id=service.id,
        code=_free_code(session),
        start=slot.start,
        end=slot.end,
        service_day=day,
        state=BOOKED,
        name=name,
        phone=phone,
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    if idempotency is not None:
        client, key = idempotency
        session.add(
            IdempotencyKey(
                client=client,
                key=key,
                fingerprint=fingerprint,
                appointment_id=appointment.id,
                created_at=now,
            )
        )
    record(
        session,
        office.id,
        "booked",
        now,
        actor,
        appointment=appointment.code,
        service=service.code,
        start=start.isoformat(),
    )
    return appointment, True


def _free_code(session: Session) -> str:
    while True:
        code = booking.new_code()
        if session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


def state_at(appointment: Appointment, office: Office, now: datetime) -> str:
    """The booking's state as its holder and staff read it: past its late
    window a booking reads as missed even before :func:`mark_missed` runs."""
    if appointment.state == BOOKED and booking.is_missed(
        appointment.start, now, office.check_in_late_minutes
    ):
        return MISSED
    return appointment.state


def held(session: Session, access_token: str) -> Appointment:
    """The appointment of the holder's token (the booking page's link);
    404 for any other."""
    appointment = None
    if 16 <= len(access_token) <= 32:
        appointment = session.scalar(
            select(Appointment).where(Appointment.access_token == access_token)
        )
    if appointment is None:
        raise NotFound("no booking with this link", "appointment_not_found")
    return appointment


def find(session: Session, code: str, *, for_update: bool = False) -> Appointment:
    """The appointment with this booking code (as typed or scanned); 404
    when there is none."""
    statement = select(Appointment).where(Appointment.code == booking.normal_code(code))
    if for_update:
        statement = statement.with_for_update(of=Appointment)
    appointment = session.scalar(statement)
    if appointment is None:
        raise NotFound("no booking with this code", "appointment_not_found")
    return appointment


def cancel(session: Session, code: str, now: datetime, actor: Actor) -> Appointment:
    """Cancel a booking not yet checked in: its place is free again."""
    appointment = find(session, code, for_update=True)
    if appointment.state != BOOKED:
        raise WrongState(f"the booking is {appointment.state}", f"appointment_{appointment.state}")
    appointment.state = BOOKING_CANCELLED
    appointment.cancelled_at = now
    record(
        session,
        appointment.office_id,
        "booking_cancelled",
        now,
        actor,
        appointment=appointment.code,
    )
    return appointment


def check_in(
    session: Session, code: str, now: datetime, actor: Actor
) -> tuple[Appointment, Ticket]:
    """Turn a booking into a ticket of channel ``booking``, from the office's
    early window before its start until its late window after it."""
    appointment = find(session, code, for_update=True)
    office = operations.get_office(session, appointment.office_id)
    if appointment.state == CHECKED_IN:
        raise WrongState("this booking has been checked in already", "already_checked_in")
    if appointment.state == BOOKING_CANCELLED:
        raise WrongState("this booking was cancelled", "appointment_cancelled")
    refusal = booking.check_in_refusal(
        appointment.start, now, office.check_in_early_minutes, office.check_in_late_minutes
    )
    if appointment.state == MISSED or refusal == "too_late":
        raise WrongState("the time to check in for this booking is over", "too_late")
    if refusal == "too_early":
        opens = booking.check_in_opens(appointment.start, office.check_in_early_minutes)
        raise TooEarly(opens.astimezone(ZoneInfo(office.timezone)).strftime("%H:%M"))
    ticket, _created = operations.issue_ticket(
        session,
        office.id,
        appointment.service.code,
        now,
        actor,
        channel=CHANNEL_BOOKING,
        within_hours=False,
    )
    appointment.state = CHECKED_IN
    appointment.checked_in_at = now
    appointment.ticket_id = ticket.id
    record(
        session,
        office.id,
        "checked_in",
        now,
        actor,
        ticket=ticket,
        appointment=appointment.code,
    )
    return appointment, ticket


def check_in_once(
    session: Session,
    code: str,
    now: datetime,
    actor: Actor,
    idempotency: tuple[str, str],
) -> tuple[Appointment, Ticket, bool]:
    """:func:`check_in`, answered again with the same ticket when the same
    client repeats the same Idempotency-Key (a kiosk retrying after a lost
    answer); returns (appointment, ticket, newly checked in)."""
    appointment = find(session, code, for_update=True)
    fingerprint = f"check-in|{appointment.id}"
    earlier = operations.earlier_request(session, idempotency, fingerprint, now)
    if earlier is not None and appointment.ticket_id is not None:
        ticket = session.get(Ticket, appointment.ticket_id)
        assert ticket is not None
        return appointment, ticket, False
    appointment, ticket = check_in(session, code, now, actor)
    client, key = idempotency
    session.add(
        IdempotencyKey(
            client=client,
            key=key,
            fingerprint=fingerprint,
            appointment_id=appointment.id,
            ticket_id=ticket.id,
            created_at=now,
        )
    )
    session.flush()
    return appointment, ticket, True


def offices_with_past_bookings(session: Session, now: datetime) -> list[int]:
    """Offices with a booking not checked in whose time has begun: the only
    ones :func:`mark_missed` may have something to do in."""
    return list(
        session.scalars(
            select(Appointment.office_id)
            .where(Appointment.state == BOOKED, Appointment.start < now)
            .distinct()
            .order_by(Appointment.office_id)
        )
    )


def mark_missed(session: Session, office_id: int, now: datetime) -> int:
    """Bookings not checked in by the end of their late window become
    missed (their time has passed: they free nothing); returns how many."""
    office = operations.get_office(session, office_id)
    late = booking.late_window(office.check_in_late_minutes)
    result = session.execute(
        update(Appointment)
        .where(
            Appointment.office_id == office_id,
            Appointment.state == BOOKED,
            Appointment.start < now - late,
        )
        .values(state=MISSED, missed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def of_day(
    session: Session, office_id: int, service_ids: list[int], day: date
) -> list[Appointment]:
    """The bookings of ``day`` for these services, by time."""
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.office_id == office_id,
                Appointment.service_day == day,
                Appointment.service_id.in_(service_ids),
            )
            .order_by(Appointment.start, Appointment.id)
        )
    )
