"""The queue rules as pure functions of plain values and a given ``now``.

Nothing here touches the database or reads the clock, so every rule can be
read and tested on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .models import (
    CALLED,
    CANCELLED,
    DONE,
    NO_SHOW,
    PARKED,
    PRIORITY_NONE,
    SERVICE_STARTS_AT_CALL,
    SERVICE_STARTS_AT_START,
    SERVING,
    TRANSFERRED,
    WAITING,
)

#: What each action on a ticket requires of its state, and leads to.
TRANSITIONS: Mapping[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({WAITING, PARKED}), CALLED),
    "recall": (frozenset({CALLED, SERVING}), CALLED),
    "start": (frozenset({CALLED}), SERVING),
    "finish": (frozenset({CALLED, SERVING}), DONE),
    "no_show": (frozenset({CALLED}), NO_SHOW),
    "park": (frozenset({CALLED, SERVING}), PARKED),
    "transfer": (frozenset({CALLED, SERVING}), TRANSFERRED),
    "return": (frozenset({NO_SHOW, PARKED}), WAITING),
    "cancel": (frozenset({WAITING, PARKED, NO_SHOW}), CANCELLED),
}

#: States in which a ticket occupies its counter.
ACTIVE_AT_COUNTER = frozenset({CALLED, SERVING})

#: Samples below which the office's default service time is blended in.
THIN_HISTORY_SAMPLES = 5
#: Weight of the newest sample in the smoothed service time.
SMOOTHING_FACTOR = 0.3


def transition(state: str, action: str) -> str | None:
    """The state after ``action``, or None when the state does not allow it."""
    allowed_from, result = TRANSITIONS[action]
    if action == "recall" and state == SERVING:
        # Recalling someone already being served re-announces them; the
        # ticket stays with the clerk in service.
        return SERVING
    return result if state in allowed_from else None


def is_priority(category: str) -> bool:
    return category != PRIORITY_NONE


def number_for_sequence(
    sequence: int,
    start: int,
    end: int,
    is_wrapping: bool,
    *,
    previous: int | None = None,
    in_use: Collection[int] = frozenset(),
) -> int | None:
    """The printed number of the ``sequence``-th ticket of the day.

    The first round of the range follows the sequence. After it, a wrapping
    range goes on from ``previous`` (the number of the ticket before) and
    passes over the numbers ``in_use``: a number still held by an open
    ticket is never handed out twice, and a number just freed does not come
    back before the others have had their turn. None when every number is
    in use, or when the range is used up and does not wrap.
    """
    span = end - start + 1
    if sequence <= span:
        return start + sequence - 1
    if not is_wrapping:
        return None
    after = previous if previous is not None else start + (sequence - 2) % span
    for step in range(1, span + 1):
        number = start + (after - start + step) % span
        if number not in in_use:
            return number
    return None


def is_past_first_round(sequence: int, start: int, end: int) -> bool:
    """Whether the ``sequence``-th ticket of the day comes after the first
    round of the range: only then can its number still be in use."""
    return sequence > end - start + 1


def numbering_closed_reason(
    issued_today: int,
    daily_cap: int | None,
    start: int,
    end: int,
    is_wrapping: bool,
    in_use: Collection[int] = frozenset(),
) -> str | None:
    """Why a service can issue no more numbers today, after ``issued_today``,
    with the numbers ``in_use`` held by its open tickets."""
    if daily_cap is not None and issued_today >= daily_cap:
        return "daily_cap_reached"
    if number_for_sequence(issued_today + 1, start, end, is_wrapping, in_use=in_use) is None:
        return "numbers_exhausted"
    return None


def counter_closed_reason(open_counters: int, is_issuing_without_counter: bool) -> str | None:
    """ "no_open_counter" when no staffed counter serves the service and the
    office does not issue into such a line; a ticket nobody would call is
    never handed out without saying so."""
    if open_counters == 0 and not is_issuing_without_counter:
        return "no_open_counter"
    return None


def ticket_code(prefix: str, number: int, end: int) -> str:
    """The code as printed: the prefix and the number padded to the range."""
    width = len(str(end))
    return f"{prefix}{number:0{width}d}"


def service_day(now: datetime, timezone: str) -> date:
    """The office's local date at ``now``: numbering restarts at midnight."""
    return now.astimezone(ZoneInfo(timezone)).date()


def day_started_at(day: date, timezone: str) -> datetime:
    """The office's local midnight that begins ``day``."""
    return datetime.combine(day, time(), ZoneInfo(timezone))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def parse_clock(value: str) -> time | None:
    """A "HH:MM" string as a time, or None when it is not one."""
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        return None


