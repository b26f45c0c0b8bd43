"""Business-hours SLAs: the clock only runs in working time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sla.calendar import add_business_hours, deadline, working_time_between
from tests.sla.calendars import JP, JP_LUNCH, JP_SHORT_FRIDAY, hours, jst


@pytest.mark.parametrize(
    "start, h, expected, why",
    [
        (jst(2026, 6, 8, 10, 0), 2, jst(2026, 6, 8, 12, 0), "inside working time"),
        (jst(2026, 6, 8, 7, 0), 2, jst(2026, 6, 8, 11, 0), "start before opening"),
        (jst(2026, 6, 8, 19, 0), 2, jst(2026, 6, 9, 11, 0), "start after closing"),
        (jst(2026, 6, 8, 18, 0), 1, jst(2026, 6, 9, 10, 0), "start exactly at closing"),
        (jst(2026, 6, 13, 10, 0), 1, jst(2026, 6, 15, 10, 0), "start on a Saturday"),
        (jst(2026, 4, 29, 10, 0), 1, jst(2026, 4, 30, 10, 0), "start on Showa Day"),
        (jst(2026, 6, 8, 10, 0), 8, jst(2026, 6, 8, 18, 0), "lands exactly on closing time"),
        (jst(2026, 6, 8, 10, 0), 9, jst(2026, 6, 9, 10, 0), "rolls to the next morning"),
        (jst(2026, 6, 12, 17, 0), 2, jst(2026, 6, 15, 10, 0), "over a weekend"),
        (jst(2026, 5, 1, 17, 0), 2, jst(2026, 5, 7, 10, 0), "over Golden Week 2026"),
        (jst(2026, 9, 18, 17, 0), 2, jst(2026, 9, 24, 10, 0), "over Silver Week 2026"),
        (jst(2026, 12, 28, 17, 0), 2, jst(2027, 1, 4, 10, 0), "over the year-end closure"),
        (jst(2026, 6, 8, 10, 0), 0.5, jst(2026, 6, 8, 10, 30), "fractional hours"),
        (jst(2026, 6, 8, 10, 0), Decimal("1.25"), jst(2026, 6, 8, 11, 15), "Decimal hours"),
        (jst(2026, 6, 8, 10, 0), 44, jst(2026, 6, 12, 18, 0), "the rest of the week lands on Friday closing"),
    ],
)
def test_add_business_hours(start, h, expected, why) -> None:
    assert add_business_hours(JP, start, h) == expected, why


@pytest.mark.parametrize(
    "start, h, expected",
    [
        (jst(2026, 6, 8, 11, 0), 2, jst(2026, 6, 8, 14, 0)),  # skips lunch
        (jst(2026, 6, 8, 12, 30), 1, jst(2026, 6, 8, 14, 0)),  # start during lunch
        (jst(2026, 6, 8, 11, 0), 1, jst(2026, 6, 8, 12, 0)),  # ends at lunch, not 13:00
        (jst(2026, 6, 8, 13, 0), 5, jst(2026, 6, 8, 18, 0)),
        (jst(2026, 6, 8, 17, 0), 2, jst(2026, 6, 9, 10, 0)),
    ],
)
def test_lunch_break_is_not_working_time(start, h, expected) -> None:
    assert add_business_hours(JP_LUNCH, start, h) == expected


def test_per_weekday_periods() -> None:
    # Friday closes at 16:00, Monday has lunch 12-13.
    assert add_business_hours(JP_SHORT_FRIDAY, jst(2026, 6, 12, 15, 0), 1) == jst(2026, 6, 12, 16, 0)
    assert add_business_hours(JP_SHORT_FRIDAY, jst(2026, 6, 12, 15, 0), 4) == jst(2026, 6, 15, 12, 0)
    assert add_business_hours(JP_SHORT_FRIDAY, jst(2026, 6, 12, 15, 0), 5) == jst(2026, 6, 15, 14, 0)
    assert add_business_hours(JP_SHORT_FRIDAY, jst(2026, 6, 12, 15, 0), 6) == jst(2026, 6, 15, 15, 0)


def test_zero_hours_is_the_effective_start() -> None:
    assert add_business_hours(JP, jst(2026, 6, 13, 10, 0), 0) == jst(2026, 6, 15, 9, 0)
    assert add_business_hours(JP, jst(2026, 6, 8, 10, 0), 0) == jst(2026, 6, 8, 10, 0)


def test_invalid_hours() -> None:
    with pytest.raises(ValueError):
        add_business_hours(JP, jst(2026, 6, 8, 10, 0), -1)
    with pytest.raises(ValueError):
        add_business_hours(JP, jst(2026, 6, 8, 10, 0), float("nan"))


def test_working_time_between() -> None:
    assert working_time_between(JP, jst(2026, 6, 8, 10, 0), jst(2026, 6, 9, 10, 0)) == hours(9)
    assert working_time_between(JP, jst(2026, 6, 12, 17, 0), jst(2026, 6, 15, 10, 0)) == hours(2)
    assert working_time_between(JP, jst(2026, 6, 9, 10, 0), jst(2026, 6, 8, 10, 0)) == -hours(9)
    assert working_time_between(JP_LUNCH, jst(2026, 6, 8, 0, 0), jst(2026, 6, 9, 0, 0)) == hours(8)
    assert working_time_between(JP, jst(2026, 5, 2, 0, 0), jst(2026, 5, 7, 0, 0)) == hours(0)


def test_deadline_with_business_hours_and_at_risk() -> None:
    due, at_risk = deadline(JP, jst(2026, 6, 8, 10, 0), business_hours=8)
    assert due == jst(2026, 6, 8, 18, 0)
    assert at_risk == jst(2026, 6, 8, 16, 0)  # 75 % of 8 h = 6 h
    due, at_risk = deadline(JP, jst(2026, 6, 8, 10, 0), business_hours=16, at_risk_share=0.5)
    # Half the budget (8 h) runs out exactly at Monday's closing: at-risk stays at 18:00.
    assert (due, at_risk) == (jst(2026, 6, 9, 17, 0), jst(2026, 6, 8, 18, 0))
    due, at_risk = deadline(JP, jst(2026, 6, 8, 10, 0), business_hours=4, at_risk_share=1)
    assert due == at_risk


def test_deadline_needs_exactly_one_unit() -> None:
    with pytest.raises(ValueError):
        deadline(JP, jst(2026, 6, 8, 10, 0))
    with pytest.raises(ValueError):
        deadline(JP, jst(2026, 6, 8, 10, 0), business_days=1, business_hours=1)
    with pytest.raises(ValueError):
        deadline(JP, jst(2026, 6, 8, 10, 0), business_hours=1, at_risk_share=1.5)
