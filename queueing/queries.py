"""Read models: tickets, services, counters and the queue as API.md shows them.

Positions and estimates are computed here from the waiting lines, with the
rules of :mod:`queueing.rules`; nothing here writes.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from . import line, rules
from .models import (
    CHANNEL_BOOKING,
    COUNTER_OPEN,
    DONE,
    OPEN_STATES,
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

#: The citizen's live page of a ticket, from the holder's token.
StatusUrl = Callable[[str], str]

#: What only the ticket's holder and the office's staff see of a ticket.
PRIVATE_TICKET_FIELDS = frozenset({"access_token", "status_url", "priority"})


def iso(moment: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the office's offset, e.g. 2026-11-22T08:15:03.120000+07:00."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


@dataclass(slots=True)
class ServiceFigures:
    """One service at this moment."""

    #: Staffed (open) counters that serve the service.
    open_counters: int
    #: Tickets waiting in the service's line (legs reserved for a counter
    #: are in that counter's line instead).
    waiting: int
    #: Numbers the service has handed out today.
    issued_today: int = 0


@dataclass(slots=True)
class OfficeLine:
    """What the line model needs of one office, read in a few statements."""

    waiting: list[line.Waiting]
    desks: list[line.Desk]
    service_seconds: dict[int, float]
    #: Service id -> open counters serving it.
    open_counters: dict[int, int]
    issued_today: dict[int, int]
    #: Service id -> tickets waiting in its line (not reserved for a counter).
    in_line: dict[int, int]


def load_office_line(session: Session, office: Office, now: datetime) -> OfficeLine:
    """The office's waiting tickets and staffed counters, with each
    service's smoothed time and each counter's own pace."""
    today = rules.service_day(now, office.timezone)
    waiting = [
        as_waiting(row) for row in session.execute(_WAITING, {"office_id": office.id, "day": today})
    ]
    # Oldest first. The service's newest samples are among the newest of
    # each counter's, which is all the statement reads.
    by_service: dict[int, list[float]] = {}
    by_counter: dict[tuple[int | None, int], list[float]] = {}
    for service_id, counter_id, started_at, finished_at in session.execute(
        _RECENT_SERVICE_TIMES, {"office_id": office.id, "since": now - RECENT_SERVICE_WINDOW}
    ):
        seconds = (finished_at - started_at).total_seconds()
        by_service.setdefault(service_id, []).append(seconds)
        by_counter.setdefault((counter_id, service_id), []).append(seconds)
    default = float(office.default_service_seconds)
    service_seconds = {
        service_id: rules.smoothed_service_seconds(times[-RECENT_SERVICE_SAMPLES:], default)
        for service_id, times in by_service.items()
    }
    counters = session.execute(_OPEN_COUNTERS, {"office_id": office.id}).all()
    links = session.execute(_COUNTER_LINKS, {"office_id": office.id}).all()
    preferences: dict[int, dict[int, int]] = {}
    open_counters: dict[int, int] = {}
    for link in links:
        preferences.setdefault(link.counter_id, {})[link.service_id] = link.preference
        open_counters[link.service_id] = open_counters.get(link.service_id, 0) + 1
    desks = []
    for counter in counters:
        served = preferences.get(counter.id, {})
        pace = {
            service_id: rules.smoothed_service_seconds(
                by_counter.get((counter.id, service_id), []),
                service_seconds.get(service_id, default),
            )
            for service_id in served
        }
        free_at = None
        if counter.ticket_service_id is not None:
            begun = counter.started_at or counter.last_called_at
            seconds = line.expected_seconds(
                pace, service_seconds, counter.ticket_service_id, default
            )
            free_at = begun + timedelta(seconds=seconds)
        desks.append(
            line.Desk(
                id=counter.id,
                number=counter.number,
                preferences=served,
                normal_streak=counter.normal_streak,
                free_at=free_at,
                pace=pace,
            )
        )
    issued_today = {
        row.service_id: row.last_sequence
        for row in session.execute(
            _ISSUED_TODAY,
            {"office_id": office.id, "day": today},
        )
    }
    in_line: dict[int, int] = {}
    for ticket in waiting:
        if ticket.reserved_counter_id is None:
            in_line[ticket.service_id] = in_line.get(ticket.service_id, 0) + 1
    return OfficeLine(waiting, desks, service_seconds, open_counters, issued_today, in_line)


class QueueView:
    """Positions, estimates and service figures of one office at ``now``,
    from one forecast of the line (:mod:`queueing.line`), computed on first
    use and kept for the view's life."""

    def __init__(self, session: Session, office: Office, now: datetime) -> None:
        self.session = session
        self.office = office
        self.now = now
        self._line: OfficeLine | None = None
        self._forecast: line.Forecast | None = None
        #: Places the caller already knows (a ticket just issued), which
        #: spare the forecast.
        self.known_places: dict[int, line.Place | None] = {}

    @property
    def office_line(self) -> OfficeLine:
        if self._line is None:
            self._line = load_office_line(self.session, self.office, self.now)
        return self._line

    @property
    def forecast(self) -> line.Forecast:
        if self._forecast is None:
            data = self.office_line
            self._forecast = line.Line(data.waiting, self.office.priority_ratio).forecast(
                data.desks,
                self.now,
                data.service_seconds,
                float(self.office.default_service_seconds),
            )
        return self._forecast

    def use_forecast(self, forecast: line.Forecast) -> None:
        """Answer from this forecast, run by the caller from :attr:`office_line`
        (or kept from an earlier run of the same line)."""
        self._forecast = forecast

    def figures(self, service_id: int) -> ServiceFigures:
        data = self.office_line
        return ServiceFigures(
            open_counters=data.open_counters.get(service_id, 0),
            waiting=data.in_line.get(service_id, 0),
            issued_today=data.issued_today.get(service_id, 0),
        )

    def place(self, ticket: Ticket) -> line.Place | None:
        """Where a waiting ticket stands; None for any other ticket."""
        if ticket.state != WAITING:
            return None
        if ticket.id in self.known_places:
            return self.known_places[ticket.id]
        return self.forecast.tickets.get(ticket.id)

    def new_ticket_place(self, service_id: int) -> line.Place:
        """Where a normal ticket of the service would stand if taken now."""
        place = self.forecast.services.get(service_id)
        if place is None:
            return line.Place(self.figures(service_id).waiting, None)
        return place


