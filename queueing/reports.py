"""Wait- and service-time figures computed from ticket legs.

Durations come from the stored timestamps, exact to the microsecond and
never rounded to minutes; figures are given in seconds to the millisecond.
Legs closed by the day end (``is_time_accurate`` false) are left out of every
time figure and counted on their own.

A report reads its legs once, as columns of small numbers computed by the
database (:func:`load_facts`), and derives every table from them, so the
summary, the tables by day, hour, service, counter and clerk, the API and the
exports all agree to the last digit.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter as Tally
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, String, and_, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from .errors import Invalid, Malformed
from .models import (
    CANCELLED,
    CHANNELS,
    DONE,
    NO_SHOW,
    PRIORITY_CATEGORIES,
    PRIORITY_NONE,
    TICKET_STATES,
    TRANSFERRED,
    Counter,
    Event,
    Office,
    Rating,
    Service,
    Ticket,
    User,
)
from .queries import iso

MICROS = 1_000_000
#: The priority filter's word for "any priority category".
ANY_PRIORITY = "any"
#: Low-score comments listed in a report, newest first.
LOW_SCORE_COMMENTS = 30
#: Scores at or below this are "low": their reasons and comments are listed.
LOW_SCORE = 3
WEEKDAYS = 7
HOURS = 24


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


def check_report_range(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise Invalid("from must not be after to", "invalid_range")
    if (date_to - date_from).days > MAX_REPORT_DAYS:
        raise Invalid(f"a report covers {MAX_REPORT_DAYS} days at most", "invalid_range")


def _filter_conditions(
    session: Session, office: Office, filters: ReportFilter
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.services:
        rows = session.execute(
            select(Service.id, Service.code).where(
                Service.office_id == office.id, Service.code.in_(filters.services)
            )
        ).all()
        known = {code for _id, code in rows}
        missing = [code for code in filters.services if code not in known]
        if missing:
            raise Invalid(f"no service with code {missing[0]!r} in this office", "unknown_service")
        conditions.append(Ticket.service_id.in_([service_id for service_id, _code in rows]))
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


# -- durations in SQL --------------------------------------------------------------


#: SQLite from which ``unixepoch`` exists.
UNIXEPOCH_SQLITE = (3, 38, 0)


def _whole_seconds(stamp: Any) -> ColumnElement[int]:
    """The Unix time of a SQLite timestamp's whole second.

    ``unixepoch`` reads the fraction rounded to the millisecond, so from
    .9995 on it may give the next second; its seconds digits then differ
    from the text's, and one is taken off. Only such rare stamps pay for
    the check.
    """
    return func.unixepoch(stamp) - case(
        (
            func.substr(stamp, 21) >= "999500",
            case(
                (func.unixepoch(stamp) % 60 != cast(func.substr(stamp, 18, 2), Integer), 1),
                else_=0,
            ),
        ),
        else_=0,
    )


def _micros_between(
    dialect: str, start: Any, end: Any, has_unixepoch: bool = False
) -> ColumnElement[int]:
    """Whole microseconds from ``start`` to ``end``, computed by the database.

    PostgreSQL subtracts timestamps exactly. SQLite keeps them as text
    ("YYYY-MM-DD HH:MM:SS.ffffff"): whole seconds come from ``unixepoch``
    (see :func:`_whole_seconds`) or, before SQLite 3.38, from ``julianday``
    of the part before the fraction (exact once rounded: its error is a few
    microseconds of a day), the microseconds from the digits after it.
    """
    if dialect == "postgresql":
        return cast(func.round(extract("epoch", end - start) * MICROS), BigInteger)
    if has_unixepoch:
        return (_whole_seconds(end) - _whole_seconds(start)) * MICROS + (
            func.substr(end, 21, 6) - func.substr(start, 21, 6)
        )
    seconds = cast(
        func.round(
            (func.julianday(func.substr(end, 1, 19)) - func.julianday(func.substr(start, 1, 19)))
            * 86400
        ),
        Integer,
    )
    fraction = func.substr(end, 21, 6) - func.substr(start, 21, 6)
    return seconds * MICROS + fraction


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


def _local_hour(
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


# -- the legs as columns ------------------------------------------------------------

#: Compact codes of the states, so that counting stays cheap.
STATE_INDEX = {state: index for index, state in enumerate(TICKET_STATES)}
#: A leg's profile packs, from the lowest bits: its state's index (3 bits),
#: whether it is a first leg, whether its times are accurate, whether it was
#: called within target (0: does not count, 1: no, 2: yes) and its score (0:
#: none). Legs are counted by profile: one small number per leg to read.
FIRST_BIT, ACCURATE_BIT, WITHIN_SHIFT, SCORE_SHIFT = 8, 16, 5, 7


def _unpack(profile: int) -> tuple[str, bool, bool, bool | None, int | None]:
    """(state, is first leg, is accurate, within target, score) of a profile."""
    within = (profile >> WITHIN_SHIFT) & 3
    return (
        TICKET_STATES[profile & 7],
        bool(profile & FIRST_BIT),
        bool(profile & ACCURATE_BIT),
        None if within == 0 else within == 2,
        (profile >> SCORE_SHIFT) or None,
    )


#: The legs of a cell share a service, counter, clerk and hour ("staff"
#: cells) or a day and hour ("time" cells); each table of a report groups
#: whole cells of one kind, so sums and counts are taken once per cell.
STAFF = "staff"
TIME = "time"
CELL_COLUMNS = {STAFF: ("service", "counter", "clerk", "hour"), TIME: ("day", "hour")}
#: The kind of cells a table groups and the key of a cell's legs.
Grouping = tuple[str, Callable[[tuple[Any, ...]], Any]]
SERVICE_OF: Grouping = (STAFF, itemgetter(0))
COUNTER_OF: Grouping = (STAFF, itemgetter(1))
CLERK_OF: Grouping = (STAFF, itemgetter(2))
DAY_OF: Grouping = (TIME, itemgetter(0))
HOUR_OF: Grouping = (TIME, itemgetter(1))
WEEKDAY_HOUR_OF: Grouping = (TIME, lambda cell: (cell[0].weekday(), cell[1]))
ALL_OF: Grouping = (TIME, lambda _cell: None)


@dataclass(slots=True)
class Facts:
    """The legs of a report as parallel columns, one entry per leg."""

    office: Office
    date_from: date
    date_to: date
    service: list[int] = field(default_factory=list)
    counter: list[int | None] = field(default_factory=list)
    clerk: list[int | None] = field(default_factory=list)
    day: list[date] = field(default_factory=list)
    hour: list[int] = field(default_factory=list)
    #: What is counted of each leg, packed in a small number (see :func:`_profile`).
    profile: list[int] = field(default_factory=list)
    #: Microseconds, None where the figure does not apply (or is inaccurate).
    wait: list[int | None] = field(default_factory=list)
    walk: list[int | None] = field(default_factory=list)
    service_time: list[int | None] = field(default_factory=list)
    #: Legs sorted by each duration, computed once and shared by the groupings.
    _sorted: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)
    #: The cells of each kind (see :meth:`cells`) and what is known of each.
    _cells: dict[str, tuple[list[tuple[Any, ...]], list[int]]] = field(default_factory=dict)
    _cell_tally: dict[str, Tally[tuple[int, int]]] = field(default_factory=dict)
    _cell_sums: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _cells_by_duration: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.service)

    def cells(self, kind: str) -> tuple[list[tuple[Any, ...]], list[int]]:
        """The distinct cells of a kind (:data:`CELL_COLUMNS`), and each leg's cell."""
        if kind not in self._cells:
            columns = [getattr(self, name) for name in CELL_COLUMNS[kind]]
            keys = list(zip(*columns, strict=True))
            index = {key: position for position, key in enumerate(dict.fromkeys(keys))}
            self._cells[kind] = (list(index), list(map(index.__getitem__, keys)))
        return self._cells[kind]

    def cell_tally(self, kind: str) -> Tally[tuple[int, int]]:
        """Legs counted by cell and profile."""
        if kind not in self._cell_tally:
            self._cell_tally[kind] = Tally(zip(self.cells(kind)[1], self.profile, strict=True))
        return self._cell_tally[kind]

    def cell_sums(self, kind: str, metric: str) -> list[int]:
        """The sum of ``metric`` over each cell's legs, in microseconds."""
        if (kind, metric) not in self._cell_sums:
            sums = [0] * len(self.cells(kind)[0])
            _order, values = self.by_duration(metric)
            for cell, value in zip(self.cells_by_duration(kind, metric), values, strict=True):
                sums[cell] += value
            self._cell_sums[kind, metric] = sums
        return self._cell_sums[kind, metric]

    def cells_by_duration(self, kind: str, metric: str) -> list[int]:
        """The cell of each value of :meth:`by_duration`."""
        if (kind, metric) not in self._cells_by_duration:
            order, _values = self.by_duration(metric)
            cells_of_legs = self.cells(kind)[1]
            self._cells_by_duration[kind, metric] = list(map(cells_of_legs.__getitem__, order))
        return self._cells_by_duration[kind, metric]

    def by_duration(self, metric: str) -> tuple[list[int], list[int]]:
        """(leg indexes, values) of the legs that have ``metric``, by value."""
        if metric not in self._sorted:
            values: list[Any] = getattr(self, metric)
            order = list(compress(range(len(values)), map(is_not, values, repeat(None))))
            order.sort(key=values.__getitem__)
            self._sorted[metric] = (order, list(map(values.__getitem__, order)))
        return self._sorted[metric]


