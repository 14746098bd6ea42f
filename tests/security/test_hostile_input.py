"""Input no form would send: each gets a clear 4xx, in JSON for the API,
changes nothing, and never reaches the database (PostgreSQL refuses NUL in
text; a lone surrogate is no character)."""

from __future__ import annotations

import pytest

from queueing.models import Ticket


def error_of(response):
    body = response.get_json()
    return response.status_code, body["error"]["code"]


def tickets(app_db):
    with app_db.read() as session:
        return session.query(Ticket).count()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[" * 30_000 + "]" * 30_000, (400, "malformed_json")),
        ('{"service": ' + "[" * 20 + "]" * 20 + "}", (400, "malformed_json")),
        ('{"service": "HT\\u0000"}', (422, "invalid_text")),
        ('{"service": "\\ud800"}', (422, "invalid_text")),
        ('{"service": "HT", "channel": "kio\\u0000sk"}', (422, "invalid_text")),
        ('{"\\udc00": 1, "service": "HT"}', (422, "invalid_text")),
    ],
    ids=["deep", "nested-field", "nul", "lone-surrogate", "nul-in-option", "surrogate-key"],
)
def test_a_body_that_cannot_be_kept_is_refused_and_issues_nothing(client, app_db, body, expected):
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert error_of(response) == expected
    assert tickets(app_db) == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/services?office=DE%00MO", "/api/v1/queue?DE%00MO=1", "/api/v1/tickets/%00"]
)
def test_a_nul_in_the_address_is_422_in_json(client, path):
    assert error_of(client.get(path)) == (422, "invalid_text")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from=0001-01-01&to=0001-01-02", (422, "invalid_date")),
        ("from=9999-12-30&to=9999-12-31", (422, "invalid_date")),
        ("from=2026-01-01&to=9999-12-31", (422, "invalid_date")),
        ("from=2026-13-01", (400, "invalid_date")),
        ("from=2020-01-01&to=2026-01-01", (422, "invalid_range")),
    ],
)
def test_report_dates_outside_any_office_s_days_are_422(client, auth, query, expected):
    response = client.get(f"/api/v1/reports/summary?{query}", headers=auth("manager"))
    assert error_of(response) == expected
