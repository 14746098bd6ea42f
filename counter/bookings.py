"""The counter's list of today's bookings for its services, and checking a
citizen in by the code they tell the clerk."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing import appointments, rules
from queueing.errors import QueueError
from queueing.models import Office
from web.context import database, now, write

from .forms import CheckInForm
from .routes import _counter_for, _logged_in_principal, _login_redirect, _shows_name, bp


def refusal_text(code: str, opens_at: str) -> str:
    """What the clerk reads when a check-in is refused."""
    texts = {
        "too_early": _("Chưa đến giờ xác nhận: từ %(time)s.", time=opens_at),
        "too_late": _("Đã quá giờ hẹn; mời ông/bà lấy số thường."),
        "already_checked_in": _("Lịch hẹn này đã được xác nhận."),
        "appointment_cancelled": _("Lịch hẹn này đã bị hủy."),
        "appointment_not_found": _("Không có lịch hẹn nào với mã này."),
    }
    return texts.get(code, _("Không xác nhận được lịch hẹn này."))


def _rows(session: Session, office: Office, service_ids: list[int], at: datetime) -> list[Any]:
    zone = ZoneInfo(office.timezone)
    day = rules.service_day(at, office.timezone)
    return [
        {
            "time": appointment.start.astimezone(zone).strftime("%H:%M"),
            "code": appointment.code,
            "service": appointment.service.name,
            "name": appointment.name,
            "phone": appointment.phone,
            "state": appointments.state_at(appointment, office, at),
        }
        for appointment in appointments.of_day(session, office.id, service_ids, day)
    ]


@bp.route("/counter/<int:counter_id>/bookings", methods=["GET", "POST"])
def bookings(counter_id: int) -> str | BaseResponse:
    principal = _logged_in_principal()
    if principal is None:
        return _login_redirect()
    form = CheckInForm()
    at = now()
    if form.validate_on_submit():
        code = form.code.data or ""

        def check_in(session: Session) -> str:
            _counter_for(session, counter_id, principal)
            _appointment, ticket = appointments.check_in(session, code, at, principal.actor)
            return ticket.code

        try:
            ticket_code = write(check_in)
        except QueueError as error:
            opens_at = error.opens_at if isinstance(error, appointments.TooEarly) else ""
            flash(refusal_text(error.code, opens_at), "error")
        else:
            flash(_("Đã xác nhận lịch hẹn: số %(code)s.", code=ticket_code), "success")
        return redirect(url_for("counter.bookings", counter_id=counter_id))
    with database().read() as session:
        counter = _counter_for(session, counter_id, principal)
        office = session.get(Office, counter.office_id)
        assert office is not None
        service_ids = [link.service_id for link in counter.service_links]
        rows = _rows(session, office, service_ids, at)
        return render_template(
            "counter/bookings.html",
            counter=counter,
            show_name=_shows_name(counter),
            clerk_name=principal.name,
            rows=rows,
            form=form,
        )
