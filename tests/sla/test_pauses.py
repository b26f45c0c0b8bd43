"""Pauses: only paused *working* time moves a deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.calendar import add_business_days, add_business_hours, deadline, merge_pauses, paused_working_time
from tests.sla.calendars import JP, JP_LUNCH, hours, jst


def test_pause_inside_working_time_pushes_the_deadline() -> None:
    pause = (jst(2026, 6, 8, 11, 0), jst(2026, 6, 8, 12, 0))
    assert add_business_hours(JP, jst(2026, 6, 8, 10, 0), 4, [pause]) == jst(2026, 6, 8, 15, 0)
    assert paused_working_time(JP, [pause]) == hours(1)


def test_pause_over_a_weekend_adds_nothing() -> None:
    pause = (jst(2026, 6, 12, 18, 0), jst(2026, 6, 15, 9, 0))
    assert paused_working_time(JP, [pause]) == hours(0)
    assert add_business_hours(JP, jst(2026, 6, 12, 17, 0), 2, [pause]) == jst(2026, 6, 15, 10, 0)


def test_pause_over_golden_week_adds_nothing() -> None:
    pause = (jst(2026, 5, 2, 0, 0), jst(2026, 5, 7, 0, 0))
    assert paused_working_time(JP, [pause]) == hours(0)
    assert add_business_days(JP, jst(2026, 4, 30, 10, 0), 3, [pause]) == jst(2026, 5, 8, 18, 0)


def test_pause_across_non_working_time_counts_only_its_working_edges() -> None:
    # Fri 17:30 -> Mon 09:30 covers 30 min on Friday and 30 min on Monday.
    pause = (jst(2026, 6, 12, 17, 30), jst(2026, 6, 15, 9, 30))
    assert paused_working_time(JP, [pause]) == hours(1)
    assert add_business_hours(JP, jst(2026, 6, 12, 17, 0), 2, [pause]) == jst(2026, 6, 15, 11, 0)


def test_pause_over_lunch_only_counts_working_minutes() -> None:
    pause = (jst(2026, 6, 8, 11, 30), jst(2026, 6, 8, 13, 30))
    assert paused_working_time(JP_LUNCH, [pause]) == hours(1)
    assert add_business_hours(JP_LUNCH, jst(2026, 6, 8, 11, 0), 2, [pause]) == jst(2026, 6, 8, 15, 0)


def test_business_day_sla_with_pause_moves_by_paused_working_time() -> None:
    pause = (jst(2026, 5, 1, 9, 0), jst(2026, 5, 1, 12, 0))  # 3 working hours
    assert add_business_days(JP, jst(2026, 4, 30, 10, 0), 3, [pause]) == jst(2026, 5, 11, 12, 0)


def test_overlapping_pauses_count_once() -> None:
    pauses = [(jst(2026, 6, 8, 10, 0), jst(2026, 6, 8, 12, 0)), (jst(2026, 6, 8, 11, 0), jst(2026, 6, 8, 13, 0))]
    assert paused_working_time(JP, pauses) == hours(3)
    assert merge_pauses(pauses) == [
        (jst(2026, 6, 8, 10, 0).astimezone(dt.UTC), jst(2026, 6, 8, 13, 0).astimezone(dt.UTC))
    ]
    assert add_business_hours(JP, jst(2026, 6, 8, 9, 0), 2, pauses) == jst(2026, 6, 8, 14, 0)


def test_pause_before_start_or_after_deadline_changes_nothing() -> None:
    start = jst(2026, 6, 9, 10, 0)
    before = (jst(2026, 6, 8, 10, 0), jst(2026, 6, 8, 12, 0))
    after = (jst(2026, 6, 10, 10, 0), jst(2026, 6, 10, 12, 0))
    assert add_business_hours(JP, start, 2, [before, after]) == jst(2026, 6, 9, 12, 0)
    # A pause that began before the start counts only from the start.
    straddling = (jst(2026, 6, 9, 9, 0), jst(2026, 6, 9, 11, 0))
    assert add_business_hours(JP, start, 2, [straddling]) == jst(2026, 6, 9, 13, 0)


def test_deadline_can_land_at_the_start_of_a_pause() -> None:
    pause = (jst(2026, 6, 8, 12, 0), jst(2026, 6, 8, 14, 0))
    assert add_business_hours(JP, jst(2026, 6, 8, 10, 0), 2, [pause]) == jst(2026, 6, 8, 12, 0)


def test_at_risk_excludes_paused_time() -> None:
    pause = (jst(2026, 6, 8, 11, 0), jst(2026, 6, 8, 12, 0))
    due, at_risk = deadline(JP, jst(2026, 6, 8, 10, 0), business_hours=8, pauses=[pause])
    assert due == jst(2026, 6, 9, 10, 0)
    assert at_risk == jst(2026, 6, 8, 17, 0)  # 6 un-paused hours: 10-11, 12-17


def test_policy_change_mid_flight_recomputes_from_the_original_start() -> None:
    start = jst(2026, 6, 8, 10, 0)
    pauses = [(jst(2026, 6, 9, 10, 0), jst(2026, 6, 9, 12, 0))]
    old_due, _ = deadline(JP, start, business_days=3, pauses=pauses)
    assert old_due == jst(2026, 6, 12, 11, 0)  # Thu 18:00 + 2 paused hours
    new_due, new_risk = deadline(JP, start, business_days=5, pauses=pauses)
    assert new_due == jst(2026, 6, 16, 11, 0)  # Mon 18:00 + 2 paused hours
    assert new_risk < new_due
    hours_due, _ = deadline(JP, start, business_hours=16, pauses=pauses)
    assert hours_due == jst(2026, 6, 10, 10, 0)


def test_invalid_pauses() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        paused_working_time(JP, [(jst(2026, 6, 8, 12, 0), jst(2026, 6, 8, 11, 0))])
    with pytest.raises(ValueError, match="aware"):
        paused_working_time(JP, [(dt.datetime(2026, 6, 8, 11, 0), jst(2026, 6, 8, 12, 0))])
    with pytest.raises(ValueError):
        paused_working_time(JP, [(jst(2026, 6, 8, 11, 0),)])
    assert paused_working_time(JP, [(jst(2026, 6, 8, 11, 0), jst(2026, 6, 8, 11, 0))]) == hours(0)
