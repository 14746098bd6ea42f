"""Issuing reads the office and its services from what the process keeps,
and places a new ticket from the kept forecast of the line: an
administrator's change is read at once, and so is every change of the line."""

from __future__ import annotations

import time

from sqlalchemy import event, select, update

from queueing import operations, settings
from queueing.demo import DEMO_OFFICE_CODE
from queueing.models import Event, Office, Service
from queueing.operations import Actor
from tests.conftest import make_app
from tests.manager.helpers import csrf_token, log_in, make_user, service_form
from tests.offices import add_office
from web.context import write
from web.office_cache import forget_on_settings_change, office_cache_of


def issue(client, service="HT", **fields):
    response = client.post("/api/v1/tickets", json={"service": service, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def refusal(client, service="HT"):
    response = client.post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 409, response.get_json()
    return response.get_json()["error"]["code"]


def service_row(app_db, code):
    with app_db.read() as session:
        return session.scalar(select(Service).where(Service.code == code))


def admin_saves_service(client, app_db, clock, code, **changes):
    """An administrator saves the service's form in the admin screens."""
    service = service_row(app_db, code)
    log_in(client, make_user(app_db, "admin", clock, username="admin1"))
    path = f"/admin/services/{service.id}"
    fields = service_form(service)
    fields.update(changes)
    fields = {name: value for name, value in fields.items() if value is not None}
    response = client.post(path, data={**fields, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with client.session_transaction() as browser:
        browser.clear()


def test_a_service_renamed_in_the_admin_screens_names_the_next_ticket(app, client, app_db, clock):
    assert issue(client)["service_name"] == "Tư pháp – Hộ tịch"
    admin_saves_service(client, app_db, clock, "HT", name="Hộ tịch (mới)")
    assert issue(client)["service_name"] == "Hộ tịch (mới)"


def test_a_service_turned_off_in_the_admin_screens_stops_issuing_at_once(
    app, client, app_db, clock
):
    issue(client)
    admin_saves_service(client, app_db, clock, "HT", is_active=None)
    assert refusal(client) == "service_inactive"


def test_an_office_closed_for_today_stops_issuing_at_once(app, client, app_db, clock):
    issue(client)
    with app_db.read() as session:
        office_id = session.scalar(select(Office.id))
    today = clock().astimezone().date().isoformat()
    with app.test_request_context():
        write(
            lambda session: settings.update_office(
                session, office_id, {"holidays": [today]}, clock(), Actor("admin")
            )
        )
    assert refusal(client) == "holiday"


def test_a_change_that_told_no_process_is_read_once_the_settings_expire(
    database_url, clock, tmp_path
):
    from queueing.demo import seed_demo

    app = make_app(database_url, clock, LUOT_SETTINGS_CACHE_SECONDS=0.5)
    database = app.extensions["luot.database"]
    database.write(lambda session: seed_demo(session, clock(), with_users=False))
    client = app.test_client()
    # The cache's own clock, moved by the test rather than waited for.
    moment = [1000.0]
    office_cache_of(app).clock = lambda: moment[0]
    try:
        issue(client)
        # Written behind the app's back: no event, nobody told.
        database.write(
            lambda session: session.execute(
                update(Service).where(Service.code == "HT").values(name="Renamed")
            )
        )
        moment[0] += 0.4
        assert issue(client)["service_name"] != "Renamed"
        moment[0] += 0.2
        assert issue(client)["service_name"] == "Renamed"
    finally:
        database.dispose()


def statements_of_issue(client, app_db, service="HT", **fields):
    """The statements a ticket's issue runs until it commits."""
    statements = []
    answering = [True]

    def committed(_session):
        # What follows is the screens' state, read after commit.
        answering.clear()

    def count(_connection, _cursor, statement, *_args):
        if answering and not statement.startswith("BEGIN"):
            statements.append(statement)

    listeners = [(app_db.sessionmaker, "after_commit", committed)] + [
        (engine, "before_cursor_execute", count) for engine in {app_db.engine, app_db.read_engine}
    ]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        issue(client, service, **fields)
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)
    return statements


def test_issuing_with_the_office_and_line_kept_runs_four_statements(app, client, app_db):
    issue(client)
    statements = statements_of_issue(client, app_db, "DD")
    # Staffed counters of the service, the number, the ticket, the event
    # (and the office's row before it on PostgreSQL).
    expected = 5 if app_db.dialect == "postgresql" else 4
    assert len(statements) == expected, statements


def test_another_office_issuing_leaves_this_office_line_kept(app, client, app_db, clock):
    add_office(app_db, clock(), "XA2", "Xã Hai")
    issue(client, office=DEMO_OFFICE_CODE)
    # The other office's tickets take event ids between this office's.
    for _ in range(3):
        issue(client, "HS", office="XA2")
    statements = statements_of_issue(client, app_db, "DD", office=DEMO_OFFICE_CODE)
    # Four as above, and the office's newest event before the ticket's own,
    # which says its line is as kept: it is not read again.
    expected = 6 if app_db.dialect == "postgresql" else 5
    assert len(statements) == expected, statements


def place_read_back(client, ticket):
    """The ticket's place from the whole line read and run again."""
    again = client.get(
        f"/api/v1/tickets/{ticket['id']}", query_string={"token": ticket["access_token"]}
    )
    body = again.get_json()
    return body["position"], body["estimated_wait_s"]


def test_every_issued_ticket_is_placed_as_the_whole_line_run_again(client, clock, auth):
    clerk = auth("clerk")
    for round_ in range(3):
        for code in ("HT", "DD", "KD", "HT", "HT"):
            ticket = issue(client, code)
            assert (ticket["position"], ticket["estimated_wait_s"]) == place_read_back(
                client, ticket
            )
        # A change of the line between issues: a call (and the clock moving
        # less than a kept forecast's life).
        called = client.post(f"/api/v1/counters/{round_ + 1}/call-next", headers=clerk)
        assert called.status_code == 200
        clock.advance(0.2)
    for fields in ({"priority": "elderly"}, {}):
        ticket = issue(client, "DD", **fields)
        assert (ticket["position"], ticket["estimated_wait_s"]) == place_read_back(client, ticket)


def test_a_call_made_by_another_process_places_the_next_ticket_anew(client, app_db, clock):
    for code in ("HT", "DD", "HT"):
        issue(client, code)
    # Another process calls: its event is all this one can know of it.
    called = app_db.write(lambda session: operations.call_next(session, 1, clock(), Actor("x")))
    assert called is not None
    ticket = issue(client, "HT")
    assert (ticket["position"], ticket["estimated_wait_s"]) == place_read_back(client, ticket)


def test_an_unreachable_message_queue_still_drops_what_the_process_keeps(app, client):
    issue(client)
    cache = office_cache_of(app)
    assert cache._offices
    # Nothing listens on port 1: the change is committed all the same, and
    # the other processes read it again when their copies expire.
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    forget_on_settings_change(app, [Event(office_id=1, kind="service_updated")])
    assert time.monotonic() - started < 5
    assert not cache._offices
