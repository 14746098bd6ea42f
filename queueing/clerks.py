"""What a clerk's terminal shows besides the queue state: its counter's line
in call order, the tickets set aside there, and the clerk's own figures of
today.

Pure queries: each takes a session and ``now`` and writes nothing.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import line, operations, rules
from .models import DONE, NO_SHOW, PARKED, TRANSFERRED, Counter, Event, Office, Ticket
from .queries import iso

#: How many waiting tickets the terminal lists, in call order.
LINE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class LineTicket:
    """A ticket as the terminal's lists show it."""

    id: int
    code: str
    service: str
    state: str
    priority: str
    #: How the ticket was issued; ``booking`` for a checked-in booking.
    channel: str
    issued_at: datetime
    queued_at: datetime
    #: Transferred to this very counter: only it may call the ticket.
    is_reserved_here: bool
    #: When it was set aside (parked) or not seen (no-show), else None.
    set_aside_at: datetime | None

    def as_dict(self, timezone: str, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "service": self.service,
            "state": self.state,
            "priority": self.priority,
            "channel": self.channel,
            "issued_at": iso(self.issued_at, timezone),
            "queued_at": iso(self.queued_at, timezone),
            "waited_s": round((now - self.queued_at).total_seconds(), 1),
            "is_reserved_here": self.is_reserved_here,
            "set_aside_at": iso(self.set_aside_at, timezone),
        }


def _line_ticket(ticket: Ticket, counter_id: int) -> LineTicket:
    return LineTicket(
        id=ticket.id,
        code=ticket.code,
        service=ticket.service.code,
        state=ticket.state,
        priority=ticket.priority,
        channel=ticket.channel,
        issued_at=ticket.issued_at,
        queued_at=ticket.queued_at,
        is_reserved_here=ticket.reserved_counter_id == counter_id,
        set_aside_at=ticket.parked_at if ticket.state == PARKED else ticket.no_show_at,
    )


def counter_line(session: Session, counter: Counter, now: datetime) -> list[LineTicket]:
    """The tickets this counter may call, in the order it would call them
    one after another (the line model's rule, as ``call_next`` follows it)."""
    office = session.get(Office, counter.office_id)
    assert office is not None
    today = rules.service_day(now, office.timezone)
    waiting = line.Line(operations.candidates(session, counter, today, None), office.priority_ratio)
    order = [
        ticket.id
        for ticket, _ in zip(
            waiting.call_order(operations.desk_of(counter), as_called=True),
            range(LINE_LIMIT),
            strict=False,
        )
    ]
    tickets = {
        ticket.id: ticket for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(order)))
    }
    return [_line_ticket(tickets[ticket_id], counter.id) for ticket_id in order]


def set_aside(session: Session, counter: Counter, now: datetime) -> dict[str, list[LineTicket]]:
    """Today's tickets parked at this counter, and its no-shows that may
    still return to the queue (the office's return window), newest first."""
    office = session.get(Office, counter.office_id)
    assert office is not None
    today = rules.service_day(now, office.timezone)
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.counter_id == counter.id,
            Ticket.service_day == today,
            Ticket.state.in_((PARKED, NO_SHOW)),
        )
        .order_by(Ticket.id.desc())
    ).all()
    parked = [_line_ticket(t, counter.id) for t in tickets if t.state == PARKED]
    no_shows = [
        _line_ticket(t, counter.id)
        for t in tickets
        if t.state == NO_SHOW
        and t.no_show_at is not None
        and rules.may_return_no_show(t.no_show_at, now, office.no_show_return_minutes)
    ]
    return {"parked": parked, "no_shows": no_shows}


@dataclass(frozen=True, slots=True)
class ClerkFigures:
    """One clerk's work of one local day, in seconds where a time."""

    #: Tickets this clerk called for the first time today.
    called: int
    #: Legs this clerk finished (state done).
    served: int
    no_shows: int
    transferred: int
    #: Mean of started -> finished over the legs served.
    mean_service_s: float | None
    #: Mean of issued -> first called over the tickets this clerk called first.
    mean_wait_s: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "called": self.called,
            "served": self.served,
            "no_shows": self.no_shows,
            "transferred": self.transferred,
            "mean_service_s": self.mean_service_s,
            "mean_wait_s": self.mean_wait_s,
        }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def clerk_figures(session: Session, office: Office, clerk_id: int, now: datetime) -> ClerkFigures:
    """The clerk's own figures of today (the office's local day).

    Served, no-shows and transfers count the legs the clerk held last (the
    one who started or called them); the mean wait counts the tickets whose
    first call the clerk made, read from the event log, so a ticket another
    clerk called first and this one re-called from the parked list is not
    theirs.
    """
    today = rules.service_day(now, office.timezone)
    legs = session.scalars(
        select(Ticket).where(
            Ticket.office_id == office.id,
            Ticket.service_day == today,
            Ticket.clerk_id == clerk_id,
            Ticket.state.in_((DONE, NO_SHOW, TRANSFERRED)),
        )
    ).all()
    served = [leg for leg in legs if leg.state == DONE]
    service_times = [
        (leg.finished_at - leg.started_at).total_seconds()
        for leg in served
        if leg.is_time_accurate and leg.started_at is not None and leg.finished_at is not None
    ]
    first_calls = session.execute(
        select(Ticket.id, Ticket.issued_at, Ticket.first_called_at)
        .join(Event, Event.ticket_id == Ticket.id)
        .where(
            Event.office_id == office.id,
            Event.kind == "called",
            Event.actor == f"user:{clerk_id}",
            Ticket.service_day == today,
            # The clerk's call was the ticket's first.
            Event.created_at == Ticket.first_called_at,
        )
        .distinct()
    ).all()
    waits = [
        (called_at - issued_at).total_seconds()
        for _id, issued_at, called_at in first_calls
        if called_at is not None
    ]
    return ClerkFigures(
        called=len(first_calls),
        served=len(served),
        no_shows=sum(1 for leg in legs if leg.state == NO_SHOW),
        transferred=sum(1 for leg in legs if leg.state == TRANSFERRED),
        mean_service_s=_mean(service_times),
        mean_wait_s=_mean(waits),
    )
