"""Read models: tickets, services, counters and the queue as API.md shows them.

Positions and estimates are computed here from the waiting lines, with the
rules of :mod:`queueing.rules`; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from . import rules
from .models import (
    COUNTER_OPEN,
    DONE,
    PRIORITY_NONE,
    WAITING,
    Counter,
    CounterService,
    Event,
    NumberCounter,
    Office,
    Rating,
    Service,
    Ticket,
)

#: How many recent service times feed the smoothed estimate.
RECENT_SERVICE_SAMPLES = 20
#: How far back a service time still counts as recent.
RECENT_SERVICE_WINDOW = timedelta(days=7)
RECENT_CALLS = 10

StatusUrl = Callable[[int], str]


def iso(moment: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the office's offset, e.g. 2026-11-22T08:15:03.120000+07:00."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


@dataclass(slots=True)
class ServiceFigures:
    """What an estimate for one service needs."""

    service_seconds: float
    open_counters: int
    #: Tickets waiting in the service's line (legs reserved for a counter
    #: are in that counter's line instead).
    waiting: int
    #: Numbers the service has handed out today.
    issued_today: int = 0


def _is_priority(column: Any) -> Any:
    return column != PRIORITY_NONE


class QueueView:
    """Computes positions and estimates for one office, caching per call."""

    def __init__(self, session: Session, office: Office, now: datetime) -> None:
        self.session = session
        self.office = office
        self.now = now
        self._figures: dict[int, ServiceFigures] = {}
        self._lines: dict[int, list[int]] = {}

    def figures(self, service_id: int) -> ServiceFigures:
        if service_id not in self._figures:
            waiting, open_counters, issued_today = self.session.execute(
                _SERVICE_COUNTS,
                {
                    "office_id": self.office.id,
                    "service_id": service_id,
                    "day": rules.service_day(self.now, self.office.timezone),
                },
            ).one()
            self._figures[service_id] = ServiceFigures(
                service_seconds=self._smoothed_service_seconds(service_id),
                open_counters=int(open_counters or 0),
                waiting=int(waiting or 0),
                issued_today=int(issued_today or 0),
            )
        return self._figures[service_id]

    def line(self, service_id: int) -> list[int]:
        """The waiting tickets of a service's line, in the order of the rules."""
        if service_id not in self._lines:
            rows = self.session.execute(
                _LINE, {"office_id": self.office.id, "service_id": service_id}
            ).all()
            candidates = [
                rules.Candidate(
                    id=row.id,
                    is_priority=rules.is_priority(row.priority),
                    is_queue_head=row.is_queue_head,
                    queued_at=row.queued_at,
                )
                for row in rows
            ]
            self._lines[service_id] = [
                candidate.id for candidate in sorted(candidates, key=rules.waiting_order_key)
            ]
        return self._lines[service_id]

    def _smoothed_service_seconds(self, service_id: int) -> float:
        rows = self.session.execute(
            _RECENT_SERVICE_TIMES,
            {"service_id": service_id, "since": self.now - RECENT_SERVICE_WINDOW},
        ).all()
        samples = [
            (finished - started).total_seconds()
            for started, finished in reversed(rows)
            if started is not None and finished is not None
        ]
        return rules.smoothed_service_seconds(samples, self.office.default_service_seconds)

    def position(self, ticket: Ticket) -> int | None:
        """People ahead of a waiting ticket in its line, else None.

        Counted in SQL with the order of :func:`rules.waiting_order_key`:
        sent to the head, then priority, then arrival.
        """
        if ticket.state != WAITING:
            return None
        statement = _people_ahead_statement(
            rules.is_priority(ticket.priority),
            ticket.is_queue_head,
            ticket.reserved_counter_id is not None,
        )
        count = self.session.scalar(
            statement,
            {
                "office_id": self.office.id,
                "service_id": ticket.service_id,
                "counter_id": ticket.reserved_counter_id,
                "ticket_id": ticket.id,
                "queued_at": ticket.queued_at,
            },
        )
        return int(count or 0)

    def estimated_wait(self, service_id: int, people_ahead: int) -> float:
        figures = self.figures(service_id)
        return round(
            rules.estimated_wait_seconds(
                people_ahead, figures.open_counters, figures.service_seconds
            ),
            1,
        )


