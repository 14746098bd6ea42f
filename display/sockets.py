"""The ``/display`` namespace: waiting-room screens, public, read-only."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from flask import request
from flask_socketio import emit, join_room

import live
from queueing import displays
from queueing.errors import Invalid, Malformed, NotFound, QueueError, RateLimited
from queueing.models import Display
from queueing.queries import public_state, queue_state
from web.access import resolve_office
from web.context import database, now, status_url
from web.extensions import socketio
from web.sockets import acked, refuse

#: More counters than any office has: a longer filter is refused unread.
MAX_FILTERED_COUNTERS = 200
#: Sound reports one connection may send in a minute: a display sends one
#: every DISPLAY_BEAT_SECONDS and one at each change; more are dropped.
MAX_SOUND_REPORTS_PER_MINUTE = 12


class _Connection:
    """What the server remembers of one display connection, in the process
    that holds it (a connection never moves between processes)."""

    def __init__(self, office_id: int) -> None:
        self.office_id = office_id
        self.report_times: deque[float] = deque(maxlen=MAX_SOUND_REPORTS_PER_MINUTE)

    def may_report(self, at: float) -> bool:
        is_full = len(self.report_times) == MAX_SOUND_REPORTS_PER_MINUTE
        if is_full and at - self.report_times[0] < 60:
            return False
        self.report_times.append(at)
        return True


#: By Socket.IO session id (``request.sid``, set by Flask-SocketIO).
_connections: dict[str, _Connection] = {}


def counters_filter(auth: Any) -> list[int]:
    """The counters a display is limited to: ``auth.counters`` or
    ``?counters=1,2``; empty means every counter."""
    value = auth.get("counters") if isinstance(auth, dict) else None
    if value is None:
        parts = [part for part in request.args.get("counters", "").split(",") if part.strip()]
        if len(parts) > MAX_FILTERED_COUNTERS:
            raise Malformed("too many counters", "invalid_field")
        if not all(part.strip().isascii() and part.strip().isdigit() for part in parts):
            raise Malformed("counters must be counter ids", "invalid_field")
        value = [int(part) for part in parts]
    if (
        not isinstance(value, list)
        or len(value) > MAX_FILTERED_COUNTERS
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    ):
        raise Malformed("counters must be a list of counter ids", "invalid_field")
    return value


def known_counters(wanted: list[int], state: dict[str, Any]) -> set[int]:
    """The filter, when every id is a counter of the office; else refused
    (a display names the counters it shows, nothing else)."""
    ids = {counter["id"] for counter in state["counters"]}
    unknown = set(wanted) - ids
    if unknown:
        raise Invalid("no such counter in this office", "unknown_counter")
    return set(wanted)


@socketio.on("connect", namespace="/display")
def on_connect(auth: Any = None) -> None:
    """A display connects, optionally with ``{"office": CODE, "counters": [ids]}``.

    It receives ``queue_state`` at once, then ``ticket_called`` for the calls
    of its counters and ``queue_changed`` on every other change.
    """
    try:
        counters = counters_filter(auth)
        code = auth.get("office") if isinstance(auth, dict) else None
        with database().read() as session:
            office = resolve_office(session, code or request.args.get("office"), None)
            state = public_state(queue_state(session, office, now(), status_url))
        counters = sorted(known_counters(counters, state))
    except QueueError as error:
        raise refuse(error) from None
    _connections[request.sid] = _Connection(office.id)
    join_room(live.display_state_room(office.id))
    if counters:
        for counter_id in counters:
            join_room(live.display_counter_room(office.id, counter_id))
    else:
        join_room(live.display_calls_room(office.id))
    emit("queue_state", state)


@socketio.on("disconnect", namespace="/display")
def on_disconnect(*_args: Any) -> None:
    """The display went away; its reports stop, and the board says so once
    the silence window is over."""
    _connections.pop(request.sid, None)


@socketio.on("report_sound", namespace="/display")
def on_report_sound(data: Any = None) -> dict[str, Any]:
    """Sent by a configured display on connecting, at each change and every
    DISPLAY_BEAT_SECONDS: ``{"display": ID, "state": "ok"|"blocked"|"off",
    "voice": NAME-or-"", "voices": [NAME]}``. Acks ``{"ok": true}``, or an
    error for an unknown display or a bad report. The managers of the
    office receive ``display_sound_changed`` when the state changed.
    """

    def work() -> dict[str, Any]:
        connection = _connections.get(request.sid)
        report = displays.sound_report(data)
        if connection is None:
            raise NotFound("connect first", "not_connected")
        if not connection.may_report(time.monotonic()):
            raise RateLimited("too many sound reports; wait a minute", "rate_limited")
        at = now()

        def store(session: Any) -> str | None:
            display = session.get(Display, report["display"])
            if display is None or display.office_id != connection.office_id:
                raise NotFound("no such display in this office", "display_not_found")
            before = displays.sound_of(display, at)
            if not displays.report_sound(session, report, at):
                return None
            return report["state"] if before != report["state"] else None

        changed = database().write(store)
        if changed is not None:
            socketio.emit(
                "display_sound_changed",
                {"display": report["display"], "sound": changed},
                namespace="/manager",
                to=live.manager_room(connection.office_id),
            )
        return {}

    return acked(work)
