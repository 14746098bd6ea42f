"""The manager's live board and reports.

- ``/manager/``: the live board; its script re-reads ``/manager/board.json``
  at every ``queue_changed`` of the ``/manager`` namespace and every 15 s;
- ``/manager/reports``: figures over any range of days, with filters, charts
  drawn on the server, and every table as CSV and Excel; the raw legs and the
  event log as CSV.

Managers see their own office; an administrator of several offices picks
one with ``?office=CODE``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing import board as live_board
from queueing import reports
from queueing.errors import Malformed, NotFound
from queueing.models import (
    CHANNELS,
    PRIORITY_CATEGORIES,
    PRIORITY_NONE,
    Counter,
    Office,
    Service,
    Ticket,
    User,
)
from queueing.rules import service_day
from web import payloads
from web.access import chosen_office, json_view, page, principal, visible_offices
from web.context import database, now
from web.i18n import language_url, page_language, weekday_names

from . import charts, exports

bp = Blueprint("manager", __name__, url_prefix="/manager")

#: Days a report covers when the page is opened without dates.
DEFAULT_REPORT_DAYS = 7
#: Seconds between the board's own refreshes, so that waits grow on screen.
BOARD_REFRESH_SECONDS = 15


@bp.app_template_filter("duration")
def duration_filter(seconds: float | None) -> str:
    """Seconds as h:mm:ss or m:ss, to the second (exports keep milliseconds)."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("percent")
def percent_filter(share: float | None) -> str:
    if share is None:
        return "–"
    text = f"{share * 100:.1f}".replace(".", "," if page_language() == "vi" else ".")
    return f"{text} %"


@bp.app_template_filter("number")
def number_filter(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{places}f}"
    if page_language() == "vi":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


@bp.app_context_processor
def area_context() -> dict[str, Any]:
    return {"lang_url": language_url}


# -- the live board -------------------------------------------------------------------


@bp.get("/")
@page("manager")
def board_page() -> str:
    with database().read() as session:
        office = chosen_office(session, principal())
        offices = visible_offices(session, principal())
    return render_template(
        "manager/board.html",
        office=office,
        offices=offices,
        principal=principal(),
        refresh_seconds=BOARD_REFRESH_SECONDS,
        texts=_board_texts(),
    )


@bp.get("/board.json")
@json_view("manager")
def board_json() -> Response:
    with database().read() as session:
        office = chosen_office(session, principal())
        return jsonify(live_board.board(session, office, now()))


def _board_texts() -> dict[str, str]:
    """Words the board's script writes, in the page's language, with {name}
    where the script puts a value (static/common/luot.js, Luot.format)."""
    return {
        "open": _("Đang mở"),
        "paused": _("Tạm dừng"),
        "closed": _("Đã đóng"),
        "called": _("Đã gọi"),
        "serving": _("Đang phục vụ"),
        "nobody": _("Không có"),
        "wait_over_target": _(
            "%(count)s số của %(service)s chờ quá %(target)s phút (lâu nhất %(code)s: %(waited)s)",
            count="{count}",
            service="{service}",
            target="{target}",
            code="{code}",
            waited="{waited}",
        ),
        "counter_paused_too_long": _(
            "Quầy %(number)s tạm dừng đã %(paused)s (giới hạn %(limit)s phút)%(reason)s",
            number="{number}",
            paused="{paused}",
            limit="{limit}",
            reason="{reason}",
        ),
        "no_staffed_counter": _(
            "%(count)s số của %(service)s đang chờ nhưng không có quầy nào mở phục vụ",
            count="{count}",
            service="{service}",
        ),
        "counter_unattended": _(
            "Quầy %(number)s đang mở nhưng máy trạm không phản hồi đã %(silent)s "
            "(quầy tự tạm dừng sau %(grace)s phút)",
            number="{number}",
            silent="{silent}",
            grace="{grace}",
        ),
        "no_counter": _("Không có quầy mở"),
        # A ticket checked in from a booking (short: it is a mark).
        "booking": _("Hẹn"),
        "keypad": _("bàn phím/API"),
        "terminal_silent": _("máy trạm không phản hồi"),
        "no_alerts": _("Không có cảnh báo."),
        "minutes": _("%(n)s phút", n="{n}"),
        "updated": _("Cập nhật lúc %(time)s", time="{time}"),
        "offline": _("Mất kết nối – đang thử kết nối lại…"),
        # A waiting-room display's loudspeaker, as the display reports it.
        "display_sound_ok": _("Loa: hoạt động"),
        "display_sound_blocked": _("Loa bị chặn — chạm vào màn hình"),
        "display_sound_off": _("Loa: đã tắt"),
        "display_sound_not_connected": _("Không có màn hình kết nối"),
        "voice_clips": _("Giọng thu sẵn"),
        "no_displays": _("Chưa cấu hình màn hình nào."),
        "sound_on": _("Âm thanh cảnh báo: bật"),
        "sound_off": _("Âm thanh cảnh báo: tắt"),
    }


