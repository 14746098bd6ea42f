"""Closed days packed for the reports.

A pack holds one office-day's legs as the columns of :mod:`.facts`, one
after the other in a byte string, with the day's counts beside it. It is
written at day close and by the background loop for every closed day
without a sound pack, and read by every report over that day. A pack stays
sound while its day has seen no change since it was built (see
:mod:`.legs`), its layout is :data:`LAYOUT` and the services' targets are
those it counted the service level against; a report reads an unsound day
live, so no figure is ever stale.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Office, ReportDay, ReportDayChange, Service, Ticket
from . import facts as legs_facts
from .facts import (
    COLUMNS,
    FIRST_BIT,
    LOW_SCORE,
    MISSED,
    NO_DURATION,
    SCORE_SHIFT,
    SERVED,
    WITHIN_SHIFT,
    WITHIN_YES,
    read_live,
)

#: The layout of a pack's ``legs``: bump it when :data:`.facts.COLUMNS` change.
LAYOUT = 2
#: Days packed per office in one pass of the background loop.
DAYS_PER_PASS = 31
#: Closed days the background loop looks back on for days not yet packed.
RECENT_DAYS = 7
KEY = ("office_id", "service_day")
#: The counts of :func:`day_counts`, stored beside each pack.
COUNTED = (
    "issued",
    "served",
    "no_show",
    "counted",
    "within",
    "rating_count",
    "score_sum",
    "low_scores",
    "wait_count",
    "wait_sum_ms",
)
#: Bytes per leg of each column, and where the wait column starts (in legs).
_WIDTHS = [np.dtype(kind).itemsize for _name, kind in COLUMNS]
_WAIT_OFFSET = sum(_WIDTHS[: [name for name, _kind in COLUMNS].index("wait")])


def targets_keys(session: Session, office_ids: list[int]) -> dict[int, str]:
    """A digest of each office's services' targets: a pack counted against
    other targets is not sound."""
    rows = session.execute(
        select(Service.office_id, Service.id, Service.target_wait_minutes)
        .where(Service.office_id.in_(office_ids))
        .order_by(Service.office_id, Service.id)
    ).all()
    texts: dict[int, list[str]] = {office_id: [] for office_id in office_ids}
    for office_id, service_id, minutes in rows:
        texts[office_id].append(f"{service_id}:{minutes}")
    return {
        office_id: hashlib.sha256(";".join(text).encode()).hexdigest()
        for office_id, text in texts.items()
    }


def targets_key(session: Session, office: Office) -> str:
    return targets_keys(session, [office.id])[office.id]


def encode(columns: dict[str, np.ndarray]) -> bytes:
    return b"".join(
        np.ascontiguousarray(columns[name], dtype=kind).tobytes() for name, kind in COLUMNS
    )


def decode(blob: bytes, count: int, day: date) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    offset = 0
    for name, kind in COLUMNS:
        columns[name] = np.frombuffer(blob, kind, count, offset)
        offset += count * np.dtype(kind).itemsize
    columns["day"] = np.full(count, day.toordinal(), np.int32)
    return columns


def _sound(targets: dict[int, str]) -> Any:
    """The conditions under which a pack of these offices may be read, each
    office's services' targets being those given (:func:`targets_keys`)."""
    return and_(
        tuple_(ReportDay.office_id, ReportDay.targets).in_(list(targets.items())),
        ReportDay.layout == LAYOUT,
        ReportDay.built_from == func.coalesce(ReportDayChange.changes, 0),
    )


def _with_changes(statement: Any) -> Any:
    return statement.outerjoin(
        ReportDayChange,
        and_(
            ReportDayChange.office_id == ReportDay.office_id,
            ReportDayChange.service_day == ReportDay.service_day,
        ),
    )


def read_packs(
    session: Session, office: Office, date_from: date, date_to: date
) -> dict[date, dict[str, np.ndarray]]:
    """The sound packs of the office's days in the range, by day."""
    rows = session.execute(
        _with_changes(
            select(ReportDay.service_day, ReportDay.leg_count, ReportDay.legs).select_from(
                ReportDay
            )
        ).where(
            _sound(targets_keys(session, [office.id])),
            ReportDay.service_day >= date_from,
            ReportDay.service_day <= date_to,
        )
    ).all()
    return {day: decode(blob, count, day) for day, count, blob in rows}


