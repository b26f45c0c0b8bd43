"""Business-time arithmetic on a ``WorkCalendar``: forward deadlines, working time, pauses.

All functions are pure: the start instant is an argument, nothing reads the clock. Inputs
must be timezone-aware; results are returned in the calendar's zone. Internally every
computation is done on UTC instants, because subtracting two aware datetimes that share a
``ZoneInfo`` compares wall clocks and would be wrong across a DST change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from .workcal import (
    MAX_SCAN_DAYS,
    ONE_DAY,
    Interval,
    WorkCalendar,
    closing_instant,
    day_intervals,
    first_working_day_on_or_after,
    is_working_day,
    local_date,
    next_working_day,
    require_aware,
)

Pause = tuple[dt.datetime, dt.datetime]
Number = int | float | Decimal


def iter_intervals(cal: WorkCalendar, start: dt.datetime) -> Iterator[Interval]:
    """Working intervals (UTC) ending after ``start``, clipped to begin no earlier than it."""
    # Start one day early: a period ending at 24:00 belongs to the previous local date.
    day = local_date(cal, start) - ONE_DAY
    idle = 0
    while True:
        intervals = day_intervals(cal, day)
        for s, e in intervals:
            if e > start:
                yield (max(s, start), e)
        idle = 0 if intervals else idle + 1
        if idle > MAX_SCAN_DAYS:
            raise ValueError("calendar has no working time within ten years")
        day += ONE_DAY


def iter_intervals_backwards(cal: WorkCalendar, end: dt.datetime) -> Iterator[Interval]:
    """Working intervals (UTC) starting before ``end``, newest first, clipped to end by it."""
    day = local_date(cal, end) + ONE_DAY
    idle = 0
    while True:
        intervals = day_intervals(cal, day)
        for s, e in reversed(intervals):
            if s < end:
                yield (s, min(e, end))
        idle = 0 if intervals else idle + 1
        if idle > MAX_SCAN_DAYS:
            raise ValueError("calendar has no working time within ten years")
        day -= ONE_DAY


def merge_pauses(pauses: Iterable[Sequence[dt.datetime]]) -> list[Interval]:
    """Validate pauses and merge overlapping ones into sorted, disjoint UTC intervals."""
    items: list[Interval] = []
    for pause in pauses:
        if len(pause) != 2:
            raise ValueError("a pause is a (start, end) pair")
        s = require_aware(pause[0], "pause start")
        e = require_aware(pause[1], "pause end")
        if e < s:
            raise ValueError("pause ends before it starts")
        if e > s:
            items.append((s, e))
    items.sort()
    merged: list[Interval] = []
    for s, e in items:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _unpaused_segments(cal: WorkCalendar, start: dt.datetime, pauses: list[Interval]) -> Iterator[Interval]:
    """Working intervals after ``start`` with the (merged, sorted) pauses cut out."""
    i = 0
    for s, e in iter_intervals(cal, start):
        while i < len(pauses) and pauses[i][1] <= s:
            i += 1
        j = i
        cursor = s
        while j < len(pauses) and pauses[j][0] < e:
            ps, pe = pauses[j]
            if ps > cursor:
                yield (cursor, ps)
            cursor = max(cursor, pe)
            if cursor >= e:
                break
            j += 1
        if cursor < e:
            yield (cursor, e)


def advance(cal: WorkCalendar, start: dt.datetime, budget: dt.timedelta, pauses: list[Interval]) -> dt.datetime:
    """First UTC instant at which un-paused working time since ``start`` equals ``budget``.

    When the budget runs out exactly at the end of a working interval the end is returned,
    so a deadline never slides from closing time to the next morning.
    """
    remaining = budget
    for s, e in _unpaused_segments(cal, start, pauses):
        length = e - s
        if remaining <= length:
            return s + remaining
        remaining -= length
    raise AssertionError("unreachable: interval iteration is unbounded")  # pragma: no cover


def to_timedelta_hours(hours: Number) -> dt.timedelta:
    """Convert a non-negative number of hours to a timedelta (microsecond precision)."""
    if isinstance(hours, bool):
        raise TypeError("hours must be a number")
    value = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite() or value < 0:
        raise ValueError("business hours must be a finite number >= 0")
    micros = int((value * 3_600_000_000).to_integral_value())
    return dt.timedelta(microseconds=micros)


def to_whole_days(days: Number) -> int:
    """Validate a business-day count: a whole number >= 0."""
    if isinstance(days, bool):
        raise TypeError("days must be a number")
    value = Decimal(str(days)) if isinstance(days, float) else Decimal(days)
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        raise ValueError("business days must be a whole number >= 0")
    return int(value)


def _out(cal: WorkCalendar, instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(cal.zone)


def next_opening(cal: WorkCalendar, when: dt.datetime) -> dt.datetime:
    """``when`` itself if it is inside working time, else the start of the next working period.

    A closing time is not inside working time (periods are half-open), so 18:00 gives the
    next morning's opening.
    """
    start = require_aware(when, "when")
    s, _ = next(iter_intervals(cal, start))
    return _out(cal, s)


def is_working_time(cal: WorkCalendar, when: dt.datetime) -> bool:
    """Whether ``when`` lies inside a working period (start inclusive, end exclusive)."""
    instant = require_aware(when, "when")
    day = local_date(cal, instant)
    return any(s <= instant < e for d in (day - ONE_DAY, day) for s, e in day_intervals(cal, d))


def working_time_between(cal: WorkCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time in ``[a, b)``; negative when ``b`` is before ``a``."""
    start = require_aware(a, "a")
    end = require_aware(b, "b")
    if end < start:
        return -working_time_between(cal, b, a)
    total = dt.timedelta(0)
    for s, e in iter_intervals(cal, start):
        if s >= end:
            break
        total += min(e, end) - s
    return total


