"""The queue rules as pure functions: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from queueing import rules
from queueing.line import next_normal_streak

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_next_normal_streak_counts_normal_calls_and_resets_on_priority():
    assert next_normal_streak(0, called_priority=False) == 1
    assert next_normal_streak(4, called_priority=True) == 0


def test_number_for_sequence_counts_from_start():
    assert rules.number_for_sequence(1, 1, 999, True) == 1
    assert rules.number_for_sequence(25, 1001, 1999, True) == 1025


def test_number_for_sequence_wraps_at_end():
    assert rules.number_for_sequence(3, 1, 3, True) == 3
    assert rules.number_for_sequence(4, 1, 3, True) == 1
    assert rules.number_for_sequence(8, 1, 3, True) == 2


def test_number_for_sequence_stops_at_end_without_wrap():
    assert rules.number_for_sequence(3, 1, 3, False) == 3
    assert rules.number_for_sequence(4, 1, 3, False) is None


def test_number_for_sequence_after_the_first_round_passes_over_numbers_in_use():
    # 1..5, sixth ticket: 1 and 2 are still held, 3 is free.
    assert rules.number_for_sequence(6, 1, 5, True, previous=5, in_use={1, 2, 5}) == 3


def test_number_for_sequence_after_the_first_round_goes_on_from_the_previous_number():
    # Wrapped tickets were given 3 and then 4; 1 and 2 came free meanwhile,
    # but 5 has waited longest for its turn.
    assert rules.number_for_sequence(8, 1, 5, True, previous=4, in_use={4}) == 5
    assert rules.number_for_sequence(9, 1, 5, True, previous=5, in_use={4, 5}) == 1


def test_number_for_sequence_is_none_when_every_number_is_in_use():
    assert rules.number_for_sequence(6, 1, 3, True, previous=3, in_use={1, 2, 3}) is None


def test_number_for_sequence_in_the_first_round_follows_the_sequence():
    assert rules.number_for_sequence(2, 1, 3, True, previous=1, in_use={2}) == 2


def test_numbering_closed_reason_when_every_wrapped_number_is_in_use():
    assert rules.numbering_closed_reason(3, None, 1, 3, True, {1, 2, 3}) == "numbers_exhausted"
    assert rules.numbering_closed_reason(3, None, 1, 3, True, {1, 3}) is None


def test_is_past_first_round_from_the_number_after_the_range():
    assert rules.is_past_first_round(999, 1, 999) is False
    assert rules.is_past_first_round(1000, 1, 999) is True
    assert rules.is_past_first_round(999, 1001, 1999) is False


def test_ticket_code_pads_to_range_width():
    assert rules.ticket_code("A", 12, 999) == "A012"
    assert rules.ticket_code("", 1025, 1999) == "1025"
    assert rules.ticket_code("B", 7, 99) == "B07"


def test_service_day_is_local_date():
    # 17:30 UTC on the 22nd is 00:30 on the 23rd in Ho Chi Minh City.
    late = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    assert rules.service_day(late, "Asia/Ho_Chi_Minh").isoformat() == "2026-11-23"
    assert rules.service_day(late, "UTC").isoformat() == "2026-11-22"


def test_day_started_at_is_local_midnight():
    started_at = rules.day_started_at(date(2026, 11, 24), "Asia/Ho_Chi_Minh")
    assert started_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


HOURS = {str(day): [["07:30", "11:30"], ["13:30", "17:00"]] for day in range(5)}


@pytest.mark.parametrize(
    ("utc_hour", "utc_minute", "expected"),
    [
        (2, 0, None),  # 09:00 local
        (0, 29, "office_closed"),  # 07:29 local
        (0, 30, None),  # 07:30 local
        (5, 0, "office_closed"),  # 12:00 local, lunch
        (10, 0, "office_closed"),  # 17:00 local
    ],
)
def test_issuing_closed_reason_follows_opening_hours(utc_hour, utc_minute, expected):
    now = datetime(2026, 11, 23, utc_hour, utc_minute, tzinfo=UTC)  # a Monday
    assert rules.issuing_closed_reason(now, "Asia/Ho_Chi_Minh", HOURS, [], None, None) == expected


def test_issuing_closed_on_weekend_and_holiday():
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert rules.issuing_closed_reason(saturday, "Asia/Ho_Chi_Minh", HOURS, [], None, None) == (
        "office_closed"
    )
    monday = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert (
        rules.issuing_closed_reason(monday, "Asia/Ho_Chi_Minh", HOURS, ["2026-11-23"], None, None)
        == "holiday"
    )


def test_issuing_closed_outside_service_issuing_hours():
    monday_0900 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    tz = "Asia/Ho_Chi_Minh"
    assert rules.issuing_closed_reason(monday_0900, tz, {}, [], "09:30", None) == (
        "outside_issuing_hours"
    )
    assert rules.issuing_closed_reason(monday_0900, tz, {}, [], "08:00", "09:00") == (
        "outside_issuing_hours"
    )
    assert rules.issuing_closed_reason(monday_0900, tz, {}, [], "08:00", "09:01") is None


def test_no_show_needs_the_recalls():
    assert not rules.may_mark_no_show(call_count=1, recall_limit=1)
    assert rules.may_mark_no_show(call_count=2, recall_limit=1)
    assert rules.may_mark_no_show(call_count=1, recall_limit=0)


def test_no_show_return_window():
    assert rules.may_return_no_show(T0, T0 + timedelta(minutes=30), 30)
    assert not rules.may_return_no_show(T0, T0 + timedelta(minutes=30, seconds=1), 30)


def test_smoothed_service_seconds_uses_default_without_history():
    assert rules.smoothed_service_seconds([], 300) == 300.0


def test_smoothed_service_seconds_blends_default_while_history_is_thin():
    # One sample of 100 s: 1/5 of it, 4/5 of the default.
    assert rules.smoothed_service_seconds([100], 300) == pytest.approx(260.0)


def test_smoothed_service_seconds_leans_to_recent_samples():
    # 0.3 weight on each newer sample: 100,100,100,100 then 200.
    value = rules.smoothed_service_seconds([100, 100, 100, 100, 200], 999)
    assert value == pytest.approx(130.0)


def test_service_start_is_start_when_pressed():
    assert rules.service_start(T0, T0 - timedelta(minutes=1), "call") == (T0, "start")
    assert rules.service_start(T0, T0 - timedelta(minutes=1), "start") == (T0, "start")


def test_service_finished_from_its_call_starts_at_the_call_where_the_office_says_so():
    called = T0 - timedelta(minutes=4)
    assert rules.service_start(None, called, "call") == (called, "call")


def test_service_finished_from_its_call_is_untimed_where_only_start_starts_it():
    assert rules.service_start(None, T0, "start") == (None, None)


def test_counter_closed_reason_only_without_open_counter_and_when_the_office_refuses():
    assert rules.counter_closed_reason(0, False) == "no_open_counter"
    assert rules.counter_closed_reason(0, True) is None
    assert rules.counter_closed_reason(2, False) is None


def test_transitions():
    assert rules.transition("waiting", "call") == "called"
    assert rules.transition("called", "start") == "serving"
    assert rules.transition("serving", "recall") == "serving"
    assert rules.transition("done", "finish") is None
    assert rules.transition("waiting", "no_show") is None
    assert rules.transition("no_show", "return") == "waiting"


def test_the_default_ticker_says_the_office_s_real_hours():
    from queueing.rules import default_ticker

    week = [["07:30", "11:30"], ["13:30", "17:00"]]
    hours = {str(day): week for day in range(5)} | {"5": [["07:30", "11:30"]]}
    assert default_ticker(hours) == (
        "Kính chào quý khách. Vui lòng chú ý màn hình và loa gọi số. "
        "Giờ làm việc thứ Hai đến thứ Sáu: 7 giờ 30 – 11 giờ 30, 13 giờ 30 – 17 giờ; "
        "thứ Bảy: 7 giờ 30 – 11 giờ 30."
    )
    # A break in the run of days: Monday, then Wednesday to Thursday.
    split = {"0": [["08:00", "12:00"]], "2": [["08:00", "12:00"]], "3": [["08:00", "12:00"]]}
    assert default_ticker(split).endswith(
        "Giờ làm việc thứ Hai: 8 giờ – 12 giờ; thứ Tư đến thứ Năm: 8 giờ – 12 giờ."
    )
    assert default_ticker({}) == (
        "Kính chào quý khách. Vui lòng chú ý màn hình và loa gọi số. "
        "Đơn vị làm việc cả ngày, tất cả các ngày trong tuần."
    )
