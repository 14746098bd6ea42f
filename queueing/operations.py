"""The use cases of the queue, each run inside one transaction.

Every entry point (a kiosk tap, a clerk's button over Socket.IO, an API call,
a CLI command) calls one of these with a session, who is acting and ``now``.
Each records its facts in the event log with :func:`record`; the caller
publishes them after commit (see :meth:`queueing.database.Database.write`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from . import line, rules
from .errors import Invalid, NotFound, WrongState
from .models import (
    CALLED,
    CANCELLED,
    CHANNELS,
    COUNTER_CLOSED,
    COUNTER_OPEN,
    COUNTER_PAUSED,
    DONE,
    NO_SHOW,
    OPEN_STATES,
    OUTCOMES,
    PARKED,
    PRIORITY_CATEGORIES,
    PRIORITY_NONE,
    SERVICE_STARTS_AT_START,
    WAITING,
    Counter,
    CounterService,
    Event,
    IdempotencyKey,
    NumberCounter,
    Office,
    Rating,
    Service,
    Ticket,
    new_access_token,
)
from .queries import WAITING_COLUMNS, as_waiting, numbers_in_use, schedule_closed_reason

#: How long an Idempotency-Key answers with the ticket it issued.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
#: Low-score reasons a citizen may tick (GLOSSARY.md).
RATING_REASONS = ("long_wait", "attitude", "unclear_guidance", "slow_processing", "other")
RATING_COMMENT_MAX = 1000
PAUSE_REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: written to the event log, and the clerk a ticket is served by."""

    label: str
    clerk_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")


def record(
    session: Session,
    office_id: int,
    kind: str,
    now: datetime,
    actor: Actor,
    *,
    ticket: Ticket | None = None,
    counter_id: int | None = None,
    **data: Any,
) -> Event:
    """Append a fact to the event log, to be published after commit.

    The row is inserted at once with a plain INSERT: the log is only ever
    appended to, so the session need not track it, and every use case saves
    a flush of the unit of work.

    On PostgreSQL the office's row is held from the first event of the
    transaction to its commit (:func:`hold_office_log`), so that an office's
    events are numbered in the order they commit: the newest event id then
    tells whether anything changed since (:func:`newest_event_before`).
    """
    hold_office_log(session, office_id)
    values = {
        "office_id": office_id,
        "kind": kind,
        "created_at": now,
        "actor": actor.label,
        "ticket_id": ticket.id if ticket is not None else None,
        "counter_id": counter_id,
        "data": data,
    }
    event = Event(**values, id=session.execute(_INSERT_EVENT, values).scalar_one())
    session.info.setdefault("events", []).append(event)
    return event


_EVENTS = cast(Table, Event.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
#: FOR NO KEY UPDATE: recorders of one office take turns, while the key
#: share locks of inserts that refer to the office (tickets, events) never
#: wait for it, nor it for them.
_HOLD_OFFICE = (
    select(Office.id).where(Office.id == bindparam("office_id")).with_for_update(key_share=True)
)
_NEWEST_EVENT = select(func.max(Event.id)).where(Event.office_id == bindparam("office_id"))
_NEWEST_EVENT_BEFORE = _NEWEST_EVENT.where(Event.id < bindparam("event_id"))


def hold_office_log(session: Session, office_id: int) -> None:
    """Hold the office's row until commit, once per transaction, on
    PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the database): the
    office's recorders take turns from here on."""
    held: set[int] = session.info.setdefault("held_offices", set())
    if office_id in held:
        return
    held.add(office_id)
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_HOLD_OFFICE, {"office_id": office_id})


def newest_event(session: Session, office_id: int) -> int:
    """The id of the office's newest event committed (0 for none); read it
    before what it is to date: every event up to it is then in what is read."""
    return int(session.scalar(_NEWEST_EVENT, {"office_id": office_id}) or 0)


def newest_event_before(session: Session, event: Event) -> int:
    """The id of the newest event of ``event``'s office committed before it
    (0 for none).

    Every change of an office records an event, and an office's events are
    numbered in the order they commit (:func:`record`): when this is the
    event a kept read of the office had seen, nothing changed in between
    but ``event``'s own transaction. Other offices' events, numbered from
    the same sequence, do not count: a busy province leaves an office's
    kept read alone."""
    parameters = {"office_id": event.office_id, "event_id": event.id}
    return int(session.connection().scalar(_NEWEST_EVENT_BEFORE, parameters) or 0)


# -- lookups -----------------------------------------------------------------


def get_office(session: Session, office_id: int) -> Office:
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound("no such office", "office_not_found")
    return office


_SERVICE_BY_CODE = select(Service).where(
    Service.office_id == bindparam("office_id"), Service.code == bindparam("code")
)


def find_service(session: Session, office_id: int, code: str) -> Service:
    service = session.scalar(_SERVICE_BY_CODE, {"office_id": office_id, "code": code})
    if service is None:
        raise Invalid(f"no service with code {code!r} in this office", "unknown_service")
    return service


