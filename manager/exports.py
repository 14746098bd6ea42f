"""The report's tables, the ticket legs and the event log as CSV and as Excel.

Each column is declared once, as a :class:`Column`: its snake_case ``key``
heads the CSV, its ``label`` (in the interface's language) heads the
workbook, and its :class:`Kind` says how a cell is written in each.

- **CSV is for machines**, the same in every interface language: UTF-8
  without a byte order mark, English snake_case headers, ``.`` decimals,
  durations in seconds (to the millisecond), shares from 0 to 1, ISO 8601
  days and instants (with the office's offset), codes rather than names.
- **Excel is for people**: headers in the interface's language, bold and
  frozen; days and instants as date cells in the office's local time;
  durations as time spans (``[h]:mm:ss``, so that they add up); shares as
  percentages; counts as numbers; columns as wide as their contents.

In both, text that a spreadsheet would run as a formula is neutralised by
:func:`queueing.reports.safe_cell`. The page's tables, their CSV and their
workbook all come from :func:`table`, so each export holds exactly the rows
of the table on screen.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, islice
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from queueing.reports import csv_text, safe_cell
from web.i18n import weekday_names

TABLES = (
    "summary",
    "by_day",
    "by_hour",
    "by_service",
    "by_counter",
    "by_clerk",
    "by_channel",
    "heatmap",
    "satisfaction",
)

SECONDS_PER_DAY = 86400
#: Rows of one sheet under its header (Excel's limit); longer exports go on
#: to further sheets ("Từng lượt (2)" ...).
SHEET_ROWS = 1_048_575
#: Rows read ahead to fit the widths of a streamed export's columns.
WIDTH_SAMPLE_ROWS = 1000
#: Rows of a streamed export between two pauses for the server's other work.
ROWS_BETWEEN_PAUSES = 1000
#: Widths, in characters, that a column may take; longer headers wrap.
MIN_WIDTH = 6
MAX_WIDTH = 50
HEADER_WIDTH = 28


@dataclass(frozen=True, slots=True)
class Kind:
    """How a kind of value is written: for machines (CSV), for people (Excel)."""

    name: str
    #: Excel's number format, or None for text and truth values.
    number_format: str | None = None
    #: The number format in the Vietnamese interface, where it differs.
    number_format_vi: str | None = None

    def excel_format(self, language: str) -> str | None:
        if language == "vi" and self.number_format_vi:
            return self.number_format_vi
        return self.number_format


TEXT = Kind("text")
#: A :class:`Named` value: its key in CSV, its label in Excel.
NAMED = Kind("named")
#: Ids, hours and counter numbers: whole numbers without thousands separators.
INTEGER = Kind("integer", "0")
COUNT = Kind("count", "#,##0")
DECIMAL = Kind("decimal", "0.00")
#: Seconds; in Excel a day fraction shown as hours:minutes:seconds.
DURATION = Kind("duration", "[h]:mm:ss")
#: A share from 0 to 1.
SHARE = Kind("share", "0.0%")
#: A ``date`` or an ISO 8601 day.
DAY = Kind("day", "yyyy-mm-dd", "dd/mm/yyyy")
#: An ISO 8601 instant with the office's offset, as :mod:`queueing.reports`
#: writes them; Excel gets the office's wall-clock time.
INSTANT = Kind("instant", "yyyy-mm-dd hh:mm:ss", "dd/mm/yyyy hh:mm:ss")
BOOLEAN = Kind("boolean")
#: The summary's first column: cells are the :class:`Column` of a figure.
FIGURE = Kind("figure")
#: The summary's second column: each cell of the kind of its row's figure.
FIGURE_VALUE = Kind("figure_value")


@dataclass(frozen=True, slots=True)
class Column:
    #: The CSV header: English snake_case, the same in every language.
    key: str
    #: The Excel header, translated when the workbook is written.
    label: Any
    kind: Kind
    #: Where a figure column reads its value in a report's figures.
    source: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Named:
    """A value that machines read as ``key`` and people as ``label``."""

    key: str | int
    label: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]


def _figure(key: str, label: Any, kind: Kind, *source: str) -> Column:
    return Column(key, label, kind, source or (key,))


#: The figures of a group of legs (see ``queueing.reports.figures``), in the
#: order of every table of figures.
FIGURES = (
    _figure("issued", _l("Số lượt phát"), COUNT),
    _figure("legs", _l("Số lượt (kể cả chuyển)"), COUNT),
    _figure("served", _l("Đã phục vụ"), COUNT),
    _figure("no_show", _l("Vắng mặt"), COUNT),
    _figure("cancelled", _l("Đã hủy"), COUNT),
    _figure("transferred", _l("Đã chuyển"), COUNT),
    _figure("inaccurate", _l("Đóng tự động (không tính thời gian)"), COUNT),
    _figure("wait_mean_s", _l("Thời gian chờ – trung bình"), DURATION, "wait_s", "mean"),
    _figure("wait_median_s", _l("Thời gian chờ – trung vị"), DURATION, "wait_s", "median"),
    _figure("wait_p90_s", _l("Thời gian chờ – p90"), DURATION, "wait_s", "p90"),
    _figure("wait_max_s", _l("Thời gian chờ – lớn nhất"), DURATION, "wait_s", "max"),
    _figure("walk_mean_s", _l("Thời gian di chuyển – trung bình"), DURATION, "walk_s", "mean"),
    _figure("walk_median_s", _l("Thời gian di chuyển – trung vị"), DURATION, "walk_s", "median"),
    _figure("walk_p90_s", _l("Thời gian di chuyển – p90"), DURATION, "walk_s", "p90"),
    _figure("walk_max_s", _l("Thời gian di chuyển – lớn nhất"), DURATION, "walk_s", "max"),
    _figure("service_mean_s", _l("Thời gian phục vụ – trung bình"), DURATION, "service_s", "mean"),
    _figure(
        "service_median_s", _l("Thời gian phục vụ – trung vị"), DURATION, "service_s", "median"
    ),
    _figure("service_p90_s", _l("Thời gian phục vụ – p90"), DURATION, "service_s", "p90"),
    _figure("service_max_s", _l("Thời gian phục vụ – lớn nhất"), DURATION, "service_s", "max"),
    _figure("service_level", _l("Tỷ lệ đúng hạn"), SHARE),
    _figure("rating_count", _l("Số đánh giá"), COUNT),
    _figure("rating_mean", _l("Điểm hài lòng trung bình"), DECIMAL),
    _figure("rating_5", _l("Mức 5 – Rất hài lòng"), COUNT, "rating_distribution", "5"),
    _figure("rating_4", _l("Mức 4 – Hài lòng"), COUNT, "rating_distribution", "4"),
    _figure("rating_3", _l("Mức 3 – Bình thường"), COUNT, "rating_distribution", "3"),
    _figure("rating_2", _l("Mức 2 – Không hài lòng"), COUNT, "rating_distribution", "2"),
    _figure("rating_1", _l("Mức 1 – Rất không hài lòng"), COUNT, "rating_distribution", "1"),
)
FIGURE_COLUMNS = {column.key: column for column in FIGURES}

DAY_COLUMN = Column("day", _l("Ngày"), DAY)
HOUR_COLUMN = Column("hour", _l("Giờ"), INTEGER)
SERVICE_COLUMNS = (
    Column("service", _l("Mã"), TEXT),
    Column("service_name", _l("Lĩnh vực"), NAMED),
    Column("target_wait_s", _l("Thời gian chờ mục tiêu"), DURATION),
)
COUNTER_COLUMNS = (
    Column("counter_number", _l("Quầy số"), INTEGER),
    Column("counter_name", _l("Tên quầy"), TEXT),
)
CLERK_COLUMN = Column("clerk_name", _l("Cán bộ"), TEXT)
CHANNEL_COLUMN = Column("channel", _l("Kênh"), NAMED)
WEEKDAY_COLUMN = Column("weekday", _l("Thứ"), NAMED)
SUMMARY_COLUMNS = (
    Column("figure", _l("Chỉ tiêu"), FIGURE),
    Column("value", _l("Giá trị"), FIGURE_VALUE),
)
SATISFACTION_COLUMNS = (
    Column("group", _l("Nhóm"), NAMED),
    Column("item", _l("Nội dung"), NAMED),
    Column("count", _l("Số lượt"), COUNT),
)

#: The columns of ``queueing.reports.ticket_rows``, one per key of its
#: ``CSV_COLUMNS`` and in that order.
TICKET_COLUMNS = (
    Column("id", _l("ID lượt"), INTEGER),
    Column("parent_id", _l("ID lượt trước khi chuyển"), INTEGER),
    Column("office", _l("Đơn vị"), TEXT),
    Column("service", _l("Mã lĩnh vực"), TEXT),
    Column("service_day", _l("Ngày"), DAY),
    Column("code", _l("Số thứ tự"), TEXT),
    Column("number", _l("Số trong dãy"), INTEGER),
    Column("priority", _l("Đối tượng"), TEXT),
    Column("channel", _l("Kênh"), TEXT),
    Column("state", _l("Trạng thái"), TEXT),
    Column("outcome", _l("Kết quả"), TEXT),
    Column("counter_number", _l("Quầy số"), INTEGER),
    Column("clerk", _l("Cán bộ"), TEXT),
    Column("issued_at", _l("Lúc phát số"), INSTANT),
    Column("first_called_at", _l("Lúc gọi lần đầu"), INSTANT),
    Column("last_called_at", _l("Lúc gọi lần cuối"), INSTANT),
    Column("call_count", _l("Số lần gọi"), COUNT),
    Column("started_at", _l("Lúc bắt đầu"), INSTANT),
    Column("finished_at", _l("Lúc hoàn thành"), INSTANT),
    Column("no_show_at", _l("Lúc vắng mặt"), INSTANT),
    Column("cancelled_at", _l("Lúc hủy"), INSTANT),
    Column("wait_s", _l("Thời gian chờ"), DURATION),
    Column("walk_s", _l("Thời gian di chuyển"), DURATION),
    Column("service_s", _l("Thời gian phục vụ"), DURATION),
    Column("total_s", _l("Tổng thời gian"), DURATION),
    Column("is_time_accurate", _l("Thời gian chính xác"), BOOLEAN),
    Column("rating", _l("Điểm đánh giá"), INTEGER),
)

#: The columns of ``queueing.reports.event_rows`` (its ``EVENT_COLUMNS``).
EVENT_COLUMNS = (
    Column("id", _l("ID sự kiện"), INTEGER),
    Column("created_at", _l("Thời điểm"), INSTANT),
    Column("kind", _l("Sự kiện"), TEXT),
    Column("actor", _l("Người thực hiện"), TEXT),
    Column("ticket_id", _l("ID lượt"), INTEGER),
    Column("code", _l("Số thứ tự"), TEXT),
    Column("counter_id", _l("ID quầy"), INTEGER),
    Column("data", _l("Dữ liệu"), TEXT),
)

WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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


# -- the report's tables -------------------------------------------------------------


def figure_value(figures: dict[str, Any], column: Column) -> Any:
    value: Any = figures
    for step in column.source:
        value = value[step]
    return value


def _grouped(
    name: str,
    title: str,
    label_columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    labels: Callable[[dict[str, Any]], list[Any]],
) -> Table:
    return Table(
        name,
        title,
        (*label_columns, *FIGURES),
        [labels(row) + [figure_value(row, column) for column in FIGURES] for row in rows],
    )


def table(report: dict[str, Any], name: str, *, language: str = "vi") -> Table:
    """One table of a report, as on the page."""
    english = language == "en"
    if name == "summary":
        return Table(
            name,
            _("Tổng hợp"),
            SUMMARY_COLUMNS,
            [[column, figure_value(report, column)] for column in FIGURES],
        )
    if name == "by_day":
        return _grouped(
            name,
            _("Theo ngày"),
            (DAY_COLUMN,),
            report["by_day"],
            lambda r: [date.fromisoformat(r["day"])],
        )
    if name == "by_channel":
        channels = channel_names()
        return _grouped(
            name,
            _("Theo kênh lấy số"),
            (CHANNEL_COLUMN,),
            report["by_channel"],
            lambda r: [Named(r["channel"], channels[r["channel"]])],
        )
    if name == "by_hour":
        return _grouped(
            name, _("Theo giờ trong ngày"), (HOUR_COLUMN,), report["by_hour"], lambda r: [r["hour"]]
        )
    if name == "by_service":
        # Machines get the office's own name of the service in every language.
        return _grouped(
            name,
            _("Theo lĩnh vực"),
            SERVICE_COLUMNS,
            report["by_service"],
            lambda r: [
                r["service"],
                Named(r["name"], (r["name_en"] or r["name"]) if english else r["name"]),
                r["target_wait_s"],
            ],
        )
    if name == "by_counter":
        return _grouped(
            name,
            _("Theo quầy"),
            COUNTER_COLUMNS,
            report["by_counter"],
            lambda r: [r["number"], r["name"]],
        )
    if name == "by_clerk":
        return _grouped(
            name, _("Theo cán bộ"), (CLERK_COLUMN,), report["by_clerk"], lambda r: [r["name"]]
        )
    if name == "heatmap":
        weekdays = weekday_names()
        return Table(
            name,
            _("Lượt đến và thời gian chờ theo thứ và giờ"),
            (
                WEEKDAY_COLUMN,
                HOUR_COLUMN,
                FIGURE_COLUMNS["issued"],
                FIGURE_COLUMNS["wait_mean_s"],
                FIGURE_COLUMNS["wait_median_s"],
            ),
            [
                [
                    Named(WEEKDAY_KEYS[cell["weekday"]], weekdays[cell["weekday"]]),
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
        level_group = Named("level", _("Mức độ"))
        reason_group = Named("reason", _("Lý do"))
        rows: list[list[Any]] = [
            [level_group, Named(level, levels[level]), report["rating_distribution"][str(level)]]
            for level in range(5, 0, -1)
        ]
        rows += [
            [reason_group, Named(reason, reasons.get(reason, reason)), count]
            for reason, count in report["satisfaction"]["reasons"].items()
        ]
        return Table(name, _("Mức độ hài lòng"), SATISFACTION_COLUMNS, rows)
    raise KeyError(name)


# -- CSV -----------------------------------------------------------------------------


def _csv_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind in (NAMED, FIGURE):
        return value.key
    if kind in (DAY, INSTANT) and isinstance(value, date):
        return value.isoformat()
    return value


def _typed(columns: Sequence[Column], row: Sequence[Any]) -> Iterator[tuple[Kind, Any]]:
    """Each cell of a row with its kind: its column's, or for the summary's
    values, the kind of the row's figure."""
    for column, value in zip(columns, row, strict=True):
        yield (row[0].kind if column.kind is FIGURE_VALUE else column.kind), value


