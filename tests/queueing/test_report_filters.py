"""A report's range of days, as every report request reads it."""

from __future__ import annotations

from datetime import date

import pytest

from queueing import reports
from queueing.errors import Invalid, Malformed

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "days", "expected"),
    [
        (None, None, 1, (TODAY, TODAY)),
        ("", " ", 7, (date(2026, 11, 17), TODAY)),
        (None, "2026-11-10", 7, (date(2026, 11, 4), date(2026, 11, 10))),
        (None, "2026-11-10", 1, (date(2026, 11, 10), date(2026, 11, 10))),
        ("2026-11-01", None, 30, (date(2026, 11, 1), TODAY)),
        (" 2026-11-01 ", "2026-11-02", 1, (date(2026, 11, 1), date(2026, 11, 2))),
    ],
)
def test_a_range_defaults_to_days_ending_today(raw_from, raw_to, days, expected):
    assert reports.report_range(raw_from, raw_to, TODAY, days) == expected


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "error", "code"),
    [
        ("23/11/2026", None, Malformed, "invalid_date"),
        ("1999-12-31", None, Invalid, "invalid_date"),
        ("2026-11-24", "2026-11-23", Invalid, "invalid_range"),
        ("2020-01-01", "2026-11-23", Invalid, "invalid_range"),
    ],
)
def test_a_range_reports_refuse_says_why(raw_from, raw_to, error, code):
    with pytest.raises(error) as refused:
        reports.report_range(raw_from, raw_to, TODAY)
    assert refused.value.code == code