DURATIONS = (("wait_s", "wait"), ("walk_s", "walk"), ("service_s", "service_time"))


def load_facts(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    filters: ReportFilter = NO_FILTER,
) -> Facts:
    """Read the legs of the office's days ``date_from`` to ``date_to`` (both
    included, in the office's timezone) that pass ``filters``."""
    bind_dialect = session.get_bind().dialect
    dialect = bind_dialect.name
    sqlite_version = getattr(bind_dialect.dbapi, "sqlite_version_info", (0,))
    has_unixepoch = dialect == "sqlite" and sqlite_version >= UNIXEPOCH_SQLITE

    def micros_between(start: Any, end: Any) -> ColumnElement[int]:
        return _micros_between(dialect, start, end, has_unixepoch)

    accurate = Ticket.is_time_accurate.is_(True)
    called = Ticket.first_called_at.is_not(None)
    wait = case((and_(accurate, called), micros_between(Ticket.issued_at, Ticket.first_called_at)))
    walk = case(
        (
            and_(accurate, called, Ticket.started_at.is_not(None)),
            micros_between(Ticket.first_called_at, Ticket.started_at),
        )
    )
    service_time = case(
        (
            and_(
                accurate,
                Ticket.state.in_((DONE, TRANSFERRED)),
                Ticket.started_at.is_not(None),
                Ticket.finished_at.is_not(None),
            ),
            micros_between(Ticket.started_at, Ticket.finished_at),
        )
    )
    # How long a ticket cancelled before its call had waited: past the
    # target it counts against the service level.
    gave_up = case(
        (
            and_(
                accurate,
                Ticket.state == CANCELLED,
                Ticket.first_called_at.is_(None),
                Ticket.cancelled_at.is_not(None),
            ),
            micros_between(Ticket.issued_at, Ticket.cancelled_at),
        )
    )
    legs = (
        select(
            Ticket.service_id,
            Ticket.counter_id,
            Ticket.clerk_id,
            # Read as the database's own text (SQLite) or date (PostgreSQL):
            # a few hundred distinct days are parsed once each below.
            (Ticket.service_day.cast(String) if dialect == "sqlite" else Ticket.service_day).label(
                "day"
            ),
            _local_hour(dialect, office.timezone, Ticket.issued_at, date_from, date_to).label(
                "hour"
            ),
            Ticket.state,
            Ticket.parent_id.is_(None).label("is_first"),
            Ticket.is_time_accurate,
            wait.label("wait"),
            walk.label("walk"),
            service_time.label("service_time"),
            gave_up.label("gave_up"),
            (cast(Service.target_wait_minutes, BigInteger) * (60 * MICROS)).label("target"),
            Rating.score,
        )
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
            *_filter_conditions(session, office, filters),
        )
        # Materialized, so that each duration is computed once: the service
        # level below reads the wait again.
        .cte("legs")
        .prefix_with("MATERIALIZED")
    )
    # Called within the service's target; a ticket cancelled before its call
    # after waiting past the target counts against it too.
    within = case(
        (legs.c.wait.is_not(None), case((legs.c.wait <= legs.c.target, 2), else_=1)),
        (legs.c.gave_up > legs.c.target, 1),
        else_=0,
    )
    profile = (
        case(STATE_INDEX, value=legs.c.state)
        + case((legs.c.is_first, FIRST_BIT), else_=0)
        + case((legs.c.is_time_accurate, ACCURATE_BIT), else_=0)
        + within * (1 << WITHIN_SHIFT)
        + func.coalesce(legs.c.score, 0) * (1 << SCORE_SHIFT)
    )
    statement = select(
        legs.c.service_id,
        legs.c.counter_id,
        legs.c.clerk_id,
        legs.c.day,
        legs.c.hour,
        profile,
        legs.c.wait,
        legs.c.walk,
        legs.c.service_time,
    )
    facts = Facts(office=office, date_from=date_from, date_to=date_to)
    days: dict[Any, date] = {}
    # Plain rows through the session's connection: the ORM's per-row
    # processing costs more than the query itself on a year of legs. The legs'
    # order does not matter: every figure is a count, a sum or an order
    # statistic.
    rows = session.connection().execute(statement).all()
    if not rows:
        return facts
    columns = list(zip(*rows, strict=True))
    facts.service = list(columns[0])
    facts.counter = list(columns[1])
    facts.clerk = list(columns[2])
    for raw in set(columns[3]):
        days[raw] = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    facts.day = [days[raw] for raw in columns[3]]
    # The drivers hand back whole numbers for the hour and the microseconds.
    facts.hour = list(columns[4])
    facts.profile = list(columns[5])
    facts.wait = list(columns[6])
    facts.walk = list(columns[7])
    facts.service_time = list(columns[8])
    return facts


