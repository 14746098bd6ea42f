"""Reading a report's legs: one entry per leg, in parallel columns.

A closed day comes from its pack (:mod:`queueing.reports.packs`) when the
pack is sound; today, and any closed day not (yet) soundly packed, is read
live from the legs. Both give exactly the same columns, so a figure does not
change when its day is packed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, String, and_, cast, or_, select
from sqlalchemy.orm import Session

from .. import rules
from ..models import (
    CANCELLED,
    CHANNELS,
    DONE,
    NO_SHOW,
    PRIORITY_CATEGORIES,
    PRIORITY_NONE,
    TICKET_STATES,
    TRANSFERRED,
    Office,
    Rating,
    Service,
    Ticket,
)
from ..operations import RATING_REASONS
from . import sql

#: Where a duration does not apply (or the day end closed the leg).
NO_DURATION = np.iinfo(np.int32).min
#: Scores at or below this are "low": their reasons and comments are listed.
LOW_SCORE = 3
#: No counter or no clerk.
NOBODY = -1
PRIORITY_CODES = (PRIORITY_NONE, *PRIORITY_CATEGORIES)
#: A leg's profile packs, from the lowest bits: its state's index (3 bits),
#: whether it is a first leg, whether its times are accurate, whether it was
#: called within target (2 bits: 0 does not count, 1 no, 2 yes) and its score
#: (3 bits, 0 for none): ten bits in all.
FIRST_BIT, ACCURATE_BIT, WITHIN_SHIFT, SCORE_SHIFT = 8, 16, 5, 7
PROFILES = 1 << 10
WITHIN_NOT_COUNTED, WITHIN_NO, WITHIN_YES = 0, 1, 2
STATE_CODE = {state: index for index, state in enumerate(TICKET_STATES)}

#: The columns of a day's legs, in the order and types a pack stores them.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("service", np.int32),
    ("counter", np.int32),
    ("clerk", np.int32),
    ("hour", np.int8),
    ("priority", np.int8),
    ("channel", np.int8),
    ("profile", np.int16),
    ("wait", np.int32),
    ("walk", np.int32),
    ("service_time", np.int32),
    ("total", np.int32),
    ("timed", np.int8),
    ("reasons", np.int8),
)
#: How a served leg's service time was measured (``timed``): from *Start*,
#: from the call, or not at all (see :func:`.tables.service_timing`).
TIMED_CODES = {"start": 1, "call": 2}
UNTIMED = 0
#: The low-score reasons a rating may tick, one bit each in ``reasons``.
REASON_BITS = {reason: 1 << index for index, reason in enumerate(RATING_REASONS)}
#: The durations a report figures, by their name in the report.
DURATIONS = (("wait_s", "wait"), ("walk_s", "walk"), ("service_s", "service_time"))


def empty_columns() -> dict[str, np.ndarray]:
    return {name: np.zeros(0, dtype) for name, dtype in (*COLUMNS, ("day", np.int32))}


@dataclass(slots=True)
class Facts:
    """The legs of a report as parallel columns, one entry per leg.

    ``day`` holds each leg's service day as a proleptic ordinal
    (:meth:`datetime.date.toordinal`); durations are whole milliseconds,
    :data:`NO_DURATION` where they do not apply.
    """

    office: Office
    date_from: date
    date_to: date
    columns: dict[str, np.ndarray] = field(default_factory=empty_columns)
    #: Closed days whose legs were read live, for want of a sound pack.
    unpacked_days: list[date] = field(default_factory=list)
    #: What the figures work out once and share (see :mod:`.figures`).
    cache: dict[Any, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["service"])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            raise AttributeError(name) from None


def office_today(office: Office) -> date:
    return rules.service_day(datetime.now(UTC), office.timezone)


def profiles(
    state: np.ndarray,
    is_first: np.ndarray,
    is_accurate: np.ndarray,
    within: np.ndarray,
    score: np.ndarray,
) -> np.ndarray:
    return (
        state.astype(np.int16)
        | np.where(is_first, FIRST_BIT, 0).astype(np.int16)
        | np.where(is_accurate, ACCURATE_BIT, 0).astype(np.int16)
        | (within.astype(np.int16) << WITHIN_SHIFT)
        | (score.astype(np.int16) << SCORE_SHIFT)
    )


def _durations(values: tuple[Any, ...]) -> np.ndarray:
    return np.array([NO_DURATION if value is None else value for value in values], np.int64)


def read_live(
    session: Session, office: Office, days: list[date] | tuple[date, date]
) -> dict[str, np.ndarray]:
    """The columns of the office's legs on ``days`` (a list, or a (first,
    last) range), read from the legs themselves."""
    dialect = session.get_bind().dialect.name
    if isinstance(days, tuple):
        first, last = days
        on_days: tuple[Any, ...] = (Ticket.service_day >= first, Ticket.service_day <= last)
    else:
        if not days:
            return empty_columns()
        first, last = min(days), max(days)
        on_days = (Ticket.service_day.in_(days),)
    statement = (
        select(
            Ticket.service_id,
            Ticket.counter_id,
            Ticket.clerk_id,
            (Ticket.service_day.cast(String) if dialect == "sqlite" else Ticket.service_day),
            sql.local_hour(dialect, office.timezone, Ticket.issued_at, first, last),
            Ticket.priority,
            Ticket.channel,
            Ticket.state,
            Ticket.parent_id.is_(None),
            Ticket.is_time_accurate,
            Ticket.wait_ms,
            Ticket.walk_ms,
            Ticket.service_ms,
            Ticket.total_ms,
            cast(Service.target_wait_minutes, BigInteger) * 60_000,
            Rating.score,
            Ticket.service_timed_from,
            Rating.reasons,
        )
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(Ticket.office_id == office.id, *on_days)
    )
    # Plain rows through the session's connection: the ORM's per-row work
    # would cost more than the query.
    rows = session.connection().execute(statement).all()
    if not rows:
        return empty_columns()
    (
        service,
        counter,
        clerk,
        day,
        hour,
        priority,
        channel,
        state,
        is_first,
        is_accurate,
        wait,
        walk,
        service_time,
        total,
        target,
        score,
        timed_from,
        reasons,
    ) = zip(*rows, strict=True)
    ordinals = {raw: _ordinal(raw) for raw in set(day)}
    priority_code = {name: index for index, name in enumerate(PRIORITY_CODES)}
    channel_code = {name: index for index, name in enumerate(CHANNELS)}
    waits = _durations(wait)
    totals = _durations(total)
    return {
        "service": np.array(service, np.int32),
        "counter": np.array([NOBODY if value is None else value for value in counter], np.int32),
        "clerk": np.array([NOBODY if value is None else value for value in clerk], np.int32),
        "day": np.array([ordinals[raw] for raw in day], np.int32),
        "hour": np.array(hour, np.int8),
        "priority": np.array([priority_code[value] for value in priority], np.int8),
        "channel": np.array([channel_code[value] for value in channel], np.int8),
        "profile": _leg_profiles(state, is_first, is_accurate, waits, totals, target, score),
        "wait": waits.astype(np.int32),
        "walk": _durations(walk).astype(np.int32),
        "service_time": _durations(service_time).astype(np.int32),
        "total": totals.astype(np.int32),
        "timed": np.array([TIMED_CODES.get(value, UNTIMED) for value in timed_from], np.int8),
        "reasons": np.array([_reason_bits(given) for given in reasons], np.int8),
    }


def _leg_profiles(
    state: tuple[str, ...],
    is_first: tuple[bool, ...],
    is_accurate: tuple[bool, ...],
    waits: np.ndarray,
    totals: np.ndarray,
    target: tuple[int, ...],
    score: tuple[int | None, ...],
) -> np.ndarray:
    """The profiles of legs read live (see :data:`FIRST_BIT`)."""
    state_codes = np.array([STATE_CODE[value] for value in state], np.int16)
    targets = np.array(target, np.int64)
    gave_up = (
        (state_codes == STATE_CODE[CANCELLED]) & (waits == NO_DURATION) & (totals != NO_DURATION)
    )
    # Called within the service's target; a ticket cancelled before its
    # call after waiting past the target counts against it too.
    within = np.where(
        waits != NO_DURATION,
        np.where(waits <= targets, WITHIN_YES, WITHIN_NO),
        np.where(gave_up & (totals > targets), WITHIN_NO, WITHIN_NOT_COUNTED),
    )
    return profiles(
        state_codes,
        np.array(is_first, bool),
        np.array(is_accurate, bool),
        within,
        np.array([value or 0 for value in score], np.int16),
    )


def read_live_offices(
    session: Session, spans: list[tuple[int, date, date]]
) -> dict[str, np.ndarray]:
    """The office, profile and wait of the legs of each (office, first day,
    last day) span, read from the legs themselves: what a comparison of
    offices counts."""
    if not spans:
        return {
            "office": np.zeros(0, np.int32),
            "profile": np.zeros(0, np.int16),
            "wait": np.zeros(0, np.int32),
        }
    statement = (
        select(
            Ticket.office_id,
            Ticket.state,
            Ticket.parent_id.is_(None),
            Ticket.is_time_accurate,
            Ticket.wait_ms,
            Ticket.total_ms,
            cast(Service.target_wait_minutes, BigInteger) * 60_000,
            Rating.score,
        )
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(
            or_(
                *(
                    and_(
                        Ticket.office_id == office_id,
                        Ticket.service_day >= first,
                        Ticket.service_day <= last,
                    )
                    for office_id, first, last in spans
                )
            )
        )
    )
    rows = session.connection().execute(statement).all()
    if not rows:
        return read_live_offices(session, [])
    office, state, is_first, is_accurate, wait, total, target, score = zip(*rows, strict=True)
    waits = _durations(wait)
    return {
        "office": np.array(office, np.int32),
        "profile": _leg_profiles(
            state, is_first, is_accurate, waits, _durations(total), target, score
        ),
        "wait": waits.astype(np.int32),
    }


def spans_of(days: list[date]) -> list[tuple[date, date]]:
    """Days, sorted, as runs of consecutive days (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _reason_bits(given: Any) -> int:
    return sum(REASON_BITS.get(reason, 0) for reason in set(given or ()))


def _ordinal(raw: Any) -> int:
    return (raw if isinstance(raw, date) else date.fromisoformat(str(raw))).toordinal()


def concatenate(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        return empty_columns()
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


# The states a profile's counts name.
SERVED, MISSED, CANCELLED_CODE, TRANSFERRED_CODE = (
    STATE_CODE[DONE],
    STATE_CODE[NO_SHOW],
    STATE_CODE[CANCELLED],
    STATE_CODE[TRANSFERRED],
)
