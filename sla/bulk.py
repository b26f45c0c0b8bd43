"""Vectorised business-day deadlines for bulk recomputation (numpy).

Same rule as ``sla.business_time.add_business_days`` without pauses, computed on whole arrays:
convert UTC instants to the calendar's wall clock, move starts at/after closing time to the
next day, let ``numpy.busday_offset`` (weekmask + the calendar's holiday list) find the Nth
working day, add that weekday's closing time and convert back to UTC. Time-zone offsets come
from a transition table built once per (zone, years) with ``zoneinfo``, so DST is handled
exactly like the scalar code (fold=0 for wall times that are skipped or repeated).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from .workcal import UTC, WorkCalendar, non_working_dates, require_aware

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_SAMPLE_STEP = 6 * 3600  # seconds; no real zone changes offset twice within six hours


def _offset_us(zone: ZoneInfo, ts: int) -> int:
    return dt.datetime.fromtimestamp(ts, zone).utcoffset() // dt.timedelta(microseconds=1)


@functools.lru_cache(maxsize=64)
def zone_transitions(tz: str, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC offset changes of ``tz`` between ``first_year`` and ``last_year`` (inclusive).

    Returns ``(transitions, offsets)``: transition instants in UTC microseconds and the
    offsets in microseconds, ``offsets[i]`` being in force before ``transitions[i]`` and
    ``offsets[-1]`` after the last one.
    """
    zone = ZoneInfo(tz)
    t0 = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    t1 = int(dt.datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    transitions: list[int] = []
    offsets = [_offset_us(zone, t0)]
    previous = t0
    for ts in range(t0 + _SAMPLE_STEP, t1 + _SAMPLE_STEP, _SAMPLE_STEP):
        current = _offset_us(zone, ts)
        if current != offsets[-1]:
            lo, hi = previous, ts  # bisect to the exact second of the change
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_us(zone, mid) == offsets[-1]:
                    lo = mid
                else:
                    hi = mid
            transitions.append(hi * US_PER_SECOND)
            offsets.append(current)
        previous = ts
    return np.array(transitions, dtype=np.int64), np.array(offsets, dtype=np.int64)


def _utc_to_wall(utc: np.ndarray, transitions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    if transitions.size == 0:
        return utc + offsets[0]
    return utc + offsets[np.searchsorted(transitions, utc, side="right")]


def _wall_to_utc(wall: np.ndarray, transitions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    if transitions.size == 0:
        return wall - offsets[0]
    # zoneinfo's fold=0 rule: a transition takes effect at wall time T + max(old, new offset),
    # so skipped wall times use the old offset and repeated ones their first occurrence.
    wall_transitions = transitions + np.maximum(offsets[:-1], offsets[1:])
    return wall - offsets[np.searchsorted(wall_transitions, wall, side="right")]


def _as_utc_micros(starts: Any) -> np.ndarray:
    if isinstance(starts, np.ndarray) and np.issubdtype(starts.dtype, np.datetime64):
        if np.isnat(starts).any():
            raise ValueError("starts contains NaT")
        # A numpy datetime64 carries no zone: it is read as UTC (as the database stores it).
        if starts.dtype == np.dtype("datetime64[us]"):
            return starts.view(np.int64)  # no copy: nothing below writes to it
        return starts.astype("datetime64[us]").view(np.int64)
    values: Iterable[dt.datetime] = starts
    micros = [(require_aware(v, "start") - _EPOCH) // dt.timedelta(microseconds=1) for v in values]
    return np.array(micros, dtype=np.int64)


def _closing_table(cal: WorkCalendar) -> np.ndarray:
    """Closing time per weekday as microseconds after local midnight (0 when not working)."""
    table = np.zeros(7, dtype=np.int64)
    for wd in cal.working_weekdays:
        end = cal.periods[wd][-1][1]
        minutes = 24 * 60 if end == dt.time(0) else end.hour * 60 + end.minute
        table[wd] = minutes * 60 * US_PER_SECOND
    return table


def _busday_calendar(cal: WorkCalendar, first_year: int, last_year: int) -> np.busdaycalendar:
    """numpy business-day calendar with the calendar's weekmask and holidays (cached)."""
    key = ("busdaycal", first_year, last_year)
    memo = cal._memo
    if key not in memo:
        days = non_working_dates(cal, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
        weekmask = [1 if wd in cal.working_weekdays else 0 for wd in range(7)]
        memo[key] = np.busdaycalendar(weekmask=weekmask, holidays=np.array(days, dtype="datetime64[D]"))
    return memo[key]


def busday_calendar(cal: WorkCalendar, first_year: int, last_year: int) -> np.busdaycalendar:
    """Public access to the cached ``numpy.busdaycalendar`` of ``cal`` for a year range."""
    return _busday_calendar(cal, first_year, last_year)


def _year_of_day(day_number: int) -> int:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day_number))).year


def bulk_business_day_deadlines(cal: WorkCalendar, starts: Any, days: Any) -> np.ndarray:
    """Business-day deadlines for many starts at once, as ``datetime64[us]`` UTC instants.

    ``starts`` is a numpy ``datetime64`` array (read as UTC) or an iterable of aware datetimes;
    ``days`` is an int array of the same length or a scalar. Element ``i`` equals
    ``add_business_days(cal, starts[i], days[i])`` converted to UTC.
    """
    utc = _as_utc_micros(starts)
    offsets_days = np.broadcast_to(np.asarray(days), utc.shape)
    if not np.issubdtype(offsets_days.dtype, np.integer):
        if not np.all(np.mod(offsets_days, 1) == 0):
            raise ValueError("business days must be whole numbers")
        offsets_days = offsets_days.astype(np.int64)
    if utc.size == 0:
        return utc.astype("datetime64[us]")
    if (offsets_days < 0).any():
        raise ValueError("business days must be >= 0")

    closing = _closing_table(cal)
    working_closings = {int(closing[wd]) for wd in cal.working_weekdays}
    # Usual case: every working day closes at the same time. Then one scalar replaces the
    # per-weekday lookups (two ``% 7`` passes and two gathers over the whole array): on a
    # non-working day "after closing" may be wrong, but it only moves the search start to the
    # next day, and ``roll="forward"`` lands on the same working day either way.
    uniform = int(working_closings.pop()) if len(working_closings) == 1 else None
    first_year = _year_of_day(int(utc.min() // US_PER_DAY)) - 1
    # Rough horizon (calendar days per working day, plus slack); widened below if too short.
    per_week = len(cal.working_weekdays)
    horizon_days = int(offsets_days.max()) * 7 // per_week + 60
    last_year = _year_of_day(int(utc.max() // US_PER_DAY) + horizon_days) + 1
    while True:
        transitions, zone_offsets = zone_transitions(cal.tz, first_year, last_year)
        if transitions.size == 0 and uniform is not None:
            # One fixed offset, one closing time c: the receipt day is floor((wall - c) / day) + 1
            # (at/after closing it is tomorrow, before it today), one pass instead of four.
            local_day = utc - (uniform - int(zone_offsets[0]))
            local_day //= US_PER_DAY
            after_closing = 1
        else:
            wall = _utc_to_wall(utc, transitions, zone_offsets)
            local_day = wall // US_PER_DAY
            closing_today = uniform if uniform is not None else closing[(local_day + 3) % 7]  # 1970-01-01: Thu
            if transitions.size == 0:
                after_closing = wall - local_day * US_PER_DAY >= closing_today
            else:
                closing_utc = _wall_to_utc(local_day * US_PER_DAY + closing_today, transitions, zone_offsets)
                after_closing = utc >= closing_utc
        # At/after closing the receipt day is the next working day: start the search tomorrow.
        local_day += after_closing
        due_day = np.busday_offset(
            local_day.view("datetime64[D]"),
            offsets_days,
            roll="forward",
            busdaycal=_busday_calendar(cal, first_year, last_year),
        ).view(np.int64)
        if _year_of_day(int(due_day.max())) < last_year:
            break
        last_year += max(2, (last_year - first_year) // 2)  # holidays list too short: widen
    # busday_offset lands on working days only, so the uniform closing time applies to all.
    due_wall = due_day * US_PER_DAY
    due_wall += uniform if uniform is not None else closing[(due_day + 3) % 7]
    if transitions.size == 0:
        due_wall -= zone_offsets[0]  # in place: the array is ours
        return due_wall.view("datetime64[us]")
    return _wall_to_utc(due_wall, transitions, zone_offsets).view("datetime64[us]")


def to_aware(cal: WorkCalendar, values: np.ndarray) -> list[dt.datetime]:
    """Convert ``datetime64`` UTC instants to aware datetimes in the calendar's zone."""
    micros = values.astype("datetime64[us]").astype(np.int64)
    return [(_EPOCH + dt.timedelta(microseconds=int(m))).astimezone(cal.zone) for m in micros]
