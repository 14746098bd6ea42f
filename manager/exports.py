"""The report's tables as rows, and those rows as CSV or an Excel workbook.

The page, the CSV and the workbook all read :func:`table`, so each export
holds exactly the rows of the table on screen. Numbers stay numbers
(seconds, not "12 phút"); text cells that a spreadsheet would run as a
formula are neutralised by :func:`queueing.reports.safe_cell`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from queueing.reports import csv_text, safe_cell

TABLES = (
    "summary",
    "by_day",
    "by_hour",
    "by_service",
    "by_counter",
    "by_clerk",
    "heatmap",
    "satisfaction",
)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


def weekday_names() -> list[str]:
    return [
        _("Thứ Hai"),
        _("Thứ Ba"),
        _("Thứ Tư"),
        _("Thứ Năm"),
        _("Thứ Sáu"),
        _("Thứ Bảy"),
        _("Chủ nhật"),
    ]


def level_names() -> dict[int, str]:
    return {
        5: _("Rất hài lòng"),
        4: _("Hài lòng"),
        3: _("Bình thường"),
        2: _("Không hài lòng"),
        1: _("Rất không hài lòng"),
    }


def reason_names() -> dict[str, str]:
    return {
        "long_wait": _("Thời gian chờ lâu"),
        "attitude": _("Thái độ phục vụ chưa tốt"),
        "unclear_guidance": _("Hướng dẫn chưa rõ ràng"),
        "slow_processing": _("Giải quyết chậm"),
        "other": _("Lý do khác"),
    }


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


def _figure_headers() -> list[str]:
    headers = [
        _("Số lượt phát"),
        _("Số lượt (kể cả chuyển)"),
        _("Đã phục vụ"),
        _("Vắng mặt"),
        _("Đã hủy"),
        _("Đã chuyển"),
        _("Đóng tự động (không tính thời gian)"),
    ]
    for label in (_("Thời gian chờ"), _("Thời gian di chuyển"), _("Thời gian phục vụ")):
        headers += [
            f"{label} – " + _("trung bình (giây)"),
            f"{label} – " + _("trung vị (giây)"),
            f"{label} – " + _("p90 (giây)"),
            f"{label} – " + _("lớn nhất (giây)"),
        ]
    headers += [_("Tỷ lệ đúng hạn (%)"), _("Số đánh giá"), _("Điểm hài lòng trung bình")]
    headers += [f"{_('Đánh giá')} {level}" for level in range(5, 0, -1)]
    return headers


def _figure_cells(figures: dict[str, Any]) -> list[Any]:
    cells: list[Any] = [
        figures["issued"],
        figures["legs"],
        figures["served"],
        figures["no_show"],
        figures["cancelled"],
        figures["transferred"],
        figures["inaccurate"],
    ]
    for name in ("wait_s", "walk_s", "service_s"):
        durations = figures[name]
        cells += [durations["mean"], durations["median"], durations["p90"], durations["max"]]
    cells += [percent(figures["service_level"]), figures["rating_count"], figures["rating_mean"]]
    cells += [figures["rating_distribution"][str(level)] for level in range(5, 0, -1)]
    return cells


def _grouped(
    name: str,
    title: str,
    label_headers: list[str],
    rows: Sequence[dict[str, Any]],
    labels: Callable[[dict[str, Any]], list[Any]],
) -> Table:
    return Table(
        name,
        title,
        label_headers + _figure_headers(),
        [labels(row) + _figure_cells(row) for row in rows],
    )


def table(report: dict[str, Any], name: str, *, language: str = "vi") -> Table:
    """One table of a report, as on the page."""
    english = language == "en"
    if name == "summary":
        headers = _figure_headers()
        return Table(
            name,
            _("Tổng hợp"),
            [_("Chỉ tiêu"), _("Giá trị")],
            [list(pair) for pair in zip(headers, _figure_cells(report), strict=True)],
        )
    if name == "by_day":
        return _grouped(name, _("Theo ngày"), [_("Ngày")], report["by_day"], lambda r: [r["day"]])
    if name == "by_hour":
        return _grouped(
            name, _("Theo giờ trong ngày"), [_("Giờ")], report["by_hour"], lambda r: [r["hour"]]
        )
    if name == "by_service":
        return _grouped(
            name,
            _("Theo lĩnh vực"),
            [_("Mã"), _("Lĩnh vực"), _("Thời gian chờ mục tiêu (giây)")],
            report["by_service"],
            lambda r: [
                r["service"],
                (r["name_en"] or r["name"]) if english else r["name"],
                r["target_wait_s"],
            ],
        )
    if name == "by_counter":
        return _grouped(
            name,
            _("Theo quầy"),
            [_("Quầy số"), _("Tên quầy")],
            report["by_counter"],
            lambda r: [r["number"], r["name"]],
        )
    if name == "by_clerk":
        return _grouped(
            name, _("Theo cán bộ"), [_("Cán bộ")], report["by_clerk"], lambda r: [r["name"]]
        )
    if name == "heatmap":
        weekdays = weekday_names()
        return Table(
            name,
            _("Lượt đến và thời gian chờ theo thứ và giờ"),
            [
                _("Thứ"),
                _("Giờ"),
                _("Số lượt phát"),
                _("Thời gian chờ trung bình (giây)"),
                _("Thời gian chờ trung vị (giây)"),
            ],
            [
                [
                    weekdays[cell["weekday"]],
                    cell["hour"],
                    cell["issued"],
                    cell["wait_mean"],
                    cell["wait_median"],
                ]
                for cell in report["heatmap"]["cells"]
            ],
        )
    if name == "satisfaction":
        levels = level_names()
        reasons = reason_names()
        rows: list[list[Any]] = [
            [_("Mức độ"), levels[level], report["rating_distribution"][str(level)]]
            for level in range(5, 0, -1)
        ]
        rows += [
            [_("Lý do"), reasons.get(reason, reason), count]
            for reason, count in report["satisfaction"]["reasons"].items()
        ]
        return Table(name, _("Mức độ hài lòng"), [_("Nhóm"), _("Nội dung"), _("Số lượt")], rows)
    raise KeyError(name)


def to_csv(each: Table) -> str:
    return csv_text(each.headers, each.rows)


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table."""
    workbook = Workbook(write_only=True)
    for each in tables:
        sheet = workbook.create_sheet(title=_sheet_title(each.title))
        sheet.append([safe_cell(header) for header in each.headers])
        for row in each.rows:
            sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    return to_xlsx([Table("rows", title, list(headers), [list(row) for row in rows])])


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and names over 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title)
    return cleaned[:31] or "Sheet"


def channel_names() -> dict[str, str]:
    return {
        "kiosk": _("Kiosk"),
        "counter": _("Tại quầy"),
        "booking": _("Đặt lịch"),
        "api": _("Hệ thống khác (API)"),
    }


def priority_names() -> dict[str, str]:
    return {
        "none": _("Thông thường"),
        "any": _("Mọi đối tượng ưu tiên"),
        "elderly": _("Người cao tuổi"),
        "disability": _("Người khuyết tật"),
        "pregnancy": _("Phụ nữ mang thai"),
        "small_child": _("Người đi cùng trẻ nhỏ"),
        "merit": _("Người có công với cách mạng"),
        "other": _("Ưu tiên khác"),
    }
