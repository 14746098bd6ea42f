"""The calendar file's text rules (RFC 5545), on plain values."""

from __future__ import annotations

from datetime import UTC, datetime

from book.calendar import CalendarEvent, escape_text, event_calendar, fold


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text: CRLF followed by a space
    continues the line before."""
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def test_text_values_escape_backslashes_semicolons_commas_and_line_ends():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_a_short_line_is_not_folded():
    line = "SUMMARY:" + "x" * 67
    assert fold(line) == line


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "Giấy tờ cần chuẩn bị: tờ khai, căn cước công dân. " * 6
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 3
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    # The first piece fills its 75 octets as far as whole characters allow.
    assert len(pieces[0].encode("utf-8")) > 72
    assert folded.replace("\r\n ", "") == line


def test_the_calendar_holds_one_event_with_crlf_line_ends():
    event = CalendarEvent(
        uid="booking-ABCD2345@luot.test",
        stamped_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        start=datetime(2026, 11, 23, 3, 0, tzinfo=UTC),
        end=datetime(2026, 11, 23, 3, 15, tzinfo=UTC),
        summary="Lịch hẹn: Hộ tịch, khai sinh",
        location="UBND; phường",
        description="Mã: ABCD2345\nDòng hai",
        is_cancelled=True,
    )
    text = event_calendar(event).decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Lịch hẹn: Hộ tịch\\, khai sinh" in lines
    assert "LOCATION:UBND\\; phường" in lines
    assert "DESCRIPTION:Mã: ABCD2345\\nDòng hai" in lines
    assert "STATUS:CANCELLED" in lines