def lock_counter(session: Session, counter_id: int) -> Counter:
    """The counter, locked for this transaction (a row lock on PostgreSQL;
    SQLite's BEGIN IMMEDIATE already holds the database)."""
    counter = session.scalar(
        select(Counter)
        .where(Counter.id == counter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if counter is None:
        raise NotFound("no such counter", "counter_not_found")
    return counter


def lock_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    )
    if ticket is None:
        raise NotFound("no such ticket", "ticket_not_found")
    return ticket


def _current_ticket(session: Session, counter: Counter) -> Ticket:
    if counter.current_ticket_id is None:
        raise WrongState("this counter has no current ticket", "no_current_ticket")
    return lock_ticket(session, counter.current_ticket_id)


def _require(ticket: Ticket, action: str) -> str:
    new_state = rules.transition(ticket.state, action)
    if new_state is None:
        raise WrongState(
            f"cannot {action.replace('_', '-')} a ticket that is {ticket.state}",
            "wrong_ticket_state",
        )
    return new_state


def _require_today(ticket: Ticket, office: Office, now: datetime) -> None:
    """A ticket of an earlier day goes back to no queue: its number belongs
    to that day's sequence, and the day's close will end it."""
    if rules.service_day(now, office.timezone) != ticket.service_day:
        raise WrongState("that ticket belongs to an earlier day", "ticket_expired")


def _require_counter_free(session: Session, counter: Counter) -> None:
    if counter.current_ticket_id is None:
        return
    current = session.get(Ticket, counter.current_ticket_id)
    if current is not None and current.state in rules.ACTIVE_AT_COUNTER:
        raise WrongState(
            f"the counter's current ticket {current.code} is not finished",
            "counter_busy",
        )


def _require_open(counter: Counter) -> None:
    if counter.state != COUNTER_OPEN:
        raise WrongState(f"counter {counter.number} is {counter.state}", "counter_not_open")


# -- issuing -----------------------------------------------------------------

# Issuing's own statements run on the session's connection: they read and
# write nothing the session tracks, and the ORM's handling of a statement
# costs more than SQLite's executing it.


def next_sequence(session: Session, office_id: int, service_id: int, day: Any) -> int:
    """Take the next sequence of the day with one atomic upsert."""
    statement = _next_sequence_statement(session.get_bind().dialect.name)
    parameters = {"office_id": office_id, "service_id": service_id, "service_day": day}
    return int(session.connection().execute(statement, parameters).scalar_one())


@cache
def _next_sequence_statement(dialect: str) -> Any:
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        upsert(NumberCounter)
        .values(
            office_id=bindparam("office_id"),
            service_id=bindparam("service_id"),
            service_day=bindparam("service_day"),
            last_sequence=1,
        )
        .on_conflict_do_update(
            index_elements=["office_id", "service_id", "service_day"],
            set_={"last_sequence": NumberCounter.last_sequence + 1},
        )
        .returning(NumberCounter.last_sequence)
    )


CLOSED_MESSAGES = {
    "service_inactive": "this service is not offered now",
    "holiday": "the office is closed today",
    "office_closed": "the office is closed now",
    "outside_issuing_hours": "tickets for this service are not issued at this hour",
    "daily_cap_reached": "no more numbers today",
    "numbers_exhausted": "no more numbers today",
    "no_open_counter": "no counter serving this service is open now",
}


_OPEN_COUNTERS_OF_SERVICE = (
    select(func.count(Counter.id))
    .join(CounterService, CounterService.counter_id == Counter.id)
    .where(CounterService.service_id == bindparam("service_id"), Counter.state == COUNTER_OPEN)
)


def open_counters_of(session: Session, service_id: int) -> int:
    """Staffed counters that serve the service."""
    return int(
        session.connection().scalar(_OPEN_COUNTERS_OF_SERVICE, {"service_id": service_id}) or 0
    )


