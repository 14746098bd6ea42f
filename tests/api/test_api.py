"""API v1 as ../shared/API.md states it: objects, status codes, error bodies."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import jsonschema
import pytest

from api.openapi import document
from queueing.models import Office

SCHEMAS = document()["components"]["schemas"]


def conforms(instance, name):
    """Validate against the OpenAPI document's own schema of that name."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    jsonschema.validate(instance, schema)
    return True


def error_code(response):
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    return body["error"]["code"]


@pytest.fixture
def clerk(auth):
    return auth("clerk")


@pytest.fixture
def issue(client):
    def issue_one(service="HT", **fields):
        response = client.post("/api/v1/tickets", json={"service": service, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return issue_one


def test_services_lists_waiting_counts(client, issue):
    issue("HT")
    issue("HT")
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    services = {s["code"]: s for s in response.get_json()["services"]}
    assert set(services) == {"HT", "DD", "KD", "LD"}
    assert services["HT"]["waiting"] == 2
    assert services["DD"]["waiting"] == 0
    for service in services.values():
        assert conforms(service, "Service")


def test_issue_ticket_returns_201_with_the_ticket(client):
    response = client.post("/api/v1/tickets", json={"service": "DD", "priority": "elderly"})
    assert response.status_code == 201
    ticket = response.get_json()
    assert conforms(ticket, "Ticket")
    assert (ticket["code"], ticket["number"], ticket["state"]) == ("B001", 1, "waiting")
    assert (ticket["priority"], ticket["channel"], ticket["office"]) == ("elderly", "api", "DEMO")
    assert ticket["position"] == 0
    assert ticket["issued_at"] == "2026-11-23T09:00:00+07:00"
    # The citizen's page is reached with the holder's secret, not the id.
    assert len(ticket["access_token"]) >= 16
    assert ticket["status_url"] == f"http://luot.test/t/{ticket['access_token']}"


def test_issue_with_idempotency_key_returns_same_ticket_with_200(client):
    headers = {"Idempotency-Key": "tap-7f3a"}
    first = client.post("/api/v1/tickets", json={"service": "HT"}, headers=headers)
    again = client.post("/api/v1/tickets", json={"service": "HT"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert client.get("/api/v1/services").get_json()["services"][0]["waiting"] == 1


def test_issue_with_print_and_no_printer_is_no_fault(client, app_db):
    """The demo's printer is "none": a kiosk that only shows its tickets."""
    from queueing.models import Event

    response = client.post("/api/v1/tickets", json={"service": "HT", "print": True})
    assert response.status_code == 201
    ticket = response.get_json()
    assert (ticket["printed"], ticket["has_printer"]) == (False, False)
    assert "print_error" not in ticket
    with app_db.read() as session:
        kinds = {event.kind for event in session.query(Event)}
    assert not kinds & {"printed", "print_failed"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "malformed_json"),
        ([1, 2], 400, "malformed_json"),
        ({}, 400, "invalid_field"),
        ({"service": 5}, 400, "invalid_field"),
        ({"service": "HT", "print": "yes"}, 400, "invalid_field"),
        ({"service": "NOPE"}, 422, "unknown_service"),
        ({"service": "HT", "priority": "vip"}, 422, "unknown_priority"),
        ({"service": "HT", "office": "ELSEWHERE"}, 404, "office_not_found"),
    ],
)
def test_issue_bad_requests_get_errors_and_issue_nothing(client, body, status, code):
    if isinstance(body, str):
        response = client.post(
            "/api/v1/tickets", data=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == status
    assert error_code(response) == code
    services = client.get("/api/v1/services").get_json()["services"]
    assert sum(s["waiting"] for s in services) == 0


def test_issue_is_rate_limited_per_address(app, client):
    app.config["LUOT_ISSUE_RATE_LIMIT"] = "2/minute"
    codes = [client.post("/api/v1/tickets", json={"service": "HT"}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = client.post("/api/v1/tickets", json={"service": "HT"})
    assert error_code(limited) == "rate_limited"
    assert client.get("/api/v1/services").get_json()["services"][0]["waiting"] == 2


def test_issue_with_token_is_not_rate_limited(app, client, clerk):
    app.config["LUOT_ISSUE_RATE_LIMIT"] = "1/minute"
    codes = [
        client.post("/api/v1/tickets", json={"service": "HT"}, headers=clerk).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 201]


def test_get_ticket_for_its_holder_and_unknown_ticket(client, issue):
    ticket = issue()
    response = client.get(f"/api/v1/tickets/{ticket['id']}?token={ticket['access_token']}")
    assert response.status_code == 200
    assert response.get_json()["code"] == ticket["code"]
    missing = client.get(f"/api/v1/tickets/999999?token={ticket['access_token']}")
    assert missing.status_code == 404
    assert error_code(missing) == "ticket_not_found"


def test_a_ticket_without_its_token_is_unknown_to_anyone_but_staff(client, issue, clerk):
    ticket = issue(priority="elderly")
    for path in (
        f"/api/v1/tickets/{ticket['id']}",
        f"/api/v1/tickets/{ticket['id']}?token=",
        f"/api/v1/tickets/{ticket['id']}?token={ticket['access_token'][:-1]}x",
    ):
        response = client.get(path)
        assert (response.status_code, error_code(response)) == (404, "ticket_not_found")
    staff = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).get_json()
    assert (staff["priority"], staff["access_token"]) == ("elderly", ticket["access_token"])


def test_the_holder_token_cannot_be_derived_from_the_id(client, issue):
    tokens = [issue()["access_token"] for _ in range(20)]
    assert len(set(tokens)) == 20
    assert all(len(token) >= 16 and not token.isdigit() for token in tokens)


def test_public_views_show_no_token_link_or_priority(client, issue, clerk):
    ticket = issue(priority="pregnancy")
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    current = client.get("/api/v1/queue").get_json()["counters"][0]["current_ticket"]
    assert current["code"] == ticket["code"]
    assert not {"access_token", "status_url", "priority"} & set(current)
    listed = client.get("/api/v1/counters").get_json()["counters"][0]["current_ticket"]
    assert not {"access_token", "status_url", "priority"} & set(listed)
    staff = client.get("/api/v1/queue", headers=clerk).get_json()
    assert staff["counters"][0]["current_ticket"]["priority"] == "pregnancy"


def test_counters_lists_counters(client):
    response = client.get("/api/v1/counters")
    counters = response.get_json()["counters"]
    assert [c["number"] for c in counters] == [1, 2, 3]
    assert counters[0]["services"] == ["HT", "DD", "KD", "LD"]
    assert counters[0]["state"] == "open"
    for counter in counters:
        assert conforms(counter, "Counter")


def test_full_visit_through_the_api(client, issue, clerk, clock):
    ticket = issue("KD")
    called = client.post("/api/v1/counters/2/call-next", headers=clerk)
    assert called.status_code == 200
    body = called.get_json()
    assert conforms(body, "CounterActionResult")
    assert (body["ticket"]["id"], body["ticket"]["state"]) == (ticket["id"], "called")
    assert (body["ticket"]["counter"], body["ticket"]["call_count"]) == (2, 1)
    recalled = client.post("/api/v1/counters/2/recall", headers=clerk).get_json()
    assert recalled["ticket"]["call_count"] == 2
    clock.advance(20)
    started = client.post("/api/v1/counters/2/start", headers=clerk).get_json()
    assert started["ticket"]["state"] == "serving"
    clock.advance(200)
    finished = client.post(
        "/api/v1/counters/2/finish", json={"outcome": "resolved"}, headers=clerk
    ).get_json()
    assert finished["ticket"]["state"] == "done"
    holder = {"token": ticket["access_token"]}
    rating = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 5, **holder})
    assert rating.status_code == 201
    assert conforms(rating.get_json(), "RatingResult")
    again = client.post(f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 4, **holder})
    assert again.status_code == 409
    assert error_code(again) == "already_rated"


def test_call_next_with_nobody_waiting_returns_null(client, clerk):
    response = client.post("/api/v1/counters/1/call-next", headers=clerk)
    assert response.status_code == 200
    assert response.get_json()["ticket"] is None


def test_call_next_while_current_ticket_unfinished_is_409(client, issue, clerk):
    issue()
    issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    response = client.post("/api/v1/counters/1/call-next", headers=clerk)
    assert response.status_code == 409
    assert error_code(response) == "counter_busy"


def test_calling_or_transferring_a_ticket_of_the_day_before_is_409(client, issue, clerk, clock):
    # 23:59:59 on 23 November in Ho Chi Minh City, then midnight.
    clock.moment = datetime(2026, 11, 23, 16, 59, 59, tzinfo=UTC)
    issue()
    waiting = issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    clock.advance(1)
    called = client.post(f"/api/v1/counters/2/call/{waiting['id']}", headers=clerk)
    assert (called.status_code, error_code(called)) == (409, "ticket_expired")
    moved = client.post("/api/v1/counters/1/transfer", json={"service": "DD"}, headers=clerk)
    assert (moved.status_code, error_code(moved)) == (409, "ticket_expired")


def test_finishing_a_ticket_not_served_is_409(client, clerk):
    response = client.post("/api/v1/counters/1/finish", headers=clerk)
    assert response.status_code == 409
    assert error_code(response) == "no_current_ticket"


def test_counter_actions_need_credentials(client):
    response = client.post("/api/v1/counters/1/call-next")
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    bad = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": "Bearer not-a-token"}
    )
    assert bad.status_code == 401
    assert error_code(bad) == "bad_token"


