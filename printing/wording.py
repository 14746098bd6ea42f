"""The words printed on a ticket, in Vietnamese and English.

Kept apart from the drawing code so that the phrasing (which follows the
shared glossary) can be read and checked without thinking about pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

SUPPORTED_LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

PRIORITY_NONE = "none"
PRIORITY_OTHER = "other"
#: The channel of a ticket checked in from a booking (queueing.models).
CHANNEL_BOOKING = "booking"


@dataclass(frozen=True)
class TicketWording:
    """Every fixed phrase of the paper ticket in one language."""

    your_number: str
    people_ahead: str
    wait_about_one_minute: str
    wait_about_minutes: str
    wait_under_one_minute: str
    wait_unknown: str
    priority: str
    priority_groups: dict[str, str]
    #: The line that marks a ticket checked in from a booking.
    booking: str
    qr_hint: str
    footer: str


VIETNAMESE = TicketWording(
    your_number="Số thứ tự của bạn",
    people_ahead="Số người đang chờ trước bạn: {count}",
    wait_about_one_minute="Thời gian chờ dự kiến: khoảng 1 phút",
    wait_about_minutes="Thời gian chờ dự kiến: khoảng {minutes} phút",
    wait_under_one_minute="Thời gian chờ dự kiến: dưới 1 phút",
    wait_unknown="Chưa có quầy nào đang mở phục vụ lĩnh vực này, chưa ước tính được thời gian chờ",
    priority="Ưu tiên",
    priority_groups={
        "elderly": "Người cao tuổi",
        "disability": "Người khuyết tật",
        "pregnancy": "Phụ nữ mang thai",
        "small_child": "Người đi cùng trẻ nhỏ",
        "merit": "Người có công với cách mạng",
    },
    booking="Đặt lịch hẹn",
    qr_hint="Quét mã để theo dõi lượt của bạn",
    footer="Vui lòng chú ý màn hình và loa gọi số",
)

ENGLISH = TicketWording(
    your_number="Your number",
    people_ahead="People ahead of you: {count}",
    wait_about_one_minute="Estimated wait: about 1 minute",
    wait_about_minutes="Estimated wait: about {minutes} minutes",
    wait_under_one_minute="Estimated wait: under 1 minute",
    wait_unknown="No counter serving this service is open now: the wait cannot be estimated",
    priority="Priority",
    priority_groups={
        "elderly": "Elderly",
        "disability": "Person with disability",
        "pregnancy": "Pregnant woman",
        "small_child": "With a small child",
        "merit": "Person of merit",
    },
    booking="Booking",
    qr_hint="Scan to follow your turn",
    footer="Please watch the screen and listen for your number",
)

WORDING_BY_LANGUAGE = {"vi": VIETNAMESE, "en": ENGLISH}


def normalise_language(language: str | None) -> str:
    """Reduce a language tag such as ``en-GB`` to one the ticket speaks.

    An unknown language falls back to Vietnamese rather than failing: a
    ticket in the office's own language is better than no ticket at all.
    """
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in WORDING_BY_LANGUAGE else DEFAULT_LANGUAGE


def wording_for(language: str | None) -> TicketWording:
    """The phrases for ``language`` (see :func:`normalise_language`)."""
    return WORDING_BY_LANGUAGE[normalise_language(language)]


def people_ahead_text(count: int, wording: TicketWording) -> str:
    """``Số người đang chờ trước bạn: 7``."""
    return wording.people_ahead.format(count=count)


def wait_minutes_on_paper(estimated_wait_s: float) -> int:
    """Whole minutes to print for an estimated wait, rounded up.

    Rounding up keeps the promise on paper conservative (nobody is told
    "5 minutes" for 5 min 20 s); 0 means "under one minute". The API keeps
    the exact seconds; only the paper rounds.
    """
    if estimated_wait_s < 60:
        return 0
    return math.ceil(estimated_wait_s / 60)


def estimated_wait_text(estimated_wait_s: float | None, wording: TicketWording) -> str:
    """``Thời gian chờ dự kiến: khoảng 15 phút`` or ``... dưới 1 phút``; with
    no estimate (no open counter can call the ticket), says so."""
    if estimated_wait_s is None:
        return wording.wait_unknown
    minutes = wait_minutes_on_paper(estimated_wait_s)
    if minutes == 0:
        return wording.wait_under_one_minute
    if minutes == 1:
        return wording.wait_about_one_minute
    return wording.wait_about_minutes.format(minutes=minutes)


def priority_text(priority: str | None, wording: TicketWording) -> str | None:
    """``Ưu tiên: Người cao tuổi``; ``Ưu tiên`` alone for "other"; None for no priority.

    A category this printer does not know yet is still printed as a plain
    priority, so a citizen entitled to go first is never shown as ordinary.
    """
    if not priority or priority == PRIORITY_NONE:
        return None
    group_name = wording.priority_groups.get(priority)
    if group_name is None:
        return wording.priority
    return f"{wording.priority}: {group_name}"


def booking_text(channel: str | None, wording: TicketWording) -> str | None:
    """``Đặt lịch hẹn`` for a ticket checked in from a booking, else None."""
    return wording.booking if channel == CHANNEL_BOOKING else None


def issued_at_text(issued_at: str) -> str:
    """``dd/mm/yyyy HH:MM`` in the UTC offset the timestamp carries.

    The API gives times in the office's own offset, which is the clock the
    citizen sees on the wall, so no conversion happens here.
    """
    return datetime.fromisoformat(issued_at).strftime("%d/%m/%Y %H:%M")