def issue_ticket(
    session: Session,
    office_id: int,
    service_code: str,
    now: datetime,
    actor: Actor,
    *,
    priority: str = PRIORITY_NONE,
    channel: str = "kiosk",
    idempotency: tuple[str, str] | None = None,
    within_hours: bool = True,
    office: Office | None = None,
    service: Service | None = None,
) -> tuple[Ticket, bool]:
    """Issue the next number of a service; returns (ticket, newly_issued).

    A booking checked in (``within_hours`` false) is issued outside the
    issuing hours too: its slot lay within the opening hours, and its
    check-in window may open before them.

    Once a wrapping range has gone round, numbers still held by an open
    ticket of the day are passed over; with every one held, the service is
    out of numbers (``numbers_exhausted``) until a ticket is closed.

    ``idempotency`` is (client, key): a repeat within 24 hours returns the
    ticket the first request issued instead of a new one.

    ``office`` and ``service`` are the office's and the service's rows when
    the caller has them (a process keeps them between requests: see
    web/office_cache.py); the service must be the session's own.
    """
    if priority != PRIORITY_NONE and priority not in PRIORITY_CATEGORIES:
        raise Invalid(f"unknown priority category {priority!r}", "unknown_priority")
    # The office before the service's number: every issue takes them in
    # this order, so two never wait for each other.
    hold_office_log(session, office_id)
    if channel not in CHANNELS:
        raise Invalid(f"unknown channel {channel!r}", "unknown_channel")
    if office is None or office.id != office_id:
        office = get_office(session, office_id)
    if service is None or service.office_id != office_id or service.code != service_code:
        service = find_service(session, office_id, service_code)
    fingerprint = f"{service.id}|{priority}|{channel}"
    if idempotency is not None:
        earlier = earlier_request(session, idempotency, fingerprint, now)
        if earlier is not None and earlier.ticket_id is not None:
            ticket = session.get(Ticket, earlier.ticket_id)
            assert ticket is not None
            return ticket, False
    hours_reason = (
        schedule_closed_reason(office, service, now)
        if within_hours
        else ("service_inactive" if not service.is_active else None)
    )
    reason = hours_reason or rules.counter_closed_reason(
        open_counters_of(session, service.id), office.is_issuing_without_counter
    )
    if reason is not None:
        raise WrongState(CLOSED_MESSAGES[reason], reason)
    day = rules.service_day(now, office.timezone)
    sequence = next_sequence(session, office.id, service.id, day)
    if service.daily_cap is not None and sequence > service.daily_cap:
        raise WrongState(CLOSED_MESSAGES["daily_cap_reached"], "daily_cap_reached")
    previous: int | None = None
    in_use: set[int] = set()
    if service.is_number_wrapping and rules.is_past_first_round(
        sequence, service.number_start, service.number_end
    ):
        # Issues of one service take turns on its NumberCounter row: SQLite's
        # BEGIN IMMEDIATE holds the whole database, and on PostgreSQL the
        # upsert's row lock holds a concurrent issue of the service until
        # this transaction ends; its next statement (READ COMMITTED) then
        # sees this ticket. So the numbers read here, after the upsert, are
        # the ones really held. A transfer moves a code from one open leg to
        # another in one commit, so a held number never looks free meanwhile.
        previous = session.scalar(
            _NUMBER_OF_SEQUENCE,
            {
                "office_id": office.id,
                "service_id": service.id,
                "service_day": day,
                "sequence": sequence - 1,
            },
        )
        in_use = numbers_in_use(session, office.id, service, day)
    number = rules.number_for_sequence(
        sequence,
        service.number_start,
        service.number_end,
        service.is_number_wrapping,
        previous=previous,
        in_use=in_use,
    )
    if number is None:
        raise WrongState(CLOSED_MESSAGES["numbers_exhausted"], "numbers_exhausted")
    ticket = _insert_ticket(
        session,
        service,
        office_id=office.id,
        service_id=service.id,
        service_day=day,
        sequence=sequence,
        number=number,
        code=rules.ticket_code(service.prefix, number, service.number_end),
        priority=priority,
        channel=channel,
        state=WAITING,
        issued_at=now,
        queued_at=now,
        access_token=new_access_token(),
    )
    if idempotency is not None:
        client, key = idempotency
        session.add(
            IdempotencyKey(
                client=client, key=key, fingerprint=fingerprint, ticket_id=ticket.id, created_at=now
            )
        )
        session.flush()
    record(
        session,
        office.id,
        "issued",
        now,
        actor,
        ticket=ticket,
        service=service.code,
        service_id=service.id,
        code=ticket.code,
        priority=priority,
        channel=channel,
    )
    return ticket, True


_NUMBER_OF_SEQUENCE = select(Ticket.number).where(
    Ticket.office_id == bindparam("office_id"),
    Ticket.service_id == bindparam("service_id"),
    Ticket.service_day == bindparam("service_day"),
    Ticket.sequence == bindparam("sequence"),
    Ticket.parent_id.is_(None),
)
_TICKETS = cast(Table, Ticket.__table__)
_INSERT_TICKET = insert(_TICKETS).returning(_TICKETS.c.id)


