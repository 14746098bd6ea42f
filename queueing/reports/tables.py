"""The tables of a report: the summary, by service, counter, clerk, hour and
day, the heatmap, the satisfaction details, and offices side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import booking
from ..models import (
    APPOINTMENT_STATES,
    BOOKED,
    CHANNELS,
    MISSED,
    Appointment,
    Counter,
    Office,
    Rating,
    Service,
    Ticket,
    User,
)
from ..queries import iso
from . import packs
from .facts import (
    ACCURATE_BIT,
    LOW_SCORE,
    NO_DURATION,
    REASON_BITS,
    SCORE_SHIFT,
    SERVED,
    TIMED_CODES,
    TRANSFERRED_CODE,
    UNTIMED,
    Facts,
    read_live_offices,
    spans_of,
)
from .figures import Grouping, figures, grouped, interpolated, p90_ranks
from .filters import NO_FILTER, ReportFilter, filter_conditions, service_ids
from .reading import load_facts

#: Low-score comments listed in a report, newest first.
LOW_SCORE_COMMENTS = 30


def _rows(
    facts: Facts,
    grouping: Grouping,
    describe: Callable[[Any], dict[str, Any]],
    *,
    order: Callable[[Any], Any] = lambda key: (key is None, key),
) -> list[dict[str, Any]]:
    groups = grouped(facts, grouping)
    return [{**describe(key), **groups[key]} for key in sorted(groups, key=order)]


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
        Grouping.SERVICE,
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
        Grouping.COUNTER,
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
        Grouping.CLERK,
        lambda key: {"clerk": key, "name": clerks.get(key, "")},
        order=lambda key: (key is None, str(clerks.get(key, "")).lower(), key),
    )
    return [row for row in rows if row["clerk"] is not None]


def by_hour(facts: Facts) -> list[dict[str, Any]]:
    return _rows(facts, Grouping.HOUR, lambda key: {"hour": key})


def by_channel(facts: Facts) -> list[dict[str, Any]]:
    """The legs by how their tickets came (kiosk, counter, booking, API)."""
    return _rows(
        facts,
        Grouping.CHANNEL,
        lambda key: {"channel": key},
        order=lambda key: CHANNELS.index(key),
    )


def bookings(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    filters: ReportFilter = NO_FILTER,
) -> dict[str, int]:
    """The bookings for the range's days by what became of them: checked in,
    cancelled, missed, or still booked (a booking past its late window that
    the background loop has not marked yet counts as missed). ``made`` is
    all of them; ``booked`` those still to come."""
    conditions = [
        Appointment.office_id == office.id,
        Appointment.service_day >= date_from,
        Appointment.service_day <= date_to,
    ]
    if filters.services:
        conditions.append(
            Appointment.service_id.in_(service_ids(session, office, filters.services))
        )
    now = datetime.now(UTC)
    counts = dict.fromkeys(APPOINTMENT_STATES, 0)
    rows = session.execute(
        select(Appointment.state, Appointment.start, func.count(Appointment.id))
        .where(*conditions)
        .group_by(Appointment.state, Appointment.start)
    ).all()
    for state, start, count in rows:
        if state == BOOKED and booking.is_missed(start, now, office.check_in_late_minutes):
            state = MISSED
        counts[state] += count
    return {"made": sum(counts.values()), **counts}


def by_day(facts: Facts) -> list[dict[str, Any]]:
    return _rows(facts, Grouping.DAY, lambda key: {"day": key.isoformat()})


def heatmap(facts: Facts) -> dict[str, Any]:
    """Arrivals (tickets issued) and waits by weekday (0 = Monday) and hour."""
    groups = grouped(facts, Grouping.WEEKDAY_HOUR, (("wait_s", "wait"),))
    hours = sorted({hour for _weekday, hour in groups})
    cells = [
        {
            "weekday": weekday,
            "hour": hour,
            "issued": figures["issued"],
            "wait_mean": figures["wait_s"]["mean"],
            "wait_median": figures["wait_s"]["median"],
        }
        for (weekday, hour), figures in sorted(groups.items())
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
    *,
    facts: Facts | None = None,
) -> dict[str, Any]:
    """Low-score reasons (counted from the legs, ``facts`` when given) and
    the newest low-score comments."""
    if facts is None:
        facts = load_facts(session, office, date_from, date_to, filters)
    score = facts.columns["profile"].astype(np.int32) >> SCORE_SHIFT
    low = (score > 0) & (score <= LOW_SCORE)
    ticked = facts.columns["reasons"][low]
    counts = {reason: int(np.count_nonzero(ticked & bit)) for reason, bit in REASON_BITS.items()}
    reasons = dict(sorted(((r, n) for r, n in counts.items() if n), key=lambda item: -item[1]))
    statement = (
        select(Rating.score, Rating.comment, Rating.created_at, Ticket.code)
        .select_from(Rating)
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(
            Rating.score <= LOW_SCORE,
            Rating.comment != "",
            Ticket.office_id == office.id,
            Ticket.service_day >= date_from,
            Ticket.service_day <= date_to,
            *filter_conditions(session, office, filters),
        )
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(LOW_SCORE_COMMENTS)
    )
    comments = [
        {"score": score, "code": code, "comment": comment, "at": iso(created_at, office.timezone)}
        for score, comment, created_at, code in session.execute(statement)
    ]
    return {"reasons": reasons, "comments": comments}


def service_timing(facts: Facts) -> dict[str, int]:
    """How the service times of the served legs were measured: from *Start*
    ("start"), from the call where the clerk finished without *Start*
    ("call"), or not at all ("untimed": finished without *Start* where the
    office times only from *Start*). Legs closed at day end are left out."""
    profile = facts.columns["profile"].astype(np.int32)
    state = profile & 7
    served = ((state == SERVED) | (state == TRANSFERRED_CODE)) & ((profile & ACCURATE_BIT) != 0)
    timed = facts.columns["timed"][served]
    return {
        "start": int(np.count_nonzero(timed == TIMED_CODES["start"])),
        "call": int(np.count_nonzero(timed == TIMED_CODES["call"])),
        "untimed": int(np.count_nonzero(timed == UNTIMED)),
    }


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
        "by_channel": by_channel(facts),
        "bookings": bookings(session, office, date_from, date_to, filters),
        "heatmap": heatmap(facts),
        "satisfaction": satisfaction(session, office, date_from, date_to, filters, facts=facts),
        "service_timing": service_timing(facts),
    }


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


def _offices_figures(
    session: Session, offices: Sequence[Office], date_from: date, date_to: date
) -> dict[int, dict[str, Any]]:
    """The compared figures of each office over a range: the counts of its
    packed days added up, their waits read alone from the packs, and the
    other days' legs read live."""
    office_ids = [office.id for office in offices]
    totals = {office_id: dict.fromkeys(packs.COUNTED, 0) for office_id in office_ids}
    waits: dict[int, list[np.ndarray]] = {office_id: [] for office_id in office_ids}
    packed: dict[int, set[date]] = {office_id: set() for office_id in office_ids}
    for row in packs.packed_counts(session, office_ids, date_from, date_to):
        packed[row.office_id].add(row.service_day)
        counts = totals[row.office_id]
        for name in packs.COUNTED:
            counts[name] += getattr(row, name)
        waits[row.office_id].append(np.frombuffer(row.waits, np.int32))
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    spans = [
        (office_id, first, last)
        for office_id in office_ids
        for first, last in spans_of([day for day in days if day not in packed[office_id]])
    ]
    live = read_live_offices(session, spans)
    for office_id in office_ids:
        mine = live["office"] == office_id
        if mine.any():
            columns = {"profile": live["profile"][mine], "wait": live["wait"][mine]}
            for name, value in packs.day_counts(columns).items():
                if name in totals[office_id]:
                    totals[office_id][name] += value
            waits[office_id].append(columns["wait"])
    return {office_id: _compared(totals[office_id], waits[office_id]) for office_id in office_ids}