# -- reports -------------------------------------------------------------------------------


def _ints(name: str) -> tuple[int, ...]:
    values = []
    for raw in request.args.getlist(name):
        if raw == "":
            continue
        if not (raw.isascii() and raw.isdigit()) or int(raw) > payloads.MAX_ID:
            raise Malformed(f"{name} must be ids", "invalid_field")
        values.append(int(raw))
    return tuple(values)


def _texts(name: str) -> tuple[str, ...]:
    return tuple(value for value in request.args.getlist(name) if value)


def report_query(office: Office) -> tuple[date, date, reports.ReportFilter]:
    """The range and filters of a report request; defaults to the last week."""
    today = service_day(now(), office.timezone)
    date_from, date_to = reports.report_range(
        request.args.get("from"), request.args.get("to"), today, DEFAULT_REPORT_DAYS
    )
    filters = reports.ReportFilter(
        services=_texts("service"),
        counters=_ints("counter"),
        clerks=_ints("clerk"),
        channels=_texts("channel"),
        priorities=_texts("priority"),
    )
    return date_from, date_to, filters


def _load_report(
    session: Session,
) -> tuple[Office, date, date, reports.ReportFilter, dict[str, Any]]:
    office = chosen_office(session, principal())
    date_from, date_to, filters = report_query(office)
    report = reports.full_report(session, office, date_from, date_to, filters=filters)
    return office, date_from, date_to, filters, report


def _choices(session: Session, office: Office) -> dict[str, Any]:
    services = session.scalars(
        select(Service)
        .where(Service.office_id == office.id)
        .order_by(Service.sort_order, Service.id)
    ).all()
    counters = session.scalars(
        select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
    ).all()
    # Clerks of the office, and anyone who served a ticket of it.
    served_by = select(Ticket.clerk_id).where(Ticket.office_id == office.id).distinct()
    clerks = session.scalars(
        select(User)
        .where((User.office_id == office.id) | User.id.in_(served_by))
        .order_by(User.display_name, User.username)
    ).all()
    return {"services": services, "counters": counters, "clerks": clerks}


