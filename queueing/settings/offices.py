"""An office's settings: its name, hours, holidays and queue rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..models import SERVICE_STARTS, Office
from ..operations import Actor, record
from .common import (
    ADDRESS_MAX,
    TICKER_MAX,
    apply_changes,
    check_clock,
    check_code,
    check_flag,
    check_text,
    check_timezone,
    check_whole,
    jsonable,
    record_changes,
    refuse_unknown_fields,
)

#: Bounds of the office's numeric settings: (lowest, highest).
OFFICE_LIMITS = {
    "priority_ratio": (0, 20),
    "recall_limit": (0, 10),
    "no_show_return_minutes": (0, 480),
    "default_service_seconds": (30, 7200),
    "pause_alert_minutes": (1, 480),
    "terminal_grace_minutes": (1, 120),
    "booking_horizon_days": (0, 365),
    "check_in_early_minutes": (0, 240),
    "check_in_late_minutes": (0, 240),
}


def check_opening_hours(value: Any) -> dict[str, list[list[str]]]:
    """Weekday ("0" = Monday … "6" = Sunday) → sorted, non-overlapping
    ["HH:MM", "HH:MM"] periods; weekdays without periods are closed."""
    if not isinstance(value, Mapping):
        raise Invalid("opening hours must map weekdays to periods", "invalid_opening_hours")
    result: dict[str, list[list[str]]] = {}
    for weekday, periods in value.items():
        if weekday not in {str(day) for day in range(7)}:
            raise Invalid(f"unknown weekday {weekday!r}", "invalid_opening_hours")
        checked = []
        for period in periods or []:
            if not isinstance(period, list | tuple) or len(period) != 2:
                raise Invalid("a period is [start, end]", "invalid_opening_hours")
            start, end = (check_clock(part, "opening hours") for part in period)
            if start is None or end is None or start >= end:
                raise Invalid(
                    f"the period {period[0]}–{period[1]} must end after it starts",
                    "invalid_opening_hours",
                )
            checked.append([start, end])
        checked.sort()
        for earlier, later in pairwise(checked):
            if later[0] < earlier[1]:
                raise Invalid(
                    f"the periods {earlier[0]}–{earlier[1]} and {later[0]}–{later[1]} overlap",
                    "invalid_opening_hours",
                )
        if checked:
            result[weekday] = checked
    return dict(sorted(result.items()))


def check_holidays(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise Invalid("holidays must be a list of dates", "invalid_holidays")
    days = set()
    for item in value:
        try:
            days.add(date.fromisoformat(str(item)).isoformat())
        except ValueError:
            raise Invalid(f"{item!r} is not a date as YYYY-MM-DD", "invalid_holidays") from None
    return sorted(days)


# -- offices -------------------------------------------------------------------------

OFFICE_FIELDS = (
    "name",
    "name_en",
    "address",
    "timezone",
    "opening_hours",
    "holidays",
    "ticker_message",
    "is_transfer_to_head",
    "is_issuing_without_counter",
    "is_one_booking_per_phone",
    "service_starts_at",
    *OFFICE_LIMITS,
)


def _office_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(fields, (*OFFICE_FIELDS, "code"))
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "code":
            continue
        if name == "name":
            values[name] = check_text(value, "name", required=True)
        elif name == "name_en":
            values[name] = check_text(value, "name_en")
        elif name == "address":
            values[name] = check_text(value, "address", limit=ADDRESS_MAX)
        elif name == "timezone":
            values[name] = check_timezone(value)
        elif name == "opening_hours":
            values[name] = check_opening_hours(value)
        elif name == "holidays":
            values[name] = check_holidays(value)
        elif name == "ticker_message":
            values[name] = check_text(value, "ticker_message", limit=TICKER_MAX)
        elif name in (
            "is_transfer_to_head",
            "is_issuing_without_counter",
            "is_one_booking_per_phone",
        ):
            values[name] = check_flag(value, name)
        elif name == "service_starts_at":
            if value not in SERVICE_STARTS:
                raise Invalid(
                    f"service_starts_at must be one of {', '.join(SERVICE_STARTS)}",
                    "invalid_service_start",
                )
            values[name] = value
        else:
            low, high = OFFICE_LIMITS[name]
            values[name] = check_whole(value, name, low, high)
    return values


def create_office(
    session: Session, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Office:
    code = check_code(fields.get("code"))
    values = _office_values(fields)
    if "name" not in values:
        raise Invalid("name is required", "name_required")
    if session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise Invalid(f"the office code {code!r} is taken", "code_taken")
    office = Office(code=code, created_at=now, **values)
    session.add(office)
    session.flush()
    record(session, office.id, "office_created", now, actor, code=code, fields=jsonable(values))
    return office


def update_office(
    session: Session, office_id: int, fields: Mapping[str, Any], now: datetime, actor: Actor
) -> Office:
    if "code" in fields:
        raise Invalid("an office keeps its code", "code_fixed")
    values = _office_values(fields)
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound("no such office", "office_not_found")
    changes = apply_changes(office, values)
    record_changes(session, office.id, "office_updated", now, actor, changes)
    return office
