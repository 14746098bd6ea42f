"""The citizen's booking pages, for a phone and without login.

- ``/book``: choose a service, a day (today up to the office's horizon) and
  a free slot; optional name and phone. The form posts back here (CSRF like
  every form of Luot) and books through the same use case as the API, under
  the same rate limit; a refusal is shown next to its field.
- ``/book/<access_token>``: the booking, reached with the holder's token
  (the API's ``status_url``): its code to read aloud, its QR code, what to
  bring, "add to calendar" (``booking.ics``) and cancelling it.

Plain HTML forms and links, no script: the pages work on any phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from api.appointments import BOOKING_LIMIT_SCOPE, booking_rate_limit
from kiosk.screens import localised, text_lines
from queueing import appointments, booking
from queueing.errors import Invalid, Malformed, QueueError, WrongState
from queueing.models import BOOKED, CHECKED_IN, Appointment, Office, Service, Ticket
from queueing.operations import Actor
from queueing.queries import active_services
from web.access import current_principal, resolve_office
from web.context import database, now, public_base_url, write
from web.extensions import limiter
from web.i18n import language_switch, page_language, weekday_name
from web.qr import qr_png
from web.rate_limits import is_setting_unlimited

from . import calendar
from .forms import BookingForm, CancelForm

bp = Blueprint("book", __name__)

#: Characters of the booking code read together, with a gap between groups.
CODE_GROUP = 4


@dataclass(slots=True)
class BookableService:
    """One service as the booking page shows it, in the page's language."""

    code: str
    name: str
    description: str
    documents: list[str]


@dataclass(slots=True)
class BookingDay:
    day: date
    label: str
    is_chosen: bool = False


@dataclass(slots=True)
class FreeSlot:
    start: str
    label: str
    available: int


