"""Which legs a report counts, and over which days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..errors import Invalid, Malformed
from ..models import CHANNELS, PRIORITY_CATEGORIES, PRIORITY_NONE, Office, Service, Ticket

#: The priority filter's word for "any priority category".
ANY_PRIORITY = "any"

# -- filters -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which legs a report counts; an empty field means "all"."""

    services: tuple[str, ...] = ()
    counters: tuple[int, ...] = ()
    clerks: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    #: ``"none"``, a priority category, or ``"any"`` (every category).
    priorities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown_channels = [value for value in self.channels if value not in CHANNELS]
        if unknown_channels:
            raise Invalid(f"unknown channel {unknown_channels[0]!r}", "unknown_channel")
        allowed = (PRIORITY_NONE, ANY_PRIORITY, *PRIORITY_CATEGORIES)
        unknown_priorities = [value for value in self.priorities if value not in allowed]
        if unknown_priorities:
            raise Invalid(f"unknown priority {unknown_priorities[0]!r}", "unknown_priority")

    @property
    def is_empty(self) -> bool:
        return not (
            self.services or self.counters or self.clerks or self.channels or self.priorities
        )

    def as_dict(self) -> dict[str, list[Any]]:
        return {
            "services": list(self.services),
            "counters": list(self.counters),
            "clerks": list(self.clerks),
            "channels": list(self.channels),
            "priorities": list(self.priorities),
        }


NO_FILTER = ReportFilter()

#: The longest report range, in days.
MAX_REPORT_DAYS = 366 * 5
#: Days a report may name: the service days any office can have had or plan.
FIRST_REPORT_DAY = date(2000, 1, 1)
LAST_REPORT_DAY = date(2099, 12, 31)


def report_day(name: str, raw: str) -> date:
    """A report's ``from`` or ``to`` as a day; 400 when it is no date, 422
    when it lies outside the days any office can have."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise Malformed(f"{name} must be a date as YYYY-MM-DD", "invalid_date") from None
    if not FIRST_REPORT_DAY <= day <= LAST_REPORT_DAY:
        raise Invalid(
            f"{name} must be from {FIRST_REPORT_DAY} to {LAST_REPORT_DAY}", "invalid_date"
        )
    return day


def report_range(
    raw_from: str | None, raw_to: str | None, today: date, days: int = 1
) -> tuple[date, date]:
    """A report's ``from`` and ``to`` as days, both included: ``to`` defaults
    to ``today``, ``from`` to ``days`` days ending with ``to``. 400 for no
    date, 422 for a range reports refuse."""
    raw_from = (raw_from or "").strip()
    raw_to = (raw_to or "").strip()
    date_to = report_day("to", raw_to) if raw_to else today
    date_from = report_day("from", raw_from) if raw_from else date_to - timedelta(days=days - 1)
    check_report_range(date_from, date_to)
    return date_from, date_to


def check_report_range(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise Invalid("from must not be after to", "invalid_range")
    if (date_to - date_from).days > MAX_REPORT_DAYS:
        raise Invalid(f"a report covers {MAX_REPORT_DAYS} days at most", "invalid_range")


def service_ids(session: Session, office: Office, codes: tuple[str, ...]) -> list[int]:
    """The ids of the office's services with these codes; 422 for an unknown code."""
    rows = session.execute(
        select(Service.id, Service.code).where(
            Service.office_id == office.id, Service.code.in_(codes)
        )
    ).all()
    known = {code for _id, code in rows}
    missing = [code for code in codes if code not in known]
    if missing:
        raise Invalid(f"no service with code {missing[0]!r} in this office", "unknown_service")
    return [service_id for service_id, _code in rows]


def filter_conditions(
    session: Session, office: Office, filters: ReportFilter
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.services:
        conditions.append(Ticket.service_id.in_(service_ids(session, office, filters.services)))
    if filters.counters:
        conditions.append(Ticket.counter_id.in_(filters.counters))
    if filters.clerks:
        conditions.append(Ticket.clerk_id.in_(filters.clerks))
    if filters.channels:
        conditions.append(Ticket.channel.in_(filters.channels))
    if filters.priorities:
        wanted = set(filters.priorities)
        alternatives: list[ColumnElement[bool]] = []
        if ANY_PRIORITY in wanted:
            alternatives.append(Ticket.priority != PRIORITY_NONE)
        categories = sorted(wanted - {ANY_PRIORITY})
        if categories:
            alternatives.append(Ticket.priority.in_(categories))
        conditions.append(or_(*alternatives))
    return conditions
