"""Working-calendar rules: which days are working days and when each day's periods are.

Pure, no database and no clock. Everything that turns a calendar *date* into absolute working
intervals lives here; the business-time arithmetic built on top of it is in
``sla.business_time``. Import the public API from ``sla.calendar``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

UTC = dt.UTC
MIDNIGHT = dt.time(0, 0)
ONE_DAY = dt.timedelta(days=1)
# A calendar with no working day for this long is treated as broken rather than walked forever.
MAX_SCAN_DAYS = 3660

Period = tuple[dt.time, dt.time]
Interval = tuple[dt.datetime, dt.datetime]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AnnualRange(NamedTuple):
    """A company holiday repeating every year, inclusive; may wrap the year end (12-29..01-03)."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls inside the range (inclusive)."""
        md = (day.month, day.day)
        start = (self.start_month, self.start_day)
        end = (self.end_month, self.end_day)
        if start <= end:
            return start <= md <= end
        return md >= start or md <= end


@functools.cache
def _supported_countries() -> frozenset[str]:
    # The registry's codes (aliases included), as ``list_supported_countries`` keys them: that
    # function also imports every country's module to list subdivisions (50-80 ms, the first
    # calendar of each process: a third of a cold SLA sweep).
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


@functools.cache
def national_holidays(country: str, year: int) -> frozenset[dt.date]:
    """National holidays of ``country`` in ``year``, from the ``holidays`` package (cached)."""
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


def _period_end_minutes(end: dt.time) -> int:
    # 00:00 as a period end means 24:00 (midnight at the end of the day).
    return 24 * 60 if end == MIDNIGHT else end.hour * 60 + end.minute


def _validate_day_periods(weekday: int, periods: Iterable[Sequence[dt.time]]) -> tuple[Period, ...]:
    out: list[Period] = []
    for pair in periods:
        if len(pair) != 2:
            raise ValueError(f"working period must be a (start, end) pair, got {pair!r}")
        start, end = pair
        if not isinstance(start, dt.time) or not isinstance(end, dt.time):
            raise ValueError(f"working period bounds must be datetime.time, got {pair!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working period times must be naive (the calendar's zone applies)")
        if start.second or start.microsecond or end.second or end.microsecond:
            raise ValueError("working period times must be whole minutes")
        out.append((start, end))
    out.sort()
    previous_end = -1
    for start, end in out:
        s, e = start.hour * 60 + start.minute, _period_end_minutes(end)
        if e <= s:
            raise ValueError(f"working period {start:%H:%M}-{end:%H:%M} ends before it starts")
        if s < previous_end:
            raise ValueError(f"overlapping working periods on {WEEKDAY_NAMES[weekday]}")
        previous_end = e
    return tuple(out)


def _normalise_periods(periods: Any) -> tuple[tuple[Period, ...], ...]:
    """Accept one list for every weekday, a {weekday: list} mapping, or the 7-tuple form."""
    if isinstance(periods, Mapping):
        per_day = [periods.get(wd, ()) for wd in range(7)]
        unknown = set(periods) - set(range(7))
        if unknown:
            raise ValueError(f"weekday keys must be 0-6, got {sorted(unknown)!r}")
    else:
        items = list(periods)
        is_per_day = len(items) == 7 and all(
            not isinstance(day, dt.time) and all(not isinstance(p, dt.time) for p in day) for day in items
        )
        per_day = items if is_per_day else [items] * 7
    return tuple(_validate_day_periods(wd, day) for wd, day in enumerate(per_day))


def _normalise_range(value: Any) -> AnnualRange:
    if isinstance(value, AnnualRange):
        rng = value
    elif isinstance(value, str):
        # "12-29..01-03"
        start, _, end = value.partition("..")
        sm, sd = (int(x) for x in start.split("-"))
        em, ed = (int(x) for x in end.split("-"))
        rng = AnnualRange(sm, sd, em, ed)
    elif len(value) == 2:
        (sm, sd), (em, ed) = value
        rng = AnnualRange(int(sm), int(sd), int(em), int(ed))
    else:
        rng = AnnualRange(*(int(x) for x in value))
    for month, day in ((rng.start_month, rng.start_day), (rng.end_month, rng.end_day)):
        try:
            dt.date(2000, month, day)  # a leap year, so 02-29 is accepted
        except ValueError as exc:
            raise ValueError(f"invalid month/day {month:02d}-{day:02d} in company holiday") from exc
    return rng


