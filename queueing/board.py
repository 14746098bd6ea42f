"""The manager's live board: the office at this moment, and today so far.

Everything is computed from the tables at ``now`` (the board re-reads it on
every change and every few seconds, so waits grow while nothing happens).
Today's figures come from :mod:`queueing.reports`, so the board and the
reports agree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import displays, operations, reports, rules
from .models import (
    CALLED,
    COUNTER_OPEN,
    COUNTER_PAUSED,
    PARKED,
    PRIORITY_NONE,
    SERVING,
    WAITING,
    Counter,
    Display,
    Office,
    Service,
    Ticket,
    User,
)
from .queries import QueueView, iso


def _seconds(start: datetime | None, now: datetime) -> float | None:
    if start is None:
        return None
    return round(max((now - start).total_seconds(), 0.0), 1)


#: Who works an open counter: a clerk's terminal, a keypad or API client, or
#: nobody (the terminal has missed its beats; the counter pauses itself
#: once the office's grace period is over).
TERMINAL = "terminal"
KEYPAD = "keypad"
UNATTENDED = "nobody"


def _worked_by(counter: Counter, now: datetime) -> str | None:
    if counter.state != COUNTER_OPEN:
        return None
    if counter.terminal_seen_at is None:
        return KEYPAD
    silent_s = (now - counter.terminal_seen_at).total_seconds()
    return UNATTENDED if silent_s > 2 * operations.TERMINAL_BEAT_SECONDS else TERMINAL


def board(session: Session, office: Office, now: datetime) -> dict[str, Any]:
    """The body of ``GET /manager/board.json``."""
    today = rules.service_day(now, office.timezone)
    facts = reports.load_facts(session, office, today, today)
    today_by_service = reports.grouped(facts, reports.Grouping.SERVICE)
    today_by_counter = reports.grouped(facts, reports.Grouping.COUNTER)
    overall = reports.figures(facts)

    open_rows = session.execute(
        select(
            Ticket.id,
            Ticket.service_id,
            Ticket.state,
            Ticket.code,
            Ticket.priority,
            Ticket.channel,
            Ticket.issued_at,
            Ticket.counter_id,
            Ticket.first_called_at,
            Ticket.started_at,
        ).where(Ticket.office_id == office.id, Ticket.state.in_((WAITING, PARKED, CALLED, SERVING)))
    ).all()
    waiting: dict[int, list[Any]] = defaultdict(list)
    parked: dict[int, int] = defaultdict(int)
    for row in open_rows:
        if row.state == WAITING:
            waiting[row.service_id].append(row)
        elif row.state == PARKED:
            parked[row.service_id] += 1
    view = QueueView(session, office, now)
    services = []
    alerts = []
    for service in session.scalars(
        select(Service)
        .where(Service.office_id == office.id)
        .order_by(Service.sort_order, Service.id)
    ):
        line = waiting.get(service.id, [])
        if not service.is_active and not line:
            continue
        oldest = min(line, key=lambda row: (row.issued_at, row.id)) if line else None
        longest = _seconds(oldest.issued_at, now) if oldest is not None else None
        target_s = service.target_wait_minutes * 60
        over_target = [row for row in line if (now - row.issued_at).total_seconds() > target_s]
        day = today_by_service.get(service.id)
        figures = view.figures(service.id)
        new_ticket = view.new_ticket_place(service.id)
        services.append(
            {
                "code": service.code,
                "name": service.name,
                "name_en": service.name_en,
                "is_active": service.is_active,
                "waiting": len(line),
                "priority_waiting": sum(1 for row in line if row.priority != PRIORITY_NONE),
                "parked": parked.get(service.id, 0),
                "longest_wait_s": longest,
                "longest_code": oldest.code if oldest is not None else None,
                "people_ahead": new_ticket.position,
                "estimated_wait_s": new_ticket.wait_s(now),
                "open_counters": figures.open_counters,
                "target_wait_s": target_s,
                "over_target": len(over_target),
                "served_today": day["served"] if day else 0,
                "no_show_today": day["no_show"] if day else 0,
                "issued_today": day["issued"] if day else 0,
                "wait_mean_today_s": day["wait_s"]["mean"] if day else None,
                "service_level_today": day["service_level"] if day else None,
            }
        )
        if line and figures.open_counters == 0:
            alerts.append(
                {
                    "kind": "no_staffed_counter",
                    "service": service.code,
                    "service_name": service.name,
                    "service_name_en": service.name_en,
                    "count": len(line),
                }
            )
        if over_target:
            alerts.append(
                {
                    "kind": "wait_over_target",
                    "service": service.code,
                    "service_name": service.name,
                    "service_name_en": service.name_en,
                    "code": oldest.code if oldest is not None else None,
                    "count": len(over_target),
                    "waited_s": longest,
                    "target_s": target_s,
                }
            )

    clerk_names = {
        row.id: row.display_name or row.username
        for row in session.execute(select(User.id, User.display_name, User.username))
    }
    current = {row.counter_id: row for row in open_rows if row.state in (CALLED, SERVING)}
    counters = []
    pause_limit_s = office.pause_alert_minutes * 60
    for counter in session.scalars(
        select(Counter).where(Counter.office_id == office.id).order_by(Counter.number)
    ):
        ticket = current.get(counter.id) if counter.current_ticket_id is not None else None
        since = _seconds(counter.state_changed_at, now)
        busy_since = None
        if ticket is not None:
            busy_since = ticket.started_at or ticket.first_called_at
        day = today_by_counter.get(counter.id)
        heard_s = _seconds(counter.terminal_seen_at, now)
        counters.append(
            {
                "id": counter.id,
                "number": counter.number,
                "name": counter.name,
                "state": counter.state,
                "pause_reason": counter.pause_reason,
                "state_for_s": since,
                "clerk": clerk_names.get(counter.clerk_id) if counter.clerk_id else None,
                "worked_by": _worked_by(counter, now),
                "terminal_heard_s": heard_s,
                "ticket": ticket.code if ticket is not None else None,
                "ticket_state": ticket.state if ticket is not None else None,
                "ticket_channel": ticket.channel if ticket is not None else None,
                "ticket_for_s": _seconds(busy_since, now),
                "served_today": day["served"] if day else 0,
                "service_mean_today_s": day["service_s"]["mean"] if day else None,
            }
        )
        if _worked_by(counter, now) == UNATTENDED:
            alerts.append(
                {
                    "kind": "counter_unattended",
                    "counter": counter.id,
                    "number": counter.number,
                    "name": counter.name,
                    "clerk": clerk_names.get(counter.clerk_id) if counter.clerk_id else None,
                    "silent_s": heard_s,
                    "grace_s": office.terminal_grace_minutes * 60,
                }
            )
        if counter.state == COUNTER_PAUSED and since is not None and since > pause_limit_s:
            alerts.append(
                {
                    "kind": "counter_paused_too_long",
                    "counter": counter.id,
                    "number": counter.number,
                    "name": counter.name,
                    "reason": counter.pause_reason,
                    "paused_s": since,
                    "limit_s": pause_limit_s,
                }
            )

    return {
        "office": {"code": office.code, "name": office.name, "name_en": office.name_en},
        "day": today.isoformat(),
        "generated_at": iso(now, office.timezone),
        "totals": {
            "waiting": sum(len(line) for line in waiting.values()),
            "issued": overall["issued"],
            "served": overall["served"],
            "no_show": overall["no_show"],
            "cancelled": overall["cancelled"],
            "wait_mean_s": overall["wait_s"]["mean"],
            "wait_median_s": overall["wait_s"]["median"],
            "service_mean_s": overall["service_s"]["mean"],
            "service_level": overall["service_level"],
            "rating_mean": overall["rating_mean"],
        },
        "pause_alert_s": pause_limit_s,
        "services": services,
        "counters": counters,
        "displays": _displays(session, office, now),
        "alerts": alerts,
    }


def _displays(session: Session, office: Office, now: datetime) -> list[dict[str, Any]]:
    """Each configured display's loudspeaker, as it last reported it."""
    rows = session.scalars(
        select(Display).where(Display.office_id == office.id).order_by(Display.id)
    )
    return [
        {
            "id": display.id,
            "name": display.name,
            "sound": displays.sound_of(display, now),
            "voice": display.voice_in_use,
            "last_seen_at": iso(display.last_seen_at, office.timezone),
        }
        for display in rows
    ]