def test_revoked_token_is_refused(client, app_db, clock):
    from queueing import accounts

    row, token = app_db.write(lambda s: accounts.create_token(s, "keypad", "clerk", clock()))
    app_db.write(lambda s: accounts.revoke_token(s, row.id, clock()))
    response = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_clerk_of_another_office_is_forbidden(client, app_db, clock, make_token):
    from queueing.models import Office

    other = app_db.write(lambda s: s.merge(Office(code="Q1", name="Quận 1", created_at=clock())))
    token = make_token("clerk", office_id=other.id)
    response = client.post(
        "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert error_code(response) == "other_office"


def test_unknown_counter_is_404(client, clerk):
    response = client.post("/api/v1/counters/99/call-next", headers=clerk)
    assert response.status_code == 404
    assert error_code(response) == "counter_not_found"


def test_finish_with_unknown_outcome_is_422_and_changes_nothing(client, issue, clerk):
    issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    response = client.post("/api/v1/counters/1/finish", json={"outcome": "x"}, headers=clerk)
    assert response.status_code == 422
    assert error_code(response) == "unknown_outcome"
    counters = client.get("/api/v1/counters").get_json()["counters"]
    assert counters[0]["current_ticket"]["state"] == "called"


def test_no_show_and_return(client, issue, clerk):
    ticket = issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    client.post("/api/v1/counters/1/recall", headers=clerk)
    no_show = client.post("/api/v1/counters/1/no-show", headers=clerk).get_json()
    assert no_show["ticket"]["state"] == "no_show"
    returned = client.post(f"/api/v1/tickets/{ticket['id']}/return", headers=clerk)
    assert returned.status_code == 200
    assert returned.get_json()["ticket"]["state"] == "waiting"


def test_park_and_call_chosen(client, issue, clerk):
    parked = issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    assert (
        client.post("/api/v1/counters/1/park", headers=clerk).get_json()["ticket"]["state"]
        == "parked"
    )
    called = client.post(f"/api/v1/counters/3/call/{parked['id']}", headers=clerk)
    assert called.status_code == 200
    assert called.get_json()["ticket"]["counter"] == 3


def test_transfer_to_service_and_to_counter(client, issue, clerk):
    ticket = issue("HT")
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    leg = client.post("/api/v1/counters/1/transfer", json={"service": "LD"}, headers=clerk)
    assert leg.status_code == 200
    leg_ticket = leg.get_json()["ticket"]
    assert (leg_ticket["code"], leg_ticket["service"], leg_ticket["state"]) == (
        ticket["code"],
        "LD",
        "waiting",
    )
    first_leg = client.get(f"/api/v1/tickets/{ticket['id']}?token={ticket['access_token']}")
    assert first_leg.get_json()["state"] == "transferred"
    # The new leg keeps the holder's token: the paper in hand still works.
    assert leg_ticket["access_token"] == ticket["access_token"]
    client.post("/api/v1/counters/2/call-next", headers=clerk)
    to_counter = client.post("/api/v1/counters/2/transfer", json={"counter": 3}, headers=clerk)
    assert to_counter.status_code == 200
    assert client.post("/api/v1/counters/1/call-next", headers=clerk).get_json()["ticket"] is None
    final = client.post("/api/v1/counters/3/call-next", headers=clerk).get_json()["ticket"]
    assert final["code"] == ticket["code"]


def test_transfer_to_unknown_service_is_422(client, issue, clerk):
    issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    response = client.post("/api/v1/counters/1/transfer", json={"service": "ZZ"}, headers=clerk)
    assert response.status_code == 422


def test_open_pause_close_counter(client, clerk):
    paused = client.post("/api/v1/counters/1/pause", json={"reason": "Nghỉ trưa"}, headers=clerk)
    assert paused.get_json()["counter"]["state"] == "paused"
    assert paused.get_json()["counter"]["pause_reason"] == "Nghỉ trưa"
    closed = client.post("/api/v1/counters/1/close", headers=clerk).get_json()
    assert closed["counter"]["state"] == "closed"
    opened = client.post("/api/v1/counters/1/open", headers=clerk).get_json()
    assert opened["counter"]["state"] == "open"


def test_rating_errors(client, issue):
    ticket = issue()
    path = f"/api/v1/tickets/{ticket['id']}/rating"
    holder = {"token": ticket["access_token"]}
    not_done = client.post(path, json={"score": 5, **holder})
    assert (not_done.status_code, error_code(not_done)) == (409, "not_finished")
    wrong_type = client.post(path, json={"score": "five", **holder})
    assert wrong_type.status_code == 400
    out_of_range = client.post(path, json={"score": 9, **holder})
    assert (out_of_range.status_code, error_code(out_of_range)) == (422, "invalid_score")
    missing = client.post("/api/v1/tickets/424242/rating", json={"score": 5, **holder})
    assert missing.status_code == 404


def finished_ticket(client, issue, clerk):
    ticket = issue()
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    client.post("/api/v1/counters/1/finish", headers=clerk)
    return ticket


def test_only_the_holder_or_staff_of_the_office_rate_and_only_once(client, issue, clerk, app_db):
    from queueing.models import Rating

    ticket = finished_ticket(client, issue, clerk)
    path = f"/api/v1/tickets/{ticket['id']}/rating"
    for body in (
        {"score": 1},
        {"score": 1, "token": "guessed-token-123456"},
        {"score": 1, "token": 7},
    ):
        refused = client.post(path, json=body)
        assert (refused.status_code, error_code(refused)) == (404, "ticket_not_found")
    with app_db.read() as session:
        assert session.query(Rating).count() == 0
    # The counter's rating tablet rates as staff of the office.
    by_staff = client.post(path, json={"score": 4}, headers=clerk)
    assert by_staff.status_code == 201
    again = client.post(path, json={"score": 5, "token": ticket["access_token"]})
    assert (again.status_code, error_code(again)) == (409, "already_rated")
    with app_db.read() as session:
        assert [r.score for r in session.query(Rating)] == [4]


def test_queue_has_services_counters_and_recent_calls(client, issue, clerk):
    issue("HT")
    issue("DD")
    client.post("/api/v1/counters/3/call-next", headers=clerk)
    client.post("/api/v1/counters/3/recall", headers=clerk)
    body = client.get("/api/v1/queue").get_json()
    assert conforms(body, "QueueState")
    assert body["recent_calls"] == [
        {
            "code": "A001",
            "service": "HT",
            "counter": 3,
            "counter_number": 3,
            "called_at": "2026-11-23T09:00:00+07:00",
            "call_count": 2,
        },
        {
            "code": "A001",
            "service": "HT",
            "counter": 3,
            "counter_number": 3,
            "called_at": "2026-11-23T09:00:00+07:00",
            "call_count": 1,
        },
    ]
    assert body["counters"][2]["current_ticket"]["code"] == "A001"


def test_reports_summary_needs_manager(client, auth):
    assert client.get("/api/v1/reports/summary").status_code == 401
    forbidden = client.get("/api/v1/reports/summary", headers=auth("clerk"))
    assert (forbidden.status_code, error_code(forbidden)) == (403, "forbidden")
    assert client.get("/api/v1/reports/summary", headers=auth("manager")).status_code == 200
    assert client.get("/api/v1/reports/summary", headers=auth("admin")).status_code == 200


def test_reports_summary_counts_the_day(client, issue, clerk, auth, clock):
    ticket = issue()
    clock.advance(90)
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    clock.advance(10)
    client.post("/api/v1/counters/1/start", headers=clerk)
    clock.advance(300)
    client.post("/api/v1/counters/1/finish", headers=clerk)
    client.post(
        f"/api/v1/tickets/{ticket['id']}/rating",
        json={"score": 4, "token": ticket["access_token"]},
    )
    summary = client.get("/api/v1/reports/summary", headers=auth("manager")).get_json()
    assert conforms(summary, "Summary")
    assert (summary["issued"], summary["served"], summary["no_show"]) == (1, 1, 0)
    assert summary["wait_s"]["mean"] == 90.0
    assert summary["service_s"]["max"] == 300.0
    assert summary["service_level"] == 1.0
    assert summary["rating_mean"] == 4.0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2026-13-01", 400, "invalid_date"),
        ("to=yesterday", 400, "invalid_date"),
        ("from=2026-11-24&to=2026-11-23", 422, "invalid_range"),
    ],
)
def test_reports_bad_dates(client, auth, query, status, code):
    response = client.get(f"/api/v1/reports/summary?{query}", headers=auth("manager"))
    assert response.status_code == status
    assert error_code(response) == code


