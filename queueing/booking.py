"""The rules of booking ahead, on plain values: the slots of a day, which
starts may be booked, when a booking may be checked in, and booking codes.

A day's slots follow the office's opening hours for its weekday (every
period cut into slots of the service's length; a slot that would run past
the end of its period is not offered) and none on a holiday. Offices
without opening hours are open all day. Times are the office's wall clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Booking codes are typed on a kiosk's keyboard or read by a scanner: no
#: 0/O or 1/I to confuse.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: 8 characters of 32: 40 bits, against guessing at a rate-limited API.
CODE_LENGTH = 8
MINUTES_PER_DAY = 24 * 60
ALL_DAY = (("00:00", "24:00"),)


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str) -> str:
    """A code as typed or scanned, made comparable: upper case, without the
    spaces, dashes and line ends a person or a scanner may add."""
    return "".join(character for character in typed.upper() if character not in " -\t\r\n")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def day_slots(
    day: date,
    timezone: str,
    opening_hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: Iterable[str],
    slot_minutes: int,
) -> list[Slot]:
    """The slots of ``day`` for a service whose slots last ``slot_minutes``."""
    if slot_minutes <= 0 or day.isoformat() in set(holidays):
        return []
    periods = opening_hours.get(str(day.weekday()), []) if opening_hours else ALL_DAY
    midnight = datetime.combine(day, time(), ZoneInfo(timezone))
    slots: list[Slot] = []
    for opens, closes in sorted(periods, key=lambda period: _minutes(period[0])):
        start, end = _minutes(opens), min(_minutes(closes), MINUTES_PER_DAY)
        while start + slot_minutes <= end:
            slots.append(
                Slot(
                    midnight + timedelta(minutes=start),
                    midnight + timedelta(minutes=start + slot_minutes),
                )
            )
            start += slot_minutes
    return slots


def booking_refusal(
    start: datetime,
    now: datetime,
    slots: Sequence[Slot],
    horizon_days: int,
    timezone: str,
) -> str | None:
    """Why ``start`` cannot be booked now ("not_a_slot", "slot_past",
    "beyond_horizon"), or None. ``slots`` are those of ``start``'s day."""
    if all(slot.start != start for slot in slots):
        return "not_a_slot"
    if start <= now:
        return "slot_past"
    zone = ZoneInfo(timezone)
    if (start.astimezone(zone).date() - now.astimezone(zone).date()).days > horizon_days:
        return "beyond_horizon"
    return None


def check_in_refusal(
    start: datetime, now: datetime, early_minutes: int, late_minutes: int
) -> str | None:
    """Why a booking for ``start`` cannot be checked in now ("too_early",
    "too_late"), or None: from ``early_minutes`` before its start until
    ``late_minutes`` after it."""
    if now < check_in_opens(start, early_minutes):
        return "too_early"
    if is_missed(start, now, late_minutes):
        return "too_late"
    return None


def check_in_opens(start: datetime, early_minutes: int) -> datetime:
    """When a booking for ``start`` may first be checked in."""
    return start - timedelta(minutes=early_minutes)


def late_window(late_minutes: int) -> timedelta:
    return timedelta(minutes=late_minutes)


def is_missed(start: datetime, now: datetime, late_minutes: int) -> bool:
    """A booking not checked in is missed once its late window is over."""
    return now > start + late_window(late_minutes)
