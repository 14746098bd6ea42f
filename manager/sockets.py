"""The ``/manager`` namespace: the live board of managers and admins."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import emit, join_room

import live
from queueing.errors import NotAllowed, NotAuthenticated, QueueError
from queueing.queries import queue_state
from web.access import Principal, principal_for_token, resolve_office
from web.context import database, now, status_url
from web.extensions import socketio
from web.sockets import refuse


def _manager(auth: Any) -> Principal:
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str):
        principal = principal_for_token(token)
    elif current_user.is_authenticated:
        principal = current_user.principal()
    else:
        raise NotAuthenticated("log in or connect with {'token': TOKEN}", "unauthorized")
    if not principal.allows("manager"):
        raise NotAllowed("this needs the manager role", "forbidden")
    return principal


@socketio.on("connect", namespace="/manager")
def on_connect(auth: Any = None) -> None:
    """A manager's board connects, logged in or with ``{"token": TOKEN}``
    (and ``"office": CODE`` where there are several). It receives
    ``queue_state`` at once and ``queue_changed`` at every change."""
    try:
        principal = _manager(auth)
        code = auth.get("office") if isinstance(auth, dict) else None
        with database().read() as session:
            office = resolve_office(session, code, principal)
            state = queue_state(session, office, now(), status_url)
    except QueueError as error:
        raise refuse(error) from None
    join_room(live.manager_room(office.id))
    emit("queue_state", state)
