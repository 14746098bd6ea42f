"""The ``/display`` namespace: waiting-room screens, public, read-only."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import emit, join_room

import live
from queueing.errors import Malformed, QueueError
from queueing.queries import public_state, queue_state
from web.access import resolve_office
from web.context import database, now, status_url
from web.extensions import socketio
from web.sockets import refuse


def counters_filter(auth: Any) -> list[int]:
    """The counters a display is limited to: ``auth.counters`` or
    ``?counters=1,2``; empty means every counter."""
    value = auth.get("counters") if isinstance(auth, dict) else None
    if value is None:
        raw = request.args.get("counters", "")
        try:
            value = [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise Malformed("counters must be counter ids", "invalid_field") from None
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        raise Malformed("counters must be a list of counter ids", "invalid_field")
    return value


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
    except QueueError as error:
        raise refuse(error) from None
    join_room(live.display_state_room(office.id))
    if counters:
        for counter_id in counters:
            join_room(live.display_counter_room(office.id, counter_id))
    else:
        join_room(live.display_calls_room(office.id))
    emit("queue_state", state)