def _short_weekday(day: date) -> str:
    names = (_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN"))
    return names[day.weekday()]


def long_day(day: date) -> str:
    return f"{weekday_name(day)}, {day:%d/%m/%Y}"


def _day_label(day: date, today: date) -> str:
    if day == today:
        return _("Hôm nay") + f" {day:%d/%m}"
    if day == today + timedelta(days=1):
        return _("Ngày mai") + f" {day:%d/%m}"
    return f"{_short_weekday(day)} {day:%d/%m}"


def _bookable_services(session: Session, office: Office) -> list[Service]:
    return [
        service
        for service in active_services(session, office.id)
        if appointments.is_bookable(service)
    ]


def _shown(service: Service, language: str) -> BookableService:
    return BookableService(
        code=service.code,
        name=localised(service.name_en, service.name, language),
        description=localised(service.description_en, service.description, language),
        documents=text_lines(localised(service.documents_en, service.documents, language)),
    )


def _free_slots(
    session: Session, office: Office, service: Service, day: date, at: datetime
) -> list[FreeSlot]:
    """The slots of the day that may be booked now: the API's own figures,
    keeping only those with room."""
    return [
        FreeSlot(
            start=slot["start"],
            label=f"{slot['start'][11:16]} – {slot['end'][11:16]}",
            available=slot["available"],
        )
        for slot in appointments.day_slots(session, office, service, day, at)
        if slot["available"] > 0
    ]


def _office_code() -> str | None:
    return request.form.get("office") or request.args.get("office") or None


def _chosen_day(raw: str | None, days: list[date]) -> date | None:
    try:
        chosen = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return chosen if chosen in days else None


def _booking_page(form: BookingForm, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    """The booking form: the services, and for the chosen one its days and
    free slots; ``errors`` are messages by field name, shown next to it."""
    language = page_language()
    at = now()
    with database().read() as session:
        office = resolve_office(session, _office_code(), None)
        services = _bookable_services(session, office)
        service = next((s for s in services if s.code == form.service.data), None)
        today = at.astimezone(ZoneInfo(office.timezone)).date()
        days = [today + timedelta(days=n) for n in range(office.booking_horizon_days + 1)]
        day = _chosen_day(form.day.data, days)
        slots: list[FreeSlot] = []
        if service is not None:
            if day is None:
                # The first day with room, so that the citizen sees a choice.
                for candidate in days:
                    slots = _free_slots(session, office, service, candidate, at)
                    if slots:
                        day = candidate
                        break
            else:
                slots = _free_slots(session, office, service, day, at)
        day = day or today
        office_name = localised(office.name_en, office.name, language)
        office_code = office.code
        shown = [_shown(s, language) for s in services]
        chosen = _shown(service, language) if service is not None else None
    return render_template(
        "book/book.html",
        form=form,
        errors=errors,
        office_name=office_name,
        office_code=office_code if request.args.get("office") or form.office.data else None,
        services=shown,
        service=chosen,
        days=[BookingDay(d, _day_label(d, today), d == day) for d in days],
        day=day,
        day_text=long_day(day),
        slots=slots,
        **language_switch(),
    ), status


@bp.get("/book")
def book_page() -> tuple[str, int]:
    form = BookingForm(formdata=None)
    form.office.data = request.args.get("office", "")
    form.service.data = request.args.get("service", "")
    form.day.data = request.args.get("date", "")
    return _booking_page(form, {})


def _refusal(error: QueueError) -> tuple[str, str]:
    """The field a refused booking is about, and what to tell the citizen."""
    code = error.code
    if code == "slot_full":
        return "start", _("Giờ này vừa hết chỗ. Vui lòng chọn giờ khác.")
    if code in ("not_a_slot", "slot_past", "beyond_horizon", "invalid_start"):
        return "start", _("Giờ này không còn đặt được. Vui lòng chọn giờ khác.")
    if code == "phone_has_booking":
        return "phone", _(
            "Số điện thoại này đã có lịch hẹn cho thủ tục này trong ngày đã chọn. "
            "Mỗi số điện thoại chỉ đặt được một lịch hẹn cho một thủ tục mỗi ngày."
        )
    if code == "invalid_phone":
        return "phone", _("Số điện thoại không đúng. Vui lòng nhập từ 8 đến 15 chữ số.")
    if code == "invalid_name":
        return "name", _("Họ và tên dài quá 100 ký tự.")
    if code in ("not_bookable", "unknown_service"):
        return "service", _("Thủ tục này không nhận đặt lịch hẹn.")
    raise error


def _exempt_from_page_limit() -> bool:
    # Unlike the API, no header exempts the page: it takes no tokens.
    return is_setting_unlimited("LUOT_BOOKING_RATE_LIMIT")


@bp.post("/book")
@limiter.shared_limit(booking_rate_limit, BOOKING_LIMIT_SCOPE, exempt_when=_exempt_from_page_limit)
def book() -> BaseResponse | tuple[str, int]:
    """Books the chosen slot; the booking's page on success, else the form
    again with the refusal next to its field (and nothing stored)."""
    form = BookingForm()
    if not form.validate_on_submit():
        errors = {
            name: _("Họ và tên dài quá 100 ký tự.")
            if name == "name"
            else _("Số điện thoại không đúng. Vui lòng nhập từ 8 đến 15 chữ số.")
            for name in form.errors
            if name in ("name", "phone")
        }
        return _booking_page(form, errors, 422)
    start = _start(form.start.data)
    if start is None:
        errors = {"start": _("Vui lòng chọn giờ hẹn.")}
        return _booking_page(form, errors, 422)
    principal = current_principal()
    actor = principal.actor if principal else Actor("public")
    at = now()

    def work(session: Session) -> str:
        office = resolve_office(session, form.office.data or None, None)
        appointment, _created = appointments.book(
            session,
            office.id,
            form.service.data or "",
            start,
            at,
            actor,
            name=form.name.data or "",
            phone=form.phone.data or "",
        )
        return appointment.access_token

    try:
        access_token = write(work)
    except (Invalid, WrongState) as error:
        name, message = _refusal(error)
        return _booking_page(form, {name: message}, error.status)
    return redirect(url_for("book.booking_page", access_token=access_token), 303)


def _start(raw: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


@bp.errorhandler(429)
def too_many_bookings(error: Exception) -> tuple[str, int]:
    form = BookingForm()
    message = _("Ông/bà đã đặt nhiều lịch hẹn trong thời gian ngắn. Vui lòng thử lại sau.")
    return _booking_page(form, {"form": message}, 429)


# -- the booking's page ------------------------------------------------------------


def code_groups(code: str) -> list[str]:
    """The code in groups of four, read aloud group by group."""
    return [code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP)]


def _booking_view(session: Session, appointment: Appointment, at: datetime) -> dict[str, Any]:
    language = page_language()
    office = session.get(Office, appointment.office_id)
    assert office is not None
    zone = ZoneInfo(office.timezone)
    service = appointment.service
    start = appointment.start.astimezone(zone)
    end = appointment.end.astimezone(zone)
    opens = booking.check_in_opens(appointment.start, office.check_in_early_minutes)
    closes = appointment.start + booking.late_window(office.check_in_late_minutes)
    ticket = session.get(Ticket, appointment.ticket_id) if appointment.ticket_id else None
    return {
        "code": appointment.code,
        "code_groups": code_groups(appointment.code),
        "access_token": appointment.access_token,
        "state": appointments.state_at(appointment, office, at),
        "service_name": localised(service.name_en, service.name, language),
        "documents": text_lines(localised(service.documents_en, service.documents, language)),
        "day_text": long_day(start.date()),
        "time_text": f"{start:%H:%M} – {end:%H:%M}",
        "check_in_from": opens.astimezone(zone).strftime("%H:%M"),
        "check_in_until": closes.astimezone(zone).strftime("%H:%M"),
        "office_name": localised(office.name_en, office.name, language),
        "office_address": office.address,
        "name": appointment.name,
        "phone": appointment.phone,
        "ticket_url": (
            url_for("kiosk.ticket_page", access_token=ticket.access_token) if ticket else None
        ),
        "ticket_code": ticket.code if ticket else None,
    }


@bp.get("/book/<access_token>")
def booking_page(access_token: str) -> str:
    at = now()
    with database().read() as session:
        appointment = appointments.held(session, access_token)
        view = _booking_view(session, appointment, at)
    return render_template(
        "book/booking.html",
        booking=view,
        is_booked=view["state"] == BOOKED,
        is_checked_in=view["state"] == CHECKED_IN,
        **language_switch(),
    )


@bp.get("/book/<access_token>/qr.png")
def booking_qr(access_token: str) -> Response:
    """The booking code as a QR code, for the kiosk's scanner at check-in."""
    with database().read() as session:
        code = appointments.held(session, access_token).code
    return Response(
        qr_png(code),
        mimetype="image/png",
        # Only its holder knows the address: no shared cache keeps it.
        headers={"Cache-Control": "private, max-age=86400"},
    )


@bp.get("/book/<access_token>/booking.ics")
def booking_calendar(access_token: str) -> Response:
    """The booking as a calendar event (RFC 5545), times in UTC."""
    at = now()
    with database().read() as session:
        appointment = appointments.held(session, access_token)
        view = _booking_view(session, appointment, at)
        start, end, stamped_at = appointment.start, appointment.end, appointment.created_at
    lines = [
        _("Mã đặt lịch: %(code)s", code=view["code"]),
        _(
            "Xác nhận đến tại máy lấy số từ %(opens)s đến %(closes)s.",
            opens=view["check_in_from"],
            closes=view["check_in_until"],
        ),
    ]
    if view["documents"]:
        lines.append(_("Giấy tờ cần chuẩn bị:"))
        lines.extend(f"- {document}" for document in view["documents"])
    lines.append(booking_link(access_token))
    event = calendar.CalendarEvent(
        uid=f"booking-{view['code']}@{urlsplit(public_base_url()).hostname or 'luot'}",
        stamped_at=stamped_at,
        start=start,
        end=end,
        summary=_("Lịch hẹn: %(service)s", service=view["service_name"]),
        location=", ".join(part for part in (view["office_name"], view["office_address"]) if part),
        description="\n".join(lines),
        is_cancelled=view["state"] == "cancelled",
    )
    return Response(
        calendar.event_calendar(event),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="lich-hen-{view["code"]}.ics"',
            "Cache-Control": "private, no-cache",
        },
    )


def booking_link(access_token: str) -> str:
    return f"{public_base_url()}{url_for('book.booking_page', access_token=access_token)}"


@bp.get("/book/<access_token>/cancel")
def cancel_page(access_token: str) -> str | BaseResponse:
    """Asks once more before cancelling: a cancelled booking is gone."""
    at = now()
    with database().read() as session:
        appointment = appointments.held(session, access_token)
        view = _booking_view(session, appointment, at)
    if view["state"] != BOOKED:
        return redirect(url_for("book.booking_page", access_token=access_token))
    return render_template("book/cancel.html", booking=view, form=CancelForm(), **language_switch())


@bp.post("/book/<access_token>/cancel")
def cancel(access_token: str) -> BaseResponse:
    form = CancelForm()
    if not form.validate_on_submit():
        raise Malformed("the form has expired; reload the page", "csrf_failed")
    at = now()

    def work(session: Session) -> None:
        appointment = appointments.held(session, access_token)
        office = session.get(Office, appointment.office_id)
        assert office is not None
        # Checked in, cancelled or missed meanwhile: the page says which.
        if appointments.state_at(appointment, office, at) == BOOKED:
            appointments.cancel(session, appointment.code, at, Actor("public"))

    write(work)
    return redirect(url_for("book.booking_page", access_token=access_token), 303)
