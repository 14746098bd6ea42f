"""The report's exports: CSV for machines, Excel workbooks for people."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from manager import exports
from queueing import reports, settings
from queueing.models import Office
from queueing.operations import Actor

QUERY = "from=2026-11-23&to=2026-11-23"
SPREADSHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def timed_history(client, auth, clock):
    """Two HT tickets issued at 09:00: A001 waits 61.25 s and is served
    30.5 s; A002 waits 1000.25 s, past HT's target of 900 s, and is served
    60 s. HT's service level is 50 %."""
    clerk = auth("clerk")
    client.post("/api/v1/tickets", json={"service": "HT"})
    client.post("/api/v1/tickets", json={"service": "HT"})

    def serve(seconds):
        client.post("/api/v1/counters/2/call-next", headers=clerk)
        client.post("/api/v1/counters/2/start", headers=clerk)
        clock.advance(seconds)
        client.post("/api/v1/counters/2/finish", headers=clerk)

    clock.advance(61.25)
    serve(30.5)  # A001
    clock.advance(1000.25 - 61.25 - 30.5)
    serve(60)  # A002


def workbook_bytes(client, name, lang="vi"):
    response = client.get(f"/manager/reports/{name}.xlsx?{QUERY}&lang={lang}")
    assert response.status_code == 200, response.status_code
    return response.data


def workbook(client, name, lang="vi"):
    return load_workbook(io.BytesIO(workbook_bytes(client, name, lang)))


def csv_response(client, name, lang="vi"):
    response = client.get(f"/manager/reports/{name}.csv?{QUERY}&lang={lang}")
    assert response.status_code == 200, response.status_code
    return response


def csv_rows(client, name, lang="vi"):
    return list(csv.reader(io.StringIO(csv_response(client, name, lang).get_data(as_text=True))))


def cells_by_header(sheet, row_number):
    """The cells of one row of a sheet, by the header of their column."""
    header = [cell.value for cell in sheet[1]]
    return dict(zip(header, sheet[row_number], strict=True))