def packed_counts(
    session: Session, office_ids: list[int], date_from: date, date_to: date
) -> list[Any]:
    """The counts of each sound pack of the offices in the range, with its
    office, day and wait column alone, cut out of the pack by the database."""
    if not office_ids:
        return []
    start = ReportDay.leg_count * _WAIT_OFFSET + 1
    waits = func.substr(ReportDay.legs, start, ReportDay.leg_count * np.dtype(np.int32).itemsize)
    statement = _with_changes(
        select(
            ReportDay.office_id,
            ReportDay.service_day,
            *(getattr(ReportDay, name) for name in COUNTED),
            waits.label("waits"),
        ).select_from(ReportDay)
    ).where(
        _sound(targets_keys(session, office_ids)),
        ReportDay.service_day >= date_from,
        ReportDay.service_day <= date_to,
    )
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return list(session.execute(statement))
    # PostgreSQL sends binary strings as hexadecimal text unless asked for
    # its binary format, which halves what crosses and skips the decoding.
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver = connection.connection.driver_connection
    with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute(str(compiled), compiled.params)
        names = [column.name for column in cursor.description or ()]
        return [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def day_counts(columns: dict[str, np.ndarray]) -> dict[str, int]:
    """The counts a comparison of offices adds up, of one day's legs."""
    profile = columns["profile"].astype(np.int32)
    state = profile & 7
    within = (profile >> WITHIN_SHIFT) & 3
    score = profile >> SCORE_SHIFT
    wait = columns["wait"].astype(np.int64)
    waited = wait != NO_DURATION
    return {
        "leg_count": len(profile),
        "issued": int(np.count_nonzero(profile & FIRST_BIT)),
        "served": int(np.count_nonzero(state == SERVED)),
        "no_show": int(np.count_nonzero(state == MISSED)),
        "counted": int(np.count_nonzero(within)),
        "within": int(np.count_nonzero(within == WITHIN_YES)),
        "rating_count": int(np.count_nonzero(score)),
        "score_sum": int(score.sum()),
        "low_scores": int(np.count_nonzero((score > 0) & (score <= LOW_SCORE))),
        "wait_count": int(np.count_nonzero(waited)),
        "wait_sum_ms": int(wait[waited].sum()),
    }


def pack_day(session: Session, office: Office, day: date, now: datetime) -> int:
    """Pack one closed day of the office (in a writing transaction); returns
    its number of legs."""
    built_from = session.scalar(
        select(ReportDayChange.changes).where(
            ReportDayChange.office_id == office.id, ReportDayChange.service_day == day
        )
    )
    # The change count is read before the legs: a change that lands in
    # between leaves the pack unsound, never stale.
    columns = read_live(session, office, [day])
    values = {
        "office_id": office.id,
        "service_day": day,
        "built_from": built_from or 0,
        "layout": LAYOUT,
        "targets": targets_key(session, office),
        "built_at": now,
        "legs": encode(columns),
        **day_counts(columns),
    }
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = upsert(ReportDay).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["office_id", "service_day"],
            set_={name: statement.excluded[name] for name in values if name not in KEY},
        )
    )
    return len(columns["service"])


def days_to_pack(session: Session, office: Office, *, everything: bool = False) -> list[date]:
    """Closed days of the office with legs and no sound pack, oldest first:
    the recent ones (or, with ``everything``, all of them) and every day
    changed since it was packed."""
    today = legs_facts.office_today(office)
    since = date.min if everything else today - timedelta(days=RECENT_DAYS)
    targets = targets_key(session, office)
    sound_days = _with_changes(select(ReportDay.service_day).select_from(ReportDay)).where(
        _sound({office.id: targets})
    )
    with_legs = (
        select(Ticket.service_day)
        .distinct()
        .where(
            Ticket.office_id == office.id,
            Ticket.service_day >= since,
            Ticket.service_day < today,
            Ticket.service_day.not_in(sound_days),
        )
    )
    changed = (
        select(ReportDayChange.service_day)
        .outerjoin(
            ReportDay,
            and_(
                ReportDay.office_id == ReportDayChange.office_id,
                ReportDay.service_day == ReportDayChange.service_day,
            ),
        )
        .where(
            ReportDayChange.office_id == office.id,
            ReportDayChange.service_day < today,
            or_(ReportDay.office_id.is_(None), ReportDay.built_from != ReportDayChange.changes),
        )
    )
    stale = select(ReportDay.service_day).where(
        ReportDay.office_id == office.id,
        or_(ReportDay.layout != LAYOUT, ReportDay.targets != targets),
    )
    days = set(session.scalars(with_legs)) | set(session.scalars(changed))
    days |= set(session.scalars(stale))
    return sorted(days)