def pausing(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows, pausing every :data:`ROWS_BETWEEN_PAUSES` of them.

    The server is one gevent process that also serves every display and
    terminal of the office; ``time.sleep(0)`` (gevent's ``sleep`` once the
    process is patched) lets them run while a long export is written.
    """
    for count, row in enumerate(rows, start=1):
        if count % ROWS_BETWEEN_PAUSES == 0:
            time.sleep(0)
        yield row


def rows_to_csv(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> str:
    """CSV for machines (see the module's docstring)."""
    return csv_text(
        [column.key for column in columns],
        (
            [_csv_value(kind, value) for kind, value in _typed(columns, row)]
            for row in pausing(rows)
        ),
    )


def to_csv(each: Table) -> str:
    return rows_to_csv(each.columns, each.rows)


# -- Excel ---------------------------------------------------------------------------


def _excel_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind in (NAMED, FIGURE):
        return safe_cell(str(value.label))
    if kind is DURATION:
        return value / SECONDS_PER_DAY
    if kind is DAY:
        return value if isinstance(value, date) else date.fromisoformat(value)
    if kind is INSTANT:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        # The office's wall-clock time: Excel has no time zones.
        return moment.replace(tzinfo=None)
    return safe_cell(value)


def _shown_width(kind: Kind, value: Any) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    if kind in (NAMED, FIGURE):
        return len(str(value.label))
    if kind is DAY:
        return 10
    if kind is INSTANT:
        return 19
    if kind is DURATION:
        return len(f"{int(value) // 3600}:00:00")
    if kind is SHARE:
        return 6
    if kind is COUNT:
        return len(f"{value:,}")
    if kind is DECIMAL:
        return len(f"{value:.2f}")
    return len(str(value))


def _widths(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> list[int]:
    widths = [min(len(str(column.label)), HEADER_WIDTH) for column in columns]
    for row in rows:
        for index, (kind, value) in enumerate(_typed(columns, row)):
            widths[index] = max(widths[index], _shown_width(kind, value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


class _SheetWriter:
    """Writes rows to sheets of a write-only workbook, each with the same
    bold, frozen header and column widths, going on to a new sheet when one
    is full."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        columns: Sequence[Column],
        widths: Sequence[int],
        language: str,
    ) -> None:
        self.workbook = workbook
        self.title = _sheet_title(title)
        self.columns = columns
        self.widths = widths
        self.language = language
        self.sheets = 0
        self.sheet: Any = None
        self.rows_on_sheet = 0

    def _new_sheet(self) -> Any:
        self.sheets += 1
        title = self.title
        if self.sheets > 1:
            suffix = f" ({self.sheets})"
            title = title[: 31 - len(suffix)].rstrip() + suffix
        sheet = self.workbook.create_sheet(title=title)
        for index, width in enumerate(self.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, safe_cell(str(column.label)))
            cell.font = bold
            cell.alignment = wrap
            header.append(cell)
        sheet.append(header)
        self.sheet = sheet
        self.rows_on_sheet = 0
        return sheet

    def append(self, row: Sequence[Any]) -> None:
        sheet = self.sheet
        if sheet is None or self.rows_on_sheet >= SHEET_ROWS:
            sheet = self._new_sheet()
        cells: list[Any] = []
        for kind, value in _typed(self.columns, row):
            shown = _excel_value(kind, value)
            number_format = kind.excel_format(self.language)
            if number_format and shown is not None:
                cell = WriteOnlyCell(sheet, shown)
                cell.number_format = number_format
                cells.append(cell)
            else:
                cells.append(shown)
        sheet.append(cells)
        self.rows_on_sheet += 1

    def finish(self) -> None:
        if self.sheet is None:
            self._new_sheet()


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx(tables: Sequence[Table], *, language: str = "vi") -> bytes:
    """A workbook for people with one sheet per table."""
    workbook = Workbook(write_only=True)
    for each in tables:
        writer = _SheetWriter(
            workbook, each.title, each.columns, _widths(each.columns, each.rows), language
        )
        for row in each.rows:
            writer.append(row)
        writer.finish()
    return _save(workbook)


def rows_to_xlsx(
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    language: str = "vi",
) -> bytes:
    """A workbook for people of rows read as they come (the ticket legs, the
    event log), the widths fitted to the first rows."""
    stream = pausing(rows)
    sample = list(islice(stream, WIDTH_SAMPLE_ROWS))
    workbook = Workbook(write_only=True)
    writer = _SheetWriter(workbook, title, columns, _widths(columns, sample), language)
    for row in chain(sample, stream):
        writer.append(row)
    writer.finish()
    return _save(workbook)


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and names over 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title)
    return cleaned[:31].rstrip() or "Sheet"
