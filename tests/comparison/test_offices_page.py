"""``/manager/offices``: the offices of a supervisor side by side, sorted by
any figure, with the change from the period before coloured by which way
is better, a chart, a link to each office's reports, and CSV and Excel."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.manager.helpers import log_in, make_user
from tests.offices import add_office, make_supervisor, visit

PAGE = "/manager/offices"
RANGE = "from=2026-10-25&to=2026-11-23"


@pytest.fixture
def history(app_db, clock):
    """DEMO today: waits 60 s and 120 s (served, rated 5 and 2) and 30 s (a
    no-show); on 20 October one served after 10 minutes. HN today: a wait
    of 20 minutes, rated 4. HP today: a wait of 10 s, not rated."""
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội", "Hanoi one-stop office")
    add_office(app_db, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    today = clock.moment
    clock.moment = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
    visit(app_db, clock, "DEMO", "HT", wait_s=600, service_s=100)
    clock.moment = today
    visit(app_db, clock, "DEMO", "HT", wait_s=60, service_s=300, score=5)
    visit(app_db, clock, "DEMO", "DD", wait_s=120, service_s=200, score=2)
    visit(app_db, clock, "DEMO", "HT", wait_s=30, is_no_show=True)
    visit(app_db, clock, "HN", "HS", wait_s=1200, service_s=60, score=4)
    visit(app_db, clock, "HP", "HS", wait_s=10, service_s=60)


@pytest.fixture
def supervisor(app_db, client, clock, history):
    """A supervisor of DEMO and HN, signed in."""
    log_in(client, make_supervisor(app_db, clock(), "giamsat", ["DEMO", "HN"]))


def page(client, query=""):
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def order(html):
    table = re.search(r'<table class="data compared".*?</table>', html, re.S).group(0)
    return re.findall(r'<tr data-office="([^"]+)"', table)


def cell(html, office, figure):
    """(value, trend state, change) of a figure of an office."""
    row = re.search(rf'<tr data-office="{office}">(.*?)</tr>', html, re.S).group(1)
    found = re.search(
        rf'data-figure="{figure}".*?<span class="value">([^<]*)</span>\s*'
        r'<span class="trend [^"]*" data-trend="([^"]+)"[^>]*><span aria-hidden="true">'
        r"([^<]*)</span> ([^<]*)",
        row,
        re.S,
    )
    assert found, (office, figure)
    value, state, arrow, change = found.groups()
    return value, state, f"{arrow} {change}".strip()


def test_a_supervisor_sees_their_offices_with_their_figures(client, supervisor):
    html = page(client, RANGE)
    # By name at first: "Bộ phận Một cửa Hà Nội" before "Bộ phận Một cửa – UBND ...".
    assert order(html) == ["HN", "DEMO"]
    assert "Hải Phòng" not in html
    assert cell(html, "DEMO", "issued") == ("3", "neutral", "▲ +2")
    assert cell(html, "DEMO", "no_show_rate")[0] == "33,3 %"
    assert cell(html, "DEMO", "service_level")[0] == "100,0 %"
    assert cell(html, "DEMO", "rating_mean")[0] == "3,50"
    assert cell(html, "HN", "wait_mean_s")[0] == "20:00"
    assert cell(html, "HN", "service_level")[0] == "0,0 %"
    assert "Từ 25/10/2026 đến 23/11/2026, so với 25/09/2026 – 24/10/2026" in html


def test_a_lower_wait_is_better_and_shown_green(client, supervisor):
    html = page(client, RANGE)
    # 1:10 now against 10:00 before: 8:50 less, which is better.
    assert cell(html, "DEMO", "wait_mean_s") == ("1:10", "better", "▼ −8:50")
    assert 'class="trend trend-better"' in html
    # More no-shows than before (1 against 0) is worse.
    assert cell(html, "DEMO", "no_show")[1:] == ("worse", "▲ +1")
    assert cell(html, "DEMO", "no_show_rate")[1:] == ("worse", "▲ +33,3 điểm %")
    # Nothing the period before: no change to show.
    assert cell(html, "HN", "wait_mean_s")[1:] == ("unknown", "–")


def test_a_higher_service_level_is_better(app_db, client, clock, supervisor):
    # Before: DEMO's one ticket waited 10 minutes, within its target; so did
    # today's: the level is the same.
    html = page(client, RANGE)
    assert cell(html, "DEMO", "service_level")[1:] == ("same", "±0,0 điểm %")


@pytest.mark.parametrize(
    ("query", "expected", "aria"),
    [
        ("", ["HN", "DEMO"], None),
        ("sort=wait_mean_s", ["DEMO", "HN"], "ascending"),
        ("sort=wait_mean_s&order=desc", ["HN", "DEMO"], "descending"),
        ("sort=issued", ["DEMO", "HN"], "descending"),
        ("sort=service_level", ["DEMO", "HN"], "descending"),
        ("sort=service_level&order=asc", ["HN", "DEMO"], "ascending"),
        ("sort=rating_mean", ["HN", "DEMO"], "descending"),
        ("sort=office&order=desc", ["DEMO", "HN"], "descending"),
    ],
)
def test_sorting_by_a_figure(client, supervisor, query, expected, aria):
    html = page(client, f"{RANGE}&{query}")
    assert order(html) == expected
    if aria:
        key = re.search(r"sort=(\w+)", query).group(1)
        assert re.search(rf'data-sort="{key}" aria-sort="{aria}"', html)


def test_a_header_link_sorts_best_first_then_turns_round(client, supervisor):
    html = page(client, RANGE)
    wait = re.search(r'data-sort="wait_mean_s" ><a href="([^"]+)"', html).group(1)
    assert "sort=wait_mean_s" in wait and "order=asc" in wait and "from=2026-10-25" in wait
    sorted_html = page(client, wait.split("?", 1)[1].replace("&amp;", "&"))
    again = re.search(
        r'data-sort="wait_mean_s" aria-sort="ascending"><a href="([^"]+)"', sorted_html
    )
    assert "order=desc" in again.group(1)


def test_offices_without_the_figure_come_last_either_way(app, app_db, clock, history):
    browser = app.test_client()
    log_in(browser, make_user(app_db, "admin", clock, username="quantri"))
    # HP has no rating at all.
    assert order(page(browser, f"{RANGE}&sort=rating_mean&order=desc")) == ["HN", "DEMO", "HP"]
    assert order(page(browser, f"{RANGE}&sort=rating_mean&order=asc")) == ["DEMO", "HN", "HP"]


def test_each_office_leads_to_its_own_reports_over_the_same_days(client, supervisor):
    html = page(client, RANGE)
    link = re.search(r'<tr data-office="HN">\s*<th scope="row"><a href="([^"]+)"', html).group(1)
    link = link.replace("&amp;", "&")
    assert link == "/manager/reports?office=HN&from=2026-10-25&to=2026-11-23"
    report = client.get(link)
    assert report.status_code == 200
    assert re.search(r'data-figure="issued">1<', report.get_data(as_text=True))
    assert client.get("/manager/reports?office=HP&" + RANGE).status_code == 403


def test_the_chart_draws_the_chosen_figure_per_office(client, supervisor):
    default = page(client, RANGE)
    chart = re.search(r'<svg [^>]*id="chart-offices".*?</svg>', default, re.S).group(0)
    assert "Tỷ lệ đúng hạn theo đơn vị" in chart
    assert re.findall(r"<title>([^<]*)</title></rect>", chart) == [
        "Bộ phận Một cửa Hà Nội: 0,0 %",
        "Bộ phận Một cửa – UBND phường Bến Nghé: 100,0 %",
    ]
    waits = page(client, f"{RANGE}&chart=wait_mean_s&sort=wait_mean_s&order=desc")
    chart = re.search(r'<svg [^>]*id="chart-offices".*?</svg>', waits, re.S).group(0)
    assert re.findall(r"<title>([^<]*)</title></rect>", chart) == [
        "Bộ phận Một cửa Hà Nội: 20:00",
        "Bộ phận Một cửa – UBND phường Bến Nghé: 1:10",
    ]
    assert client.get(f"{PAGE}?chart=nothing").status_code == 422


CSV_HEADER = (
    "office,name,issued,issued_previous,issued_change,served,served_previous,served_change,"
    "no_show,no_show_previous,no_show_change,no_show_rate,no_show_rate_previous,"
    "no_show_rate_change,wait_mean_s,wait_mean_s_previous,wait_mean_s_change,wait_p90_s,"
    "wait_p90_s_previous,wait_p90_s_change,service_level,service_level_previous,"
    "service_level_change,rating_count,rating_count_previous,rating_count_change,rating_mean,"
    "rating_mean_previous,rating_mean_change,low_score_share,low_score_share_previous,"
    "low_score_share_change"
)


def test_the_csv_holds_the_table_in_its_order_with_plain_numbers(client, supervisor):
    response = client.get(f"{PAGE}.csv?{RANGE}&sort=wait_mean_s&order=desc")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "luot-offices-2026-10-25-2026-11-23.csv" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"office,")  # UTF-8 without a byte order mark
    text = raw.decode("utf-8")
    assert text.splitlines()[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["office"] for row in rows] == ["HN", "DEMO"]
    demo = rows[1]
    assert demo["name"] == "Bộ phận Một cửa – UBND phường Bến Nghé"
    assert (demo["issued"], demo["issued_previous"], demo["issued_change"]) == ("3", "1", "2")
    assert (demo["wait_mean_s"], demo["wait_mean_s_change"]) == ("70.0", "-530.0")
    assert demo["no_show_rate"] == "0.3333"
    assert rows[0]["wait_mean_s_previous"] == ""


def test_the_workbook_has_number_cells_and_vietnamese_headers(client, supervisor):
    response = client.get(f"{PAGE}.xlsx?{RANGE}&sort=issued")
    assert response.status_code == 200
    assert "luot-offices-2026-10-25-2026-11-23.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "So sánh đơn vị"
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == [
        "Mã đơn vị",
        "Đơn vị",
        "Số lượt phát",
        "Số lượt phát – kỳ trước",
        "Số lượt phát – thay đổi",
    ]
    level = header.index("Tỷ lệ đúng hạn") + 1
    wait = header.index("Thời gian chờ trung bình") + 1
    assert header[wait + 1] == "Thời gian chờ trung bình – thay đổi (giây)"
    assert [sheet.cell(row, 1).value for row in (2, 3)] == ["DEMO", "HN"]
    assert [sheet.cell(2, column).value for column in (3, 4, 5)] == [3, 1, 2]
    share = sheet.cell(2, level)
    assert (share.value, share.number_format) == (1.0, "0.0%")
    # A wait is a time span Excel adds up; its change, signed seconds.
    span = sheet.cell(2, wait)
    assert (span.value, span.number_format) == (timedelta(seconds=70), "[h]:mm:ss")
    assert sheet.cell(2, wait + 2).value == -530.0
    assert sheet.cell(3, wait + 1).value is None
    numbers = [cell.value for cell in sheet[2][2:] if cell.value is not None]
    assert all(isinstance(value, int | float | timedelta) for value in numbers)
    english = client.get(f"{PAGE}.xlsx?{RANGE}&lang=en")
    header = [cell.value for cell in load_workbook(io.BytesIO(english.get_data())).active[1]]
    assert header[:3] == ["Office code", "Office", "Tickets issued"]
    assert "Service level" in header


def test_the_page_in_english(client, supervisor):
    html = page(client, f"{RANGE}&lang=en")
    assert "Offices side by side" in html
    assert "Mean wait time" in html
    assert cell(html, "DEMO", "no_show_rate") == ("33.3 %", "worse", "▲ +33.3 pts")
    assert ">Hanoi one-stop office</a>" in html


@pytest.mark.parametrize("role", ["manager", "clerk"])
def test_managers_and_clerks_get_403(app_db, client, clock, history, role):
    log_in(client, make_user(app_db, role, clock, username=f"{role}-x"))
    for path in (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"):
        assert client.get(path).status_code == 403, path


def test_the_menu_links_the_comparison_for_supervisors_and_admins_only(
    app, app_db, client, clock, history
):
    for role, shown in (("manager", False), ("supervisor", True), ("admin", True)):
        browser = app.test_client()
        log_in(browser, make_user(app_db, role, clock, username=f"{role}-menu"))
        html = browser.get("/manager/reports").get_data(as_text=True)
        assert ('id="nav-offices"' in html) is shown, role


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=2026-13-01", 400), ("from=2026-11-24&to=2026-11-23", 422), ("sort=nothing", 422)],
)
def test_bad_input_gets_an_error_page(client, supervisor, query, status):
    response = client.get(f"{PAGE}?{query}", headers={"Accept": "text/html"})
    assert response.status_code == status
    assert "<main" in response.get_data(as_text=True)