def _column_defaults(table: Table) -> dict[str, Any]:
    """What an INSERT that leaves a column out stores in it: the column's
    scalar default as the model declares it, else NULL where allowed."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if isinstance(default, ScalarElementColumnDefault):
            defaults[column.key] = default.arg
        elif column.nullable:
            defaults[column.key] = None
    return defaults


#: A new ticket's columns that take their defaults.
_NEW_TICKET_DEFAULTS = _column_defaults(_TICKETS)


def _insert_ticket(session: Session, service: Service, **values: Any) -> Ticket:
    """Insert a new ticket with one plain INSERT and hand it to the session
    as a loaded, persistent object: every column is known, so nothing is
    read back, and the unit of work has nothing to flush."""
    values = {**_NEW_TICKET_DEFAULTS, **values}
    values["id"] = session.connection().execute(_INSERT_TICKET, values).scalar_one()
    ticket = Ticket(**values, service=service)
    make_transient_to_detached(ticket)
    session.add(ticket)
    return ticket


def earlier_request(
    session: Session, idempotency: tuple[str, str], fingerprint: str, now: datetime
) -> IdempotencyKey | None:
    """The row of an earlier request with this (client, key) within the
    window, or None; 422 when the key was used for another request."""
    client, key = idempotency
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.client == client, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.created_at < now - IDEMPOTENCY_WINDOW:
        session.delete(row)
        session.flush()
        return None
    if row.fingerprint != fingerprint:
        raise Invalid(
            "this Idempotency-Key was already used for another request", "idempotency_key_reused"
        )
    return row


# -- calling -----------------------------------------------------------------


#: How many of each line's first tickets call_next weighs: the call order
#: never reaches further before a claim succeeds, short of that many
#: counters claiming from the same line at the same instant.
CANDIDATES_PER_LINE = 8


def desk_of(counter: Counter) -> line.Desk:
    """The counter as the line model sees it when it calls."""
    return line.Desk(
        id=counter.id,
        number=counter.number,
        preferences={link.service_id: link.preference for link in counter.service_links},
        normal_streak=counter.normal_streak,
    )


def candidates(
    session: Session, counter: Counter, day: date, per_line: int | None = CANDIDATES_PER_LINE
) -> list[line.Waiting]:
    """The waiting tickets of the service ``day`` the counter may call: with
    ``per_line``, only the first few of each line (a service's tickets of
    one kind: sent to the head or not, by priority category and channel), which hold
    every ticket the call order can put first, whatever the length of the
    lines."""
    columns = WAITING_COLUMNS
    served = [link.service_id for link in counter.service_links]
    waiting = (
        Ticket.office_id == counter.office_id,
        Ticket.service_day == day,
        Ticket.state == WAITING,
        or_(
            Ticket.reserved_counter_id == counter.id,
            and_(Ticket.service_id.in_(served), Ticket.reserved_counter_id.is_(None)),
        ),
    )
    if per_line is None:
        rows = session.execute(select(*columns).where(*waiting)).all()
    else:
        place = (
            func.row_number()
            .over(
                partition_by=(
                    Ticket.service_id,
                    Ticket.reserved_counter_id,
                    Ticket.is_queue_head,
                    Ticket.priority,
                    Ticket.channel,
                ),
                order_by=(Ticket.queued_at, Ticket.id),
            )
            .label("place")
        )
        lines = select(*columns, place).where(*waiting).subquery()
        rows = session.execute(
            select(*(lines.c[column.key] for column in columns)).where(lines.c.place <= per_line)
        ).all()
    return [as_waiting(row) for row in rows]


def _claim(session: Session, ticket_id: int, from_states: tuple[str, ...]) -> bool:
    """Mark a ticket called if it is still in ``from_states``: the update
    matches no row when another counter claimed it first."""
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state.in_(from_states))
        .values(state=CALLED)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _mark_called(
    session: Session, counter: Counter, ticket_id: int, now: datetime, actor: Actor, kind: str
) -> Ticket:
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    )
    assert ticket is not None
    ticket.counter_id = counter.id
    ticket.clerk_id = actor.clerk_id if actor.clerk_id is not None else counter.clerk_id
    ticket.first_called_at = ticket.first_called_at or now
    ticket.last_called_at = now
    ticket.call_count += 1
    ticket.reserved_counter_id = None
    ticket.is_queue_head = False
    counter.current_ticket_id = ticket.id
    counter.normal_streak = line.next_normal_streak(
        counter.normal_streak, rules.is_priority(ticket.priority)
    )
    session.flush()
    record(
        session,
        counter.office_id,
        kind,
        now,
        actor,
        ticket=ticket,
        counter_id=counter.id,
        code=ticket.code,
        counter_number=counter.number,
        call_count=ticket.call_count,
    )
    return ticket


def call_next(session: Session, counter_id: int, now: datetime, actor: Actor) -> Ticket | None:
    """Claim the next waiting ticket for this counter and mark it called.

    Priority tickets come first (or by the office's ratio), within the
    counter's services; two counters calling at once never claim the same
    ticket: the claim is a conditional UPDATE that loses cleanly, and the
    next candidate is tried. Only tickets of today (the office's local
    date) are called: one left from an earlier day waits for the day's
    close, however late it runs.
    """
    counter = work_counter(session, counter_id, now, actor)
    _require_open(counter)
    _require_counter_free(session, counter)
    office = get_office(session, counter.office_id)
    today = rules.service_day(now, office.timezone)
    desk = desk_of(counter)
    for attempt in range(3):
        # Should every first-few ticket be claimed by others meanwhile, the
        # last attempt weighs the whole of the lines.
        per_line = CANDIDATES_PER_LINE if attempt < 2 else None
        waiting = line.Line(candidates(session, counter, today, per_line), office.priority_ratio)
        if not len(waiting):
            return None
        for candidate in waiting.call_order(desk):
            if _claim(session, candidate.id, (WAITING,)):
                return _mark_called(session, counter, candidate.id, now, actor, "called")
    return None


def call_ticket(
    session: Session, counter_id: int, ticket_id: int, now: datetime, actor: Actor
) -> Ticket:
    """Call a chosen waiting or parked ticket of the counter's services,
    of today."""
    counter = work_counter(session, counter_id, now, actor)
    _require_open(counter)
    _require_counter_free(session, counter)
    ticket = lock_ticket(session, ticket_id)
    served = {link.service_id for link in counter.service_links}
    if ticket.office_id != counter.office_id or (
        ticket.service_id not in served and ticket.reserved_counter_id != counter.id
    ):
        raise Invalid("this counter does not serve that ticket's service", "service_not_served")
    if ticket.reserved_counter_id not in (None, counter.id):
        raise WrongState("that ticket was transferred to another counter", "reserved_elsewhere")
    _require(ticket, "call")
    _require_today(ticket, get_office(session, counter.office_id), now)
    if not _claim(session, ticket.id, (WAITING, PARKED)):
        raise WrongState("that ticket was just called elsewhere", "wrong_ticket_state")
    return _mark_called(session, counter, ticket.id, now, actor, "called")


def recall(session: Session, counter_id: int, now: datetime, actor: Actor) -> Ticket:
    """Announce the counter's current ticket again (call_count + 1)."""
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    ticket.state = _require(ticket, "recall")
    ticket.call_count += 1
    ticket.last_called_at = now
    session.flush()
    record(
        session,
        counter.office_id,
        "recalled",
        now,
        actor,
        ticket=ticket,
        counter_id=counter.id,
        code=ticket.code,
        counter_number=counter.number,
        call_count=ticket.call_count,
    )
    return ticket


def start_service(session: Session, counter_id: int, now: datetime, actor: Actor) -> Ticket:
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    ticket.state = _require(ticket, "start")
    ticket.started_at = now
    ticket.service_timed_from = SERVICE_STARTS_AT_START
    if actor.clerk_id is not None:
        ticket.clerk_id = actor.clerk_id
    session.flush()
    record(session, counter.office_id, "started", now, actor, ticket=ticket, counter_id=counter.id)
    return ticket


def _end_service(ticket: Ticket, office: Office) -> None:
    ticket.started_at, ticket.service_timed_from = rules.service_start(
        ticket.started_at, ticket.last_called_at, office.service_starts_at
    )


def finish(
    session: Session, counter_id: int, now: datetime, actor: Actor, outcome: str | None = None
) -> Ticket:
    """Finish the current ticket. One finished straight from its call began
    its service at the call, or has no service time, as the office says
    (:func:`rules.service_start`)."""
    outcome = outcome or "resolved"
    if outcome not in OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}", "unknown_outcome")
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    ticket.state = _require(ticket, "finish")
    _end_service(ticket, get_office(session, counter.office_id))
    ticket.finished_at = now
    ticket.outcome = outcome
    counter.current_ticket_id = None
    session.flush()
    record(
        session,
        counter.office_id,
        "finished",
        now,
        actor,
        ticket=ticket,
        counter_id=counter.id,
        outcome=outcome,
    )
    return ticket