def _compared(totals: dict[str, int], waits: list[np.ndarray]) -> dict[str, Any]:
    values = np.concatenate(waits) if waits else np.zeros(0, np.int32)
    values = values[values != NO_DURATION].astype(np.int64)
    p90 = None
    if len(values):
        ranks, uppers, weight = p90_ranks(len(values))
        low, high = int(ranks), int(uppers)
        low_value, high_value = np.partition(values, [low, high])[[low, high]]
        p90 = round(float(interpolated(low_value, high_value, weight)) / 1000, 3)
    wait_count, issued, rated = totals["wait_count"], totals["issued"], totals["rating_count"]
    return {
        "issued": issued,
        "served": totals["served"],
        "no_show": totals["no_show"],
        "no_show_rate": _share(totals["no_show"], issued),
        "wait_mean_s": round(totals["wait_sum_ms"] / wait_count / 1000, 3) if wait_count else None,
        "wait_p90_s": p90,
        "service_level": _share(totals["within"], totals["counted"]),
        "rating_count": rated,
        "rating_mean": round(totals["score_sum"] / rated, 3) if rated else None,
        "low_score_share": _share(totals["low_scores"], rated),
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
    current = _offices_figures(session, offices, date_from, date_to)
    earlier = _offices_figures(session, offices, previous_from, previous_to)
    rows = []
    for office in offices:
        now, before = current[office.id], earlier[office.id]
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
