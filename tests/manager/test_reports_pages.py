"""The report page, its exports and the API give the same numbers."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from queueing import settings
from queueing.models import Office
from queueing.operations import Actor


def card(html, name):
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_page_api_and_csv_agree(client, auth, login, served_history):
    api = client.get("/api/v1/reports/summary", headers=auth("manager")).get_json()
    login("manager")
    page = client.get("/manager/reports?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    data = client.get("/manager/reports.json?from=2026-11-23&to=2026-11-23").get_json()
    assert (api["issued"], api["served"], api["no_show"]) == (3, 1, 1)
    for name in (
        "issued",
        "served",
        "no_show",
        "wait_s",
        "service_s",
        "service_level",
        "rating_mean",
    ):
        assert data[name] == api[name], name
    assert card(page, "issued") == "3"
    assert card(page, "served") == "1"
    assert card(page, "no_show") == "1"
    assert card(page, "rating_mean") == "4,00"
    assert card(page, "service_level") == "100,0 %"
    # Waits 90 s (B001) and 150 s (A001): mean 2:00, max 2:30.
    wait_row = re.search(r'data-duration="wait_s">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'class="num">([^<]*)<', wait_row) == ["2", "2:00", "2:00", "2:24", "2:30"]
    legs = list(
        csv.DictReader(
            io.StringIO(
                client.get("/manager/reports/tickets.csv?from=2026-11-23&to=2026-11-23").get_data(
                    as_text=True
                )
            )
        )
    )
    waits = sorted(float(row["wait_s"]) for row in legs if row["wait_s"])
    assert waits == [90.0, 150.0]
    assert len(legs) == api["legs"] == 3
    assert api["wait_s"]["mean"] == sum(waits) / len(waits)


def test_api_takes_the_same_filters_as_the_page(client, auth, login, served_history):
    login("manager")
    page = client.get("/manager/reports.json?service=HT").get_json()
    assert (page["issued"], page["served"], page["wait_s"]["max"]) == (2, 1, 150.0)
    elderly = client.get("/manager/reports.json?priority=elderly").get_json()
    assert (elderly["issued"], elderly["no_show"]) == (1, 1)


def test_charts_carry_titles_and_totals(client, login, served_history):
    login("manager")
    page = client.get("/manager/reports?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    days = re.search(r'<svg[^>]*id="chart-days".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in days
    assert 'aria-labelledby="chart-days-title chart-days-desc"' in days
    assert '<title id="chart-days-title">Số lượt theo ngày</title>' in days
    # The Monday column: 3 issued, 1 served, written as text.
    assert re.findall(r">(\d+)</text>", days)[-2:] == ["3", "1"]
    satisfaction = re.search(r'<svg[^>]*id="chart-satisfaction".*?</svg>', page, re.S).group(0)
    assert ">Hài lòng</text>" in satisfaction


def table_rows_from_csv(text):
    return list(csv.reader(io.StringIO(text)))


def as_in_csv(cell):
    """An Excel cell as its CSV writes it: seconds for a time span, an ISO
    day for a date, a number as a float."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, timedelta):
        return pytest.approx(cell.total_seconds(), abs=1e-6)
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    try:
        return float(cell)
    except (TypeError, ValueError):
        return str(cell)


