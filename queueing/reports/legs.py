"""What each leg keeps for the reports, kept true on every change.

Before each flush (:func:`keep_legs`, registered on the database's sessions)
every new or changed leg gets its durations worked out from its timestamps,
and a change to a leg or rating of a past day is counted against that day,
so that the day's pack (:mod:`queueing.reports.packs`) is rebuilt rather
than read stale. Today's legs are read live and count nothing.

The issue path inserts a new leg with a plain INSERT, outside the unit of
work: such a leg has no duration yet, and its day is today's (a transfer's
new leg comes with its parent's change, which counts for the day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import rules
from ..models import CANCELLED, DONE, NO_SHOW, TRANSFERRED, Office, Rating, ReportDayChange, Ticket

MILLISECOND = timedelta(milliseconds=1)
#: The states whose legs were served, in whole (done) or in part (transferred).
SERVED_STATES = (DONE, TRANSFERRED)


def whole_ms(start: datetime | None, end: datetime | None) -> int | None:
    """Whole milliseconds from ``start`` to ``end``, rounded down."""
    if start is None or end is None:
        return None
    return (end - start) // MILLISECOND


def leg_end(ticket: Ticket) -> datetime | None:
    """When the leg ended: served or handed on, missed, or cancelled."""
    if ticket.state in SERVED_STATES:
        return ticket.finished_at
    if ticket.state == NO_SHOW:
        return ticket.no_show_at
    if ticket.state == CANCELLED:
        return ticket.cancelled_at
    return None


def set_durations(ticket: Ticket) -> None:
    """The leg's wait (issue to first call), walk (first call to start),
    service (start to finish, for served and transferred legs) and total
    (issue to the leg's end); none at all for a leg the day end closed."""
    # None before the insert fills in the column's default: accurate.
    if ticket.is_time_accurate is False:
        ticket.wait_ms = ticket.walk_ms = ticket.service_ms = ticket.total_ms = None
        return
    ticket.wait_ms = whole_ms(ticket.issued_at, ticket.first_called_at)
    ticket.walk_ms = whole_ms(ticket.first_called_at, ticket.started_at)
    served = ticket.state in SERVED_STATES
    ticket.service_ms = whole_ms(ticket.started_at, ticket.finished_at) if served else None
    ticket.total_ms = whole_ms(ticket.issued_at, leg_end(ticket))


def _office_today(session: Session, office_id: int, now: datetime) -> date:
    office = session.get(Office, office_id)
    assert office is not None
    return rules.service_day(now, office.timezone)


def _changed_days(session: Session) -> set[tuple[int, date]]:
    """The (office, day) of every leg and rating this flush writes."""
    days: set[tuple[int, date]] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Ticket):
            if instance in session.dirty and not session.is_modified(instance):
                continue
            if instance.office_id is not None and instance.service_day is not None:
                days.add((instance.office_id, instance.service_day))
        elif isinstance(instance, Rating) and instance.ticket_id is not None:
            rated = session.get(Ticket, instance.ticket_id)
            if rated is not None:
                days.add((rated.office_id, rated.service_day))
    return days


def keep_legs(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Before a flush: set the durations of the legs it writes, and count a
    change against each past day it touches."""
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Ticket):
            set_durations(instance)
    days = _changed_days(session)
    if not days:
        return
    now = datetime.now(UTC)
    todays: dict[int, date] = {}
    past = []
    for office_id, day in days:
        if office_id not in todays:
            todays[office_id] = _office_today(session, office_id, now)
        if day < todays[office_id]:
            past.append((office_id, day))
    count_changes(session, past)


def count_changes(session: Session, days: Iterable[tuple[int, date]]) -> None:
    """Count one change against each (office, day)."""
    parameters = [{"office_id": office_id, "service_day": day} for office_id, day in days]
    if parameters:
        statement = _count_change_statement(session.get_bind().dialect.name)
        session.execute(statement, parameters)


def _count_change_statement(dialect: str) -> Any:
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        upsert(ReportDayChange)
        .values(office_id=bindparam("office_id"), service_day=bindparam("service_day"), changes=1)
        .on_conflict_do_update(
            index_elements=["office_id", "service_day"],
            set_={"changes": ReportDayChange.changes + 1},
        )
    )
