"""Figures of legs: counts, duration figures, the service level and the
satisfaction, for all the legs or for each group of them.

Every figure is exact. Durations are whole milliseconds; a mean, median,
p90 or max is given in seconds to the millisecond, the p90 by linear
interpolation between closest ranks (NumPy's default). Groups are chosen by
a :class:`Grouping`; their legs are counted by profile in one pass, and each
duration is sorted once per report and then split by group, in value order,
so that a group's ranks are read, never searched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

import numpy as np

from ..models import CHANNELS
from .facts import (
    ACCURATE_BIT,
    CANCELLED_CODE,
    DURATIONS,
    FIRST_BIT,
    MISSED,
    NO_DURATION,
    NOBODY,
    PROFILES,
    SCORE_SHIFT,
    SERVED,
    TRANSFERRED_CODE,
    WITHIN_SHIFT,
    WITHIN_YES,
    Facts,
)

MILLIS = 1000
HOURS = 24
WEEKDAYS = 7


class Grouping(Enum):
    """What the legs of a table's rows share."""

    ALL = "all"
    SERVICE = "service"
    COUNTER = "counter"
    CLERK = "clerk"
    DAY = "day"
    HOUR = "hour"
    #: How the ticket came: kiosk, counter, booking, API.
    CHANNEL = "channel"
    #: (weekday, hour): 0 is Monday.
    WEEKDAY_HOUR = "weekday_hour"


def _keys(facts: Facts, grouping: Grouping) -> np.ndarray:
    columns = facts.columns
    if grouping is Grouping.ALL:
        return np.zeros(len(facts), np.int64)
    if grouping is Grouping.WEEKDAY_HOUR:
        # Ordinal 1 (1 January of year 1) was a Monday.
        weekday = (columns["day"].astype(np.int64) - 1) % WEEKDAYS
        keys: np.ndarray = weekday * HOURS + columns["hour"]
        return keys
    return columns[grouping.value].astype(np.int64)


def _key_value(grouping: Grouping, key: int) -> Any:
    """A group's key as the tables name it."""
    if grouping is Grouping.ALL:
        return None
    if grouping in (Grouping.COUNTER, Grouping.CLERK) and key == NOBODY:
        return None
    if grouping is Grouping.DAY:
        return date.fromordinal(key)
    if grouping is Grouping.WEEKDAY_HOUR:
        return divmod(key, HOURS)
    if grouping is Grouping.CHANNEL:
        return CHANNELS[key]
    return key


def _groups(facts: Facts, grouping: Grouping) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of a grouping, ascending, and each leg's group."""
    cached: tuple[np.ndarray, np.ndarray] | None = facts.cache.get(grouping)
    if cached is not None:
        return cached
    keys = _keys(facts, grouping)
    if not len(keys):
        result = (np.zeros(0, np.int64), np.zeros(0, np.intp))
    else:
        low = int(keys.min())
        span = int(keys.max()) - low + 1
        if span <= 4 * len(keys) + 4096:
            present = np.bincount(keys - low, minlength=span) > 0
            result = (np.flatnonzero(present) + low, (np.cumsum(present) - 1)[keys - low])
        else:
            distinct, codes = np.unique(keys, return_inverse=True)
            result = (distinct, codes.ravel())
    facts.cache[grouping] = result
    return result


#: The counts of a row, each a sum over its legs' profiles.
COUNTS = (
    "legs",
    "issued",
    "served",
    "no_show",
    "cancelled",
    "transferred",
    "inaccurate",
    "_counted",
    "_within",
    "rating_count",
    "_score_sum",
    *(f"_score_{level}" for level in range(1, 6)),
)


@cache
def _profile_counts() -> np.ndarray:
    """For each profile, what one leg of it adds to each of :data:`COUNTS`."""
    profile = np.arange(PROFILES)
    state = profile & 7
    within = (profile >> WITHIN_SHIFT) & 3
    score = profile >> SCORE_SHIFT
    columns = [
        np.ones(PROFILES, np.int64),
        (profile & FIRST_BIT) != 0,
        state == SERVED,
        state == MISSED,
        state == CANCELLED_CODE,
        state == TRANSFERRED_CODE,
        (profile & ACCURATE_BIT) == 0,
        within != 0,
        within == WITHIN_YES,
        score != 0,
        score,
        *(score == level for level in range(1, 6)),
    ]
    return np.stack([np.asarray(column, np.int64) for column in columns], axis=1)


def _counts(facts: Facts, grouping: Grouping) -> np.ndarray:
    """One row per group, one column per :data:`COUNTS`."""
    distinct, codes = _groups(facts, grouping)
    tally = np.bincount(
        codes * PROFILES + facts.columns["profile"], minlength=len(distinct) * PROFILES
    )
    counts: np.ndarray = tally.reshape(len(distinct), PROFILES) @ _profile_counts()
    return counts