# -- figures -------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default)."""
    return _percentile_at(len(sorted_values), sorted_values.__getitem__, fraction)


def _percentile_ranks(count: int, fraction: float) -> tuple[int, int, float]:
    position = (count - 1) * fraction
    lower = int(position)
    return lower, min(lower + 1, count - 1), position - lower


def _percentile_at(count: int, at: Callable[[int], float], fraction: float) -> float:
    """:func:`percentile` of ``count`` sorted values, the one of rank r being ``at(r)``."""
    if count == 1:
        return at(0)
    lower, upper, weight = _percentile_ranks(count, fraction)
    return at(lower) * (1 - weight) + at(upper) * weight


def _needed_ranks(count: int) -> set[int]:
    """The ranks (from 0) whose values make the median, p90 and max of ``count``."""
    if not count:
        return set()
    lower, upper, _weight = _percentile_ranks(count, 0.9)
    return {(count - 1) // 2, count // 2, lower, upper, count - 1}


def _seconds(micros: float) -> float:
    return round(micros / MICROS, 3)


def duration_figures(sorted_micros: Sequence[int]) -> dict[str, float | int | None]:
    """Mean, median, p90 and max of durations given sorted, in microseconds;
    the figures are seconds to the millisecond."""
    return _duration_figures_at(len(sorted_micros), sum(sorted_micros), sorted_micros.__getitem__)


def _duration_figures_at(
    count: int, total: int, at: Callable[[int], int]
) -> dict[str, float | int | None]:
    """:func:`duration_figures` of ``count`` sorted durations summing to
    ``total``, the one of rank r being ``at(r)``, asked only for
    :func:`_needed_ranks`."""
    if not count:
        return {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
    middle = count // 2
    median = at(middle) if count % 2 else (at(middle - 1) + at(middle)) / 2
    return {
        "count": count,
        "mean": _seconds(total / count),
        "median": _seconds(median),
        "p90": _seconds(_percentile_at(count, at, 0.9)),
        "max": _seconds(at(count - 1)),
    }


#: Values per block when locating ranks among a table's groups (see below).
RANK_BLOCK = 4096
#: Groups a table may have for its groups to be marked one byte per value.
MARKABLE_GROUPS = 256


def _durations_by_cells(
    facts: Facts, metric: str, grouping: Grouping
) -> dict[Any, dict[str, float | int | None]] | None:
    """The duration figures of each group of cells, or None when there are
    too many groups to mark in bytes.

    The values stay sorted once for the whole report: each is marked with
    its group in a byte string, in which a group's k-th value is its k-th
    mark. Counting marks block by block finds the block holding a rank, and
    a few ``find`` calls the value, so no group's values are ever copied.
    Sums come from the cells.
    """
    kind, key_of = grouping
    cells = facts.cells(kind)[0]
    keys = list(dict.fromkeys(map(key_of, cells)))
    if len(keys) > MARKABLE_GROUPS:
        return None
    group = {key: index for index, key in enumerate(keys)}
    group_of_cell = bytes(group[key_of(cell)] for cell in cells)
    totals = [0] * len(keys)
    for cell, total in enumerate(facts.cell_sums(kind, metric)):
        totals[group_of_cell[cell]] += total
    _order, values = facts.by_duration(metric)
    marks = bytes(map(group_of_cell.__getitem__, facts.cells_by_duration(kind, metric)))
    starts = range(0, len(marks), RANK_BLOCK)
    result: dict[Any, dict[str, float | int | None]] = {}
    for index, key in enumerate(keys):
        mark = bytes((index,))
        per_block = [marks.count(mark, start, start + RANK_BLOCK) for start in starts]
        count = sum(per_block)
        at: dict[int, int] = {}
        before = 0  # this group's values in the blocks already passed
        block = 0
        for rank in sorted(_needed_ranks(count)):
            while before + per_block[block] <= rank:
                before += per_block[block]
                block += 1
            position = block * RANK_BLOCK - 1
            for _ in range(rank - before + 1):
                position = marks.find(mark, position + 1)
            at[rank] = values[position]
        result[key] = _duration_figures_at(count, totals[index], at.__getitem__)
    return result


def _distribute(
    keys: Sequence[Hashable], order: list[int], values: list[int]
) -> dict[Any, list[int]]:
    """Values split by key, each list still sorted (``values`` follow ``order``)."""
    if not order:
        return {}
    ordered_keys = itemgetter(*order)(keys) if len(order) > 1 else (keys[order[0]],)
    groups: dict[Any, list[int]] = {key: [] for key in set(ordered_keys)}
    appenders = {key: group.append for key, group in groups.items()}
    for key, value in zip(ordered_keys, values, strict=True):
        appenders[key](value)
    return groups


def _figures_by(
    facts: Facts,
    keys: Sequence[Hashable] | None,
    metrics: Sequence[tuple[str, str]] = DURATIONS,
    *,
    grouping: Grouping = ALL_OF,
) -> dict[Any, dict[str, Any]]:
    """Every figure of each group of legs sharing a key: ``keys`` has one per
    leg, or (``keys`` None) ``grouping`` gives the key of each cell's legs."""
    tallies: Tally[tuple[Any, int]] = Tally()
    kind, key_of = grouping
    if keys is not None:
        tallies.update(zip(keys, facts.profile, strict=True))
    else:
        cell_keys = list(map(key_of, facts.cells(kind)[0]))
        for (cell, profile), count in facts.cell_tally(kind).items():
            tallies[cell_keys[cell], profile] += count
    result: dict[Any, dict[str, Any]] = {}
    for (key, profile), count in tallies.items():
        state, is_first, is_accurate, within, score = _unpack(profile)
        figures = result.get(key)
        if figures is None:
            figures = result[key] = _empty_figures()
        figures["legs"] += count
        if is_first:
            figures["issued"] += count
        if state == DONE:
            figures["served"] += count
        elif state == NO_SHOW:
            figures["no_show"] += count
        elif state == CANCELLED:
            figures["cancelled"] += count
        elif state == TRANSFERRED:
            figures["transferred"] += count
        if not is_accurate:
            figures["inaccurate"] += count
        if within is not None:
            figures["_counted"] += count
            if within:
                figures["_within"] += count
        if score is not None:
            figures["rating_count"] += count
            figures["_score_sum"] += score * count
            figures["rating_distribution"][str(score)] += count
    for name, metric in metrics:
        order, values = facts.by_duration(metric)
        if len(result) == 1 and None in result:
            result[None][name] = duration_figures(values)
            continue
        grouped = None if keys is not None else _durations_by_cells(facts, metric, grouping)
        if grouped is not None:
            for key, figures in result.items():
                figures[name] = grouped.get(key) or duration_figures(())
            continue
        if keys is None:  # groups too many to mark: every leg's key
            keys = list(map(cell_keys.__getitem__, facts.cells(kind)[1]))
        groups = _distribute(keys, order, values)
        for key, figures in result.items():
            figures[name] = duration_figures(groups.get(key, ()))
    for figures in result.values():
        _finish_figures(figures, metrics)
    return result


def grouped_figures(facts: Facts, keys: Sequence[Hashable]) -> dict[Any, dict[str, Any]]:
    """Every figure of each group of legs sharing a key (one key per leg)."""
    own_columns = {
        id(facts.service): SERVICE_OF,
        id(facts.counter): COUNTER_OF,
        id(facts.clerk): CLERK_OF,
        id(facts.day): DAY_OF,
        id(facts.hour): HOUR_OF,
    }
    grouping = own_columns.get(id(keys))
    if grouping is not None:
        return _figures_by(facts, None, grouping=grouping)
    return _figures_by(facts, keys)


def _empty_figures() -> dict[str, Any]:
    return {
        "issued": 0,
        "legs": 0,
        "served": 0,
        "no_show": 0,
        "cancelled": 0,
        "transferred": 0,
        "inaccurate": 0,
        "_counted": 0,
        "_within": 0,
        "rating_count": 0,
        "_score_sum": 0,
        "rating_distribution": {str(level): 0 for level in range(1, 6)},
    }


def _finish_figures(figures: dict[str, Any], metrics: Sequence[tuple[str, str]]) -> None:
    counted = figures.pop("_counted")
    within = figures.pop("_within")
    score_sum = figures.pop("_score_sum")
    for name, _metric in DURATIONS:
        figures.setdefault(name, duration_figures(()))
    figures["service_level"] = round(within / counted, 4) if counted else None
    count = figures["rating_count"]
    figures["rating_mean"] = round(score_sum / count, 3) if count else None
    # Keep the order of API.md's summary: counts, durations, level, rating.
    ordered = {
        name: figures[name]
        for name in (
            "issued",
            "legs",
            "served",
            "no_show",
            "cancelled",
            "transferred",
            "inaccurate",
            "wait_s",
            "walk_s",
            "service_s",
            "service_level",
            "rating_count",
            "rating_mean",
            "rating_distribution",
        )
    }
    figures.clear()
    figures.update(ordered)


def figures(facts: Facts) -> dict[str, Any]:
    """The figures of all the legs together."""
    whole = _figures_by(facts, None)
    if None in whole:
        return whole[None]
    empty = _empty_figures()
    _finish_figures(empty, DURATIONS)
    return empty


def _rows(
    facts: Facts,
    grouping: Grouping,
    describe: Callable[[Any], dict[str, Any]],
    *,
    order: Callable[[Any], Any] = lambda key: (key is None, key),
    metrics: Sequence[tuple[str, str]] = DURATIONS,
) -> list[dict[str, Any]]:
    grouped = _figures_by(facts, None, metrics, grouping=grouping)
    return [{**describe(key), **grouped[key]} for key in sorted(grouped, key=order)]


def _names(session: Session, office: Office) -> dict[str, dict[int, Any]]:
    services = {
        row.id: row
        for row in session.execute(
            select(
                Service.id,
                Service.code,
                Service.name,
                Service.name_en,
                Service.sort_order,
                Service.target_wait_minutes,
            ).where(Service.office_id == office.id)
        )
    }
    counters = {
        row.id: row
        for row in session.execute(
            select(Counter.id, Counter.number, Counter.name).where(Counter.office_id == office.id)
        )
    }
    clerks = {
        row.id: row.display_name or row.username
        for row in session.execute(select(User.id, User.display_name, User.username))
    }
    return {"services": services, "counters": counters, "clerks": clerks}


def by_service(facts: Facts, names: dict[str, dict[int, Any]]) -> list[dict[str, Any]]:
    services = names["services"]
    return _rows(
        facts,
        SERVICE_OF,
        lambda key: {
            "service": services[key].code,
            "name": services[key].name,
            "name_en": services[key].name_en,
            "target_wait_s": services[key].target_wait_minutes * 60,
        },
        order=lambda key: (services[key].sort_order, key),
    )


def by_counter(facts: Facts, names: dict[str, dict[int, Any]]) -> list[dict[str, Any]]:
    counters = names["counters"]
    rows = _rows(
        facts,
        COUNTER_OF,
        lambda key: {
            "counter": key,
            "number": counters[key].number if key in counters else None,
            "name": counters[key].name if key in counters else "",
        },
        order=lambda key: (key is None, counters[key].number if key in counters else 0),
    )
    return [row for row in rows if row["counter"] is not None]


def by_clerk(facts: Facts, names: dict[str, dict[int, Any]]) -> list[dict[str, Any]]:
    clerks = names["clerks"]
    rows = _rows(
        facts,
        CLERK_OF,
        lambda key: {"clerk": key, "name": clerks.get(key, "")},
        order=lambda key: (key is None, str(clerks.get(key, "")).lower(), key),
    )
    return [row for row in rows if row["clerk"] is not None]


def by_hour(facts: Facts) -> list[dict[str, Any]]:
    return _rows(facts, HOUR_OF, lambda key: {"hour": key})


def by_day(facts: Facts) -> list[dict[str, Any]]:
    return _rows(facts, DAY_OF, lambda key: {"day": key.isoformat()})


def heatmap(facts: Facts) -> dict[str, Any]:
    """Arrivals (tickets issued) and waits by weekday (0 = Monday) and hour."""
    grouped = _figures_by(facts, None, (("wait_s", "wait"),), grouping=WEEKDAY_HOUR_OF)
    hours = sorted({hour for _weekday, hour in grouped})
    cells = [
        {
            "weekday": weekday,
            "hour": hour,
            "issued": figures["issued"],
            "wait_mean": figures["wait_s"]["mean"],
            "wait_median": figures["wait_s"]["median"],
        }
        for (weekday, hour), figures in sorted(grouped.items())
    ]
    return {"hours": hours, "cells": cells}


def _whole_summary(
    facts: Facts, names: dict[str, dict[int, Any]], filters: ReportFilter
) -> dict[str, Any]:
    office = facts.office
    return {
        "office": office.code,
        "from": facts.date_from.isoformat(),
        "to": facts.date_to.isoformat(),
        "filters": filters.as_dict(),
        **figures(facts),
        "by_service": by_service(facts, names),
        "by_counter": by_counter(facts, names),
        "by_clerk": by_clerk(facts, names),
        "by_hour": by_hour(facts),
    }


def summary(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, Any]:
    """The body of ``GET /api/v1/reports/summary``."""
    facts = load_facts(session, office, date_from, date_to, filters)
    return _whole_summary(facts, _names(session, office), filters)


def hourly(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, Any]:
    """The by-hour report: the table by hour of day and the weekday × hour
    heatmap of arrivals and waits."""
    facts = load_facts(session, office, date_from, date_to, filters)
    return {"by_hour": by_hour(facts), "heatmap": heatmap(facts)}


def satisfaction(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, Any]:
    """Low-score reasons and the newest low-score comments."""
    statement = (
        select(Rating.score, Rating.reasons, Rating.comment, Rating.created_at, Ticket.code)
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
            Rating.score <= LOW_SCORE,
            *_filter_conditions(session, office, filters),
        )
        .order_by(Rating.created_at.desc(), Rating.id.desc())
    )
    reasons: Tally[str] = Tally()
    comments: list[dict[str, Any]] = []
    for score, given, comment, created_at, code in session.execute(statement):
        reasons.update(given or [])
        if comment and len(comments) < LOW_SCORE_COMMENTS:
            comments.append(
                {
                    "score": score,
                    "code": code,
                    "comment": comment,
                    "at": iso(created_at, office.timezone),
                }
            )
    return {"reasons": dict(reasons.most_common()), "comments": comments}


def service_timing(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, int]:
    """How the service times of the served legs were measured: from *Start*
    ("start"), from the call where the clerk finished without *Start*
    ("call"), or not at all ("untimed": finished without *Start* where the
    office times only from *Start*). Legs closed at day end are left out."""
    rows = session.execute(
        select(Ticket.service_timed_from, func.count(Ticket.id))
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
            Ticket.state.in_((DONE, TRANSFERRED)),
            Ticket.is_time_accurate.is_(True),
            *_filter_conditions(session, office, filters),
        )
        .group_by(Ticket.service_timed_from)
    )
    counts = {"start": 0, "call": 0, "untimed": 0}
    for timed_from, count in rows:
        counts[timed_from if timed_from in counts else "untimed"] += count
    return counts