#: A waiting ticket's columns as the line model reads them (:func:`as_waiting`).
WAITING_COLUMNS = (
    Ticket.id,
    Ticket.service_id,
    Ticket.priority,
    Ticket.is_queue_head,
    Ticket.queued_at,
    Ticket.reserved_counter_id,
    Ticket.channel,
)


def as_waiting(row: Any) -> line.Waiting:
    """A row of WAITING_COLUMNS as the line model sees it."""
    ticket_id, service_id, priority, is_queue_head, queued_at, reserved_counter_id, channel = row
    return line.Waiting(
        ticket_id,
        service_id,
        rules.is_priority(priority),
        is_queue_head,
        queued_at,
        reserved_counter_id,
        channel == CHANNEL_BOOKING,
    )


# The statements the line needs, built once: they run for every ticket
# issued and every screen refreshed.
#: Today's waiting tickets: call_next calls no other.
_WAITING = select(*WAITING_COLUMNS).where(
    Ticket.office_id == bindparam("office_id"),
    Ticket.service_day == bindparam("day"),
    Ticket.state == WAITING,
)
_CURRENT = aliased(Ticket)
#: The staffed counters, with what each is busy with.
_OPEN_COUNTERS = (
    select(
        Counter.id,
        Counter.number,
        Counter.normal_streak,
        _CURRENT.service_id.label("ticket_service_id"),
        _CURRENT.started_at,
        _CURRENT.last_called_at,
    )
    .outerjoin(
        _CURRENT,
        and_(
            _CURRENT.id == Counter.current_ticket_id,
            _CURRENT.state.in_(tuple(rules.ACTIVE_AT_COUNTER)),
        ),
    )
    .where(Counter.office_id == bindparam("office_id"), Counter.state == COUNTER_OPEN)
    .order_by(Counter.number)
)
_COUNTER_LINKS = (
    select(CounterService.counter_id, CounterService.service_id, CounterService.preference)
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(Counter.office_id == bindparam("office_id"), Counter.state == COUNTER_OPEN)
)
_ISSUED_TODAY = select(NumberCounter.service_id, NumberCounter.last_sequence).where(
    NumberCounter.office_id == bindparam("office_id"),
    NumberCounter.service_day == bindparam("day"),
)
_RECENT_SERVICE_ROWS = (
    select(
        Ticket.service_id,
        Ticket.counter_id,
        Ticket.started_at,
        Ticket.finished_at,
        func.row_number()
        .over(
            partition_by=(Ticket.service_id, Ticket.counter_id),
            order_by=Ticket.finished_at.desc(),
        )
        .label("place"),
    )
    .where(
        Ticket.office_id == bindparam("office_id"),
        Ticket.state == DONE,
        Ticket.is_time_accurate.is_(True),
        Ticket.finished_at >= bindparam("since"),
        Ticket.started_at.is_not(None),
    )
    .subquery()
)
#: The newest service times of each counter and service, oldest first.
_RECENT_SERVICE_TIMES = (
    select(
        _RECENT_SERVICE_ROWS.c.service_id,
        _RECENT_SERVICE_ROWS.c.counter_id,
        _RECENT_SERVICE_ROWS.c.started_at,
        _RECENT_SERVICE_ROWS.c.finished_at,
    )
    .where(_RECENT_SERVICE_ROWS.c.place <= RECENT_SERVICE_SAMPLES)
    .order_by(_RECENT_SERVICE_ROWS.c.finished_at, _RECENT_SERVICE_ROWS.c.service_id)
)


