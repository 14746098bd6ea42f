"""The ``/counter`` namespace: clerks' terminals and keypad controllers.

Every event is a command with ``{"counter": ID, ...the REST body}``, acked
with ``{"ok": true, "ticket": ticket-or-null, "counter": counter}`` or
``{"ok": false, "error": {"code", "message"}}``. The same use cases as the
REST API run behind them (:mod:`web.actions`).
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask_login import current_user
from flask_socketio import emit, join_room

import live
from queueing import operations
from queueing.errors import Malformed, NotAllowed, NotAuthenticated, NotFound, QueueError
from queueing.models import Counter
from queueing.queries import queue_state
from web import payloads
from web.access import (
    CHOSEN_COUNTER_KEY,
    Principal,
    check_office,
    principal_for_token,
    resolve_office,
    still_allowed,
)
from web.actions import run_counter_action, run_ticket_action
from web.context import database, now, status_url, write
from web.extensions import socketio
from web.sockets import acked, refuse

#: Where the connection's principal is kept in its Socket.IO session.
PRINCIPAL_KEY = "luot_counter_principal"


def _connecting_principal(auth: Any) -> Principal:
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None:
        if not isinstance(token, str):
            raise NotAuthenticated("the token must be a string", "bad_token")
        principal = principal_for_token(token)
    elif current_user.is_authenticated:
        principal = current_user.principal()
    else:
        raise NotAuthenticated("log in or connect with {'token': TOKEN}", "unauthorized")
    if not principal.allows("clerk"):
        raise NotAllowed("this needs the clerk role", "forbidden")
    return principal


@socketio.on("connect", namespace="/counter")
def on_connect(auth: Any = None) -> None:
    """A terminal connects, logged in or with ``{"token": TOKEN}``; anyone
    else is refused. It receives ``queue_state`` at once and
    ``queue_changed`` at every change in its office.
    """
    try:
        principal = _connecting_principal(auth)
        code = auth.get("office") if isinstance(auth, dict) else None
        with database().read() as db_session:
            office = resolve_office(db_session, code, principal)
            state = queue_state(db_session, office, now(), status_url)
    except QueueError as error:
        raise refuse(error) from None
    session[PRINCIPAL_KEY] = {
        "kind": principal.kind,
        "id": principal.id,
        "role": principal.role,
        "office_id": principal.office_id,
        "name": principal.name,
    }
    join_room(live.counter_room(office.id))
    emit("queue_state", state)


def _principal() -> Principal:
    """Who sends this command, checked again on every command: a token
    revoked or a user deactivated since the connection opened acts no more."""
    stored = session.get(PRINCIPAL_KEY)
    if not stored:
        raise NotAuthenticated("connect again and log in", "unauthorized")
    principal = still_allowed(Principal(**stored))
    if not principal.allows("clerk"):
        raise NotAllowed("this needs the clerk role", "forbidden")
    return principal


def _counter_id(data: Any) -> int:
    if not isinstance(data, dict):
        raise Malformed("send an object with the counter's id", "malformed_request")
    counter_id = data.get("counter")
    if not payloads.is_id(counter_id):
        raise Malformed("counter must be a counter id", "invalid_field")
    chosen = session.get(CHOSEN_COUNTER_KEY)
    if session.get(PRINCIPAL_KEY, {}).get("kind") == "user" and chosen not in (None, counter_id):
        raise NotAllowed("this terminal works another counter", "other_counter")
    return counter_id


def _act(action: str, data: Any) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        principal = _principal()
        counter_id = _counter_id(data)
        body = {key: value for key, value in data.items() if key != "counter"}
        return run_counter_action(action, counter_id, body, principal)

    return acked(work)


@socketio.on("call_next", namespace="/counter")
def on_call_next(data: Any = None) -> dict[str, Any]:
    """Sent on *Gọi số tiếp theo*; acks the called ticket or null.

    Displays of the office receive ``ticket_called``.
    """
    return _act("call_next", data)


@socketio.on("recall", namespace="/counter")
def on_recall(data: Any = None) -> dict[str, Any]:
    """Sent on *Gọi lại*; displays receive ``ticket_called`` again."""
    return _act("recall", data)


@socketio.on("start", namespace="/counter")
def on_start(data: Any = None) -> dict[str, Any]:
    """Sent on *Bắt đầu*: the citizen has arrived at the counter."""
    return _act("start", data)


@socketio.on("finish", namespace="/counter")
def on_finish(data: Any = None) -> dict[str, Any]:
    """Sent on *Hoàn thành* with an optional ``outcome``."""
    return _act("finish", data)


@socketio.on("no_show", namespace="/counter")
def on_no_show(data: Any = None) -> dict[str, Any]:
    """Sent on *Vắng mặt* after the recalls the office requires."""
    return _act("no_show", data)


@socketio.on("park", namespace="/counter")
def on_park(data: Any = None) -> dict[str, Any]:
    """Sent on *Tạm giữ*: the ticket is set aside, the counter is free."""
    return _act("park", data)


@socketio.on("call", namespace="/counter")
def on_call(data: Any = None) -> dict[str, Any]:
    """Sent with ``{"ticket": ID}`` to call a chosen waiting or parked ticket."""
    return _act("call", data)


@socketio.on("transfer", namespace="/counter")
def on_transfer(data: Any = None) -> dict[str, Any]:
    """Sent on *Chuyển* with ``{"service": CODE}`` or ``{"target_counter": ID}``
    (``counter`` names the acting counter here); acks the new leg."""
    return _act("transfer", data)


@socketio.on("open", namespace="/counter")
def on_open(data: Any = None) -> dict[str, Any]:
    """Sent when the clerk opens the counter."""
    return _act("open", data)


@socketio.on("pause", namespace="/counter")
def on_pause(data: Any = None) -> dict[str, Any]:
    """Sent on *Tạm dừng quầy* with an optional ``reason``."""
    return _act("pause", data)


@socketio.on("close", namespace="/counter")
def on_close(data: Any = None) -> dict[str, Any]:
    """Sent when the clerk closes the counter for the day."""
    return _act("close", data)


@socketio.on("keep_counter", namespace="/counter")
def on_keep_counter(data: Any = None) -> dict[str, Any]:
    """Sent by a clerk's terminal every TERMINAL_BEAT_SECONDS: the clerk is
    still at the counter. Acks ``counter_taken`` once another clerk took it."""

    def work() -> dict[str, Any]:
        principal = _principal()
        counter_id = _counter_id(data)
        actor = principal.actor
        at = now()

        def keep(db_session: Any) -> dict[str, Any]:
            counter = db_session.get(Counter, counter_id)
            if counter is None:
                raise NotFound("no such counter", "counter_not_found")
            check_office(principal, counter.office_id)
            operations.keep_counter(db_session, counter_id, at, actor)
            return {"ticket": None}

        return write(keep)

    return acked(work)


def _ticket_act(action: str, data: Any) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        principal = _principal()
        _counter_id(data)
        ticket_id = data.get("ticket")
        if not payloads.is_id(ticket_id):
            raise Malformed("ticket must be a ticket id", "invalid_field")
        return run_ticket_action(action, ticket_id, principal)

    return acked(work)


@socketio.on("return", namespace="/counter")
def on_return(data: Any = None) -> dict[str, Any]:
    """Sent with ``{"counter": ID, "ticket": ID}`` to put a no-show or parked
    ticket back in its queue."""
    return _ticket_act("return", data)


@socketio.on("cancel", namespace="/counter")
def on_cancel(data: Any = None) -> dict[str, Any]:
    """Sent with ``{"counter": ID, "ticket": ID}`` to cancel a ticket that waits."""
    return _ticket_act("cancel", data)