def full_report(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    *,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, Any]:
    """Everything the report page shows: the summary (as the API gives it),
    the tables by day, the heatmap and the satisfaction details."""
    facts = load_facts(session, office, date_from, date_to, filters)
    names = _names(session, office)
    return {
        **_whole_summary(facts, names, filters),
        "by_day": by_day(facts),
        "heatmap": heatmap(facts),
        "satisfaction": satisfaction(session, office, date_from, date_to, filters),
        "service_timing": service_timing(session, office, date_from, date_to, filters),
    }


# -- raw exports ---------------------------------------------------------------------

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
            *_filter_conditions(session, office, filters),
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


# -- offices side by side ------------------------------------------------------------

#: The figures of each office in a comparison, in the order of the table.
COMPARED = (
    "issued",
    "served",
    "no_show",
    "no_show_rate",
    "wait_mean_s",
    "wait_p90_s",
    "service_level",
    "rating_count",
    "rating_mean",
    "low_score_share",
)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of the same length that ends the day before ``date_from``."""
    length = date_to - date_from + timedelta(days=1)
    return date_from - length, date_from - timedelta(days=1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _compared(whole: dict[str, Any]) -> dict[str, Any]:
    low = sum(whole["rating_distribution"][str(score)] for score in range(1, LOW_SCORE + 1))
    return {
        "issued": whole["issued"],
        "served": whole["served"],
        "no_show": whole["no_show"],
        "no_show_rate": _share(whole["no_show"], whole["issued"]),
        "wait_mean_s": whole["wait_s"]["mean"],
        "wait_p90_s": whole["wait_s"]["p90"],
        "service_level": whole["service_level"],
        "rating_count": whole["rating_count"],
        "rating_mean": whole["rating_mean"],
        "low_score_share": _share(low, whole["rating_count"]),
    }


def _trend(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """Each figure's change from the previous period (None where either is unknown)."""
    return {
        name: None
        if now[name] is None or before[name] is None
        else round(now[name] - before[name], 4)
        for name in COMPARED
    }


def compare_offices(
    session: Session, offices: Sequence[Office], date_from: date, date_to: date
) -> dict[str, Any]:
    """The body of ``GET /api/v1/reports/offices``: each office's figures over
    the range, those of the previous period of the same length, and the
    change between them. Offices come in the order given."""
    previous_from, previous_to = previous_period(date_from, date_to)
    rows = []
    for office in offices:
        now = _compared(figures(load_facts(session, office, date_from, date_to)))
        before = _compared(figures(load_facts(session, office, previous_from, previous_to)))
        rows.append(
            {
                "office": office.code,
                "name": office.name,
                **now,
                "previous": before,
                "trend": _trend(now, before),
            }
        )
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "previous": {"from": previous_from.isoformat(), "to": previous_to.isoformat()},
        "offices": rows,
    }
