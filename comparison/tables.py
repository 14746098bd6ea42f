"""The comparison of offices as a person reads it: which way each figure is
better, the table's order, the chart of one figure, and the table as CSV or
an Excel workbook.

The page, the CSV and the workbook all read :func:`rows`, so an export holds
exactly the offices of the page in the page's order; the exports are written
as every report's are (:mod:`manager.exports`): CSV for machines with the
API's names and units, Excel for people with number cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from manager import charts, exports
from queueing.errors import Invalid
from queueing.models import Office

COUNT = "count"
SHARE = "share"
SECONDS = "seconds"
SCORE = "score"

HIGHER_IS_BETTER = 1
LOWER_IS_BETTER = -1
#: Neither way is better: more tickets is more demand, not a better office.
NEITHER = 0


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of the comparison (a key of ``reports.compare_offices``)."""

    name: str
    kind: str
    better: int


#: The figures in the order of the table.
FIGURES = (
    Figure("issued", COUNT, NEITHER),
    Figure("served", COUNT, NEITHER),
    Figure("no_show", COUNT, LOWER_IS_BETTER),
    Figure("no_show_rate", SHARE, LOWER_IS_BETTER),
    Figure("wait_mean_s", SECONDS, LOWER_IS_BETTER),
    Figure("wait_p90_s", SECONDS, LOWER_IS_BETTER),
    Figure("service_level", SHARE, HIGHER_IS_BETTER),
    Figure("rating_count", COUNT, NEITHER),
    Figure("rating_mean", SCORE, HIGHER_IS_BETTER),
    Figure("low_score_share", SHARE, LOWER_IS_BETTER),
)
BY_NAME = {figure.name: figure for figure in FIGURES}
#: Sorting by the office's name rather than a figure.
BY_OFFICE = "office"
DEFAULT_CHART = "service_level"


def labels() -> dict[str, str]:
    """Each figure's name, in the page's language."""
    return {
        "issued": _("Số lượt phát"),
        "served": _("Đã phục vụ"),
        "no_show": _("Vắng mặt"),
        "no_show_rate": _("Tỷ lệ vắng mặt"),
        "wait_mean_s": _("Thời gian chờ trung bình"),
        "wait_p90_s": _("Thời gian chờ p90"),
        "service_level": _("Tỷ lệ đúng hạn"),
        "rating_count": _("Số đánh giá"),
        "rating_mean": _("Điểm hài lòng trung bình"),
        "low_score_share": _("Tỷ lệ chưa hài lòng"),
    }


# -- which way is better --------------------------------------------------------------


def trend_state(figure: Figure, change: float | None) -> str:
    """``better``, ``worse``, ``same``, ``neutral`` (a change where neither
    way is better) or ``unknown`` (no figure in one of the periods)."""
    if change is None:
        return "unknown"
    if change == 0:
        return "same"
    if figure.better == NEITHER:
        return "neutral"
    return "better" if (change > 0) == (figure.better == HIGHER_IS_BETTER) else "worse"


# -- the rows, in the order asked for ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """An office of the comparison, with what the page shows of it."""

    office: Office
    name: str
    figures: dict[str, Any]
    previous: dict[str, Any]
    trend: dict[str, Any]
    states: dict[str, str]


def first_order(key: str) -> Order:
    """The order of a first click on ``key``'s header: the best first (the
    largest where neither way is better); offices by name from A."""
    if key == BY_OFFICE:
        return Order(key, False)
    return Order(key, BY_NAME[key].better != LOWER_IS_BETTER)


@dataclass(frozen=True, slots=True)
class Order:
    """How the table is sorted: by a figure (or the office) and a direction."""

    key: str
    is_descending: bool

    def link(self, key: str) -> Order:
        """The order a click on ``key``'s header asks for: this one turned
        round when it is the order now."""
        return Order(key, not self.is_descending) if key == self.key else first_order(key)

    @property
    def aria(self) -> str:
        return "descending" if self.is_descending else "ascending"

    @property
    def query(self) -> dict[str, str]:
        return {"sort": self.key, "order": "desc" if self.is_descending else "asc"}


def order_of(raw_sort: str | None, raw_order: str | None) -> Order:
    """The order of ``?sort=FIGURE&order=asc|desc``; by office name when none."""
    key = raw_sort or BY_OFFICE
    if key != BY_OFFICE and key not in BY_NAME:
        raise Invalid(f"sort must be {BY_OFFICE} or a figure's name", "invalid_sort")
    if raw_order not in (None, "", "asc", "desc"):
        raise Invalid("order must be asc or desc", "invalid_sort")
    return Order(key, raw_order == "desc") if raw_order else first_order(key)