def _line_conditions(*, reserved: bool) -> list[Any]:
    """A line: a service's waiting tickets, or the legs reserved for one counter."""
    conditions = [Ticket.office_id == bindparam("office_id"), Ticket.state == WAITING]
    if reserved:
        conditions.append(Ticket.reserved_counter_id == bindparam("counter_id"))
    else:
        conditions += [
            Ticket.service_id == bindparam("service_id"),
            Ticket.reserved_counter_id.is_(None),
        ]
    return conditions


# The statements a ticket's and a service's figures need, built once: these
# run for every ticket issued and every screen refreshed.
_LINE = select(Ticket.id, Ticket.priority, Ticket.is_queue_head, Ticket.queued_at).where(
    *_line_conditions(reserved=False)
)
#: A service's line length, open counters and numbers handed out today.
_SERVICE_COUNTS = select(
    select(func.count(Ticket.id)).where(*_line_conditions(reserved=False)).scalar_subquery(),
    select(func.count(Counter.id))
    .join(CounterService, CounterService.counter_id == Counter.id)
    .where(CounterService.service_id == bindparam("service_id"), Counter.state == COUNTER_OPEN)
    .scalar_subquery(),
    select(NumberCounter.last_sequence)
    .where(
        NumberCounter.office_id == bindparam("office_id"),
        NumberCounter.service_id == bindparam("service_id"),
        NumberCounter.service_day == bindparam("day"),
    )
    .scalar_subquery(),
)
_RECENT_SERVICE_TIMES = (
    select(Ticket.started_at, Ticket.finished_at)
    .where(
        Ticket.service_id == bindparam("service_id"),
        Ticket.state == DONE,
        Ticket.is_time_accurate.is_(True),
        Ticket.finished_at >= bindparam("since"),
        Ticket.started_at.is_not(None),
    )
    .order_by(Ticket.finished_at.desc())
    .limit(RECENT_SERVICE_SAMPLES)
)


@cache
def _people_ahead_statement(is_priority: bool, is_queue_head: bool, reserved: bool) -> Any:
    """Counts the tickets ahead of one in its line (see QueueView.position)."""
    other_priority = _is_priority(Ticket.priority)
    queued_at = bindparam("queued_at", type_=Ticket.queued_at.type)
    same_arrival_ahead = or_(
        Ticket.queued_at < queued_at,
        and_(Ticket.queued_at == queued_at, Ticket.id < bindparam("ticket_id")),
    )
    if is_priority:
        same_head_ahead = and_(other_priority, same_arrival_ahead)
    else:
        same_head_ahead = or_(other_priority, same_arrival_ahead)
    if is_queue_head:
        ahead = and_(Ticket.is_queue_head.is_(True), same_head_ahead)
    else:
        ahead = or_(
            Ticket.is_queue_head.is_(True),
            and_(Ticket.is_queue_head.is_(False), same_head_ahead),
        )
    return select(func.count(Ticket.id)).where(
        *_line_conditions(reserved=reserved), Ticket.id != bindparam("ticket_id"), ahead
    )


def ticket_payload(
    view: QueueView, ticket: Ticket, status_url: StatusUrl, counter: Counter | None = None
) -> dict[str, Any]:
    office = view.office
    position = view.position(ticket)
    if ticket.counter_id is not None and counter is None:
        counter = view.session.get(Counter, ticket.counter_id)
    timezone = office.timezone
    return {
        "id": ticket.id,
        "code": ticket.code,
        "number": ticket.number,
        "service": ticket.service.code,
        "service_name": ticket.service.name,
        "service_name_en": ticket.service.name_en,
        "office": office.code,
        "office_name": office.name,
        "office_name_en": office.name_en,
        "state": ticket.state,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "issued_at": iso(ticket.issued_at, timezone),
        "called_at": iso(ticket.first_called_at, timezone),
        "last_called_at": iso(ticket.last_called_at, timezone),
        "started_at": iso(ticket.started_at, timezone),
        "finished_at": iso(ticket.finished_at, timezone),
        "call_count": ticket.call_count,
        "counter": ticket.counter_id,
        "counter_number": counter.number if counter is not None else None,
        "outcome": ticket.outcome,
        "parent_id": ticket.parent_id,
        "position": position,
        "estimated_wait_s": (
            view.estimated_wait(ticket.service_id, position) if position is not None else None
        ),
        "is_time_accurate": ticket.is_time_accurate,
        "status_url": status_url(ticket.id),
    }


