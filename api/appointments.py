"""Booking ahead through the API (../shared/API.md, "Appointments
(booking)"): a service's slots, booking, reading, cancelling and checking
in. Registered on the API's blueprint."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request
from sqlalchemy.orm import Session

from queueing import appointments, operations, reports, rules
from queueing.errors import Invalid, Malformed, NotFound
from queueing.models import Appointment, Office, Ticket
from queueing.operations import Actor
from web import printing_jobs
from web.access import current_principal, resolve_office
from web.actions import optional_id, optional_string
from web.context import booking_url, database, now, write
from web.extensions import limiter
from web.rate_limits import is_setting_unlimited, setting_limit

from .routes import _is_staff_of, _ticket_json, bp, idempotency_of, json_body, office_param


def appointment_payload(session: Session, appointment: Appointment, at: datetime) -> dict[str, Any]:
    """An appointment as API.md gives it to its holder and to staff. A
    booking past its late window reads as missed even before the
    background loop marks it."""
    office = session.get(Office, appointment.office_id)
    assert office is not None
    zone = ZoneInfo(office.timezone)
    state = appointments.state_at(appointment, office, at)
    ticket = session.get(Ticket, appointment.ticket_id) if appointment.ticket_id else None
    return {
        "id": appointment.id,
        "code": appointment.code,
        "service": appointment.service.code,
        "office": office.code,
        "start": appointment.start.astimezone(zone).isoformat(),
        "end": appointment.end.astimezone(zone).isoformat(),
        "state": state,
        "ticket": _ticket_json(session, ticket) if ticket is not None else None,
        "access_token": appointment.access_token,
        "status_url": booking_url(appointment.access_token),
        "name": appointment.name,
        "phone": appointment.phone,
    }


@bp.get("/services/<code>/slots")
def service_slots(code: str) -> Response:
    at = now()
    with database().read() as session:
        office = resolve_office(session, office_param(), None)
        raw = request.args.get("date")
        day = reports.report_day("date", raw) if raw else rules.service_day(at, office.timezone)
        service = _service(session, office, code)
        slots = appointments.day_slots(session, office, service, day, at)
        return jsonify({"service": service.code, "date": day.isoformat(), "slots": slots})


def _service(session: Session, office: Office, code: str) -> Any:
    try:
        return operations.find_service(session, office.id, code)
    except Invalid:
        raise NotFound(f"no service with code {code!r}", "service_not_found") from None


#: One count of bookings per address, whether made through this API or on
#: the booking pages (book/): neither doubles what the other allows.
BOOKING_LIMIT_SCOPE = "booking"


booking_rate_limit = setting_limit("LUOT_BOOKING_RATE_LIMIT")


def _exempt_from_booking_limit() -> bool:
    """Portals with a token are not limited (a bad token fails later)."""
    return is_setting_unlimited("LUOT_BOOKING_RATE_LIMIT") or "Authorization" in request.headers


def _start(body: dict[str, Any]) -> datetime:
    raw = body.get("start")
    if not isinstance(raw, str):
        raise Malformed("start must be a date and time (ISO 8601)", "invalid_field")
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise Malformed("start must be a date and time (ISO 8601)", "invalid_field") from None
    if start.tzinfo is None:
        raise Invalid("start must give its UTC offset, e.g. +07:00", "invalid_start")
    return start


@bp.post("/appointments")
@limiter.shared_limit(
    booking_rate_limit, BOOKING_LIMIT_SCOPE, exempt_when=_exempt_from_booking_limit
)
def book() -> tuple[Response, int]:
    principal = current_principal()
    body = json_body()
    service_code = body.get("service")
    if not isinstance(service_code, str) or not service_code:
        raise Malformed("service must be a service code", "invalid_field")
    start = _start(body)
    name = optional_string(body, "name", limit=appointments.NAME_MAX) or ""
    phone = optional_string(body, "phone", limit=32) or ""
    idempotency = idempotency_of(principal)
    actor = principal.actor if principal else Actor("public")
    at = now()

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        office = resolve_office(session, office_param(body), principal)
        appointment, created = appointments.book(
            session,
            office.id,
            service_code,
            start,
            at,
            actor,
            name=name,
            phone=phone,
            idempotency=idempotency,
        )
        return appointment_payload(session, appointment, at), created

    payload, created = write(work)
    return jsonify(payload), 201 if created else 200


def _is_holder(appointment: Appointment, token: Any) -> bool:
    return isinstance(token, str) and hmac.compare_digest(
        token.encode(), appointment.access_token.encode()
    )


def _held_or_staff(session: Session, code: str, token: Any) -> Appointment:
    """The appointment, for its holder (the token) or the office's staff;
    404 for anyone else, as if it did not exist."""
    appointment = appointments.find(session, code)
    if not (_is_holder(appointment, token) or _is_staff_of(appointment.office_id)):
        raise NotFound("no booking with this code", "appointment_not_found")
    return appointment


@bp.get("/appointments/<code>")
def get_appointment(code: str) -> Response:
    with database().read() as session:
        appointment = _held_or_staff(session, code, request.args.get("token"))
        return jsonify(appointment_payload(session, appointment, now()))


@bp.post("/appointments/<code>/cancel")
def cancel_appointment(code: str) -> Response:
    body = json_body()
    token = body.get("token")
    principal = current_principal()
    actor = principal.actor if principal else Actor("public")
    at = now()

    def work(session: Session) -> dict[str, Any]:
        _held_or_staff(session, code, token)
        appointment = appointments.cancel(session, code, at, actor)
        return appointment_payload(session, appointment, at)

    return jsonify(write(work))


@bp.post("/appointments/<code>/check-in")
def check_in(code: str) -> tuple[Response, int]:
    body = json_body()
    wants_print = body.get("print", False)
    if not isinstance(wants_print, bool):
        raise Malformed("print must be true or false", "invalid_field")
    kiosk_id = optional_id(body, "kiosk")
    language = optional_string(body, "language", limit=2) or "vi"
    if language not in ("vi", "en"):
        raise Invalid("language must be vi or en", "unknown_language")
    principal = current_principal()
    actor = principal.actor if principal else Actor("public")
    idempotency = idempotency_of(principal)
    at = now()

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        appointment = appointments.find(session, code)
        if kiosk_id is not None:
            printing_jobs.find_kiosk(session, kiosk_id, appointment.office_id)
        if idempotency is None:
            appointment, ticket = appointments.check_in(session, code, at, actor)
            created = True
        else:
            appointment, ticket, created = appointments.check_in_once(
                session, code, at, actor, idempotency
            )
        payload = {
            "appointment": appointment_payload(session, appointment, at),
            "ticket": _ticket_json(session, ticket),
        }
        return payload, created

    payload, created = write(work)
    if wants_print:
        if created or not printing_jobs.was_printed(payload["ticket"]["id"]):
            payload["ticket"].update(
                printing_jobs.print_issued_ticket(
                    payload["ticket"], kiosk_id, actor, language, is_missing_printer_a_fault=False
                )
            )
        else:
            # A retry of a check-in whose slip came out: one slip is enough.
            payload["ticket"]["printed"] = True
    return jsonify(payload), 201 if created else 200
