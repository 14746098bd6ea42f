"""Wait- and service-time figures computed from ticket legs.

Durations come from the stored timestamps in seconds, never rounded to
minutes. Legs closed by the day end (``is_time_accurate`` false) are left
out of every time figure and counted on their own.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    CANCELLED,
    DONE,
    NO_SHOW,
    TRANSFERRED,
    Counter,
    Office,
    Rating,
    Service,
    Ticket,
    User,
)
from .queries import iso


@dataclass(frozen=True, slots=True)
class Leg:
    """One ticket leg as the reports see it."""

    id: int
    service_code: str
    service_name: str
    target_wait_s: float
    counter_id: int | None
    counter_number: int | None
    counter_name: str
    clerk_id: int | None
    clerk_name: str
    state: str
    is_first_leg: bool
    is_time_accurate: bool
    issued_at: datetime
    first_called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    local_hour: int
    score: int | None

    @property
    def wait_s(self) -> float | None:
        if not self.is_time_accurate or self.first_called_at is None:
            return None
        return (self.first_called_at - self.issued_at).total_seconds()

    @property
    def walk_s(self) -> float | None:
        if not self.is_time_accurate or self.first_called_at is None or self.started_at is None:
            return None
        return (self.started_at - self.first_called_at).total_seconds()

    @property
    def service_s(self) -> float | None:
        if (
            not self.is_time_accurate
            or self.state not in (DONE, TRANSFERRED)
            or self.started_at is None
            or self.finished_at is None
        ):
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_within_target(self) -> bool | None:
        """Whether the leg was called within its service's target; None when
        it does not count (never called and left before the target)."""
        if not self.is_time_accurate:
            return None
        wait = self.wait_s
        if wait is not None:
            return wait <= self.target_wait_s
        if self.state == CANCELLED and self.cancelled_at is not None:
            waited = (self.cancelled_at - self.issued_at).total_seconds()
            return False if waited > self.target_wait_s else None
        return None


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = (len(sorted_values) - 1) * fraction
    lower = math.floor(position)
    upper = math.ceil(position)
    weight = position - lower
    return sorted_values[lower] * (1 - weight) + sorted_values[upper] * weight


def duration_figures(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Mean, median, p90 and max of the known durations, in seconds."""
    known = sorted(value for value in values if value is not None)
    if not known:
        return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
    return {
        "count": len(known),
        "mean": round(statistics.fmean(known), 3),
        "median": round(statistics.median(known), 3),
        "p90": round(percentile(known, 0.9), 3),
        "max": round(known[-1], 3),
    }


def figures(legs: Sequence[Leg]) -> dict[str, Any]:
    within = [leg.is_within_target for leg in legs]
    counted = [value for value in within if value is not None]
    scores = [leg.score for leg in legs if leg.score is not None]
    return {
        "issued": sum(1 for leg in legs if leg.is_first_leg),
        "legs": len(legs),
        "served": sum(1 for leg in legs if leg.state == DONE),
        "no_show": sum(1 for leg in legs if leg.state == NO_SHOW),
        "cancelled": sum(1 for leg in legs if leg.state == CANCELLED),
        "transferred": sum(1 for leg in legs if leg.state == TRANSFERRED),
        "inaccurate": sum(1 for leg in legs if not leg.is_time_accurate),
        "wait_s": duration_figures(leg.wait_s for leg in legs),
        "walk_s": duration_figures(leg.walk_s for leg in legs),
        "service_s": duration_figures(leg.service_s for leg in legs),
        "service_level": round(sum(counted) / len(counted), 4) if counted else None,
        "rating_count": len(scores),
        "rating_mean": round(statistics.fmean(scores), 3) if scores else None,
        "rating_distribution": {str(level): scores.count(level) for level in range(1, 6)},
    }


def _grouped(
    legs: Sequence[Leg], key: Callable[[Leg], Hashable], describe: Callable[[Leg], dict[str, Any]]
) -> list[dict[str, Any]]:
    groups: dict[Hashable, list[Leg]] = defaultdict(list)
    for leg in legs:
        groups[key(leg)].append(leg)
    rows = []
    for group_key in sorted(groups, key=lambda value: (value is None, str(value))):
        members = groups[group_key]
        rows.append({**describe(members[0]), **figures(members)})
    return rows


def load_legs(session: Session, office: Office, date_from: date, date_to: date) -> list[Leg]:
    timezone = ZoneInfo(office.timezone)
    rows = session.execute(
        select(
            Ticket,
            Service.code,
            Service.name,
            Service.target_wait_minutes,
            Counter.number,
            Counter.name,
            User.display_name,
            User.username,
            Rating.score,
        )
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Counter, Counter.id == Ticket.counter_id)
        .outerjoin(User, User.id == Ticket.clerk_id)
        .outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
        )
        .order_by(Ticket.id)
    ).all()
    legs = []
    for (
        ticket,
        code,
        name,
        target,
        counter_number,
        counter_name,
        clerk_name,
        username,
        score,
    ) in rows:
        legs.append(
            Leg(
                id=ticket.id,
                service_code=code,
                service_name=name,
                target_wait_s=target * 60.0,
                counter_id=ticket.counter_id,
                counter_number=counter_number,
                counter_name=counter_name or "",
                clerk_id=ticket.clerk_id,
                clerk_name=clerk_name or username or "",
                state=ticket.state,
                is_first_leg=ticket.parent_id is None,
                is_time_accurate=ticket.is_time_accurate,
                issued_at=ticket.issued_at,
                first_called_at=ticket.first_called_at,
                started_at=ticket.started_at,
                finished_at=ticket.finished_at,
                cancelled_at=ticket.cancelled_at,
                local_hour=ticket.issued_at.astimezone(timezone).hour,
                score=score,
            )
        )
    return legs


def summary(session: Session, office: Office, date_from: date, date_to: date) -> dict[str, Any]:
    """The body of ``GET /api/v1/reports/summary``."""
    legs = load_legs(session, office, date_from, date_to)
    return {
        "office": office.code,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        **figures(legs),
        "by_service": _grouped(
            legs,
            lambda leg: leg.service_code,
            lambda leg: {"service": leg.service_code, "name": leg.service_name},
        ),
        "by_counter": _grouped(
            [leg for leg in legs if leg.counter_id is not None],
            lambda leg: leg.counter_number,
            lambda leg: {
                "counter": leg.counter_id,
                "number": leg.counter_number,
                "name": leg.counter_name,
            },
        ),
        "by_clerk": _grouped(
            [leg for leg in legs if leg.clerk_id is not None],
            lambda leg: leg.clerk_id,
            lambda leg: {"clerk": leg.clerk_id, "name": leg.clerk_name},
        ),
        "by_hour": _grouped(
            legs, lambda leg: f"{leg.local_hour:02d}", lambda leg: {"hour": leg.local_hour}
        ),
    }


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


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def ticket_rows(
    session: Session, office: Office, date_from: date, date_to: date
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
        )
        .order_by(Ticket.id)
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
            _seconds(ticket.issued_at, ticket.first_called_at) if accurate else None,
            _seconds(ticket.first_called_at, ticket.started_at) if accurate else None,
            _seconds(ticket.started_at, ticket.finished_at) if accurate else None,
            _seconds(ticket.issued_at, ticket.finished_at) if accurate else None,
            accurate,
            score,
        ]


def tickets_csv(session: Session, office: Office, date_from: date, date_to: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in ticket_rows(session, office, date_from, date_to):
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return buffer.getvalue()