def mark_no_show(session: Session, counter_id: int, now: datetime, actor: Actor) -> Ticket:
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    new_state = _require(ticket, "no_show")
    office = get_office(session, counter.office_id)
    if not rules.may_mark_no_show(ticket.call_count, office.recall_limit):
        raise WrongState(
            f"recall the ticket {office.recall_limit} time(s) before marking a no-show",
            "recall_limit_not_reached",
        )
    ticket.state = new_state
    ticket.no_show_at = now
    counter.current_ticket_id = None
    session.flush()
    record(session, counter.office_id, "no_show", now, actor, ticket=ticket, counter_id=counter.id)
    return ticket


def park(session: Session, counter_id: int, now: datetime, actor: Actor) -> Ticket:
    """Set the current ticket aside (e.g. a missing document); the counter
    is free. A ticket of an earlier day cannot be called back, so it is
    finished or marked a no-show instead."""
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    new_state = _require(ticket, "park")
    _require_today(ticket, get_office(session, counter.office_id), now)
    ticket.state = new_state
    ticket.parked_at = now
    counter.current_ticket_id = None
    session.flush()
    record(session, counter.office_id, "parked", now, actor, ticket=ticket, counter_id=counter.id)
    return ticket


def return_to_queue(session: Session, ticket_id: int, now: datetime, actor: Actor) -> Ticket:
    """A no-show (within the return window) or parked ticket waits again, at
    the back of its queue."""
    ticket = lock_ticket(session, ticket_id)
    new_state = _require(ticket, "return")
    office = get_office(session, ticket.office_id)
    if ticket.state == NO_SHOW:
        assert ticket.no_show_at is not None
        if not rules.may_return_no_show(ticket.no_show_at, now, office.no_show_return_minutes):
            raise WrongState(
                f"a no-show can return only within {office.no_show_return_minutes} minutes",
                "return_window_passed",
            )
    _require_today(ticket, office, now)
    ticket.state = new_state
    ticket.queued_at = now
    ticket.no_show_at = None
    ticket.parked_at = None
    session.flush()
    record(session, ticket.office_id, "returned", now, actor, ticket=ticket)
    return ticket


