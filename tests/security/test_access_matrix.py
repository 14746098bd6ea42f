"""Who may do what, over every API operation and Socket.IO namespace, for
the public, each role and a revoked token. (tests/manager/test_access.py
covers every page under /manager and /admin the same way.)

Clerks, managers and administrators call with tokens; a supervisor, who has
no token, with a signed-in browser of their own (cookie and CSRF header),
overseeing the demo office. tests/security/test_supervisor_scope.py checks
that a supervisor is refused everywhere in offices not theirs."""

from __future__ import annotations

import re

import pytest

from api.openapi import document
from queueing import accounts
from tests.manager.helpers import log_in, make_user, session_csrf
from web.extensions import socketio

#: Roles that call with a token.
ROLES = ("clerk", "manager", "admin")
RANK = {"public": 0, "clerk": 1, "manager": 2, "supervisor": 3, "admin": 4}
#: Operations above the manager's: offices side by side.
SUPERVISOR_PATHS = ("/api/v1/reports/offices",)


def needed_role(path: str, operation: dict) -> str:
    if not operation.get("security"):
        return "public"
    if all(not requirement for requirement in operation["security"]):
        return "public"
    if any(not requirement for requirement in operation["security"]):
        # Public, with an optional token (issuing).
        return "public"
    if path in SUPERVISOR_PATHS:
        return "supervisor"
    return "manager" if path.startswith("/api/v1/reports/") else "clerk"


def operations():
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            concrete = re.sub(r"\{[^}]+\}", "1", path)
            yield method.upper(), concrete, needed_role(path, operation)


@pytest.fixture
def credentials(app_db, clock):
    tokens = {}
    for role in ROLES:
        _row, tokens[role] = app_db.write(
            lambda s, role=role: accounts.create_token(s, role, role, clock())
        )
    row, revoked = app_db.write(lambda s: accounts.create_token(s, "old", "admin", clock()))
    app_db.write(lambda s: accounts.revoke_token(s, row.id, clock()))
    headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    headers["public"] = {}
    headers["revoked"] = {"Authorization": f"Bearer {revoked}"}
    return headers


@pytest.fixture
def supervisor_client(app, app_db, clock):
    """A browser of its own, signed in as a supervisor of the demo office."""
    browser = app.test_client()
    log_in(browser, make_user(app_db, "supervisor", clock, username="giamsat"))
    return browser


@pytest.fixture
def callers(client, credentials, supervisor_client, app):
    """Who calls -> (test client, headers)."""
    found = {who: (client, headers) for who, headers in credentials.items()}
    found["supervisor"] = (
        supervisor_client,
        {"X-CSRFToken": session_csrf(app, supervisor_client)},
    )
    return found


def test_every_api_operation_answers_each_role_as_allowed(callers):
    checked = 0
    for method, path, needed in operations():
        for who, (caller, headers) in callers.items():
            response = caller.open(path, method=method, json={}, headers=headers)
            assert response.status_code < 500, (method, path, who)
            if who == "revoked":
                if needed != "public" or (method == "POST" and path == "/api/v1/tickets"):
                    assert response.status_code == 401, (method, path, who)
                continue
            if RANK[who] >= RANK[needed]:
                assert response.status_code not in (401, 403), (method, path, who)
            elif who == "public":
                assert response.status_code == 401, (method, path, who)
            else:
                assert response.status_code == 403, (method, path, who)
            checked += 1
    assert checked >= 5 * 20
    assert {needed for _method, _path, needed in operations()} >= {"supervisor", "manager"}


@pytest.mark.parametrize(
    ("namespace", "needed"),
    [("/display", "public"), ("/counter", "clerk"), ("/manager", "manager")],
)
def test_every_namespace_admits_each_role_as_allowed(app, callers, namespace, needed):
    for who, (caller, headers) in callers.items():
        auth: dict = {}
        if "Authorization" in headers:
            auth["token"] = headers["Authorization"].removeprefix("Bearer ")
        connection = socketio.test_client(
            app, namespace=namespace, auth=auth, flask_test_client=caller
        )
        allowed = needed == "public" if who == "revoked" else RANK.get(who, 0) >= RANK[needed]
        assert connection.is_connected(namespace) == allowed, (namespace, who)
        if allowed:
            connection.disconnect(namespace=namespace)


