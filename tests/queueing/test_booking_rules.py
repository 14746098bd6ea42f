"""Booking rules on plain values: slots, which starts may be booked, the
check-in window and codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queueing import booking

ZONE = "Asia/Ho_Chi_Minh"
HOURS = {
    "0": [["07:30", "11:30"], ["13:30", "17:00"]],  # Monday
    "5": [["07:30", "11:30"]],  # Saturday
}
MONDAY = date(2026, 11, 30)


def local(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


def test_a_day_is_cut_into_whole_slots_within_each_period():
    slots = booking.day_slots(MONDAY, ZONE, HOURS, [], 45)
    starts = [(slot.start.hour, slot.start.minute) for slot in slots]
    # 07:30-11:30 holds five 45-minute slots (the sixth would end at 12:00);
    # 13:30-17:00 holds four (the fifth would end at 17:15).
    assert starts == [
        (7, 30), (8, 15), (9, 0), (9, 45), (10, 30),
        (13, 30), (14, 15), (15, 0), (15, 45),
    ]  # fmt: skip
    assert all(slot.end - slot.start == timedelta(minutes=45) for slot in slots)
    assert slots[0].start == datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def test_a_slot_ending_a_minute_after_closing_is_not_offered():
    slots = booking.day_slots(MONDAY, ZONE, {"0": [["08:00", "09:59"]]}, [], 30)
    assert [slot.start.strftime("%H:%M") for slot in slots] == ["08:00", "08:30", "09:00"]


def test_no_slots_on_a_closed_weekday_a_holiday_or_for_a_slot_length_of_zero():
    assert booking.day_slots(MONDAY + timedelta(days=6), ZONE, HOURS, [], 15) == []  # Sunday
    assert booking.day_slots(MONDAY, ZONE, HOURS, ["2026-11-30"], 15) == []
    assert booking.day_slots(MONDAY, ZONE, HOURS, [], 0) == []


def test_an_office_without_opening_hours_books_all_day():
    slots = booking.day_slots(MONDAY, ZONE, {}, [], 15)
    assert len(slots) == 96
    assert (slots[0].start, slots[-1].end) == (
        local(MONDAY, 0),
        local(MONDAY, 0) + timedelta(days=1),
    )


def test_only_a_future_slot_start_within_the_horizon_may_be_booked():
    now = local(MONDAY, 9, 5)
    slots = booking.day_slots(MONDAY, ZONE, HOURS, [], 15)

    def refusal(start, horizon=14):
        day_slots = booking.day_slots(start.date(), ZONE, HOURS, [], 15)
        return booking.booking_refusal(start, now, day_slots, horizon, ZONE)

    assert booking.booking_refusal(local(MONDAY, 9, 15), now, slots, 14, ZONE) is None
    assert refusal(local(MONDAY, 9, 20)) == "not_a_slot"
    assert refusal(local(MONDAY, 12, 0)) == "not_a_slot"  # the lunch break
    assert refusal(local(MONDAY, 9, 0)) == "slot_past"
    two_weeks = MONDAY + timedelta(days=14)
    assert refusal(local(two_weeks, 7, 30)) is None
    saturday_after = two_weeks + timedelta(days=5)
    assert refusal(local(saturday_after, 7, 30)) == "beyond_horizon"
    assert refusal(local(two_weeks, 7, 30), horizon=13) == "beyond_horizon"


@pytest.mark.parametrize(
    ("minutes_from_start", "refusal"),
    [(-31, "too_early"), (-30, None), (0, None), (15, None), (16, "too_late")],
)
def test_check_in_runs_from_the_early_to_the_late_window(minutes_from_start, refusal):
    start = local(MONDAY, 9, 0)
    now = start + timedelta(minutes=minutes_from_start)
    assert booking.check_in_refusal(start, now, 30, 15) == refusal
    assert booking.is_missed(start, now, 15) is (refusal == "too_late")


def test_codes_are_long_unguessable_and_easy_to_type():
    codes = {booking.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= set(booking.CODE_ALPHABET) for code in codes)
    assert not set("0O1I") & set(booking.CODE_ALPHABET)
    assert booking.normal_code(" ab2c-d3ef\r\n") == "AB2CD3EF"
