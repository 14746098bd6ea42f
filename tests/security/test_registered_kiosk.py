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