@dataclass(frozen=True)
class WorkCalendar:
    """An immutable description of when work happens.

    ``periods`` may be given as one list of ``(start, end)`` times used for every weekday, as a
    ``{weekday: [(start, end), ...]}`` mapping (0 = Monday) or as a 7-tuple; it is stored as the
    7-tuple, keeping only the periods of ``workdays``. A period ending at 00:00 ends at midnight
    (24:00). A weekday is a working weekday when it is in ``workdays`` *and* has a period.
    """

    tz: str = "Asia/Tokyo"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    periods: Any = ((dt.time(9, 0), dt.time(18, 0)),)
    country: str | None = "JP"
    company_holidays: Any = ()
    closures: frozenset[dt.date] = frozenset()
    # Per-instance memo (day -> UTC intervals); excluded from equality and hashing.
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        workdays = frozenset(int(d) for d in self.workdays)
        if not workdays <= set(range(7)):
            raise ValueError("workdays must be weekday numbers 0 (Monday) to 6 (Sunday)")
        # Periods of non-working weekdays never count: drop them so that equal behaviour
        # means equal (and equally hashed) calendars.
        periods = tuple(p if wd in workdays else () for wd, p in enumerate(_normalise_periods(self.periods)))
        if not any(periods):
            raise ValueError("calendar has no working weekday with working periods")
        country = (self.country or "").strip().upper() or None
        if country is not None and country not in _supported_countries():
            raise ValueError(f"unknown holiday country {country!r}")
        ranges = tuple(_normalise_range(r) for r in self.company_holidays)
        closures = frozenset(self.closures)
        if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in closures):
            raise ValueError("closures must be dates")
        for name, value in (
            ("workdays", workdays),
            ("periods", periods),
            ("country", country),
            ("company_holidays", ranges),
            ("closures", closures),
        ):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_memo", {"zone": zone, "days": {}})

    def __getstate__(self) -> dict[str, Any]:
        # The memo holds unpicklable caches (numpy busdaycalendar); rebuild it on load.
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        object.__setattr__(self, "_memo", {"zone": ZoneInfo(self.tz), "days": {}})

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone object."""
        return self._memo["zone"]

    @property
    def working_weekdays(self) -> frozenset[int]:
        """Weekdays that are working days unless a holiday or closure says otherwise."""
        return frozenset(wd for wd in self.workdays if self.periods[wd])

    def closing_time(self, weekday: int) -> dt.time | None:
        """The end of the last period of ``weekday`` (00:00 meaning 24:00), or None."""
        day = self.periods[weekday]
        return day[-1][1] if day else None


def is_holiday(cal: WorkCalendar, day: dt.date) -> bool:
    """Whether ``day`` is a national holiday, company holiday or one-off closure."""
    if day in cal.closures:
        return True
    if any(r.contains(day) for r in cal.company_holidays):
        return True
    return cal.country is not None and day in national_holidays(cal.country, day.year)


def is_working_day(cal: WorkCalendar, day: dt.date) -> bool:
    """Whether ``day`` (a calendar date in the calendar's zone) is a working day."""
    return day.weekday() in cal.working_weekdays and not is_holiday(cal, day)


def localize(cal: WorkCalendar, day: dt.date, at: dt.time) -> dt.datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in the calendar's zone.

    Uses fold=0: a wall time skipped by a DST jump maps to the instant one DST-offset later,
    a repeated wall time maps to its first occurrence (Python's zoneinfo behaviour).
    """
    return dt.datetime.combine(day, at, tzinfo=cal.zone).astimezone(UTC)


def day_intervals(cal: WorkCalendar, day: dt.date) -> tuple[Interval, ...]:
    """The working intervals of ``day`` as ``(start, end)`` UTC datetimes; empty if not working."""
    memo = cal._memo["days"]
    hit = memo.get(day)
    if hit is not None:
        return hit
    out: list[Interval] = []
    if is_working_day(cal, day):
        for start, end in cal.periods[day.weekday()]:
            s = localize(cal, day, start)
            e = localize(cal, day + ONE_DAY, MIDNIGHT) if end == MIDNIGHT else localize(cal, day, end)
            if e > s:  # a period swallowed by a DST gap contributes nothing
                out.append((s, e))
    result = tuple(out)
    if len(memo) > 200_000:  # bound memory for long-running processes
        memo.clear()
    memo[day] = result
    return result


def closing_instant(cal: WorkCalendar, day: dt.date) -> dt.datetime | None:
    """UTC instant of ``day``'s closing time (end of its last period), None if not working."""
    intervals = day_intervals(cal, day)
    return intervals[-1][1] if intervals else None


def opening_instant(cal: WorkCalendar, day: dt.date) -> dt.datetime | None:
    """UTC instant of ``day``'s opening time (start of its first period), None if not working."""
    intervals = day_intervals(cal, day)
    return intervals[0][0] if intervals else None


def local_date(cal: WorkCalendar, instant: dt.datetime) -> dt.date:
    """The calendar date of an aware ``instant`` in the calendar's zone."""
    return instant.astimezone(cal.zone).date()


def next_working_day(cal: WorkCalendar, day: dt.date, n: int = 1) -> dt.date:
    """The ``n``-th working day strictly after ``day`` (n >= 1); ``day`` itself if n == 0."""
    return _step_working_days(cal, day, n, ONE_DAY)


def previous_working_day(cal: WorkCalendar, day: dt.date, n: int = 1) -> dt.date:
    """The ``n``-th working day strictly before ``day`` (n >= 1); ``day`` itself if n == 0."""
    return _step_working_days(cal, day, n, -ONE_DAY)


def _step_working_days(cal: WorkCalendar, day: dt.date, n: int, step: dt.timedelta) -> dt.date:
    if n < 0:
        raise ValueError("number of working days must be >= 0")
    idle = 0
    while n > 0:
        day += step
        if is_working_day(cal, day):
            n -= 1
            idle = 0
        else:
            idle += 1
            if idle > MAX_SCAN_DAYS:
                raise ValueError("calendar has no working day within ten years")
    return day


def first_working_day_on_or_after(cal: WorkCalendar, day: dt.date) -> dt.date:
    """``day`` if it is a working day, else the next working day."""
    return day if is_working_day(cal, day) else next_working_day(cal, day)


def non_working_dates(cal: WorkCalendar, first: dt.date, last: dt.date) -> list[dt.date]:
    """Holidays and closures between ``first`` and ``last`` (inclusive) that fall on a working weekday."""
    weekdays = cal.working_weekdays
    out: list[dt.date] = []
    national: set[dt.date] = set()
    if cal.country is not None:
        for year in range(first.year, last.year + 1):
            national |= national_holidays(cal.country, year)
    day = first
    while day <= last:
        if day.weekday() in weekdays and (
            day in national or day in cal.closures or any(r.contains(day) for r in cal.company_holidays)
        ):
            out.append(day)
        day += ONE_DAY
    return out


def require_aware(value: dt.datetime, name: str = "datetime") -> dt.datetime:
    """Return ``value`` in UTC, refusing naive datetimes (time is always explicit here)."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)
