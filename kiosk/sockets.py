"""The ``/ticket`` namespace: a citizen's phone follows one ticket."""

from __future__ import annotations

from typing import Any

from flask_socketio import emit, join_room

import live
from queueing.errors import Malformed, NotFound, QueueError
from queueing.models import Office, Ticket
from queueing.queries import QueueView, is_holder, ticket_payload
from web import payloads
from web.context import database, now, status_url
from web.extensions import socketio
from web.sockets import refuse


@socketio.on("connect", namespace="/ticket")
def on_connect(auth: Any = None) -> None:
    """The ticket page connects with ``{"ticket": ID, "token": T}``, the
    holder's token; without it the ticket is unknown.

    It receives ``ticket_updated`` at once and at each change of that ticket,
    and ``line_changed`` (the places of its service's waiting tickets) when
    the line moves.
    """
    try:
        ticket_id = auth.get("ticket") if isinstance(auth, dict) else None
        token = auth.get("token") if isinstance(auth, dict) else None
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
            raise Malformed("connect with {'ticket': ID, 'token': T}", "invalid_field")
        with database().read() as session:
            ticket = session.get(Ticket, ticket_id) if payloads.is_id(ticket_id) else None
            if ticket is None or not is_holder(ticket, token):
                raise NotFound("no such ticket", "ticket_not_found")
            office = session.get(Office, ticket.office_id)
            assert office is not None
            payload = ticket_payload(QueueView(session, office, now()), ticket, status_url)
            service_id = ticket.service_id
    except QueueError as error:
        raise refuse(error) from None
    join_room(live.ticket_room(ticket_id))
    # Its line's order comes as ``line_changed``, to follow the position.
    join_room(live.line_room(service_id))
    emit("ticket_updated", payload)