def paused_working_time(cal: WorkCalendar, pauses: Iterable[Sequence[dt.datetime]]) -> dt.timedelta:
    """Working time covered by ``pauses`` (overlaps counted once; weekends/holidays add nothing)."""
    total = dt.timedelta(0)
    for s, e in merge_pauses(pauses):
        total += working_time_between(cal, s, e)
    return total


def effective_receipt_day(cal: WorkCalendar, start: dt.datetime) -> dt.date:
    """The working day a request received at ``start`` counts as received on.

    The start's own date if it is a working day and the start is before its closing time,
    otherwise the next working day.
    """
    instant = require_aware(start, "start")
    day = local_date(cal, instant)
    if is_working_day(cal, day):
        closing = closing_instant(cal, day)
        if closing is not None and instant < closing:
            return day
        return next_working_day(cal, day)
    return first_working_day_on_or_after(cal, day)


def _business_day_due(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """UTC closing time of the ``days``-th working day after the effective receipt day."""
    due_day = next_working_day(cal, effective_receipt_day(cal, start), days)
    closing = closing_instant(cal, due_day)
    assert closing is not None  # a working day always has periods
    return closing


def add_business_hours(
    cal: WorkCalendar, start: dt.datetime, hours: Number, pauses: Iterable[Sequence[dt.datetime]] = ()
) -> dt.datetime:
    """Deadline ``hours`` of un-paused working time after ``start``.

    A start outside working time starts at the next opening; a deadline landing exactly on a
    closing time stays there. With ``hours == 0`` the result is the next (un-paused) opening.
    """
    instant = require_aware(start, "start")
    return _out(cal, advance(cal, instant, to_timedelta_hours(hours), merge_pauses(pauses)))


def add_business_days(
    cal: WorkCalendar, start: dt.datetime, days: Number, pauses: Iterable[Sequence[dt.datetime]] = ()
) -> dt.datetime:
    """Deadline ``days`` business days after ``start``: closing time of the Nth working day
    after the effective receipt day, pushed later by the working time spent in ``pauses``."""
    instant = require_aware(start, "start")
    n = to_whole_days(days)
    due = _business_day_due(cal, instant, n)
    merged = merge_pauses(pauses)
    if merged:
        budget = working_time_between(cal, instant, due)
        due = advance(cal, instant, budget, merged)
    return _out(cal, due)


def sla_budget(
    cal: WorkCalendar,
    start: dt.datetime,
    *,
    business_days: Number | None = None,
    business_hours: Number | None = None,
) -> dt.timedelta:
    """The working-time budget of an SLA started at ``start`` (exactly one unit given)."""
    instant = require_aware(start, "start")
    if (business_days is None) == (business_hours is None):
        raise ValueError("give exactly one of business_days or business_hours")
    if business_hours is not None:
        return to_timedelta_hours(business_hours)
    due = _business_day_due(cal, instant, to_whole_days(business_days))
    return working_time_between(cal, instant, due)


def deadline(
    cal: WorkCalendar,
    start: dt.datetime,
    *,
    business_days: Number | None = None,
    business_hours: Number | None = None,
    pauses: Iterable[Sequence[dt.datetime]] = (),
    at_risk_share: Number = 0.75,
) -> tuple[dt.datetime, dt.datetime]:
    """``(due_at, at_risk_at)`` for an SLA started at ``start``.

    ``due_at`` is the first instant at which un-paused working time since ``start`` equals the
    SLA's budget; ``at_risk_at`` is where ``at_risk_share`` of that budget is used. To apply
    a changed policy mid-flight, call again with the original start and the recorded pauses.
    """
    instant = require_aware(start, "start")
    share = Decimal(str(at_risk_share)) if isinstance(at_risk_share, float) else Decimal(at_risk_share)
    if not share.is_finite() or not 0 <= share <= 1:
        raise ValueError("at_risk_share must be between 0 and 1")
    budget = sla_budget(cal, instant, business_days=business_days, business_hours=business_hours)
    merged = merge_pauses(pauses)
    if business_days is not None and not merged:
        due = _business_day_due(cal, instant, to_whole_days(business_days))
    else:
        due = advance(cal, instant, budget, merged)
    risk_budget = dt.timedelta(microseconds=int((share * (budget // dt.timedelta(microseconds=1))).to_integral_value()))
    at_risk = advance(cal, instant, risk_budget, merged)
    return _out(cal, due), _out(cal, at_risk)


def working_days_between(cal: WorkCalendar, first: dt.date, last: dt.date) -> int:
    """Number of working days in ``[first, last]`` (0 when last < first)."""
    count = 0
    day = first
    while day <= last:
        count += is_working_day(cal, day)
        day += ONE_DAY
    return count