def test_tickets_csv_matches_summary(client, issue, clerk, auth, clock):
    issue()
    issue("DD")
    clock.advance(45)
    client.post("/api/v1/counters/1/call-next", headers=clerk)
    client.post("/api/v1/counters/1/finish", headers=clerk)
    response = client.get("/api/v1/reports/tickets.csv", headers=auth("manager"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.get_data()[:3] != b"\xef\xbb\xbf"  # no byte order mark
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["code"] for row in rows] == ["A001", "B001"]
    assert rows[0]["wait_s"] == "45.0"
    summary = client.get("/api/v1/reports/summary", headers=auth("manager")).get_json()
    assert summary["wait_s"]["mean"] == float(rows[0]["wait_s"])
    assert summary["issued"] == len(rows)


def test_unknown_path_and_method_get_json_errors(client):
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    wrong = client.delete("/api/v1/tickets")
    assert (wrong.status_code, error_code(wrong)) == (405, "method_not_allowed")


def test_oversize_body_is_refused(client):
    response = client.post(
        "/api/v1/tickets",
        data=b'{"service": "' + b"A" * 200_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert error_code(response) == "body_too_large"


def test_office_may_be_omitted_only_with_one_office(client, app_db, clock):
    from queueing.models import Office

    app_db.write(lambda s: s.add(Office(code="Q1", name="Quận 1", created_at=clock())))
    response = client.post("/api/v1/tickets", json={"service": "HT"})
    assert (response.status_code, error_code(response)) == (422, "office_required")
    named = client.post("/api/v1/tickets", json={"service": "HT", "office": "DEMO"})
    assert named.status_code == 201


def test_issue_with_print_on_a_kiosk_printer_sends_the_job(client, app_db, tmp_path):
    from queueing.models import Event, Kiosk

    printer = tmp_path / "printer.bin"

    def set_printer(session):
        kiosk = session.query(Kiosk).one()
        kiosk.printer_url = f"file://{printer}"
        return kiosk.id

    kiosk_id = app_db.write(set_printer)
    response = client.post(
        "/api/v1/tickets", json={"service": "HT", "print": True, "kiosk": kiosk_id}
    )
    assert response.status_code == 201
    assert response.get_json()["printed"] is True
    job = printer.read_bytes()
    assert job.startswith(b"\x1b@")
    assert b"\x1dv0" in job
    with app_db.read() as session:
        kinds = [e.kind for e in session.query(Event).order_by(Event.id)]
    assert kinds[-2:] == ["issued", "printed"]


def test_a_retried_print_request_prints_only_what_did_not_print(client, app_db, tmp_path):
    """A kiosk retrying a tap (same Idempotency-Key) gets its ticket again;
    it is printed again only if the first job failed."""
    from queueing.models import Event, Kiosk

    printer = tmp_path / "printer.bin"

    def use_printer(url):
        def work(session):
            kiosk = session.query(Kiosk).one()
            kiosk.printer_url = url
            return kiosk.id

        return app_db.write(work)

    def print_events():
        with app_db.read() as session:
            return [e.kind for e in session.query(Event).order_by(Event.id) if "print" in e.kind]

    kiosk_id = use_printer(f"file://{tmp_path / 'missing-folder' / 'printer.bin'}")
    body = {"service": "HT", "print": True, "kiosk": kiosk_id}
    first = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "tap-1"})
    assert (first.status_code, first.get_json()["printed"]) == (201, False)
    use_printer(f"file://{printer}")
    retry = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "tap-1"})
    assert (retry.status_code, retry.get_json()["printed"]) == (200, True)
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert printer.read_bytes().startswith(b"\x1b@")
    printer.unlink()
    again = client.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": "tap-1"})
    assert (again.status_code, again.get_json()["printed"]) == (200, True)
    assert not printer.exists()
    assert print_events() == ["print_failed", "printed"]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"daily_cap": 2}, "daily_cap_reached"),
        ({"number_start": 1, "number_end": 2, "is_number_wrapping": False}, "numbers_exhausted"),
        ({"number_start": 1, "number_end": 2, "is_number_wrapping": True}, "numbers_exhausted"),
    ],
)
def test_a_service_out_of_numbers_today_says_so_before_anyone_taps(
    client, app_db, settings, reason
):
    """Kiosks and integrations read the closed state from the service
    itself, not from a failed tap."""
    from queueing.models import Service

    def limit(session):
        service = session.query(Service).filter_by(code="DD").one()
        for name, value in settings.items():
            setattr(service, name, value)

    app_db.write(limit)

    def dd():
        services = client.get("/api/v1/services").get_json()["services"]
        return next(s for s in services if s["code"] == "DD")

    for _ in range(2):
        assert (dd()["is_issuing"], dd()["closed_reason"]) == (True, None)
        assert client.post("/api/v1/tickets", json={"service": "DD"}).status_code == 201
    assert (dd()["is_issuing"], dd()["closed_reason"]) == (False, reason)
    refused = client.post("/api/v1/tickets", json={"service": "DD"})
    assert (refused.status_code, error_code(refused)) == (409, reason)
    state = client.get("/api/v1/queue").get_json()
    assert next(s for s in state["services"] if s["code"] == "DD")["closed_reason"] == reason


