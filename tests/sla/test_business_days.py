"""Business-day SLAs: closing time of the Nth working day after the effective receipt day."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.calendar import add_business_days, deadline, effective_receipt_day
from tests.sla.calendars import JP, JP_SHORT_FRIDAY, jst


@pytest.mark.parametrize(
    "start, days, expected, why",
    [
        (jst(2026, 4, 30, 10, 0), 3, jst(2026, 5, 8, 18, 0), "Golden Week 2026: May 1, 7, 8"),
        (jst(2026, 6, 12, 19, 0), 1, jst(2026, 6, 16, 18, 0), "Friday 19:00: receipt Monday, due Tuesday"),
        (jst(2026, 6, 12, 18, 0), 1, jst(2026, 6, 16, 18, 0), "exactly at closing counts as after"),
        (jst(2026, 6, 12, 17, 59), 1, jst(2026, 6, 15, 18, 0), "one minute before closing"),
        (jst(2026, 6, 8, 7, 0), 1, jst(2026, 6, 9, 18, 0), "before opening: receipt that day"),
        (jst(2026, 6, 13, 10, 0), 1, jst(2026, 6, 16, 18, 0), "Saturday: receipt Monday"),
        (jst(2026, 4, 29, 10, 0), 1, jst(2026, 5, 1, 18, 0), "Showa Day: receipt Thursday"),
        (jst(2026, 9, 18, 10, 0), 1, jst(2026, 9, 24, 18, 0), "Silver Week 2026 (21-23 Sep)"),
        (jst(2026, 9, 22, 10, 0), 0, jst(2026, 9, 24, 18, 0), "on the citizens' holiday"),
        (jst(2027, 3, 19, 10, 0), 1, jst(2027, 3, 23, 18, 0), "2027-03-22 substitute holiday"),
        (jst(2026, 12, 28, 10, 0), 1, jst(2027, 1, 4, 18, 0), "year-end closure 29 Dec - 3 Jan"),
        (jst(2026, 12, 30, 10, 0), 1, jst(2027, 1, 5, 18, 0), "received during the closure"),
        (jst(2026, 6, 8, 10, 0), 0, jst(2026, 6, 8, 18, 0), "zero days: same day closing"),
        (jst(2026, 6, 8, 10, 0), 5, jst(2026, 6, 15, 18, 0), "a week"),
    ],
)
def test_add_business_days(start, days, expected, why) -> None:
    assert add_business_days(JP, start, days) == expected, why


def test_effective_receipt_day() -> None:
    assert effective_receipt_day(JP, jst(2026, 6, 12, 17, 0)) == dt.date(2026, 6, 12)
    assert effective_receipt_day(JP, jst(2026, 6, 12, 18, 0)) == dt.date(2026, 6, 15)
    assert effective_receipt_day(JP, jst(2026, 5, 1, 19, 0)) == dt.date(2026, 5, 7)


def test_per_weekday_closing_times() -> None:
    # Friday closes at 16:00.
    assert add_business_days(JP_SHORT_FRIDAY, jst(2026, 6, 11, 10, 0), 1) == jst(2026, 6, 12, 16, 0)
    # 16:30 on Friday is after Friday's closing: receipt Monday.
    assert add_business_days(JP_SHORT_FRIDAY, jst(2026, 6, 12, 16, 30), 1) == jst(2026, 6, 16, 18, 0)


def test_input_in_utc_is_read_as_an_instant() -> None:
    # 2026-06-12 09:30 UTC = 18:30 JST Friday: after closing.
    start = dt.datetime(2026, 6, 12, 9, 30, tzinfo=dt.UTC)
    assert add_business_days(JP, start, 1) == jst(2026, 6, 16, 18, 0)


def test_deadline_with_business_days_and_at_risk() -> None:
    due, at_risk = deadline(JP, jst(2026, 4, 30, 10, 0), business_days=3)
    assert due == jst(2026, 5, 8, 18, 0)
    # Budget: 8 h (Thu) + 9 h (May 1) + 9 h (May 7) + 9 h (May 8) = 35 h; 75 % = 26.25 h.
    assert at_risk == jst(2026, 5, 8, 9, 15)


def test_whole_days_only() -> None:
    with pytest.raises(ValueError):
        add_business_days(JP, jst(2026, 6, 8, 10, 0), 1.5)
    with pytest.raises(ValueError):
        add_business_days(JP, jst(2026, 6, 8, 10, 0), -1)
    assert add_business_days(JP, jst(2026, 6, 8, 10, 0), 2.0) == jst(2026, 6, 10, 18, 0)