def rows(
    offices: Sequence[Office], comparison: dict[str, Any], order: Order, *, english: bool
) -> list[Row]:
    """The offices of ``comparison`` in ``order``; offices without the figure
    come last either way."""
    by_code = {office.code: office for office in offices}
    made = []
    for each in comparison["offices"]:
        office = by_code[each["office"]]
        made.append(
            Row(
                office=office,
                name=(office.name_en or office.name) if english else office.name,
                figures={figure.name: each[figure.name] for figure in FIGURES},
                previous=each["previous"],
                trend=each["trend"],
                states={
                    figure.name: trend_state(figure, each["trend"][figure.name])
                    for figure in FIGURES
                },
            )
        )
    if order.key == BY_OFFICE:
        return sorted(made, key=lambda row: row.name.casefold(), reverse=order.is_descending)
    known = [row for row in made if row.figures[order.key] is not None]
    unknown = [row for row in made if row.figures[order.key] is None]
    known.sort(key=lambda row: row.figures[order.key], reverse=order.is_descending)
    return known + unknown


# -- the chart ------------------------------------------------------------------------


def chart(
    table: Sequence[Row],
    name: str,
    shown: Callable[[str, Any], str],
    *,
    date_from: str,
    date_to: str,
) -> charts.Chart:
    """One figure per office as horizontal bars, in the table's order."""
    figure = BY_NAME[name]
    label = labels()[name]
    scale = 100 if figure.kind == SHARE else 1
    maximum = {SHARE: 100.0, SCORE: 5.0}.get(figure.kind)
    bars = [
        (
            row.name,
            None if row.figures[name] is None else row.figures[name] * scale,
            shown(figure.kind, row.figures[name]),
        )
        for row in table
    ]
    return charts.bar_chart(
        "chart-offices",
        _("%(figure)s theo đơn vị", figure=label),
        _(
            "%(figure)s của từng đơn vị, từ %(start)s đến %(end)s.",
            figure=label,
            start=date_from,
            end=date_to,
        ),
        bars,
        maximum=maximum,
        # Offices have long names ("Bộ phận Một cửa – UBND phường ...").
        label_width=300,
    )


# -- exports --------------------------------------------------------------------------

#: How the exports write each kind of figure (manager.exports: CSV for
#: machines, Excel for people).
EXPORT_KINDS = {
    COUNT: exports.COUNT,
    SHARE: exports.SHARE,
    SECONDS: exports.DURATION,
    SCORE: exports.DECIMAL,
}
#: A change, signed. Excel shows no negative time span, so a change of a
#: wait is written as seconds.
CHANGE_KINDS = {
    COUNT: exports.Kind("count_change", "+#,##0;-#,##0;0"),
    SHARE: exports.Kind("share_change", "+0.0%;-0.0%;0.0%"),
    SECONDS: exports.Kind("seconds_change", "+0.000;-0.000;0"),
    SCORE: exports.Kind("score_change", "+0.00;-0.00;0.00"),
}


def export_table(table: Sequence[Row]) -> exports.Table:
    """The page's table for the exports: each figure, the previous period's
    and the change, under the API's names (CSV) or the page's words (Excel)."""
    names = labels()
    columns = [
        exports.Column("office", _("Mã đơn vị"), exports.TEXT),
        exports.Column("name", _("Đơn vị"), exports.TEXT),
    ]
    for figure in FIGURES:
        label = names[figure.name]
        kind = EXPORT_KINDS[figure.kind]
        change = label + " – " + _("thay đổi")
        if figure.kind == SECONDS:
            change += " " + _("(giây)")
        columns += [
            exports.Column(figure.name, label, kind),
            exports.Column(f"{figure.name}_previous", label + " – " + _("kỳ trước"), kind),
            exports.Column(f"{figure.name}_change", change, CHANGE_KINDS[figure.kind]),
        ]
    rows = []
    for row in table:
        cells: list[Any] = [row.office.code, row.name]
        for figure in FIGURES:
            cells += [
                row.figures[figure.name],
                row.previous[figure.name],
                row.trend[figure.name],
            ]
        rows.append(cells)
    return exports.Table("offices", _("So sánh đơn vị"), tuple(columns), rows)


def csv_text(table: Sequence[Row]) -> str:
    """The table as CSV: English snake_case headers (the API's names), ``.``
    decimals, shares from 0 to 1 and durations in seconds."""
    return exports.to_csv(export_table(table))


def workbook(table: Sequence[Row], *, language: str) -> bytes:
    """The table as an Excel workbook: headers in the page's language, every
    figure a number cell (waits as time spans, shares as percentages)."""
    return exports.to_xlsx([export_table(table)], language=language)