def issuing_closed_reason(
    now: datetime,
    timezone: str,
    opening_hours: Mapping[str, Sequence[Sequence[str]]],
    holidays: Iterable[str],
    issue_from: str | None,
    issue_until: str | None,
) -> str | None:
    """Why no ticket can be issued now ("holiday", "office_closed",
    "outside_issuing_hours"), or None when issuing is open.
    """
    local = now.astimezone(ZoneInfo(timezone))
    if local.date().isoformat() in set(holidays):
        return "holiday"
    minute = local.hour * 60 + local.minute
    if opening_hours:
        periods = opening_hours.get(str(local.weekday()), [])
        if not any(_minutes(start) <= minute < _minutes(end) for start, end in periods):
            return "office_closed"
    if issue_from and minute < _minutes(issue_from):
        return "outside_issuing_hours"
    if issue_until and minute >= _minutes(issue_until):
        return "outside_issuing_hours"
    return None


def may_mark_no_show(call_count: int, recall_limit: int) -> bool:
    """A no-show needs ``recall_limit`` recalls after the first call."""
    return call_count - 1 >= recall_limit


def may_return_no_show(no_show_at: datetime, now: datetime, window_minutes: int) -> bool:
    return (now - no_show_at).total_seconds() <= window_minutes * 60


def smoothed_service_seconds(recent_oldest_first: Sequence[float], default: float) -> float:
    """An exponentially smoothed service time, leaning on ``default`` while
    fewer than ``THIN_HISTORY_SAMPLES`` services have been timed.
    """
    if not recent_oldest_first:
        return float(default)
    smoothed = float(recent_oldest_first[0])
    for sample in recent_oldest_first[1:]:
        smoothed = SMOOTHING_FACTOR * float(sample) + (1 - SMOOTHING_FACTOR) * smoothed
    count = len(recent_oldest_first)
    if count >= THIN_HISTORY_SAMPLES:
        return smoothed
    weight = count / THIN_HISTORY_SAMPLES
    return weight * smoothed + (1 - weight) * float(default)


def service_start(
    started_at: datetime | None, last_called_at: datetime | None, service_starts_at: str
) -> tuple[datetime | None, str | None]:
    """When a finished ticket's service began, and what marks it.

    *Start* marks it when pressed. A ticket finished straight from its call
    began at its (last) call where the office says service starts at the
    call; where only *Start* starts a service, it has no service time,
    rather than a false 0 s.
    """
    if started_at is not None:
        return started_at, SERVICE_STARTS_AT_START
    if service_starts_at == SERVICE_STARTS_AT_CALL and last_called_at is not None:
        return last_called_at, SERVICE_STARTS_AT_CALL
    return None, None


#: The display's greeting when the office has written no ticker text.
TICKER_GREETING = "Kính chào quý khách. Vui lòng chú ý màn hình và loa gọi số."
WEEKDAY_WORDS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _clock_words(clock: str) -> str:
    """``07:30`` as ``7 giờ 30``, ``17:00`` as ``17 giờ``."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return f"{hours} giờ {minutes:02d}" if minutes else f"{hours} giờ"


def hours_sentence(opening_hours: Mapping[str, Sequence[Sequence[str]]]) -> str:
    """The office's opening hours as the display says them: weekdays with
    the same periods run together, closed days left out."""
    if not opening_hours:
        return "Đơn vị làm việc cả ngày, tất cả các ngày trong tuần."
    runs: list[tuple[int, int, str]] = []
    for day in range(7):
        periods = opening_hours.get(str(day), [])
        if not periods:
            continue
        text = ", ".join(
            f"{_clock_words(start)} – {_clock_words(end)}"
            for start, end in sorted(periods, key=lambda period: _minutes(period[0]))
        )
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    if not runs:
        return ""
    parts = []
    for first, last, text in runs:
        days = (
            WEEKDAY_WORDS[first]
            if first == last
            else (f"{WEEKDAY_WORDS[first]} đến {WEEKDAY_WORDS[last]}")
        )
        parts.append(f"{days}: {text}")
    return "Giờ làm việc " + "; ".join(parts) + "."


def default_ticker(opening_hours: Mapping[str, Sequence[Sequence[str]]]) -> str:
    """The ticker of an office that has written none: a greeting and its
    real opening hours."""
    return f"{TICKER_GREETING} {hours_sentence(opening_hours)}".strip()
