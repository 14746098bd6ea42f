"""Offices side by side, for supervisors and administrators.

- ``/manager/offices``: a supervisor's offices (an administrator's: every
  office they work in) over a range of days, each figure with its change
  from the period before; the table sorts by any figure (``?sort=&order=``,
  links that work without a script), a chart draws one figure per office,
  and each office's name leads to its own reports over the same days;
- ``/manager/offices.csv`` and ``.xlsx``: the table as on the page.

The offices and days are read as the API's ``GET /api/v1/reports/offices``
reads them (:mod:`web.office_comparison`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from manager.routes import duration_filter, number_filter, percent_filter
from queueing.errors import Invalid, NotFound
from web import office_comparison
from web.access import page, principal
from web.context import database
from web.i18n import page_language

from . import tables

bp = Blueprint("comparison", __name__, url_prefix="/manager")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shown(kind: str, value: Any) -> str:
    """A figure as the page writes it."""
    if kind == tables.SHARE:
        return percent_filter(value)
    if kind == tables.SECONDS:
        return duration_filter(value)
    if kind == tables.SCORE:
        return number_filter(value, 2)
    return number_filter(value)


def change(kind: str, delta: float | None) -> str:
    """A figure's change, signed; a share's in percentage points."""
    if delta is None:
        return "–"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    size = abs(delta)
    if kind == tables.SHARE:
        return sign + number_filter(size * 100, 1) + " " + _("điểm %")
    if kind == tables.SECONDS:
        return sign + duration_filter(size)
    if kind == tables.SCORE:
        return sign + number_filter(size, 2)
    return sign + number_filter(size)


def day(iso_day: str) -> str:
    """2026-11-23 as 23/11/2026."""
    return f"{iso_day[8:10]}/{iso_day[5:7]}/{iso_day[0:4]}"


def _comparison(session: Session) -> tuple[dict[str, Any], tables.Order, list[tables.Row]]:
    offices, body = office_comparison.compare(
        session,
        principal(),
        request.args.get("offices"),
        request.args.get("from"),
        request.args.get("to"),
    )
    order = tables.order_of(request.args.get("sort"), request.args.get("order"))
    return body, order, tables.rows(offices, body, order, english=page_language() == "en")


def _query(*leaving: str) -> dict[str, list[str]]:
    """The page's query, without the language and ``leaving``."""
    return {
        key: request.args.getlist(key)
        for key in request.args
        if key != "lang" and key not in leaving
    }


@bp.get("/offices")
@page(office_comparison.COMPARING_ROLE)
def offices_page() -> str:
    chart_name = request.args.get("chart") or tables.DEFAULT_CHART
    if chart_name not in tables.BY_NAME:
        raise Invalid("chart must be a figure's name", "invalid_chart")
    with database().read() as session:
        body, order, table = _comparison(session)
    kept = _query("sort", "order")

    def sort_url(key: str) -> str:
        """This page sorted as a click on ``key``'s header asks."""
        return url_for("comparison.offices_page", **kept, **order.link(key).query)

    return render_template(
        "comparison/offices.html",
        office=None,
        offices=None,
        principal=principal(),
        comparison=body,
        table=table,
        order=order,
        figures=tables.FIGURES,
        labels=tables.labels(),
        chart=tables.chart(
            table, chart_name, shown, date_from=day(body["from"]), date_to=day(body["to"])
        ),
        chart_name=chart_name,
        sort_url=sort_url,
        query=_query(),
        shown=shown,
        change=change,
        day=day,
    )


@bp.get("/offices.<extension>")
@page(office_comparison.COMPARING_ROLE)
def offices_export(extension: str) -> Response:
    """The table as on the page: the same offices, days and order."""
    if extension not in ("csv", "xlsx"):
        raise NotFound("exports are .csv or .xlsx", "not_found")
    with database().read() as session:
        body, _order, table = _comparison(session)
    stem = f"luot-offices-{body['from']}-{body['to']}"
    if extension == "xlsx":
        content: str | bytes = tables.workbook(table, language=page_language())
        mimetype, filename = XLSX, f"{stem}.xlsx"
    else:
        content, mimetype, filename = tables.csv_text(table), "text/csv", f"{stem}.csv"
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
