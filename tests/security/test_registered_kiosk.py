"""Anonymous issuing is rate limited; a registered kiosk is not."""

from __future__ import annotations

import pytest

from queueing import accounts


@pytest.fixture
def limited(app):
    app.config["LUOT_ISSUE_RATE_LIMIT"] = "2/minute"
    return app


def issue(client, **fields):
    return client.post("/api/v1/tickets", json={"service": "HT", **fields})


def test_anonymous_issuing_gets_429_with_the_error_body(limited, client):
    codes = [issue(client).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    body = issue(client).get_json()
    assert body["error"]["code"] == "rate_limited"


def test_a_registered_kiosk_is_not_limited(limited, client, app_db):
    key = app_db.write(lambda session: accounts.create_kiosk_key(session, 1))
    assert client.get(f"/kiosk/1?key={key}").status_code == 200
    codes = [issue(client, kiosk=1).status_code for _ in range(5)]
    assert codes == [201] * 5
    # The registration covers its own kiosk only.
    assert [issue(client).status_code for _ in range(3)] == [201, 201, 429]


def test_a_wrong_kiosk_key_registers_nothing(limited, client, app_db):
    app_db.write(lambda session: accounts.create_kiosk_key(session, 1))
    assert client.get("/kiosk/1?key=guessed").status_code == 403
    assert [issue(client, kiosk=1).status_code for _ in range(3)] == [201, 201, 429]


def test_a_new_key_replaces_the_old(client, app_db):
    old = app_db.write(lambda session: accounts.create_kiosk_key(session, 1))
    app_db.write(lambda session: accounts.create_kiosk_key(session, 1))
    assert client.get(f"/kiosk/1?key={old}").status_code == 403


def test_create_kiosk_key_command_prints_the_address(runner, client):
    result = runner.invoke(args=["create-kiosk-key", "1"])
    assert result.exit_code == 0, result.output
    address = result.output.strip().splitlines()[-1]
    assert address.startswith("http://luot.test/kiosk/1?key=")
    assert client.get(address.removeprefix("http://luot.test")).status_code == 200


def test_a_registered_kiosk_sending_deep_json_gets_400_not_a_crash(limited, client, app_db):
    key = app_db.write(lambda session: accounts.create_kiosk_key(session, 1))
    assert client.get(f"/kiosk/1?key={key}").status_code == 200
    response = client.post(
        "/api/v1/tickets", data="[" * 30_000 + "]" * 30_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


@pytest.fixture
def guarded(database_url, clock):
    """An app made with the limit on, so that its flood guard stands in
    front of Flask; counts the issuing requests that reach Flask."""
    from queueing.demo import seed_demo
    from tests.conftest import make_app

    app = make_app(
        database_url, clock, LUOT_ISSUE_RATE_LIMIT="2/minute", LUOT_FLOOD_DELAY_SECONDS=0
    )
    database = app.extensions["luot.database"]
    database.write(lambda session: seed_demo(session, clock(), with_users=False))
    reached = []

    @app.before_request
    def count() -> None:
        from flask import request

        if request.path == "/api/v1/tickets":
            reached.append(request.method)

    app.reached = reached
    yield app
    database.dispose()


def test_a_flood_past_the_limit_is_refused_before_flask(guarded):
    client = guarded.test_client()
    responses = [issue(client) for _ in range(5)]
    assert [r.status_code for r in responses] == [201, 201, 429, 429, 429]
    assert responses[-1].get_json()["error"]["code"] == "rate_limited"
    # Only the first two reached the application.
    assert guarded.reached == ["POST", "POST"]


def test_the_flood_guard_lets_tokens_and_registered_kiosks_through(guarded, clock):
    from queueing import accounts

    database = guarded.extensions["luot.database"]
    _row, token = database.write(lambda s: accounts.create_token(s, "keypad", "clerk", clock()))
    client = guarded.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with_token = [
        client.post("/api/v1/tickets", json={"service": "HT"}, headers=headers) for _ in range(4)
    ]
    assert [r.status_code for r in with_token] == [201] * 4
    key = database.write(lambda session: accounts.create_kiosk_key(session, 1))
    kiosk = guarded.test_client()
    assert kiosk.get(f"/kiosk/1?key={key}").status_code == 200
    assert [issue(kiosk, kiosk=1).status_code for _ in range(4)] == [201] * 4


def test_a_refused_anonymous_issue_waits_before_its_answer():
    """The guard's delay, with a recorded sleep instead of the clock's."""
    from web.flood_guard import IssueFloodGuard

    slept = []
    reached = []

    def application(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("201 CREATED", [])
        return [b"{}"]

    guard = IssueFloodGuard(
        application, "1/minute", lambda environ: False, delay_s=1.5, sleep=slept.append
    )
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/tickets", "REMOTE_ADDR": "10.0.0.9"}
    statuses = []
    for _ in range(3):
        guard(dict(environ), lambda status, headers: statuses.append(status))
    assert statuses == ["201 CREATED", "429 TOO MANY REQUESTS", "429 TOO MANY REQUESTS"]
    assert slept == [1.5, 1.5]
    assert reached == ["/api/v1/tickets"]
    # Another address, a token holder and other paths are not counted here.
    guard({**environ, "REMOTE_ADDR": "10.0.0.10"}, lambda status, headers: statuses.append(status))
    guard({**environ, "HTTP_AUTHORIZATION": "Bearer x"}, lambda s, h: statuses.append(s))
    guard({**environ, "PATH_INFO": "/api/v1/queue"}, lambda s, h: statuses.append(s))
    assert statuses[3:] == ["201 CREATED"] * 3
    assert slept == [1.5, 1.5]