def test_issue_on_an_unknown_kiosk_is_422_and_issues_nothing(client):
    response = client.post("/api/v1/tickets", json={"service": "HT", "print": True, "kiosk": 99})
    assert (response.status_code, error_code(response)) == (422, "unknown_kiosk")
    assert client.get("/api/v1/services").get_json()["services"][0]["waiting"] == 0


def test_printer_failure_is_logged_and_the_ticket_stands(client, app_db):
    from queueing.models import Event, Kiosk

    def refusing_printer(session):
        kiosk = session.query(Kiosk).one()
        # Nothing listens on port 9 of this machine.
        kiosk.printer_url = "tcp://127.0.0.1:9"
        return kiosk.id

    kiosk_id = app_db.write(refusing_printer)
    response = client.post(
        "/api/v1/tickets", json={"service": "HT", "print": True, "kiosk": kiosk_id}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["printed"] is False
    assert body["print_error"]
    assert body["state"] == "waiting"
    with app_db.read() as session:
        failed = session.query(Event).filter_by(kind="print_failed").one()
    assert failed.data["printer"] == "tcp://127.0.0.1:9"


def test_positions_count_everyone_the_shared_counters_call_first(client, issue):
    """The demo's three counters serve every service: nine tickets over three
    services are called in arrival order, and told so."""
    tickets = [issue(service) for _ in range(3) for service in ("HT", "DD", "KD")]
    assert [ticket["position"] for ticket in tickets] == list(range(9))
    # Three counters call the first three at once; the others follow at
    # the office's default service time (300 s, no history yet).
    assert [ticket["estimated_wait_s"] for ticket in tickets] == [0.0] * 3 + [300.0] * 3 + [
        600.0
    ] * 3
    for ticket in tickets:
        fresh = client.get(
            f"/api/v1/tickets/{ticket['id']}?token={ticket['access_token']}"
        ).get_json()
        assert (fresh["position"], fresh["estimated_wait_s"]) == (
            ticket["position"],
            ticket["estimated_wait_s"],
        )
    services = {s["code"]: s for s in client.get("/api/v1/services").get_json()["services"]}
    assert (services["LD"]["people_ahead"], services["LD"]["estimated_wait_s"]) == (9, 900.0)
    assert services["LD"]["waiting"] == 0


def test_a_service_with_no_open_counter_refuses_tickets_with_its_reason(client, clerk):
    for counter in client.get("/api/v1/counters").get_json()["counters"]:
        response = client.post(f"/api/v1/counters/{counter['id']}/pause", headers=clerk)
        assert response.status_code == 200
    services = {s["code"]: s for s in client.get("/api/v1/services").get_json()["services"]}
    assert (services["HT"]["is_issuing"], services["HT"]["closed_reason"]) == (
        False,
        "no_open_counter",
    )
    assert (services["HT"]["open_counters"], services["HT"]["estimated_wait_s"]) == (0, None)
    assert conforms(services["HT"], "Service")
    response = client.post("/api/v1/tickets", json={"service": "HT"})
    assert response.status_code == 409
    assert error_code(response) == "no_open_counter"
    assert services["HT"]["waiting"] == 0
    assert client.get("/api/v1/services").get_json()["services"][0]["waiting"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/9837412173457689384740454400",
        "/api/v1/tickets/9223372036854775808",
    ],
)
def test_an_id_beyond_a_database_id_is_404_not_a_crash(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_an_office_without_ticker_text_shows_its_real_hours(client, app_db):
    """The demo office writes no ticker of its own and is open all day."""
    ticker = client.get("/api/v1/queue").get_json()["ticker"]
    assert ticker.endswith("Đơn vị làm việc cả ngày, tất cả các ngày trong tuần.")

    def write_own(session):
        session.query(Office).one().ticker_message = "Nghỉ lễ 2/9"

    app_db.write(write_own)
    assert client.get("/api/v1/queue").get_json()["ticker"] == "Nghỉ lễ 2/9"
