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


def every_operation():
    """(method, path template, whether it takes a body) of the document."""
    from api.openapi import document

    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, "requestBody" in operation


HUGE = str(2**80)
DEEP = "[" * 5_000 + "]" * 5_000


@pytest.mark.parametrize("role", ["anonymous", "clerk", "admin"])
def test_every_operation_refuses_huge_ids_nul_and_deep_json_cleanly(client, auth, app_db, role):
    """Every operation of the document, as three kinds of caller: ids past
    64 bits in the path, a NUL in the query, a deep JSON body. Each answer is
    a 4xx JSON error, and nothing is written."""
    import re

    from queueing.models import Event

    headers = {} if role == "anonymous" else auth(role)
    with app_db.read() as session:
        events_before = session.query(Event).count()
    checked = 0
    for method, path, has_body in every_operation():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        cases = [(re.sub(r"\{[^}]+\}", HUGE, path), None), (f"{concrete}?q=a%00b", None)]
        if has_body:
            cases.append((concrete, DEEP))
        for url, body in cases:
            if body is None:
                response = client.open(url, method=method, headers=headers)
            else:
                response = client.open(
                    url, method=method, data=body, content_type="application/json", headers=headers
                )
            if url == concrete and "{" not in path and body is None:
                continue
            assert 400 <= response.status_code < 500, (method, url[:60], response.status_code)
            assert response.is_json, (method, url[:60])
            checked += 1
    assert checked > 40
    with app_db.read() as session:
        assert session.query(Event).count() == events_before
