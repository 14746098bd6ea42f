"""A booking as an iCalendar file (RFC 5545), for "add to calendar".

A single event needs a handful of lines; no library of the project writes
iCalendar, so the three rules that matter are kept here: text values
escaped (section 3.3.11), lines folded at 75 octets (3.1), CRLF line ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: Octets of a content line before it must be folded (CRLF not counted).
LINE_OCTETS = 75
PRODUCT_ID = "-//Luot//Booking//VI"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    stamped_at: datetime
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    is_cancelled: bool = False


def escape_text(value: str) -> str:
    """A TEXT value: backslashes, semicolons and commas escaped, line ends
    written as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """The line cut into pieces of at most 75 octets, every piece after the
    first starting with a space; a UTF-8 character is never split."""
    pieces: list[str] = []
    current = ""
    room = LINE_OCTETS
    for character in line:
        size = len(character.encode("utf-8"))
        if len(current.encode("utf-8")) + size > room:
            pieces.append(current)
            current = ""
            # The leading space of a continuation counts against its octets.
            room = LINE_OCTETS - 1
        current += character
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_calendar(event: CalendarEvent) -> bytes:
    """A VCALENDAR holding the one VEVENT, as UTF-8 bytes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc_stamp(event.stamped_at)}",
        f"DTSTART:{utc_stamp(event.start)}",
        f"DTEND:{utc_stamp(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"STATUS:{'CANCELLED' if event.is_cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")
