"""Raw exports: one row per ticket leg or per logged event, as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Counter, Event, Office, Rating, Service, Ticket, User
from ..queries import iso
from .filters import NO_FILTER, ReportFilter, filter_conditions

MICROS = 1_000_000


CSV_COLUMNS = (
    "id",
    "parent_id",
    "office",
    "service",
    "service_day",
    "code",
    "number",
    "priority",
    "channel",
    "state",
    "outcome",
    "counter_number",
    "clerk",
    "issued_at",
    "first_called_at",
    "last_called_at",
    "call_count",
    "started_at",
    "finished_at",
    "no_show_at",
    "cancelled_at",
    "wait_s",
    "walk_s",
    "service_s",
    "total_s",
    "is_time_accurate",
    "rating",
)


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _span(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start) / timedelta(microseconds=1) / MICROS, 3)


def ticket_rows(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    filters: ReportFilter = NO_FILTER,
) -> Iterable[list[Any]]:
    """One row per ticket leg with every timestamp and duration."""
    rows = session.execute(
        select(Ticket, Service.code, Counter.number, User.username, Rating.score)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Counter, Counter.id == Ticket.counter_id)
        .outerjoin(User, User.id == Ticket.clerk_id)
        .outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
            *filter_conditions(session, office, filters),
        )
        .order_by(Ticket.id)
        .execution_options(yield_per=2000)
    )
    timezone = office.timezone
    for ticket, service_code, counter_number, username, score in rows:
        accurate = ticket.is_time_accurate
        yield [
            ticket.id,
            ticket.parent_id,
            office.code,
            service_code,
            ticket.service_day.isoformat(),
            ticket.code,
            ticket.number,
            ticket.priority,
            ticket.channel,
            ticket.state,
            ticket.outcome,
            counter_number,
            username,
            iso(ticket.issued_at, timezone),
            iso(ticket.first_called_at, timezone),
            iso(ticket.last_called_at, timezone),
            ticket.call_count,
            iso(ticket.started_at, timezone),
            iso(ticket.finished_at, timezone),
            iso(ticket.no_show_at, timezone),
            iso(ticket.cancelled_at, timezone),
            _span(ticket.issued_at, ticket.first_called_at) if accurate else None,
            _span(ticket.first_called_at, ticket.started_at) if accurate else None,
            _span(ticket.started_at, ticket.finished_at) if accurate else None,
            _span(ticket.issued_at, ticket.finished_at) if accurate else None,
            accurate,
            score,
        ]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with every cell neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return buffer.getvalue()


def tickets_csv(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    filters: ReportFilter = NO_FILTER,
) -> str:
    return csv_text(CSV_COLUMNS, ticket_rows(session, office, date_from, date_to, filters=filters))


EVENT_COLUMNS = ("id", "created_at", "kind", "actor", "ticket_id", "code", "counter_id", "data")


def local_day_bounds(office: Office, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The instants at which the office's day ``date_from`` starts and the
    day after ``date_to`` starts."""
    zone = ZoneInfo(office.timezone)
    start = datetime.combine(date_from, datetime.min.time(), zone)
    end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def event_rows(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    kinds: Sequence[str] = (),
    actor: str | None = None,
) -> Iterable[list[Any]]:
    """The event log of the office's days, oldest first."""
    start, end = local_day_bounds(office, date_from, date_to)
    statement = (
        select(Event, Ticket.code)
        .outerjoin(Ticket, Ticket.id == Event.ticket_id)
        .where(Event.office_id == office.id, Event.created_at >= start, Event.created_at < end)
        .order_by(Event.id)
        .execution_options(yield_per=2000)
    )
    if kinds:
        statement = statement.where(Event.kind.in_(kinds))
    if actor:
        statement = statement.where(Event.actor == actor)
    for event, code in session.execute(statement):
        yield [
            event.id,
            iso(event.created_at, office.timezone),
            event.kind,
            event.actor,
            event.ticket_id,
            code,
            event.counter_id,
            json.dumps(event.data, ensure_ascii=False, sort_keys=True) if event.data else "",
        ]


def events_csv(session: Session, office: Office, date_from: date, date_to: date) -> str:
    return csv_text(EVENT_COLUMNS, event_rows(session, office, date_from, date_to))
