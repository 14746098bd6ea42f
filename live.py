"""The one place that pushes live updates to Socket.IO rooms, after commit.

Rooms:
- ``display:<office>:calls`` — displays of the whole office hear every call;
- ``display:<office>:counter:<id>`` — a display limited to some counters;
- ``display:<office>:state`` — every display of the office (``queue_changed``);
- ``counter:<office>`` — clerks' terminals of the office (``queue_changed``);
- ``ticket:<id>`` — the citizen's page of one ticket (``ticket_updated``).

With ``SOCKETIO_MESSAGE_QUEUE`` set, Flask-SocketIO relays every emit
through Redis to the clients of the other server processes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing.models import WAITING, Counter, Event, Office, Ticket
from queueing.queries import QueueView, counter_payload, queue_state, service_codes, ticket_payload
from web.context import database, now, status_url
from web.extensions import socketio

#: Kinds of event that announce a ticket on the displays.
CALL_EVENTS = frozenset({"called", "recalled"})
#: Waiting tickets per service whose citizens' pages get a fresh position.
POSITION_UPDATES = 50


def display_calls_room(office_id: int) -> str:
    return f"display:{office_id}:calls"


def display_counter_room(office_id: int, counter_id: int) -> str:
    return f"display:{office_id}:counter:{counter_id}"


def display_state_room(office_id: int) -> str:
    return f"display:{office_id}:state"


def counter_room(office_id: int) -> str:
    return f"counter:{office_id}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def publish(events: list[Event]) -> None:
    """Tell every interested client what ``events`` changed."""
    by_office: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_office[event.office_id].append(event)
    at = now()
    with database().read() as session:
        for office_id, office_events in by_office.items():
            office = session.get(Office, office_id)
            if office is not None:
                _publish_office(session, office, office_events, at)


def _publish_office(session: Session, office: Office, events: list[Event], at: Any) -> None:
    view = QueueView(session, office, at)
    codes = service_codes(session, office.id)
    for event in events:
        if event.kind in CALL_EVENTS and event.ticket_id and event.counter_id:
            _announce_call(session, view, event, codes)
    state = queue_state(session, office, at, status_url)
    socketio.emit("queue_changed", state, namespace="/display", to=display_state_room(office.id))
    socketio.emit("queue_changed", state, namespace="/counter", to=counter_room(office.id))
    _update_tickets(session, view, events)


def _announce_call(session: Session, view: QueueView, event: Event, codes: dict[int, str]) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    counter = session.get(Counter, event.counter_id)
    if ticket is None or counter is None:
        return
    payload = {
        "ticket": ticket_payload(view, ticket, status_url, counter),
        "counter": counter_payload(view, counter, status_url, codes),
        "call_count": event.data.get("call_count", ticket.call_count),
    }
    office_id = view.office.id
    socketio.emit("ticket_called", payload, namespace="/display", to=display_calls_room(office_id))
    socketio.emit(
        "ticket_called",
        payload,
        namespace="/display",
        to=display_counter_room(office_id, counter.id),
    )


def _update_tickets(session: Session, view: QueueView, events: list[Event]) -> None:
    touched: set[int] = set()
    services: set[int] = set()
    for event in events:
        if event.ticket_id is not None:
            touched.add(event.ticket_id)
            new_leg = event.data.get("new_ticket_id")
            if isinstance(new_leg, int):
                touched.add(new_leg)
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(touched))):
        services.add(ticket.service_id)
        _emit_ticket(view, ticket)
    # Citizens further back moved up: refresh the first pages of each line.
    for service_id in services:
        for ticket_id in view.figures(service_id).line[:POSITION_UPDATES]:
            if ticket_id not in touched:
                ticket = session.get(Ticket, ticket_id)
                if ticket is not None and ticket.state == WAITING:
                    _emit_ticket(view, ticket)


def _emit_ticket(view: QueueView, ticket: Ticket) -> None:
    socketio.emit(
        "ticket_updated",
        ticket_payload(view, ticket, status_url),
        namespace="/ticket",
        to=ticket_room(ticket.id),
    )
