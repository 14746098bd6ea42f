"""An office's counters and the services each serves, by preference."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from queueing import settings
from queueing.models import Counter, Office, Service
from web.access import chosen_office, page, principal
from web.context import database

from .common import EntityPages, bp, office_row, render
from .forms import CounterForm


def _preferences(services: list[Service]) -> tuple[list[tuple[int, int]], str | None]:
    pairs = []
    for service in services:
        raw = request.form.get(f"preference_{service.id}", "0")
        if not raw.isdigit() or int(raw) > 9:
            return [], _("Mức ưu tiên của lĩnh vực phải từ 0 đến 9.")
        if int(raw) > 0:
            pairs.append((service.id, int(raw)))
    return pairs, None


def _office_services(session: Session, office: Office) -> list[Service]:
    return list(
        session.scalars(
            select(Service)
            .where(Service.office_id == office.id)
            .order_by(Service.sort_order, Service.id)
        )
    )


@bp.get("/counters")
@page("admin")
def counters() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        rows = session.scalars(
            select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
        ).all()
        names = {service.id: service for service in _office_services(session, office)}
        return render("admin/counters.html", session, office, counters=rows, names=names)


def _prepare_counter(
    session: Session, _form: CounterForm, counter: Counter | None, office: Office
) -> dict[str, Any]:
    """The office's services, each with the counter's preference: as saved
    on a GET, as posted on a POST, where a wrong one refuses the form."""
    services = _office_services(session, office)
    if request.method != "POST":
        current = (
            {link.service_id: link.preference for link in counter.service_links} if counter else {}
        )
        return {"services": services, "preferences": current}
    pairs, error = _preferences(services)
    return {"services": services, "preferences": dict(pairs), "error": error}


def _counter_fields(
    _session: Session, form: CounterForm, _counter: Counter | None, context: dict[str, Any]
) -> dict[str, Any]:
    pairs, _error = _preferences(context["services"])
    return {"number": form.number.data, "name": form.name.data or "", "services": pairs}


COUNTERS = EntityPages(
    form=CounterForm,
    template="admin/counter_form.html",
    name="counter",
    load=office_row(Counter, "counter"),
    prepare=_prepare_counter,
    fields=_counter_fields,
    create=settings.create_counter,
    update=settings.update_counter,
    saved=lambda counter: _("Đã lưu quầy số %(number)s.", number=counter.number),
    listing="admin.counters",
)


@bp.route("/counters/new", methods=["GET", "POST"])
@page("admin")
def counter_new() -> str | BaseResponse:
    return COUNTERS.show(None)


@bp.route("/counters/<int:counter_id>", methods=["GET", "POST"])
@page("admin")
def counter_edit(counter_id: int) -> str | BaseResponse:
    return COUNTERS.show(counter_id)