def transfer(
    session: Session,
    counter_id: int,
    now: datetime,
    actor: Actor,
    *,
    service_code: str | None = None,
    target_counter_id: int | None = None,
) -> Ticket:
    """End the current leg and start a new one, with the same code, in the
    queue of another service or reserved for another counter. A ticket of
    an earlier day is not transferred: its new leg would belong to that
    day too, and nobody could call it."""
    if (service_code is None) == (target_counter_id is None):
        raise Invalid("give either a service or a counter to transfer to", "transfer_target")
    counter = work_counter(session, counter_id, now, actor)
    ticket = _current_ticket(session, counter)
    new_state = _require(ticket, "transfer")
    office = get_office(session, counter.office_id)
    _require_today(ticket, office, now)
    target_service = ticket.service
    reserved_counter_id = None
    if service_code is not None:
        target_service = find_service(session, office.id, service_code)
        if not target_service.is_active:
            raise WrongState("that service is not offered now", "service_inactive")
    else:
        target = session.get(Counter, target_counter_id)
        if target is None or target.office_id != office.id:
            raise Invalid("no such counter in this office", "unknown_counter")
        if target.id == counter.id:
            raise Invalid("a ticket cannot be transferred to its own counter", "transfer_target")
        reserved_counter_id = target.id
    ticket.state = new_state
    _end_service(ticket, office)
    ticket.finished_at = now
    counter.current_ticket_id = None
    leg = Ticket(
        office_id=office.id,
        service_id=target_service.id,
        service=target_service,
        service_day=ticket.service_day,
        sequence=ticket.sequence,
        number=ticket.number,
        code=ticket.code,
        priority=ticket.priority,
        channel=ticket.channel,
        state=WAITING,
        issued_at=now,
        queued_at=now,
        is_queue_head=office.is_transfer_to_head,
        parent_id=ticket.id,
        reserved_counter_id=reserved_counter_id,
        access_token=ticket.access_token,
    )
    session.add(leg)
    session.flush()
    record(
        session,
        office.id,
        "transferred",
        now,
        actor,
        ticket=ticket,
        counter_id=counter.id,
        new_ticket_id=leg.id,
        service=target_service.code,
        to_counter=reserved_counter_id,
    )
    return leg


def cancel(session: Session, ticket_id: int, now: datetime, actor: Actor) -> Ticket:
    ticket = lock_ticket(session, ticket_id)
    ticket.state = _require(ticket, "cancel")
    ticket.cancelled_at = now
    session.flush()
    record(session, ticket.office_id, "cancelled", now, actor, ticket=ticket)
    return ticket


# -- counters ----------------------------------------------------------------


def open_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter:
    """Open the counter: a clerk's terminal works it from now (and keeps it
    while it is heard from), or a keypad/API client does until it pauses."""
    counter = work_counter(session, counter_id, now, actor)
    if actor.clerk_id is None:
        counter.terminal_seen_at = None
    return _set_counter_state(session, counter, COUNTER_OPEN, "", now, actor)


def pause_counter(
    session: Session, counter_id: int, now: datetime, actor: Actor, reason: str = ""
) -> Counter:
    if len(reason) > PAUSE_REASON_MAX:
        raise Invalid(f"the reason is longer than {PAUSE_REASON_MAX} characters", "reason_too_long")
    counter = work_counter(session, counter_id, now, actor)
    if counter.state == COUNTER_CLOSED:
        raise WrongState("open the counter before pausing it", "counter_closed")
    return _set_counter_state(session, counter, COUNTER_PAUSED, reason, now, actor)


def close_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter:
    counter = work_counter(session, counter_id, now, actor)
    _require_counter_free(session, counter)
    counter.current_ticket_id = None
    counter.clerk_id = None
    counter.terminal_seen_at = None
    return _set_counter_state(session, counter, COUNTER_CLOSED, "", now, actor)


_COUNTER_EVENTS = {
    COUNTER_OPEN: "counter_opened",
    COUNTER_PAUSED: "counter_paused",
    COUNTER_CLOSED: "counter_closed",
}


def _set_counter_state(
    session: Session,
    counter: Counter,
    state: str,
    reason: str,
    now: datetime,
    actor: Actor,
    **data: Any,
) -> Counter:
    counter.state = state
    counter.pause_reason = reason
    counter.state_changed_at = now
    session.flush()
    if reason:
        data["reason"] = reason
    record(
        session,
        counter.office_id,
        _COUNTER_EVENTS[state],
        now,
        actor,
        counter_id=counter.id,
        **data,
    )
    return counter