def service_closed_reason(view: QueueView, service: Service) -> str | None:
    """Why the service issues no ticket now (hours, holidays, an inactive
    service, or today's numbers used up), or None while it issues."""
    from .operations import issuing_closed_reason

    figures = view.figures(service.id)
    return issuing_closed_reason(view.office, service, view.now) or rules.numbering_closed_reason(
        figures.issued_today,
        service.daily_cap,
        service.number_start,
        service.number_end,
        service.is_number_wrapping,
    )


def service_payload(view: QueueView, service: Service) -> dict[str, Any]:
    figures = view.figures(service.id)
    waiting = figures.waiting
    closed_reason = service_closed_reason(view, service)
    return {
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "prefix": service.prefix,
        "group": service.group_name,
        "group_en": service.group_name_en,
        "waiting": waiting,
        "estimated_wait_s": view.estimated_wait(service.id, waiting),
        "open_counters": figures.open_counters,
        "target_wait_s": service.target_wait_minutes * 60,
        "is_issuing": closed_reason is None,
        "closed_reason": closed_reason,
    }


def counter_payload(
    view: QueueView, counter: Counter, status_url: StatusUrl, codes: dict[int, str]
) -> dict[str, Any]:
    current = counter.current_ticket
    return {
        "id": counter.id,
        "number": counter.number,
        "name": counter.name,
        "state": counter.state,
        "pause_reason": counter.pause_reason,
        "services": [
            codes[link.service_id] for link in counter.service_links if link.service_id in codes
        ],
        "current_ticket": (
            ticket_payload(view, current, status_url, counter) if current is not None else None
        ),
    }


def active_services(session: Session, office_id: int) -> list[Service]:
    return list(
        session.scalars(
            select(Service)
            .where(Service.office_id == office_id, Service.is_active.is_(True))
            .order_by(Service.sort_order, Service.id)
        )
    )


def service_codes(session: Session, office_id: int) -> dict[int, str]:
    rows = session.execute(select(Service.id, Service.code).where(Service.office_id == office_id))
    return {service_id: code for service_id, code in rows}


def counters_of(session: Session, office_id: int) -> list[Counter]:
    return list(
        session.scalars(
            select(Counter).where(Counter.office_id == office_id).order_by(Counter.number)
        )
    )


def recent_calls(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """Calls and recalls of today, newest first."""
    local_midnight = datetime.combine(
        rules.service_day(now, office.timezone), datetime.min.time(), ZoneInfo(office.timezone)
    )
    rows = session.execute(
        select(Event.created_at, Event.counter_id, Event.data, Service.code)
        .join(Ticket, Ticket.id == Event.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Event.office_id == office.id,
            Event.kind.in_(("called", "recalled")),
            Event.created_at >= local_midnight,
        )
        .order_by(Event.id.desc())
        .limit(RECENT_CALLS)
    ).all()
    return [
        {
            "code": row.data.get("code"),
            "service": row.code,
            "counter": row.counter_id,
            "counter_number": row.data.get("counter_number"),
            "called_at": iso(row.created_at, office.timezone),
            "call_count": row.data.get("call_count"),
        }
        for row in rows
    ]


def queue_state(
    session: Session, office: Office, now: datetime, status_url: StatusUrl
) -> dict[str, Any]:
    """The body of ``GET /api/v1/queue`` and of the ``queue_state`` event."""
    view = QueueView(session, office, now)
    codes = service_codes(session, office.id)
    return {
        "office": {"code": office.code, "name": office.name, "name_en": office.name_en},
        "services": [
            service_payload(view, service) for service in active_services(session, office.id)
        ],
        "counters": [
            counter_payload(view, counter, status_url, codes)
            for counter in counters_of(session, office.id)
        ],
        "recent_calls": recent_calls(session, office, now),
        "ticker": office.ticker_message,
        "generated_at": iso(now, office.timezone),
    }


def rating_of(session: Session, ticket_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