def test_excel_holds_the_rows_of_the_csv(client, login, served_history):
    login("manager")
    query = "from=2026-11-23&to=2026-11-23"
    workbook = load_workbook(io.BytesIO(client.get(f"/manager/reports/all.xlsx?{query}").data))
    assert workbook.sheetnames[:3] == ["Tổng hợp", "Theo ngày", "Theo giờ trong ngày"]
    for name, sheet, first_column in (
        ("by_service", "Theo lĩnh vực", 0),
        ("by_day", "Theo ngày", 0),
        # The summary names each figure by its key in CSV, its label in Excel.
        ("summary", "Tổng hợp", 1),
    ):
        header, *csv_rows = table_rows_from_csv(
            client.get(f"/manager/reports/{name}.csv?{query}").get_data(as_text=True)
        )
        excel_header, *excel_rows = workbook[sheet].iter_rows(values_only=True)
        assert len(excel_header) == len(header), name
        assert [[as_in_csv(cell) for cell in row[first_column:]] for row in excel_rows] == [
            [as_in_csv(cell) for cell in row[first_column:]] for row in csv_rows
        ], name
    single = load_workbook(io.BytesIO(client.get(f"/manager/reports/by_service.xlsx?{query}").data))
    rows = list(single.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã", "Lĩnh vực", "Thời gian chờ mục tiêu")
    assert [row[0] for row in rows[1:]] == ["HT", "DD"]
    assert rows[1][3] == 2  # HT: two tickets issued


def test_user_text_is_escaped_in_charts_and_neutralised_in_exports(
    client, login, app_db, clock, services, served_history
):
    app_db.write(
        lambda s: settings.update_service(
            s,
            s.query(Office).one().id,
            services["HT"].id,
            {"name": '=HYPERLINK("http://x")<script>alert(1)</script>'},
            clock(),
            Actor("user:1"),
        )
    )
    login("manager")
    page = client.get("/manager/reports").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = client.get("/manager/reports/by_service.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(client.get("/manager/reports/by_service.xlsx").data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names[0].startswith("'=HYPERLINK")


def test_events_csv_lists_the_day(client, login, served_history):
    login("manager")
    rows = table_rows_from_csv(client.get("/manager/reports/events.csv").get_data(as_text=True))
    kinds = [row[2] for row in rows[1:]]
    assert kinds.count("issued") == 3
    assert {"called", "recalled", "no_show", "started", "finished", "rated"} <= set(kinds)


def test_bad_report_dates_get_an_error(client, login):
    login("manager")
    assert client.get("/manager/reports?from=2026-13-01").status_code == 400
    assert client.get("/manager/reports?from=2026-11-24&to=2026-11-23").status_code == 422
    response = client.get("/manager/reports.json?channel=fax")
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, "unknown_channel")


def test_english_report(client, login, served_history):
    login("manager")
    page = client.get("/manager/reports?lang=en").get_data(as_text=True)
    assert "Wait and service time report" in page
    assert "Tickets by day" in page


def test_the_language_link_keeps_every_filter(client, login, served_history):
    login("manager")
    query = "from=2026-11-23&to=2026-11-23&service=HT&service=DD&counter=2"
    page = client.get(f"/manager/reports?{query}").get_data(as_text=True)
    link = re.search(r'<a class="lang" href="([^"]*)"', page).group(1)
    assert html.unescape(link) == f"/manager/reports?{query}&lang=en"


def test_the_page_says_how_service_times_were_measured(client, auth, login, served_history):
    clerk = auth("clerk")
    client.post("/api/v1/counters/2/call-next", headers=clerk)  # A002
    client.post("/api/v1/counters/2/finish", headers=clerk)  # without Start
    login("manager")
    page = client.get("/manager/reports?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    note = re.search(r'id="service-timing-note">([^<]*)<', page).group(1)
    assert note == (
        "Thời gian phục vụ: 1 lượt tính từ lúc bấm Bắt đầu, 1 lượt tính từ lúc gọi số "
        "(kết thúc mà chưa bấm Bắt đầu), 0 lượt không tính được (kết thúc mà chưa bấm "
        "Bắt đầu, đơn vị chỉ tính từ lúc bấm Bắt đầu)."
    )


def test_the_page_says_how_exact_its_figures_are(client, login, served_history):
    login("manager")
    notes = {
        lang: re.search(
            r'id="exactness-note">([^<]*)<',
            client.get(f"/manager/reports?lang={lang}").get_data(as_text=True),
        ).group(1)
        for lang in ("vi", "en")
    }
    assert "mili giây, làm tròn xuống" in notes["vi"]
    assert "chính xác đến mili giây" in notes["vi"]
    assert "shares are rounded to 0.01 %. Each leg" in notes["en"]
    assert "whole milliseconds, rounded down" in notes["en"]
    assert "exact to the millisecond" in notes["en"]


@pytest.mark.parametrize("counter", ["%C2%B2", "99999999999999999999999", "-1"])
def test_report_filters_that_are_no_ids_are_400(client, login, counter):
    login("manager")
    response = client.get(f"/manager/reports.json?counter={counter}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_field"


def test_the_page_and_exports_count_by_channel_and_bookings(client, login, served_history):
    """Bookings for the day: one checked in (its ticket on channel booking),
    one cancelled, one never checked in (its late window, by the real
    clock, is long over: missed)."""

    def booking(start):
        response = client.post("/api/v1/appointments", json={"service": "HT", "start": start})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    came = booking("2026-11-23T09:15:00+07:00")
    assert client.post(f"/api/v1/appointments/{came['code']}/check-in", json={}).status_code == 201
    gone = booking("2026-11-23T09:30:00+07:00")
    client.post(f"/api/v1/appointments/{gone['code']}/cancel", json={"token": gone["access_token"]})
    booking("2026-11-23T10:00:00+07:00")
    login("manager")
    page = client.get("/manager/reports?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    table = re.search(r'id="table-by-channel">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'<th scope="row">([^<]*)</th>\s*<td class="num">([^<]*)</td>', table)
    assert rows == [("Đặt lịch", "1"), ("Hệ thống khác (API)", "3")]
    note = re.search(r'id="bookings-note">([^<]*)<', page).group(1)
    assert note == (
        "Lịch hẹn cho các ngày này: 3 lịch đã đặt; 1 đã đến xác nhận, 1 đã hủy, "
        "1 lỡ hẹn, 0 chưa đến giờ."
    )
    exported = client.get("/manager/reports/by_channel.csv?from=2026-11-23&to=2026-11-23")
    lines = exported.get_data(as_text=True).splitlines()
    assert lines[0].startswith("channel,issued,")
    assert [line.split(",")[:2] for line in lines[1:]] == [["booking", "1"], ["api", "3"]]
