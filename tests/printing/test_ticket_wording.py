"""The words on the paper ticket: rounding of the wait, priority groups, time of issue."""

from __future__ import annotations

import pytest

from printing.wording import (
    ENGLISH,
    VIETNAMESE,
    estimated_wait_text,
    issued_at_text,
    normalise_language,
    people_ahead_text,
    priority_text,
    wait_minutes_on_paper,
)


@pytest.mark.parametrize(
    ("estimated_wait_s", "minutes"),
    [(0, 0), (59.9, 0), (60, 1), (60.1, 2), (853.2, 15), (900, 15), (901, 16)],
)
def test_wait_on_paper_rounds_up_to_whole_minutes(estimated_wait_s, minutes):
    assert wait_minutes_on_paper(estimated_wait_s) == minutes


@pytest.mark.parametrize(
    ("estimated_wait_s", "vietnamese", "english"),
    [
        (
            30,
            "Thời gian chờ dự kiến: dưới 1 phút",
            "Estimated wait: under 1 minute",
        ),
        (
            60,
            "Thời gian chờ dự kiến: khoảng 1 phút",
            "Estimated wait: about 1 minute",
        ),
        (
            853.2,
            "Thời gian chờ dự kiến: khoảng 15 phút",
            "Estimated wait: about 15 minutes",
        ),
    ],
)
def test_estimated_wait_text(estimated_wait_s, vietnamese, english):
    assert estimated_wait_text(estimated_wait_s, VIETNAMESE) == vietnamese
    assert estimated_wait_text(estimated_wait_s, ENGLISH) == english


def test_no_estimate_says_that_no_counter_is_open():
    assert estimated_wait_text(None, VIETNAMESE) == (
        "Chưa có quầy nào đang mở phục vụ lĩnh vực này, chưa ước tính được thời gian chờ"
    )
    assert estimated_wait_text(None, ENGLISH) == (
        "No counter serving this service is open now: the wait cannot be estimated"
    )


def test_people_ahead_text():
    assert people_ahead_text(7, VIETNAMESE) == "Số người đang chờ trước bạn: 7"
    assert people_ahead_text(0, ENGLISH) == "People ahead of you: 0"


@pytest.mark.parametrize(
    ("priority", "vietnamese", "english"),
    [
        ("elderly", "Ưu tiên: Người cao tuổi", "Priority: Elderly"),
        ("disability", "Ưu tiên: Người khuyết tật", "Priority: Person with disability"),
        ("pregnancy", "Ưu tiên: Phụ nữ mang thai", "Priority: Pregnant woman"),
        ("small_child", "Ưu tiên: Người đi cùng trẻ nhỏ", "Priority: With a small child"),
        ("merit", "Ưu tiên: Người có công với cách mạng", "Priority: Person of merit"),
        ("other", "Ưu tiên", "Priority"),
        ("a_category_added_later", "Ưu tiên", "Priority"),
    ],
)
def test_priority_text_names_the_group(priority, vietnamese, english):
    assert priority_text(priority, VIETNAMESE) == vietnamese
    assert priority_text(priority, ENGLISH) == english


@pytest.mark.parametrize("priority", ["none", "", None])
def test_no_priority_prints_no_priority_line(priority):
    assert priority_text(priority, VIETNAMESE) is None


@pytest.mark.parametrize(
    ("issued_at", "printed"),
    [
        ("2025-03-14T08:05:59+07:00", "14/03/2025 08:05"),
        ("2025-03-14T01:05:59+00:00", "14/03/2025 01:05"),
        ("2025-12-31T23:59:00.123456+07:00", "31/12/2025 23:59"),
    ],
)
def test_issued_at_is_printed_in_the_offset_it_carries(issued_at, printed):
    assert issued_at_text(issued_at) == printed


@pytest.mark.parametrize(
    ("language", "normalised"),
    [("vi", "vi"), ("en", "en"), ("en-GB", "en"), ("EN_us", "en"), ("fr", "vi"), ("", "vi")],
)
def test_language_falls_back_to_vietnamese(language, normalised):
    assert normalise_language(language) == normalised
