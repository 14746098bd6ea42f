"""``GET /api/v1/reports/offices``: offices side by side, for supervisors
(their offices) and administrators (every office), with the figures each
office's own report gives for the same days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from queueing.models import Event, Ticket
from tests.api.test_api import conforms, error_code
from tests.manager.helpers import log_in, make_user
from tests.offices import add_office, make_supervisor, visit

PATH = "/api/v1/reports/offices"
#: A day of the previous period (2026-09-25 to 2026-10-24), 09:00 local.
EARLIER = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def history(app_db, clock):
    """Today (23 November) DEMO issued three: waits 60 s and 120 s served
    and rated 5 and 2, a wait of 30 s a no-show; HN one, waiting 20 minutes
    (over its 15) and rated 4; HP one. On 20 October DEMO served one after
    10 minutes."""
    add_office(app_db, clock(), "HN", "Bộ phận Một cửa Hà Nội", "Hanoi one-stop office")
    add_office(app_db, clock(), "HP", "Bộ phận Một cửa Hải Phòng")
    today = clock.moment
    clock.moment = EARLIER
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


def rows(body):
    return {row["office"]: row for row in body["offices"]}


def test_a_supervisor_compares_their_offices_only(client, supervisor):
    response = client.get(PATH)
    assert response.status_code == 200
    body = response.get_json()
    assert conforms(body, "OfficeComparison")
    assert [row["office"] for row in body["offices"]] == ["DEMO", "HN"]
    assert rows(body)["HN"]["name"] == "Bộ phận Một cửa Hà Nội"


def test_the_figures_are_those_of_each_offices_own_report(client, auth, supervisor):
    body = client.get(f"{PATH}?from=2026-11-01&to=2026-11-23").get_json()
    admin = auth("admin")
    for code, row in rows(body).items():
        own = client.get(
            f"/api/v1/reports/summary?office={code}&from=2026-11-01&to=2026-11-23",
            headers=admin,
        ).get_json()
        low = sum(own["rating_distribution"][str(score)] for score in (1, 2, 3))
        assert row["issued"] == own["issued"], code
        assert row["served"] == own["served"], code
        assert row["no_show"] == own["no_show"], code
        assert row["no_show_rate"] == round(own["no_show"] / own["issued"], 4), code
        assert row["wait_mean_s"] == own["wait_s"]["mean"], code
        assert row["wait_p90_s"] == own["wait_s"]["p90"], code
        assert row["service_level"] == own["service_level"], code
        assert row["rating_count"] == own["rating_count"], code
        assert row["rating_mean"] == own["rating_mean"], code
        assert row["low_score_share"] == round(low / own["rating_count"], 4), code
    demo, hanoi = rows(body)["DEMO"], rows(body)["HN"]
    assert (demo["issued"], demo["served"], demo["no_show"]) == (3, 2, 1)
    assert demo["no_show_rate"] == 0.3333
    assert demo["wait_mean_s"] == 70.0
    assert (demo["rating_count"], demo["rating_mean"], demo["low_score_share"]) == (2, 3.5, 0.5)
    assert demo["service_level"] == 1.0
    assert (hanoi["issued"], hanoi["wait_mean_s"], hanoi["service_level"]) == (1, 1200.0, 0.0)
    assert (hanoi["rating_mean"], hanoi["low_score_share"]) == (4.0, 0.0)


def test_the_previous_period_and_the_change(client, supervisor):
    body = client.get(f"{PATH}?from=2026-10-25&to=2026-11-23").get_json()
    assert body["previous"] == {"from": "2026-09-25", "to": "2026-10-24"}
    demo, hanoi = rows(body)["DEMO"], rows(body)["HN"]
    assert (demo["previous"]["issued"], demo["previous"]["wait_mean_s"]) == (1, 600.0)
    assert demo["trend"]["issued"] == 2
    assert demo["trend"]["wait_mean_s"] == -530.0
    assert demo["trend"]["rating_mean"] is None
    assert hanoi["previous"]["issued"] == 0
    assert hanoi["trend"]["wait_mean_s"] is None


def test_without_dates_the_thirty_days_to_today_in_the_offices_timezone(client, supervisor, clock):
    # 23 November, 23:30 in Ho Chi Minh City is still the 23rd there.
    clock.moment = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    body = client.get(PATH).get_json()
    assert (body["from"], body["to"]) == ("2026-10-25", "2026-11-23")
    clock.moment = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
    assert client.get(PATH).get_json()["to"] == "2026-11-24"
    only_to = client.get(f"{PATH}?to=2026-10-20").get_json()
    assert (only_to["from"], only_to["to"]) == ("2026-09-21", "2026-10-20")


def test_only_the_days_asked_are_counted(client, supervisor):
    body = client.get(f"{PATH}?from=2026-10-20&to=2026-10-20").get_json()
    assert {code: row["issued"] for code, row in rows(body).items()} == {"DEMO": 1, "HN": 0}
    assert rows(body)["DEMO"]["wait_mean_s"] == 600.0


def test_named_offices_come_in_the_order_named(client, supervisor):
    body = client.get(f"{PATH}?offices=HN,DEMO,HN").get_json()
    assert [row["office"] for row in body["offices"]] == ["HN", "DEMO"]
    only = client.get(f"{PATH}?offices=HN").get_json()
    assert [row["office"] for row in only["offices"]] == ["HN"]


def test_naming_an_office_not_theirs_is_refused(client, supervisor):
    other = client.get(f"{PATH}?offices=DEMO,HP")
    assert (other.status_code, error_code(other)) == (403, "other_office")
    unknown = client.get(f"{PATH}?offices=NOPE")
    assert (unknown.status_code, error_code(unknown)) == (404, "office_not_found")


def test_an_administrator_compares_every_office(app, app_db, client, auth, clock, history):
    by_token = client.get(PATH, headers=auth("admin")).get_json()
    assert [row["office"] for row in by_token["offices"]] == ["DEMO", "HN", "HP"]
    assert rows(by_token)["HP"]["issued"] == 1
    browser = app.test_client()
    log_in(browser, make_user(app_db, "admin", clock, username="quantri"))
    by_session = browser.get(PATH).get_json()
    assert by_session == by_token


@pytest.mark.parametrize("role", ["manager", "clerk"])
def test_managers_and_clerks_are_refused(app, app_db, client, auth, clock, history, role):
    by_token = client.get(PATH, headers=auth(role))
    assert (by_token.status_code, error_code(by_token)) == (403, "forbidden")
    log_in(client, make_user(app_db, role, clock, username=f"{role}-x"))
    by_session = client.get(PATH)
    assert (by_session.status_code, error_code(by_session)) == (403, "forbidden")


def test_no_credentials_get_401(client, history):
    response = client.get(PATH)
    assert (response.status_code, error_code(response)) == (401, "unauthorized")


def stored(app_db):
    with app_db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) for model in (Ticket, Event)
        )


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2026-13-01", 400, "invalid_date"),
        ("to=yesterday", 400, "invalid_date"),
        ("from=2026-11-24&to=2026-11-23", 422, "invalid_range"),
        ("from=1999-12-31&to=2000-01-05", 422, "invalid_date"),
        ("from=2000-01-01&to=2026-11-23", 422, "invalid_range"),
    ],
)
def test_bad_dates_are_refused_and_change_nothing(app_db, client, supervisor, query, status, code):
    before = stored(app_db)
    response = client.get(f"{PATH}?{query}")
    assert (response.status_code, error_code(response)) == (status, code)
    assert stored(app_db) == before


def test_too_many_offices_named_is_refused(client, supervisor):
    codes = ",".join(f"X{number}" for number in range(501))
    response = client.get(f"{PATH}?offices={codes}")
    assert (response.status_code, error_code(response)) == (422, "too_many_offices")