# -- who works a counter ----------------------------------------------------------
#
# A counter is capacity only while someone works it: a clerk whose terminal
# is heard from (it says so every TERMINAL_BEAT_SECONDS), or a keypad or API
# client that opened it. A clerk who signs out, or whose terminal falls
# silent for the office's grace period, leaves the counter paused and free.

#: How often a clerk's terminal tells the server that it is still there.
TERMINAL_BEAT_SECONDS = 30
#: Why the system paused a counter (shown on the board and the displays).
PAUSED_SIGNED_OUT = "Cán bộ đã đăng xuất"
PAUSED_TERMINAL_SILENT = "Máy trạm mất kết nối"


def _held_by_other(counter: Counter, actor: Actor) -> bool:
    return actor.clerk_id is not None and counter.clerk_id not in (None, actor.clerk_id)


def _mark_worked(counter: Counter, actor: Actor, now: datetime) -> None:
    """A clerk acting at the counter works it, from a terminal seen now."""
    if actor.clerk_id is not None:
        counter.clerk_id = actor.clerk_id
        counter.terminal_seen_at = now


def work_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter:
    """The counter, locked, for ``actor`` to act at.

    A clerk may not act at a counter another clerk holds: taking it over
    is a deliberate step (:func:`take_counter`) that the other terminal
    hears of.
    """
    counter = lock_counter(session, counter_id)
    if _held_by_other(counter, actor):
        raise WrongState(
            f"counter {counter.number} is worked by another clerk; take it over first",
            "counter_taken",
        )
    _mark_worked(counter, actor, now)
    return counter


def take_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter:
    """A clerk's terminal takes the counter, from whoever held it (logged
    as ``counter_taken`` with the clerk it was taken from)."""
    if actor.clerk_id is None:
        raise Invalid("only a clerk signed in at a terminal takes a counter", "not_a_clerk")
    counter = lock_counter(session, counter_id)
    previous = counter.clerk_id
    counter.clerk_id = actor.clerk_id
    counter.terminal_seen_at = now
    session.flush()
    if previous != actor.clerk_id:
        record(
            session,
            counter.office_id,
            "counter_taken",
            now,
            actor,
            counter_id=counter.id,
            clerk_id=actor.clerk_id,
            from_clerk_id=previous,
        )
    return counter


def keep_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter:
    """The clerk's terminal is still there (sent every TERMINAL_BEAT_SECONDS)."""
    counter = lock_counter(session, counter_id)
    if actor.clerk_id is None or counter.clerk_id != actor.clerk_id:
        raise WrongState(f"counter {counter.number} is not yours now", "counter_taken")
    counter.terminal_seen_at = now
    return counter


def leave_counter(session: Session, counter_id: int, now: datetime, actor: Actor) -> Counter | None:
    """The clerk signs out: their open counter pauses, and is free for
    another clerk. Nothing happens at a counter someone else holds."""
    counter = lock_counter(session, counter_id)
    if actor.clerk_id is None or counter.clerk_id != actor.clerk_id:
        return None
    return _let_go(session, counter, now, actor, PAUSED_SIGNED_OUT, "signed_out")


def _let_go(
    session: Session, counter: Counter, now: datetime, actor: Actor, reason: str, cause: str
) -> Counter:
    clerk_id = counter.clerk_id
    counter.clerk_id = None
    counter.terminal_seen_at = None
    if counter.state == COUNTER_OPEN:
        return _set_counter_state(
            session, counter, COUNTER_PAUSED, reason, now, actor, cause=cause, clerk_id=clerk_id
        )
    session.flush()
    record(
        session,
        counter.office_id,
        "counter_left",
        now,
        actor,
        counter_id=counter.id,
        cause=cause,
        clerk_id=clerk_id,
    )
    return counter


def is_terminal_silent(counter: Counter, office: Office, now: datetime) -> bool:
    """A clerk's terminal works the counter but has not been heard from for
    the office's grace period."""
    if counter.terminal_seen_at is None or counter.clerk_id is None:
        return False
    silent_s = (now - counter.terminal_seen_at).total_seconds()
    return silent_s > office.terminal_grace_minutes * 60


def offices_with_terminals(session: Session) -> list[int]:
    """Offices where a clerk's terminal works a counter: the only ones
    :func:`free_silent_counters` may have something to do in."""
    return list(
        session.scalars(
            select(Counter.office_id)
            .where(Counter.terminal_seen_at.is_not(None), Counter.clerk_id.is_not(None))
            .distinct()
            .order_by(Counter.office_id)
        )
    )


