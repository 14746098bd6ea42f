"""The office's own settings, a new office, and the overview of an office."""

from __future__ import annotations

from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response as BaseResponse

from queueing import settings
from queueing.errors import NotAllowed
from queueing.models import ApiToken, Counter, Display, Kiosk, Office, Service, User
from web.access import chosen_office, page, principal
from web.context import database, now

from .common import bp, go, office_of_page, render, save
from .forms import PERIODS, OfficeCreateForm, OfficeForm

# -- overview -----------------------------------------------------------------------------


@bp.get("/")
@page("admin")
def home() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        counts = {
            "services": session.scalar(
                select(func.count(Service.id)).where(Service.office_id == office.id)
            ),
            "counters": session.scalar(
                select(func.count(Counter.id)).where(Counter.office_id == office.id)
            ),
            "users": session.scalar(
                select(func.count(User.id)).where(
                    or_(User.office_id == office.id, User.office_id.is_(None))
                )
            ),
            "kiosks": session.scalar(
                select(func.count(Kiosk.id)).where(Kiosk.office_id == office.id)
            ),
            "displays": session.scalar(
                select(func.count(Display.id)).where(Display.office_id == office.id)
            ),
            "tokens": session.scalar(
                select(func.count(ApiToken.id)).where(
                    ApiToken.revoked_at.is_(None),
                    or_(ApiToken.office_id == office.id, ApiToken.office_id.is_(None)),
                )
            ),
        }
        return render("admin/home.html", session, office, counts=counts)


# -- offices -------------------------------------------------------------------------------


def _office_form_values(form: OfficeForm) -> dict[str, Any]:
    hours: dict[str, list[list[str]]] = {}
    for day in range(7):
        for period in range(1, PERIODS + 1):
            start = form[f"day{day}_p{period}_start"].data
            end = form[f"day{day}_p{period}_end"].data
            if start or end:
                hours.setdefault(str(day), []).append([start or "", end or ""])
    holidays = [line.strip() for line in (form.holidays.data or "").splitlines() if line.strip()]
    return {
        "name": form.name.data,
        "name_en": form.name_en.data or "",
        "address": (form.address.data or "").strip(),
        "timezone": (form.timezone.data or "").strip(),
        "opening_hours": hours,
        "holidays": holidays,
        "ticker_message": form.ticker_message.data or "",
        "priority_ratio": form.priority_ratio.data,
        "recall_limit": form.recall_limit.data,
        "no_show_return_minutes": form.no_show_return_minutes.data,
        "is_transfer_to_head": bool(form.is_transfer_to_head.data),
        "default_service_seconds": form.default_service_seconds.data,
        "pause_alert_minutes": form.pause_alert_minutes.data,
        "terminal_grace_minutes": form.terminal_grace_minutes.data,
        "is_issuing_without_counter": bool(form.is_issuing_without_counter.data),
        "booking_horizon_days": form.booking_horizon_days.data,
        "check_in_early_minutes": form.check_in_early_minutes.data,
        "check_in_late_minutes": form.check_in_late_minutes.data,
        "is_one_booking_per_phone": bool(form.is_one_booking_per_phone.data),
        "service_starts_at": form.service_starts_at.data,
    }


def _fill_office_form(form: OfficeForm, office: Office) -> None:
    for name in (
        "name",
        "name_en",
        "address",
        "timezone",
        "ticker_message",
        "priority_ratio",
        "recall_limit",
        "no_show_return_minutes",
        "is_transfer_to_head",
        "default_service_seconds",
        "pause_alert_minutes",
        "terminal_grace_minutes",
        "is_issuing_without_counter",
        "booking_horizon_days",
        "check_in_early_minutes",
        "check_in_late_minutes",
        "is_one_booking_per_phone",
        "service_starts_at",
    ):
        form[name].data = getattr(office, name)
    form.holidays.data = "\n".join(office.holidays or [])
    for day, periods in (office.opening_hours or {}).items():
        for index, (start, end) in enumerate(periods[:PERIODS], start=1):
            form[f"day{day}_p{index}_start"].data = start
            form[f"day{day}_p{index}_end"].data = end


@bp.route("/office", methods=["GET", "POST"])
@page("admin")
def office_settings() -> str | BaseResponse:
    office, _offices = office_of_page()
    form = OfficeForm()
    error = None
    if form.validate_on_submit():
        values = _office_form_values(form)
        actor, at = principal().actor, now()
        _result, error = save(
            lambda session: settings.update_office(session, office.id, values, at, actor)
        )
        if error is None:
            flash(_("Đã lưu cài đặt của đơn vị."), "success")
            return go("admin.office_settings", office)
    elif request.method == "GET":
        _fill_office_form(form, office)
    with database().read() as session:
        return render("admin/office.html", session, office, form=form, error=error)


@bp.route("/offices/new", methods=["GET", "POST"])
@page("admin")
def office_new() -> str | BaseResponse:
    if principal().office_id is not None:
        raise NotAllowed("only an administrator of every office creates offices", "forbidden")
    office, _offices = office_of_page()
    form = OfficeCreateForm()
    error = None
    if form.validate_on_submit():
        fields = {
            "code": form.code.data,
            "name": form.name.data,
            "name_en": form.name_en.data or "",
            "timezone": (form.timezone.data or "").strip(),
        }
        actor, at = principal().actor, now()
        created, error = save(lambda session: settings.create_office(session, fields, at, actor))
        if created is not None:
            flash(_("Đã tạo đơn vị %(name)s.", name=created.name), "success")
            return go("admin.office_settings", created)
    with database().read() as session:
        return render("admin/office_new.html", session, office, form=form, error=error)
