"""Back-scheduling: latest start for a due time or a launch date."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.calendar import (
    add_business_days,
    add_business_hours,
    latest_start,
    launch_due,
    launch_feasible,
    launch_latest_start,
    next_opening,
    subtract_business_days,
    subtract_business_hours,
)
from tests.sla.calendars import JP, JP_LUNCH, jst


def test_subtract_business_days_inverts_add() -> None:
    end = jst(2026, 5, 8, 18, 0)
    start = subtract_business_days(JP, end, 3)
    assert start == jst(2026, 4, 30, 9, 0)
    assert add_business_days(JP, start, 3) == end
    assert add_business_days(JP, jst(2026, 4, 30, 17, 59), 3) == end  # any time that day
    assert add_business_days(JP, jst(2026, 5, 1, 9, 0), 3) > end  # the next day is too late


def test_subtract_business_days_before_closing_uses_the_previous_day() -> None:
    end = jst(2026, 5, 8, 17, 0)  # Friday's closing has not passed yet
    start = subtract_business_days(JP, end, 3)
    assert start == jst(2026, 4, 28, 9, 0)  # May 7, May 1, Apr 30 ... Apr 28 (29th is Showa Day)
    assert add_business_days(JP, start, 3) <= end
    assert add_business_days(JP, jst(2026, 4, 30, 9, 0), 3) > end


def test_subtract_business_hours() -> None:
    assert subtract_business_hours(JP, jst(2026, 6, 9, 11, 0), 3) == jst(2026, 6, 8, 17, 0)
    assert subtract_business_hours(JP, jst(2026, 6, 9, 11, 0), 2) == jst(2026, 6, 9, 9, 0)  # opening, not 18:00
    assert subtract_business_hours(JP_LUNCH, jst(2026, 6, 8, 14, 0), 2) == jst(2026, 6, 8, 11, 0)
    assert subtract_business_hours(JP, jst(2026, 6, 15, 8, 0), 1) == jst(2026, 6, 12, 17, 0)
    start = subtract_business_hours(JP, jst(2026, 5, 7, 10, 0), 4)
    assert start == jst(2026, 5, 1, 15, 0)
    assert add_business_hours(JP, start, 4) == jst(2026, 5, 7, 10, 0)


def test_launch_helpers() -> None:
    # Launch on Monday 2026-05-11: work is due Friday 05-08 18:00.
    launch = dt.date(2026, 5, 11)
    assert launch_due(JP, launch) == jst(2026, 5, 8, 18, 0)
    assert launch_latest_start(JP, launch, business_days=3) == jst(2026, 4, 30, 9, 0)
    assert launch_latest_start(JP, launch, business_hours=9) == jst(2026, 5, 8, 9, 0)
    assert launch_feasible(JP, jst(2026, 4, 30, 10, 0), launch, business_days=3)
    assert not launch_feasible(JP, jst(2026, 5, 1, 10, 0), launch, business_days=3)
    # A pause can make an otherwise feasible plan infeasible.
    pause = (jst(2026, 5, 1, 9, 0), jst(2026, 5, 1, 10, 0))
    assert not launch_feasible(JP, jst(2026, 4, 30, 10, 0), launch, business_days=3, pauses=[pause])
    # Launch right after Golden Week.
    assert launch_due(JP, dt.date(2026, 5, 7)) == jst(2026, 5, 1, 18, 0)


def test_latest_start_needs_one_unit() -> None:
    with pytest.raises(ValueError):
        latest_start(JP, jst(2026, 6, 9, 11, 0))
    assert latest_start(JP, jst(2026, 6, 9, 11, 0), business_hours=2) == jst(2026, 6, 9, 9, 0)
    assert next_opening(JP, latest_start(JP, jst(2026, 6, 9, 18, 0), business_days=0)) == jst(2026, 6, 9, 9, 0)
