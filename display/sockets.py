"""The ``/display`` namespace: waiting-room screens, public, read-only."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import emit, join_room

import live
from queueing.errors import Invalid, Malformed, QueueError
from queueing.queries import public_state, queue_state
from web.access import resolve_office
from web.context import database, now, status_url
from web.extensions import socketio
from web.sockets import refuse

#: More counters than any office has: a longer filter is refused unread.
MAX_FILTERED_COUNTERS = 200


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
    join_room(live.display_state_room(office.id))
    if counters:
        for counter_id in counters:
            join_room(live.display_counter_room(office.id, counter_id))
    else:
        join_room(live.display_calls_room(office.id))
    emit("queue_state", state)