def _by_value(facts: Facts, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(leg indexes, values) of the legs that have ``metric``, by value."""
    key = ("by_value", metric)
    cached = facts.cache.get(key)
    if cached is None:
        values = facts.columns[metric]
        present = np.flatnonzero(values != NO_DURATION)
        order = present[np.argsort(values[present], kind="stable")]
        cached = facts.cache[key] = (order, values[order].astype(np.int64))
    return cached


def p90_ranks(count: Any) -> tuple[Any, Any, Any]:
    """(lower rank, upper rank, weight of the upper) of the p90 of ``count``
    sorted values (an array of counts, or one), by linear interpolation
    between the closest ranks."""
    position = np.asarray(count - 1) * 0.9
    low = position.astype(np.int64)
    return low, np.minimum(low + 1, count - 1), position - low


def interpolated(low_value: Any, high_value: Any, weight: Any) -> Any:
    """The value ``weight`` of the way from ``low_value`` to ``high_value``."""
    low_value = np.asarray(low_value, np.float64)
    return low_value + (np.asarray(high_value, np.float64) - low_value) * weight


def _seconds(millis: float) -> float:
    return round(millis / MILLIS, 3)


def _durations(
    facts: Facts, grouping: Grouping, metric: str
) -> list[dict[str, float | int | None]]:
    """The duration figures of ``metric`` for each group."""
    distinct, codes = _groups(facts, grouping)
    order, values = _by_value(facts, metric)
    group_of = codes[order]
    counts = np.bincount(group_of, minlength=len(distinct))
    totals = np.bincount(group_of, weights=values, minlength=len(distinct))
    # Each group's values, still in value order, one group after another.
    narrow = np.uint16 if len(distinct) <= np.iinfo(np.uint16).max else np.int64
    grouped = values[np.argsort(group_of.astype(narrow), kind="stable")]
    starts = np.cumsum(counts) - counts
    held = np.flatnonzero(counts)
    count = counts[held]
    start = starts[held]
    middle = count // 2
    upper_middle = grouped[start + middle].astype(np.float64)
    lower_middle = grouped[start + (count - 1) // 2].astype(np.float64)
    median = (lower_middle + upper_middle) / 2
    low, high, weight = p90_ranks(count)
    p90 = interpolated(grouped[start + low], grouped[start + high], weight)
    largest = grouped[start + count - 1]
    result: list[dict[str, float | int | None]] = [_no_durations() for _ in distinct]
    for index, group in enumerate(held.tolist()):
        result[group] = {
            "count": int(count[index]),
            "mean": _seconds(int(totals[group]) / int(count[index])),
            "median": _seconds(float(median[index])),
            "p90": _seconds(float(p90[index])),
            "max": _seconds(float(largest[index])),
        }
    return result


def _no_durations() -> dict[str, float | int | None]:
    return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}


def grouped(
    facts: Facts,
    grouping: Grouping,
    metrics: Sequence[tuple[str, str]] = DURATIONS,
) -> dict[Any, dict[str, Any]]:
    """Every figure of each group of legs, by the group's key."""
    distinct, _codes = _groups(facts, grouping)
    counts = _counts(facts, grouping).tolist()
    durations = {name: _durations(facts, grouping, metric) for name, metric in metrics}
    result: dict[Any, dict[str, Any]] = {}
    for index, key in enumerate(distinct.tolist()):
        row = dict(zip(COUNTS, counts[index], strict=True))
        for name, _metric in metrics:
            row[name] = durations[name][index]
        result[_key_value(grouping, key)] = _finished(row)
    return result


def _finished(row: dict[str, Any]) -> dict[str, Any]:
    """A row's figures in the order of API.md's summary: counts, durations,
    level, rating."""
    counted, within = row["_counted"], row["_within"]
    rated, score_sum = row["rating_count"], row["_score_sum"]
    return {
        "issued": row["issued"],
        "legs": row["legs"],
        "served": row["served"],
        "no_show": row["no_show"],
        "cancelled": row["cancelled"],
        "transferred": row["transferred"],
        "inaccurate": row["inaccurate"],
        **{name: row.get(name) or _no_durations() for name, _metric in DURATIONS},
        "service_level": round(within / counted, 4) if counted else None,
        "rating_count": rated,
        "rating_mean": round(score_sum / rated, 3) if rated else None,
        "rating_distribution": {str(level): row[f"_score_{level}"] for level in range(1, 6)},
    }


def figures(facts: Facts) -> dict[str, Any]:
    """The figures of all the legs together."""
    whole = grouped(facts, Grouping.ALL)
    if None in whole:
        return whole[None]
    return _finished(dict.fromkeys(COUNTS, 0))
