"""Arithmetic the database does for the reports: the hour of the office's
clock at which a stored instant fell."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement


def _utc_offsets(timezone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's offsets in minutes between two instants, as (from, offset)
    pairs: the first applies from ``start``, each next one from its instant."""
    zone = ZoneInfo(timezone)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    result = [(start, offset(start))]
    moment = start
    while moment < end:
        following = min(moment + timedelta(days=1), end)
        if offset(following) != result[-1][1]:
            # Find the transition to the minute: zones change on whole minutes.
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    break
                if offset(middle) == result[-1][1]:
                    low = middle
                else:
                    high = middle
            result.append((high, offset(high)))
        moment = following
    return result


def local_hour(
    dialect: str, timezone: str, column: Any, date_from: date, date_to: date
) -> ColumnElement[int]:
    """The hour of the office's clock at which ``column`` happened."""
    if dialect == "postgresql":
        local = func.timezone(timezone, func.timezone("UTC", column))
        return cast(extract("hour", local), Integer)
    # SQLite has no time zones: the zone's offsets over the range are worked
    # out here and applied to the UTC minute of the day.
    start = datetime.combine(date_from - timedelta(days=2), datetime.min.time(), UTC)
    end = datetime.combine(date_to + timedelta(days=2), datetime.min.time(), UTC)
    offsets = _utc_offsets(timezone, start, end)
    minute = cast(func.substr(column, 12, 2), Integer) * 60 + cast(
        func.substr(column, 15, 2), Integer
    )
    if len(offsets) == 1:
        shifted = minute + offsets[0][1]
    else:
        whens = [(column < moment, previous) for (moment, _), (_, previous) in _pairs(offsets)]
        shifted = minute + case(*whens, else_=offsets[-1][1])
    return ((shifted + 2 * 1440) % 1440) // 60


def _pairs(offsets: list[tuple[datetime, int]]) -> Iterator[tuple[tuple[datetime, int], Any]]:
    """(transition, offset before it) for each transition after the first."""
    for index in range(1, len(offsets)):
        yield offsets[index], offsets[index - 1]
