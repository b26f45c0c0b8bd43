"""The numpy-vectorised business-day deadlines equal the scalar function."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import WorkCalendar, add_business_days, bulk_business_day_deadlines, to_aware, zone_transitions
from tests.sla.calendars import ALL_CALENDARS, BERLIN_OFFICE, JP, UTC, T, jst

BASE = dt.datetime(2024, 1, 1, tzinfo=UTC)


def scalar_utc(cal: WorkCalendar, starts: list[dt.datetime], days: list[int]) -> np.ndarray:
    return np.array(
        [add_business_days(cal, s, d).astimezone(UTC).replace(tzinfo=None) for s, d in zip(starts, days, strict=True)],
        dtype="datetime64[us]",
    )


@settings(
    max_examples=int(os.environ.get("SLA_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    cal=st.sampled_from(ALL_CALENDARS),
    minutes=st.lists(st.integers(0, 6 * 366 * 24 * 60), min_size=1, max_size=40),
    data=st.data(),
)
def test_bulk_equals_scalar_on_random_inputs(cal, minutes, data) -> None:
    starts = [BASE + dt.timedelta(minutes=m) for m in minutes]
    days = data.draw(st.lists(st.integers(0, 40), min_size=len(starts), max_size=len(starts)))
    as_numpy = np.array([s.replace(tzinfo=None) for s in starts], dtype="datetime64[us]")
    expected = scalar_utc(cal, starts, days)
    np.testing.assert_array_equal(bulk_business_day_deadlines(cal, as_numpy, np.array(days)), expected)
    np.testing.assert_array_equal(bulk_business_day_deadlines(cal, starts, days), expected)


def test_bulk_edge_cases_around_closing_and_holidays() -> None:
    starts = [
        jst(2026, 4, 30, 10, 0),
        jst(2026, 6, 12, 18, 0),  # exactly closing
        jst(2026, 6, 12, 17, 59, 59),
        jst(2026, 5, 1, 19, 0),  # after closing before Golden Week
        jst(2026, 9, 22, 10, 0),  # citizens' holiday
        jst(2026, 12, 28, 18, 30),  # after closing before the year-end closure
        jst(2027, 3, 19, 23, 59),
    ]
    days = [3, 1, 1, 1, 0, 1, 1]
    expected = scalar_utc(JP, starts, days)
    result = bulk_business_day_deadlines(JP, starts, days)
    np.testing.assert_array_equal(result, expected)
    assert to_aware(JP, result)[0] == jst(2026, 5, 8, 18, 0)


def test_bulk_across_dst_with_a_lunch_break_and_short_friday() -> None:
    cal = WorkCalendar(
        tz="Europe/Berlin",
        country="DE",
        periods={
            0: [(T(9), T(12)), (T(13), T(18))],
            1: [(T(9), T(18))],
            2: [(T(9), T(18))],
            3: [(T(9), T(18))],
            4: [(T(9), T(16))],
        },
    )
    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 3 * 366 * 24 * 60, size=500)
    starts = [BASE + dt.timedelta(minutes=int(m)) for m in minutes]
    days = rng.integers(0, 30, size=500).tolist()
    np.testing.assert_array_equal(bulk_business_day_deadlines(cal, starts, days), scalar_utc(cal, starts, days))


def test_bulk_widens_its_holiday_list_for_long_horizons() -> None:
    starts = [jst(2026, 4, 30, 10, 0)]
    np.testing.assert_array_equal(bulk_business_day_deadlines(JP, starts, [800]), scalar_utc(JP, starts, [800]))


def test_bulk_input_validation() -> None:
    assert bulk_business_day_deadlines(JP, np.array([], dtype="datetime64[us]"), []).size == 0
    with pytest.raises(ValueError):
        bulk_business_day_deadlines(JP, [jst(2026, 6, 8, 10, 0)], [-1])
    with pytest.raises(ValueError):
        bulk_business_day_deadlines(JP, [dt.datetime(2026, 6, 8, 10, 0)], [1])
    with pytest.raises(ValueError):
        bulk_business_day_deadlines(JP, np.array(["NaT"], dtype="datetime64[us]"), [1])
    # A scalar day count broadcasts.
    result = bulk_business_day_deadlines(JP, [jst(2026, 6, 8, 10, 0), jst(2026, 6, 9, 10, 0)], 1)
    assert to_aware(JP, result) == [jst(2026, 6, 9, 18, 0), jst(2026, 6, 10, 18, 0)]


def test_zone_transitions_match_zoneinfo() -> None:
    transitions, offsets = zone_transitions("Europe/Berlin", 2026, 2026)
    assert transitions.astype("datetime64[us]").tolist() == [
        dt.datetime(2026, 3, 29, 1, 0),
        dt.datetime(2026, 10, 25, 1, 0),
    ]
    assert (offsets // 3_600_000_000).tolist() == [1, 2, 1]
    transitions, offsets = zone_transitions("Asia/Tokyo", 2026, 2030)
    assert transitions.size == 0 and offsets.tolist() == [9 * 3_600_000_000]
    assert BERLIN_OFFICE.tz == "Europe/Berlin"


@pytest.mark.parametrize("cal_name", ["BERLIN_NIGHT", "BERLIN_24X7", "NEW_YORK_24X7"])
def test_bulk_equals_scalar_minute_by_minute_around_dst_changes(cal_name) -> None:
    from tests.sla import calendars

    cal = getattr(calendars, cal_name)
    starts = []
    for day in (
        dt.datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 8, 4, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 1, 3, 0, tzinfo=UTC),
    ):
        starts += [day + dt.timedelta(minutes=5 * i) for i in range(12 * 8)]
    days = [i % 3 for i in range(len(starts))]
    np.testing.assert_array_equal(bulk_business_day_deadlines(cal, starts, days), scalar_utc(cal, starts, days))
