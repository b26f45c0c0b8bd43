"""WorkCalendar construction and day rules: holidays, company holidays, closures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sla.calendar import (
    AnnualRange,
    WorkCalendar,
    is_holiday,
    is_working_day,
    is_working_time,
    national_holidays,
    next_opening,
    next_working_day,
    previous_working_day,
)
from tests.sla.calendars import JP, JP_LUNCH, JP_SHORT_FRIDAY, T, jst

D = dt.date


@pytest.mark.parametrize(
    "day, name",
    [
        (D(2026, 5, 6), "substitute holiday for Constitution Day on Sunday"),
        (D(2027, 3, 22), "substitute holiday for Vernal Equinox Day on Sunday"),
        (D(2026, 9, 22), "citizens' holiday between two holidays (Silver Week)"),
        (D(2026, 9, 21), "Respect for the Aged Day"),
        (D(2026, 9, 23), "Autumnal Equinox Day"),
        (D(2026, 4, 29), "Showa Day"),
        (D(2026, 5, 4), "Greenery Day"),
        (D(2026, 5, 5), "Children's Day"),
    ],
)
def test_japanese_holidays_come_from_the_holidays_package(day: dt.date, name: str) -> None:
    assert day in national_holidays("JP", day.year), name
    assert not is_working_day(JP, day)


def test_ordinary_weekdays_around_golden_week_are_working_days() -> None:
    assert is_working_day(JP, D(2026, 4, 30))
    assert is_working_day(JP, D(2026, 5, 1))
    assert is_working_day(JP, D(2026, 5, 7))
    assert not is_working_day(JP, D(2026, 5, 2))  # Saturday


def test_no_country_means_no_national_holidays() -> None:
    cal = WorkCalendar(country=None)
    assert is_working_day(cal, D(2026, 5, 6))
    assert is_working_day(WorkCalendar(country=""), D(2026, 5, 6))


def test_countries_are_checked_against_the_holidays_registry() -> None:
    import holidays

    from sla.workcal import _supported_countries

    assert _supported_countries() == set(holidays.utils.list_supported_countries())
    assert WorkCalendar(country="jp").country == "JP"
    assert WorkCalendar(country="UK").country == "UK"  # an alias of GB
    with pytest.raises(ValueError, match="unknown holiday country"):
        WorkCalendar(country="XX")


def test_year_end_company_holiday_wraps_the_year() -> None:
    for day in (D(2026, 12, 29), D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 3)):
        assert is_holiday(JP, day)
    assert is_working_day(JP, D(2026, 12, 28))
    assert not is_working_day(JP, D(2026, 12, 29))
    assert is_working_day(JP, D(2027, 1, 4))
    assert next_working_day(JP, D(2026, 12, 28)) == D(2027, 1, 4)
    assert previous_working_day(JP, D(2027, 1, 4)) == D(2026, 12, 28)


def test_annual_range_forms() -> None:
    assert AnnualRange(8, 13, 8, 16).contains(D(2026, 8, 14))
    assert not AnnualRange(8, 13, 8, 16).contains(D(2026, 8, 17))
    cal = WorkCalendar(company_holidays=[((8, 13), (8, 16)), (12, 30, 1, 2)])
    assert cal.company_holidays == (AnnualRange(8, 13, 8, 16), AnnualRange(12, 30, 1, 2))
    with pytest.raises(ValueError):
        WorkCalendar(company_holidays=["02-30..03-01"])


def test_one_off_closure() -> None:
    cal = WorkCalendar(closures=frozenset({D(2026, 6, 10)}))
    assert not is_working_day(cal, D(2026, 6, 10))
    assert next_working_day(cal, D(2026, 6, 9)) == D(2026, 6, 11)


def test_periods_are_normalised_and_validated() -> None:
    assert JP.periods[0] == ((T(9), T(18)),)
    assert JP.periods[5] == ()  # Saturday is not a workday: its periods are dropped
    assert JP.working_weekdays == frozenset(range(5))
    assert JP_SHORT_FRIDAY.closing_time(4) == T(16)
    assert JP_SHORT_FRIDAY.closing_time(6) is None
    # unsorted input is sorted
    cal = WorkCalendar(periods=[(T(13), T(18)), (T(9), T(12))])
    assert cal.periods[0] == ((T(9), T(12)), (T(13), T(18)))
    with pytest.raises(ValueError, match="overlapping"):
        WorkCalendar(periods=[(T(9), T(12)), (T(11), T(18))])
    with pytest.raises(ValueError, match="ends before"):
        WorkCalendar(periods=[(T(18), T(9))])
    with pytest.raises(ValueError, match="unknown time zone"):
        WorkCalendar(tz="Mars/Olympus")
    with pytest.raises(ValueError, match="no working weekday"):
        WorkCalendar(workdays=[5, 6], periods={0: [(T(9), T(18))]})
    with pytest.raises(ValueError, match="country"):
        WorkCalendar(country="XX")


def test_touching_periods_are_allowed_and_midnight_ends_the_day() -> None:
    cal = WorkCalendar(periods=[(T(0), T(12)), (T(12), T(0))], country=None)
    assert cal.periods[0] == ((T(0), T(12)), (T(12), T(0)))


def test_calendar_is_hashable_and_comparable() -> None:
    again = WorkCalendar(company_holidays=["12-29..01-03"])
    assert again == JP and hash(again) == hash(JP)
    assert dataclasses.replace(JP, country=None) != JP
    with pytest.raises(dataclasses.FrozenInstanceError):
        JP.tz = "UTC"  # type: ignore[misc]


def test_calendar_pickles_without_its_caches() -> None:
    import copy
    import pickle

    from sla.calendar import bulk_business_day_deadlines

    bulk_business_day_deadlines(JP, [jst(2026, 6, 8, 10, 0)], [1])  # fills the numpy cache
    restored = pickle.loads(pickle.dumps(JP))
    assert restored == JP
    assert next_opening(restored, jst(2026, 6, 13, 10, 0)) == jst(2026, 6, 15, 9, 0)
    assert copy.deepcopy(JP) == JP


def test_next_opening() -> None:
    assert next_opening(JP, jst(2026, 6, 8, 7, 0)) == jst(2026, 6, 8, 9, 0)
    assert next_opening(JP, jst(2026, 6, 8, 10, 0)) == jst(2026, 6, 8, 10, 0)
    assert next_opening(JP, jst(2026, 6, 8, 18, 0)) == jst(2026, 6, 9, 9, 0)  # closing is not open
    assert next_opening(JP, jst(2026, 6, 12, 19, 0)) == jst(2026, 6, 15, 9, 0)  # weekend
    assert next_opening(JP, jst(2026, 5, 2, 10, 0)) == jst(2026, 5, 7, 9, 0)  # Golden Week
    assert next_opening(JP_LUNCH, jst(2026, 6, 8, 12, 30)) == jst(2026, 6, 8, 13, 0)
    # Input in another zone, output in the calendar's zone.
    assert next_opening(JP, dt.datetime(2026, 6, 7, 23, 0, tzinfo=dt.UTC)).utcoffset() == dt.timedelta(hours=9)


def test_is_working_time_is_half_open() -> None:
    assert is_working_time(JP, jst(2026, 6, 8, 9, 0))
    assert is_working_time(JP, jst(2026, 6, 8, 17, 59))
    assert not is_working_time(JP, jst(2026, 6, 8, 18, 0))
    assert not is_working_time(JP_LUNCH, jst(2026, 6, 8, 12, 0))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_opening(JP, dt.datetime(2026, 6, 8, 10, 0))
