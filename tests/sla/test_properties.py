"""Hypothesis properties of the business-time maths."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    WorkCalendar,
    add_business_days,
    add_business_hours,
    deadline,
    is_working_time,
    paused_working_time,
    subtract_business_days,
    subtract_business_hours,
    working_time_between,
)
from sla.workcal import day_intervals, local_date
from tests.sla.calendars import ALL_CALENDARS, UTC

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("SLA_HYPOTHESIS_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BASE = dt.datetime(2025, 1, 1, tzinfo=UTC)
FOUR_YEARS_MINUTES = 4 * 366 * 24 * 60

calendars = st.sampled_from(ALL_CALENDARS)
# Minute resolution keeps shrinking readable; seconds would add nothing to the rules tested.
instants = st.integers(0, FOUR_YEARS_MINUTES).map(lambda m: BASE + dt.timedelta(minutes=m))
hour_counts = st.integers(0, 80 * 4).map(lambda q: q / 4)  # quarter hours up to 80 h
day_counts = st.integers(0, 25)


@st.composite
def pause_lists(draw, start: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        s = start + dt.timedelta(minutes=draw(st.integers(-600, 30 * 24 * 60)))
        out.append((s, s + dt.timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))))
    return out


def is_period_end(cal: WorkCalendar, instant: dt.datetime) -> bool:
    utc = instant.astimezone(UTC)
    day = local_date(cal, utc)
    return any(e == utc for d in (day - dt.timedelta(days=1), day) for _, e in day_intervals(cal, d))


def at_working_time_or_period_end(cal: WorkCalendar, instant: dt.datetime) -> bool:
    return is_working_time(cal, instant) or is_period_end(cal, instant)


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, h=hour_counts.filter(lambda h: h > 0), data=st.data())
def test_hours_deadline_is_at_working_time_or_a_closing_time(cal, start, h, data) -> None:
    pauses = data.draw(pause_lists(start))
    due = add_business_hours(cal, start, h, pauses)
    assert at_working_time_or_period_end(cal, due)
    assert due.tzinfo is cal.zone


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, days=day_counts, data=st.data())
def test_days_deadline_is_at_working_time_or_a_closing_time(cal, start, days, data) -> None:
    pauses = data.draw(pause_lists(start))
    due = add_business_days(cal, start, days, pauses)
    assert at_working_time_or_period_end(cal, due)
    if not pauses:
        assert is_period_end(cal, due)  # exactly a closing time


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, h=hour_counts)
def test_hours_consume_exactly_the_budget(cal, start, h) -> None:
    due = add_business_hours(cal, start, h)
    assert working_time_between(cal, start, due) == dt.timedelta(hours=h)


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, a=hour_counts, b=hour_counts, d1=day_counts, d2=day_counts, data=st.data())
def test_monotonic_in_duration(cal, start, a, b, d1, d2, data) -> None:
    pauses = data.draw(pause_lists(start))
    lo, hi = sorted((a, b))
    assert add_business_hours(cal, start, lo, pauses) <= add_business_hours(cal, start, hi, pauses)
    lo, hi = sorted((d1, d2))
    assert add_business_days(cal, start, lo, pauses) <= add_business_days(cal, start, hi, pauses)


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, h=hour_counts, days=day_counts, data=st.data())
def test_adding_a_pause_never_makes_the_deadline_earlier(cal, start, h, days, data) -> None:
    pauses = data.draw(pause_lists(start))
    extra = data.draw(pause_lists(start))
    more = pauses + extra
    assert add_business_hours(cal, start, h, more) >= add_business_hours(cal, start, h, pauses)
    assert add_business_days(cal, start, days, more) >= add_business_days(cal, start, days, pauses)


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, days=day_counts, data=st.data())
def test_pauses_move_the_deadline_by_paused_working_time(cal, start, days, data) -> None:
    pauses = data.draw(pause_lists(start))
    plain = add_business_days(cal, start, days)
    due = add_business_days(cal, start, days, pauses)
    # Un-paused working time from start to due equals the un-paused budget.
    clipped = [(max(s, start), min(e, due)) for s, e in pauses if min(e, due) > max(s, start)]
    assert working_time_between(cal, start, due) - paused_working_time(cal, clipped) == working_time_between(
        cal, start, plain
    )


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, days=day_counts, share=st.integers(0, 100))
def test_at_risk_is_between_start_and_due(cal, start, days, share) -> None:
    due, at_risk = deadline(cal, start, business_days=days, at_risk_share=share / 100)
    assert start <= at_risk <= due
    assert due == add_business_days(cal, start, days)


@PROPERTY_SETTINGS
@given(cal=calendars, end=instants, days=day_counts)
def test_subtract_business_days_gives_the_latest_receipt_day(cal, end, days) -> None:
    start = subtract_business_days(cal, end, days)
    assert add_business_days(cal, start, days) <= end
    later = add_business_days(cal, start, 0)  # closing of the same day: the next start is too late
    assert add_business_days(cal, later, days) > end


@PROPERTY_SETTINGS
@given(cal=calendars, end=instants, h=hour_counts.filter(lambda h: h > 0))
def test_subtract_business_hours_gives_the_latest_start(cal, end, h) -> None:
    start = subtract_business_hours(cal, end, h)
    due = add_business_hours(cal, start, h)
    assert due <= end
    assert working_time_between(cal, due, end) == dt.timedelta(0)  # nothing later would fit
