"""Counter actions, shared by the REST API and the ``/counter`` namespace.

Each action validates its body, runs one use case of
:mod:`queueing.operations` in one transaction, and answers with the ticket
(and the counter) as API.md shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from queueing import operations
from queueing.errors import Malformed, NotFound
from queueing.models import Counter, Office, Ticket
from queueing.operations import Actor
from queueing.queries import QueueView, counter_payload, service_codes, ticket_payload

from . import payloads
from .access import Principal, check_office
from .context import now, status_url, write

Body = Mapping[str, Any]


def optional_string(body: Body, field: str, *, limit: int = 200) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Malformed(f"{field} must be a string", "invalid_field")
    if len(value) > limit:
        raise Malformed(f"{field} is longer than {limit} characters", "invalid_field")
    return value


def optional_id(body: Body, field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if not payloads.is_id(value):
        raise Malformed(f"{field} must be a positive whole number", "invalid_field")
    return value


def _call_next(
    session: Session, counter: Counter, body: Body, at: datetime, actor: Actor
) -> Ticket | None:
    return operations.call_next(session, counter.id, at, actor)


def _recall(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.recall(session, counter.id, at, actor)


def _start(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.start_service(session, counter.id, at, actor)


def _finish(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.finish(session, counter.id, at, actor, optional_string(body, "outcome"))


def _no_show(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.mark_no_show(session, counter.id, at, actor)


def _park(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.park(session, counter.id, at, actor)


def _call(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    ticket_id = optional_id(body, "ticket")
    if ticket_id is None:
        raise Malformed("name the ticket to call", "invalid_field")
    return operations.call_ticket(session, counter.id, ticket_id, at, actor)


def _transfer(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> Ticket:
    return operations.transfer(
        session,
        counter.id,
        at,
        actor,
        service_code=optional_string(body, "service", limit=32),
        target_counter_id=optional_id(body, "target_counter"),
    )


def _open(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> None:
    operations.open_counter(session, counter.id, at, actor)


def _pause(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> None:
    operations.pause_counter(session, counter.id, at, actor, optional_string(body, "reason") or "")


def _close(session: Session, counter: Counter, body: Body, at: datetime, actor: Actor) -> None:
    operations.close_counter(session, counter.id, at, actor)


Action = Callable[[Session, Counter, Body, datetime, Actor], Ticket | None]

ACTIONS: dict[str, Action] = {
    "call_next": _call_next,
    "recall": _recall,
    "start": _start,
    "finish": _finish,
    "no_show": _no_show,
    "park": _park,
    "call": _call,
    "transfer": _transfer,
    "open": _open,
    "pause": _pause,
    "close": _close,
}

#: Actions that answer with the counter's state rather than a ticket.
COUNTER_STATE_ACTIONS = frozenset({"open", "pause", "close"})


def run_counter_action(
    action: str, counter_id: int, body: Body, principal: Principal
) -> dict[str, Any]:
    """Run ``action`` at a counter; returns ``{"ticket": ..., "counter": ...}``."""
    handler = ACTIONS[action]
    at = now()

    def work(session: Session) -> dict[str, Any]:
        counter = session.get(Counter, counter_id)
        if counter is None:
            raise NotFound("no such counter", "counter_not_found")
        check_office(principal, counter.office_id)
        ticket = handler(session, counter, body, at, principal.actor)
        session.refresh(counter)
        office = session.get(Office, counter.office_id)
        assert office is not None
        view = QueueView(session, office, at)
        if action in COUNTER_STATE_ACTIONS:
            ticket = counter.current_ticket
        return {
            "ticket": ticket_payload(view, ticket, status_url) if ticket is not None else None,
            "counter": counter_payload(
                view, counter, status_url, service_codes(session, office.id)
            ),
        }

    return write(work)


TICKET_ACTIONS: dict[str, Callable[[Session, int, datetime, Actor], Ticket]] = {
    "return": operations.return_to_queue,
    "cancel": operations.cancel,
}


def run_ticket_action(action: str, ticket_id: int, principal: Principal) -> dict[str, Any]:
    """Run ``action`` on a ticket of the principal's office; returns ``{"ticket": ...}``."""
    operation = TICKET_ACTIONS[action]
    at = now()

    def work(session: Session) -> dict[str, Any]:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound("no such ticket", "ticket_not_found")
        check_office(principal, ticket.office_id)
        changed = operation(session, ticket_id, at, principal.actor)
        office = session.get(Office, changed.office_id)
        assert office is not None
        return {"ticket": ticket_payload(QueueView(session, office, at), changed, status_url)}

    return write(work)