def stored_numbers(data, sheet_number=1):
    """The numbers as the file holds them, by cell (openpyxl would turn a
    time span into a ``timedelta``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = ElementTree.fromstring(package.read(f"xl/worksheets/sheet{sheet_number}.xml"))
    return {
        cell.get("r"): float(cell.find(f"{SPREADSHEET}v").text)
        for cell in root.iter(f"{SPREADSHEET}c")
        if cell.get("t") in (None, "n") and cell.find(f"{SPREADSHEET}v") is not None
    }


# -- Excel: for people ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["all", "tickets", "events"])
def test_every_sheet_has_a_bold_frozen_header(client, login, served_history, name):
    login("manager")
    for sheet in workbook(client, name).worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title
        if sheet.max_row > 1:
            assert not any(cell.font.b for cell in sheet[2]), sheet.title


def test_columns_are_as_wide_as_their_contents(client, login, served_history):
    login("manager")
    sheet = workbook(client, "by_service").active
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert widths["Lĩnh vực"] >= len("Tư pháp – Hộ tịch")
    assert widths["Mã"] < widths["Lĩnh vực"]
    legs = workbook(client, "tickets").active
    issued_at = next(cell for cell in legs[1] if cell.value == "Lúc phát số")
    assert legs.column_dimensions[issued_at.column_letter].width >= len("23/11/2026 09:00:00")


@pytest.mark.parametrize(("lang", "day_format"), [("vi", "dd/mm/yyyy"), ("en", "yyyy-mm-dd")])
def test_days_are_date_cells(client, login, served_history, lang, day_format):
    login("manager")
    day = workbook(client, "by_day", lang).active["A2"]
    assert day.value == datetime(2026, 11, 23)
    assert day.is_date
    assert day.number_format == day_format


def test_durations_are_time_spans_that_add_up(client, login, timed_history):
    login("manager")
    data = workbook_bytes(client, "by_service")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = cells_by_header(sheet, 2)  # HT
    wait = cells["Thời gian chờ – trung bình"]
    # Waits of 61.25 s and 1000.25 s.
    assert wait.value == timedelta(seconds=530.75)
    assert wait.number_format == "[h]:mm:ss"
    assert stored_numbers(data)[wait.coordinate] == 530.75 / 86400
    assert cells["Thời gian phục vụ – trung bình"].value == timedelta(seconds=45.25)
    assert cells["Thời gian chờ mục tiêu"].value == timedelta(minutes=15)
    assert cells["Thời gian chờ mục tiêu"].number_format == "[h]:mm:ss"


def test_service_level_is_a_share_shown_as_a_percentage(client, login, timed_history):
    login("manager")
    level = cells_by_header(workbook(client, "by_service").active, 2)["Tỷ lệ đúng hạn"]
    assert level.value == 0.5
    assert level.number_format == "0.0%"


def test_counts_and_scores_are_numbers(client, login, served_history):
    login("manager")
    cells = cells_by_header(workbook(client, "by_service").active, 2)  # HT
    assert (cells["Số lượt phát"].value, cells["Số lượt phát"].data_type) == (2, "n")
    assert type(cells["Số lượt phát"].value) is int
    assert cells["Số lượt phát"].number_format == "#,##0"
    assert cells["Điểm hài lòng trung bình"].value == 4
    assert cells["Điểm hài lòng trung bình"].data_type == "n"
    hour = workbook(client, "by_hour").active["A2"]
    assert (hour.value, hour.data_type) == (9, "n")


def test_summary_values_take_the_format_of_their_figure(client, login, served_history):
    login("manager")
    sheet = workbook(client, "summary").active
    values = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert (values["Số lượt phát"].value, values["Số lượt phát"].number_format) == (3, "#,##0")
    assert values["Thời gian chờ – trung bình"].value == timedelta(seconds=120)
    assert values["Thời gian chờ – trung bình"].number_format == "[h]:mm:ss"
    assert (values["Tỷ lệ đúng hạn"].value, values["Tỷ lệ đúng hạn"].number_format) == (
        1,
        "0.0%",
    )


@pytest.mark.parametrize(
    ("lang", "sheet_names", "header", "leg_header"),
    [
        (
            "vi",
            ["Tổng hợp", "Theo ngày", "Theo giờ trong ngày", "Theo lĩnh vực"],
            ("Mã", "Lĩnh vực", "Thời gian chờ mục tiêu", "Số lượt phát"),
            ("ID lượt", "ID lượt trước khi chuyển", "Đơn vị", "Mã lĩnh vực"),
        ),
        (
            "en",
            ["Summary", "By day", "By hour of day", "By service"],
            ("Code", "Service", "Target wait", "Tickets issued"),
            ("Leg id", "Leg id before the transfer", "Office", "Service code"),
        ),
    ],
)
def test_workbooks_speak_the_interface_language(
    client, login, served_history, lang, sheet_names, header, leg_header
):
    login("manager")
    tables = workbook(client, "all", lang)
    assert tables.sheetnames[:4] == sheet_names
    assert tuple(cell.value for cell in tables[sheet_names[3]][1])[:4] == header
    legs = workbook(client, "tickets", lang).active
    assert tuple(cell.value for cell in legs[1])[:4] == leg_header


def test_workbooks_name_what_the_csv_codes(client, login, served_history):
    login("manager")
    tables = workbook(client, "all")
    satisfaction = [row[:3] for row in tables["Mức độ hài lòng"].iter_rows(values_only=True)]
    assert satisfaction[2] == ("Mức độ", "Hài lòng", 1)
    heatmap = tables.worksheets[exports.TABLES.index("heatmap")]
    assert heatmap["A2"].value == "Thứ Hai"
    assert csv_rows(client, "satisfaction")[2] == ["level", "4", "1"]
    assert csv_rows(client, "heatmap")[1][0] == "monday"


def test_ticket_legs_workbook_holds_local_times(client, login, served_history):
    login("manager")
    data = workbook_bytes(client, "tickets")
    sheet = load_workbook(io.BytesIO(data)).active
    first = cells_by_header(sheet, 2)  # A001, issued 09:00 in Hồ Chí Minh City
    assert first["Số thứ tự"].value == "A001"
    assert type(first["ID lượt"].value) is int
    assert first["Ngày"].value == datetime(2026, 11, 23)
    assert first["Ngày"].number_format == "dd/mm/yyyy"
    assert first["Lúc phát số"].value == datetime(2026, 11, 23, 9, 0)
    assert first["Lúc phát số"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert first["Lúc hoàn thành"].value == datetime(2026, 11, 23, 9, 7, 30)
    assert first["Thời gian chờ"].value == timedelta(seconds=150)
    assert stored_numbers(data)[first["Thời gian chờ"].coordinate] == 150 / 86400
    assert first["Thời gian chờ"].number_format == "[h]:mm:ss"
    assert first["Thời gian chính xác"].value is True
    assert first["Điểm đánh giá"].value == 4


def test_event_log_workbook_holds_local_times(client, login, served_history):
    login("manager")
    sheet = workbook(client, "events").active
    first = cells_by_header(sheet, 2)
    assert first["Sự kiện"].value == "issued"
    assert first["Thời điểm"].value == datetime(2026, 11, 23, 9, 0)
    assert first["Thời điểm"].is_date


def test_long_exports_go_on_to_further_sheets(client, login, served_history, monkeypatch):
    login("manager")
    monkeypatch.setattr(exports, "SHEET_ROWS", 4)
    ids = [row[0] for row in csv_rows(client, "events")[1:]]
    assert len(ids) > 8
    book = workbook(client, "events")
    assert book.sheetnames[:3] == ["Nhật ký sự kiện", "Nhật ký sự kiện (2)", "Nhật ký sự kiện (3)"]
    assert len(book.sheetnames) == -(-len(ids) // 4)
    shown = []
    for sheet in book.worksheets:
        header, *rows = sheet.iter_rows(values_only=True)
        assert header[:2] == ("ID sự kiện", "Thời điểm")
        assert 1 <= len(rows) <= 4
        shown += [str(row[0]) for row in rows]
    assert shown == ids


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_long_exports_pause_for_the_server_s_other_work(
    client, login, served_history, monkeypatch, extension
):
    login("manager")
    rows = len(csv_rows(client, "events")) - 1
    pauses = []
    monkeypatch.setattr(exports, "ROWS_BETWEEN_PAUSES", 2)
    monkeypatch.setattr(exports.time, "sleep", pauses.append)
    response = client.get(f"/manager/reports/events.{extension}?{QUERY}")
    assert response.status_code == 200
    assert pauses.count(0) >= rows // 2


# -- CSV: for machines ----------------------------------------------------------------


def test_csv_headers_are_the_column_keys(client, login, served_history):
    login("manager")
    assert csv_rows(client, "by_service")[0][:6] == [
        "service",
        "service_name",
        "target_wait_s",
        "issued",
        "legs",
        "served",
    ]
    assert csv_rows(client, "summary")[0] == ["figure", "value"]
    assert [row[0] for row in csv_rows(client, "summary")[1:4]] == ["issued", "legs", "served"]
    assert tuple(csv_rows(client, "tickets")[0]) == reports.CSV_COLUMNS
    assert tuple(csv_rows(client, "events")[0]) == reports.EVENT_COLUMNS
    for name in exports.TABLES:
        for key in csv_rows(client, name)[0]:
            assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key), (name, key)


@pytest.mark.parametrize("name", [*exports.TABLES, "tickets", "events"])
def test_csv_is_the_same_in_every_language(client, login, served_history, name):
    login("manager")
    vietnamese = csv_response(client, name, "vi").data
    assert csv_response(client, name, "en").data == vietnamese


def test_csv_is_utf8_without_a_byte_order_mark(client, login, served_history):
    login("manager")
    response = csv_response(client, "by_service")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.data.startswith(b"service,service_name,")
    assert "Tư pháp – Hộ tịch".encode() in response.data
    assert csv_response(client, "tickets").data.startswith(b"id,parent_id,")


def test_csv_writes_seconds_shares_and_days_as_machines_read_them(client, login, timed_history):
    login("manager")
    header, ht = csv_rows(client, "by_service")[:2]
    row = dict(zip(header, ht, strict=True))
    assert row["wait_mean_s"] == "530.75"
    assert row["service_mean_s"] == "45.25"
    assert row["service_level"] == "0.5"
    assert row["target_wait_s"] == "900"
    assert csv_rows(client, "by_day")[1][0] == "2026-11-23"
    legs = csv_rows(client, "tickets")
    first = dict(zip(legs[0], legs[1], strict=True))
    assert first["issued_at"] == "2026-11-23T09:00:00+07:00"
    assert first["wait_s"] == "61.25"


# -- both -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_text_that_looks_like_a_formula_stays_text(
    client, login, app_db, clock, services, served_history, lang
):
    app_db.write(
        lambda s: settings.update_service(
            s,
            s.query(Office).one().id,
            services["HT"].id,
            {"name": '=HYPERLINK("http://x","y")', "name_en": "@SUM(A1)"},
            clock(),
            Actor("user:1"),
        )
    )
    login("manager")
    header, ht = csv_rows(client, "by_service", lang)[:2]
    assert dict(zip(header, ht, strict=True))["service_name"] == '\'=HYPERLINK("http://x","y")'
    name = cells_by_header(workbook(client, "by_service", lang).active, 2)[
        "Lĩnh vực" if lang == "vi" else "Service"
    ]
    assert name.value == ('\'=HYPERLINK("http://x","y")' if lang == "vi" else "'@SUM(A1)")
    assert name.data_type == "s"


def test_raw_columns_follow_the_rows_of_the_reports():
    assert tuple(column.key for column in exports.TICKET_COLUMNS) == reports.CSV_COLUMNS
    assert tuple(column.key for column in exports.EVENT_COLUMNS) == reports.EVENT_COLUMNS


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("vi", "CSV dành cho máy: UTF-8, tên cột tiếng Anh"),
        ("en", "CSV is for machines: UTF-8, English column names"),
    ],
)
def test_the_page_says_what_each_format_is_for(client, login, lang, note):
    login("manager")
    page = client.get(f"/manager/reports?lang={lang}").get_data(as_text=True)
    found = re.search(r'id="export-note">([^<]*)<', page)
    assert found and note in found.group(1)
    assert 'href="/manager/reports/tickets.xlsx' in page
    assert 'href="/manager/reports/events.xlsx' in page