def ticket_payload(
    view: QueueView, ticket: Ticket, status_url: StatusUrl, counter: Counter | None = None
) -> dict[str, Any]:
    office = view.office
    place = view.place(ticket)
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
        "position": place.position if place is not None else None,
        "estimated_wait_s": place.wait_s(view.now) if place is not None else None,
        "is_time_accurate": ticket.is_time_accurate,
        "status_url": status_url(ticket.access_token or ""),
        "access_token": ticket.access_token,
    }


def schedule_closed_reason(office: Office, service: Service, now: datetime) -> str | None:
    """Why the service issues no ticket now by the calendar: inactive, a
    holiday, outside the office's hours or the service's issuing hours."""
    if not service.is_active:
        return "service_inactive"
    return rules.issuing_closed_reason(
        now,
        office.timezone,
        office.opening_hours or {},
        office.holidays or [],
        service.issue_from,
        service.issue_until,
    )


def service_closed_reason(view: QueueView, service: Service) -> str | None:
    """Why the service issues no ticket now (hours, holidays, an inactive
    service, no staffed counter, or today's numbers used up or, past a
    wrap, all still held), or None while it issues."""
    figures = view.figures(service.id)
    in_use: set[int] = set()
    if service.is_number_wrapping and rules.is_past_first_round(
        figures.issued_today + 1, service.number_start, service.number_end
    ):
        day = rules.service_day(view.now, view.office.timezone)
        in_use = numbers_in_use(view.session, view.office.id, service, day)
    return (
        schedule_closed_reason(view.office, service, view.now)
        or rules.counter_closed_reason(
            figures.open_counters, view.office.is_issuing_without_counter
        )
        or rules.numbering_closed_reason(
            figures.issued_today,
            service.daily_cap,
            service.number_start,
            service.number_end,
            service.is_number_wrapping,
            in_use,
        )
    )


def numbers_in_use(session: Session, office_id: int, service: Service, day: date) -> set[int]:
    """The numbers of the service's range that an open ticket of the day
    shows. The code decides, not the service the ticket waits for now: a
    citizen transferred to another service keeps the code they hold."""
    rows = session.execute(
        _OPEN_NUMBERS,
        {
            "office_id": office_id,
            "day": day,
            "number_start": service.number_start,
            "number_end": service.number_end,
        },
    )
    return {
        number
        for number, code in rows
        if code == rules.ticket_code(service.prefix, number, service.number_end)
    }


_OPEN_NUMBERS = select(Ticket.number, Ticket.code).where(
    Ticket.office_id == bindparam("office_id"),
    Ticket.service_day == bindparam("day"),
    Ticket.state.in_(OPEN_STATES),
    Ticket.number.between(bindparam("number_start"), bindparam("number_end")),
)


def service_payload(view: QueueView, service: Service) -> dict[str, Any]:
    figures = view.figures(service.id)
    waiting = figures.waiting
    closed_reason = service_closed_reason(view, service)
    new_ticket = view.new_ticket_place(service.id)
    return {
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "prefix": service.prefix,
        "group": service.group_name,
        "group_en": service.group_name_en,
        "waiting": waiting,
        "people_ahead": new_ticket.position,
        "estimated_wait_s": new_ticket.wait_s(view.now),
        "open_counters": figures.open_counters,
        "target_wait_s": service.target_wait_minutes * 60,
        "is_issuing": closed_reason is None,
        "closed_reason": closed_reason,
    }


def is_holder(ticket: Ticket, token: Any) -> bool:
    """Whether ``token`` is the ticket's holder's (compared in constant time)."""
    return (
        isinstance(token, str)
        and ticket.access_token is not None
        and hmac.compare_digest(token.encode(), ticket.access_token.encode())
    )


def public_ticket(payload: dict[str, Any]) -> dict[str, Any]:
    """A ticket as anyone may see it: no token, link or priority category."""
    return {key: value for key, value in payload.items() if key not in PRIVATE_TICKET_FIELDS}


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    """A queue state (or a counter) as anyone may see it (public_ticket)."""
    counters = state.get("counters")
    if counters is None:
        current = state.get("current_ticket")
        return {**state, "current_ticket": public_ticket(current) if current else current}
    return {**state, "counters": [public_state(counter) for counter in counters]}


def counter_payload(
    view: QueueView, counter: Counter, status_url: StatusUrl, codes: dict[int, str]
) -> dict[str, Any]:
    """A counter as staff see it; :func:`public_state` for anyone else."""
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
    local_midnight = rules.day_started_at(rules.service_day(now, office.timezone), office.timezone)
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
    session: Session,
    office: Office,
    now: datetime,
    status_url: StatusUrl,
    view: QueueView | None = None,
) -> dict[str, Any]:
    """The body of ``GET /api/v1/queue`` and of the ``queue_state`` event
    (``view``: the office's forecast at ``now``, when the caller has one),
    as staff see it: :func:`public_state` gives it to anyone else."""
    view = view or QueueView(session, office, now)
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
        "ticker": office.ticker_message or rules.default_ticker(office.opening_hours or {}),
        "generated_at": iso(now, office.timezone),
    }


def rating_of(session: Session, ticket_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