def test_the_ticket_namespace_admits_the_holder_alone(app, client, callers):
    """A ticket is followed with its holder's token; no role's token or
    session opens it."""
    ticket = client.post("/api/v1/tickets", json={"service": "HT"}).get_json()
    for who, (caller, headers) in callers.items():
        auth: dict = {"ticket": ticket["id"]}
        if "Authorization" in headers:
            auth["token"] = headers["Authorization"].removeprefix("Bearer ")
        connection = socketio.test_client(
            app, namespace="/ticket", auth=auth, flask_test_client=caller
        )
        assert not connection.is_connected("/ticket"), who
    holder = socketio.test_client(
        app,
        namespace="/ticket",
        auth={"ticket": ticket["id"], "token": ticket["access_token"]},
        flask_test_client=client,
    )
    assert holder.is_connected("/ticket")


COUNTER_EVENTS = (
    "call_next",
    "recall",
    "start",
    "finish",
    "no_show",
    "park",
    "call",
    "transfer",
    "open",
    "pause",
    "close",
    "return",
    "cancel",
)


def test_every_counter_event_is_acked_for_each_role_and_never_crashes(app, callers):
    for who in (*ROLES, "supervisor"):
        caller, headers = callers[who]
        auth = {}
        if "Authorization" in headers:
            auth["token"] = headers["Authorization"].removeprefix("Bearer ")
        terminal = socketio.test_client(
            app, namespace="/counter", auth=auth, flask_test_client=caller
        )
        assert terminal.is_connected("/counter"), who
        for event in COUNTER_EVENTS:
            for payload in ({"counter": 3}, {"counter": 3, "ticket": 999}, "junk", None):
                ack = terminal.emit(event, payload, namespace="/counter", callback=True)
                assert isinstance(ack, dict) and "ok" in ack, (who, event, payload)
                if not ack["ok"]:
                    assert set(ack["error"]) == {"code", "message"}
        terminal.disconnect(namespace="/counter")


def test_the_recorded_voice_is_public_to_play_and_admin_only_to_record(app_db, callers, clock):
    """Displays fetch an office's published clips with no credentials; takes,
    drafts and the preview of a call are the admin's alone."""
    from queueing import office_voice
    from queueing.operations import Actor
    from tests.voice.wav_samples import spoken_take

    def publish(session):
        office_voice.save_take(session, 1, "vi/digit_5", spoken_take(), clock(), Actor("cli"))
        office_voice.publish(session, 1, clock(), Actor("cli"))
        return office_voice.digests(session, 1, office_voice.PUBLISHED)["vi/digit_5"]

    digest = app_db.write(publish)
    played = f"/display/voice/DEMO/vi/digit_5.{digest[:16]}.wav"
    admin_only = [
        ("GET", "/admin/voice?office=DEMO"),
        ("GET", "/admin/voice/take.wav?office=DEMO&clip=vi/digit_5&stage=published"),
        ("GET", "/admin/voice/call.json?office=DEMO&code=A1&counter=1"),
        ("POST", "/admin/voice/take.json?office=DEMO&clip=vi/digit_5"),
    ]
    for who, (caller, headers) in callers.items():
        assert caller.get(played, headers=headers).status_code == 200, who
        for method, path in admin_only:
            response = caller.open(
                path,
                method=method,
                data=spoken_take(),
                headers={**headers, "Accept": "application/json"},
            )
            if who == "admin":
                assert response.status_code in (200, 201), (method, path, response.status_code)
            elif who in ("public", "revoked"):
                # A page sends a browser to log in; JSON answers 401.
                assert response.status_code in (302, 401), (who, method, path)
            else:
                assert response.status_code == 403, (who, method, path)
