"""Daylight saving time: maths in absolute time, wall clock for periods and closing times."""

from __future__ import annotations

import datetime as dt

from sla.calendar import add_business_days, add_business_hours, deadline, next_opening, working_time_between
from tests.sla.calendars import BERLIN_24X7, BERLIN_NIGHT, BERLIN_OFFICE, NEW_YORK_24X7, berlin, hours, ny


def test_spring_forward_day_has_23_working_hours_round_the_clock() -> None:
    # 2026-03-29 is the last Sunday of March: 02:00 CET -> 03:00 CEST.
    assert working_time_between(BERLIN_24X7, berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == hours(23)
    due = add_business_hours(BERLIN_24X7, berlin(2026, 3, 28, 12, 0), 24)
    assert due == berlin(2026, 3, 29, 13, 0)
    assert due.utcoffset() == dt.timedelta(hours=2)


def test_fall_back_day_has_25_working_hours_round_the_clock() -> None:
    # 2026-10-25 is the last Sunday of October: 03:00 CEST -> 02:00 CET.
    assert working_time_between(BERLIN_24X7, berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)) == hours(25)
    due = add_business_hours(BERLIN_24X7, berlin(2026, 10, 24, 12, 0), 24)
    assert due == berlin(2026, 10, 25, 11, 0)
    assert due.utcoffset() == dt.timedelta(hours=1)


def test_office_hours_keep_their_wall_clock_across_the_change() -> None:
    # Fri 17:00 CET + 2 h -> Mon 10:00 CEST (1 h on Friday, 1 h on Monday).
    assert add_business_hours(BERLIN_OFFICE, berlin(2026, 3, 27, 17, 0), 2) == berlin(2026, 3, 30, 10, 0)
    assert add_business_hours(BERLIN_OFFICE, berlin(2026, 10, 23, 17, 0), 2) == berlin(2026, 10, 26, 10, 0)
    due = add_business_days(BERLIN_OFFICE, berlin(2026, 3, 27, 10, 0), 1)
    assert due == berlin(2026, 3, 30, 18, 0)
    assert due.astimezone(dt.UTC).hour == 16
    due = add_business_days(BERLIN_OFFICE, berlin(2026, 10, 23, 10, 0), 1)
    assert due.astimezone(dt.UTC).hour == 17


def test_working_time_across_the_weekend_of_the_change() -> None:
    assert working_time_between(BERLIN_OFFICE, berlin(2026, 3, 27, 9, 0), berlin(2026, 3, 31, 9, 0)) == hours(18)


def test_a_period_containing_the_jump() -> None:
    # Sunday 01:00-02:30: on the spring day 02:30 does not exist (fold=0 -> 03:30 CEST), so the
    # shift lasts 1 h 30; on the autumn day 02:30 is taken at its first occurrence (CEST): 1 h 30.
    spring = working_time_between(BERLIN_NIGHT, berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 29, 12, 0))
    autumn = working_time_between(BERLIN_NIGHT, berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 25, 12, 0))
    normal = working_time_between(BERLIN_NIGHT, berlin(2026, 3, 22, 0, 0), berlin(2026, 3, 22, 12, 0))
    assert normal == hours(1.5)
    assert spring == hours(1.5)
    assert autumn == hours(1.5)
    assert next_opening(BERLIN_NIGHT, berlin(2026, 3, 28, 20, 0)) == berlin(2026, 3, 29, 1, 0)


def test_new_york_dst() -> None:
    # 2026-03-08 second Sunday of March; 2026-11-01 first Sunday of November.
    assert add_business_hours(NEW_YORK_24X7, ny(2026, 3, 7, 12, 0), 24) == ny(2026, 3, 8, 13, 0)
    assert add_business_hours(NEW_YORK_24X7, ny(2026, 10, 31, 12, 0), 24) == ny(2026, 11, 1, 11, 0)
    due, at_risk = deadline(NEW_YORK_24X7, ny(2026, 3, 8, 0, 0), business_days=0)
    assert due == ny(2026, 3, 9, 0, 0)  # the day ends at midnight (period end 24:00)
    # Same-zone aware subtraction compares wall clocks, so measure the elapsed time in UTC.
    utc = dt.UTC
    assert at_risk.astimezone(utc) - ny(2026, 3, 8, 0, 0).astimezone(utc) == hours(23 * 0.75)
    assert at_risk == ny(2026, 3, 8, 18, 15)  # 17 h 15 of elapsed time, 18:15 on the wall