def free_silent_counters(session: Session, office_id: int, now: datetime) -> int:
    """Pause and free every counter whose clerk's terminal fell silent for
    the grace period; returns how many."""
    office = get_office(session, office_id)
    freed = 0
    for counter in session.scalars(
        select(Counter)
        .where(Counter.office_id == office.id, Counter.terminal_seen_at.is_not(None))
        .with_for_update()
    ):
        if is_terminal_silent(counter, office, now):
            _let_go(
                session, counter, now, Actor.system(), PAUSED_TERMINAL_SILENT, "terminal_silent"
            )
            freed += 1
    return freed


# -- rating ------------------------------------------------------------------


def rate(
    session: Session,
    ticket_id: int,
    score: int,
    now: datetime,
    actor: Actor,
    *,
    reasons: list[str] | None = None,
    comment: str = "",
) -> Rating:
    """Store the citizen's rating: once, and only for a finished ticket."""
    if not 1 <= score <= 5:
        raise Invalid("the score must be from 1 to 5", "invalid_score")
    reasons = reasons or []
    unknown = [reason for reason in reasons if reason not in RATING_REASONS]
    if unknown:
        raise Invalid(f"unknown reason {unknown[0]!r}", "unknown_reason")
    if len(comment) > RATING_COMMENT_MAX:
        raise Invalid(
            f"the comment is longer than {RATING_COMMENT_MAX} characters", "comment_too_long"
        )
    ticket = lock_ticket(session, ticket_id)
    if ticket.state != DONE:
        raise WrongState("only a finished ticket can be rated", "not_finished")
    if session.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None:
        raise WrongState("this ticket has already been rated", "already_rated")
    rating = Rating(
        ticket_id=ticket.id,
        score=score,
        reasons=sorted(set(reasons)),
        comment=comment.strip(),
        counter_id=ticket.counter_id,
        clerk_id=ticket.clerk_id,
        created_at=now,
    )
    session.add(rating)
    session.flush()
    record(
        session,
        ticket.office_id,
        "rated",
        now,
        actor,
        ticket=ticket,
        counter_id=ticket.counter_id,
        score=score,
    )
    return rating


# -- printing ----------------------------------------------------------------


def record_print(
    session: Session,
    ticket_id: int,
    now: datetime,
    actor: Actor,
    *,
    error: str | None,
    printer: str,
) -> None:
    """Log a print job of a ticket, successful or not, for the manager."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("no such ticket", "ticket_not_found")
    if error is None:
        record(session, ticket.office_id, "printed", now, actor, ticket=ticket, printer=printer)
    else:
        record(
            session,
            ticket.office_id,
            "print_failed",
            now,
            actor,
            ticket=ticket,
            printer=printer,
            error=error,
        )


# -- day end -----------------------------------------------------------------


#: The times a ticket's actions set; the latest is its last action.
_ACTED_AT = (Ticket.queued_at, Ticket.last_called_at, Ticket.started_at, Ticket.parked_at)


def _stale(office: Office, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Open tickets of days before ``now``'s that nobody acted on since the
    local midnight. One called before midnight and recalled or started
    after it is with its clerk now, who finishes it with its real times."""
    today = rules.service_day(now, office.timezone)
    midnight = rules.day_started_at(today, office.timezone)
    return (
        Ticket.office_id == office.id,
        Ticket.service_day < today,
        Ticket.state.in_(OPEN_STATES),
        *(or_(acted_at.is_(None), acted_at < midnight) for acted_at in _ACTED_AT),
    )


def close_day(session: Session, office_id: int, now: datetime, actor: Actor) -> int:
    """Close every ticket left open from earlier days, flagged inaccurate,
    except one a clerk acted on since midnight (:func:`_stale`).

    Waiting and parked tickets are cancelled; called and served ones are
    finished; counters let go of them. Returns how many were closed.
    """
    office = get_office(session, office_id)
    today = rules.service_day(now, office.timezone)
    stale = session.scalars(
        select(Ticket).where(*_stale(office, now)).with_for_update(of=Ticket)
    ).all()
    if not stale:
        return 0
    stale_ids = {ticket.id for ticket in stale}
    for ticket in stale:
        if ticket.state in (WAITING, PARKED):
            ticket.state = CANCELLED
            ticket.cancelled_at = now
        else:
            ticket.state = DONE
            ticket.started_at = ticket.started_at or now
            ticket.finished_at = now
        ticket.is_time_accurate = False
    for counter in session.scalars(select(Counter).where(Counter.office_id == office.id)):
        if counter.current_ticket_id in stale_ids:
            counter.current_ticket_id = None
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_WINDOW)
    )
    session.flush()
    record(session, office.id, "day_closed", now, actor, closed=len(stale), day=today.isoformat())
    return len(stale)


def offices_with_stale_tickets(session: Session, now: datetime) -> list[int]:
    """Offices that still hold open tickets of an earlier local day for
    :func:`close_day` to close."""
    result = []
    for office in session.scalars(select(Office)):
        stale = session.scalar(select(Ticket.id).where(*_stale(office, now)).limit(1))
        if stale is not None:
            result.append(office.id)
    return result