def _query_without(name: str | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {key: request.args.getlist(key) for key in request.args}
    args.pop("lang", None)
    if name:
        args.pop(name, None)
    return args


@bp.get("/reports")
@page("manager")
def reports_page() -> str:
    with database().read() as session:
        office, date_from, date_to, filters, report = _load_report(session)
        choices = _choices(session, office)
        offices = visible_offices(session, principal())
    english = page_language() == "en"
    return render_template(
        "manager/reports.html",
        office=office,
        offices=offices,
        principal=principal(),
        date_from=date_from,
        date_to=date_to,
        filters=filters,
        report=report,
        choices=choices,
        channels=CHANNELS,
        priorities=(PRIORITY_NONE, reports.ANY_PRIORITY, *PRIORITY_CATEGORIES),
        charts=_report_charts(report, english),
        tables={
            name: exports.table(report, name, language=page_language()) for name in exports.TABLES
        },
        weekdays=weekday_names(),
        levels=exports.level_names(),
        reasons=exports.reason_names(),
        channel_names=exports.channel_names(),
        priority_names=exports.priority_names(),
        query=_query_without(),
        english=english,
    )


@bp.get("/reports.json")
@json_view("manager")
def report_json() -> Response:
    with database().read() as session:
        *_rest, report = _load_report(session)
    return jsonify(report)


def _attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    # CSV goes out as plain UTF-8, without a byte order mark: it is for
    # machines, which would read a mark as part of the first column's name;
    # people get the workbook.
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/reports/<name>.<extension>")
@page("manager")
def report_table_export(name: str, extension: str) -> Response:
    """One table (``by_day.csv``), every table (``all.xlsx``), the raw legs
    (``tickets.csv``) or the event log (``events.csv``) of the report; CSV
    for machines, Excel for people (see :mod:`manager.exports`)."""
    if extension not in ("csv", "xlsx"):
        raise NotFound("exports are .csv or .xlsx", "not_found")
    excel = extension == "xlsx"
    with database().read() as session:
        office = chosen_office(session, principal())
        date_from, date_to, filters = report_query(office)
        stem = f"luot-{office.code}-{date_from}-{date_to}-{name}"
        body: str | bytes
        if name in ("tickets", "events"):
            # Rows are written as they are read, inside the session.
            if name == "tickets":
                title, columns = _("Từng lượt"), exports.TICKET_COLUMNS
                rows = reports.ticket_rows(session, office, date_from, date_to, filters=filters)
            else:
                title, columns = _("Nhật ký sự kiện"), exports.EVENT_COLUMNS
                rows = reports.event_rows(session, office, date_from, date_to)
            if excel:
                body = exports.rows_to_xlsx(title, columns, rows, language=page_language())
            else:
                body = exports.rows_to_csv(columns, rows)
        elif name == "all" or name in exports.TABLES:
            report = reports.full_report(session, office, date_from, date_to, filters=filters)
            chosen = exports.TABLES if name == "all" else (name,)
            tables = [exports.table(report, each, language=page_language()) for each in chosen]
            if excel:
                body = exports.to_xlsx(tables, language=page_language())
            elif name == "all":
                raise NotFound("every table at once is an Excel workbook", "not_found")
            else:
                body = exports.to_csv(tables[0])
        else:
            raise NotFound(f"no table {name!r}", "not_found")
    if excel:
        return _attachment(body, XLSX, f"{stem}.xlsx")
    return _attachment(body, "text/csv", f"{stem}.csv")


def _decimal(value: float) -> str:
    text = f"{value:g}"
    return text if page_language() == "en" else text.replace(".", ",")


def _report_charts(report: dict[str, Any], english: bool) -> dict[str, Any]:
    """The report's charts, drawn here as SVG."""
    by_day = report["by_day"]
    by_hour = report["by_hour"]
    result: dict[str, Any] = {}
    result["days"] = charts.column_chart(
        "chart-days",
        _("Số lượt theo ngày"),
        _("Số lượt phát và đã phục vụ mỗi ngày, từ %(start)s đến %(end)s.")
        % {"start": report["from"], "end": report["to"]},
        [row["day"][8:10] + "/" + row["day"][5:7] for row in by_day],
        [
            charts.Series(_("Số lượt phát"), [row["issued"] for row in by_day]),
            charts.Series(_("Đã phục vụ"), [row["served"] for row in by_day]),
        ],
        _decimal,
    )
    result["hours"] = charts.column_chart(
        "chart-hours",
        _("Lượt đến và thời gian chờ theo giờ"),
        _("Số lượt phát trong mỗi giờ và thời gian chờ trung bình (phút) của giờ đó."),
        [f"{row['hour']:02d}h" for row in by_hour],
        [
            charts.Series(_("Số lượt phát"), [row["issued"] for row in by_hour]),
            charts.Series(
                _("Chờ trung bình (phút)"),
                [
                    None if row["wait_s"]["mean"] is None else round(row["wait_s"]["mean"] / 60, 1)
                    for row in by_hour
                ],
            ),
        ],
        _decimal,
    )
    weekdays = weekday_names()
    cells = report["heatmap"]["cells"]
    hours = report["heatmap"]["hours"]
    present = sorted({cell["weekday"] for cell in cells})
    arrivals = [[None] * len(hours) for _row in present]
    waits: list[list[float | None]] = [[None] * len(hours) for _row in present]
    for cell in cells:
        row = present.index(cell["weekday"])
        column = hours.index(cell["hour"])
        arrivals[row][column] = cell["issued"]
        mean = cell["wait_mean"]
        waits[row][column] = None if mean is None else round(mean / 60, 1)
    row_labels = [weekdays[day] for day in present]
    column_labels = [f"{hour:02d}h" for hour in hours]
    result["heat_arrivals"] = charts.heatmap(
        "chart-heat-arrivals",
        _("Lượt đến theo thứ và giờ"),
        _("Số lượt phát theo ngày trong tuần và giờ trong ngày."),
        row_labels,
        column_labels,
        arrivals,
        _decimal,
    )
    result["heat_waits"] = charts.heatmap(
        "chart-heat-waits",
        _("Thời gian chờ theo thứ và giờ"),
        _("Thời gian chờ trung bình (phút) theo ngày trong tuần và giờ trong ngày."),
        row_labels,
        column_labels,
        waits,
        _decimal,
    )
    result["service_level"] = charts.bar_chart(
        "chart-service-level",
        _("Tỷ lệ đúng hạn theo lĩnh vực"),
        _("Tỷ lệ số được gọi trong thời gian chờ mục tiêu của từng lĩnh vực."),
        [
            (
                (row["name_en"] or row["name"]) if english else row["name"],
                (row["service_level"] or 0) * 100,
                percent_filter(row["service_level"]),
            )
            for row in report["by_service"]
        ],
        maximum=100,
    )
    levels = exports.level_names()
    result["satisfaction"] = charts.bar_chart(
        "chart-satisfaction",
        _("Mức độ hài lòng"),
        _("Số đánh giá ở mỗi mức, từ rất hài lòng đến rất không hài lòng."),
        [
            (
                levels[level],
                report["rating_distribution"][str(level)],
                str(report["rating_distribution"][str(level)]),
            )
            for level in range(5, 0, -1)
        ],
        colour=charts.PALETTE[2],
    )
    return result
