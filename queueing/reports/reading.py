"""A report's legs over a range of days: a closed day from its pack where
the pack is sound, every other day (today, a day not yet soundly packed)
read live; both give the same columns (:mod:`.facts`)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from ..models import CHANNELS, PRIORITY_NONE, Office
from .facts import PRIORITY_CODES, Facts, concatenate, office_today, read_live
from .filters import ANY_PRIORITY, NO_FILTER, ReportFilter, service_ids
from .packs import read_packs


def load_facts(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    filters: ReportFilter = NO_FILTER,
) -> Facts:
    """The legs of the office's days ``date_from`` to ``date_to`` (both
    included, in the office's timezone) that pass ``filters``."""
    today = office_today(office)
    last_closed = min(date_to, today - timedelta(days=1))
    packed = read_packs(session, office, date_from, last_closed) if date_from <= last_closed else {}
    parts = list(packed.values())
    if packed:
        unpacked = [
            day
            for day in (
                date_from + timedelta(days=offset)
                for offset in range((date_to - date_from).days + 1)
            )
            if day not in packed
        ]
        live = read_live(session, office, unpacked)
    else:
        live = read_live(session, office, (date_from, date_to))
    parts.append(live)
    facts = Facts(office=office, date_from=date_from, date_to=date_to)
    facts.columns = _filtered(session, office, concatenate(parts), filters)
    last_ordinal = last_closed.toordinal()
    facts.unpacked_days = [
        date.fromordinal(day) for day in np.unique(live["day"]).tolist() if day <= last_ordinal
    ]
    return facts


def _filtered(
    session: Session, office: Office, columns: dict[str, np.ndarray], filters: ReportFilter
) -> dict[str, np.ndarray]:
    if filters.is_empty:
        return columns
    keep = np.ones(len(columns["service"]), bool)
    if filters.services:
        keep &= np.isin(columns["service"], service_ids(session, office, filters.services))
    if filters.counters:
        keep &= np.isin(columns["counter"], filters.counters)
    if filters.clerks:
        keep &= np.isin(columns["clerk"], filters.clerks)
    if filters.channels:
        codes = [CHANNELS.index(channel) for channel in filters.channels]
        keep &= np.isin(columns["channel"], codes)
    if filters.priorities:
        wanted = set(filters.priorities)
        chosen = np.isin(
            columns["priority"],
            [PRIORITY_CODES.index(name) for name in wanted - {ANY_PRIORITY}],
        )
        if ANY_PRIORITY in wanted:
            chosen |= columns["priority"] != PRIORITY_CODES.index(PRIORITY_NONE)
        keep &= chosen
    return {name: column[keep] for name, column in columns.items()}
