"""Back-scheduling: from a due instant or a launch date back to the latest start.

The inverse of ``sla.business_time``: each function answers "how late can work start and
still meet this deadline under the same rules the forward functions use".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from .business_time import (
    Number,
    deadline,
    iter_intervals_backwards,
    to_timedelta_hours,
    to_whole_days,
)
from .workcal import (
    WorkCalendar,
    closing_instant,
    is_working_day,
    local_date,
    opening_instant,
    previous_working_day,
    require_aware,
)


def _out(cal: WorkCalendar, instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(cal.zone)


def subtract_business_hours(cal: WorkCalendar, end: dt.datetime, hours: Number) -> dt.datetime:
    """Latest start ``s`` with ``add_business_hours(cal, s, hours) <= end`` (for hours > 0).

    Walks working time backwards from ``end``; landing exactly on an opening time returns the
    opening (not the previous evening's closing). With ``hours == 0`` it returns the latest
    working instant at or before ``end`` (``end`` itself, or the previous closing time).
    """
    instant = require_aware(end, "end")
    remaining = to_timedelta_hours(hours)
    for s, e in iter_intervals_backwards(cal, instant):
        length = e - s
        if remaining <= length:
            return _out(cal, e - remaining)
        remaining -= length
    raise AssertionError("unreachable")  # pragma: no cover


def last_working_day_closed_by(cal: WorkCalendar, end: dt.datetime) -> dt.date:
    """The latest working day whose closing time is at or before ``end``."""
    instant = require_aware(end, "end")
    day = local_date(cal, instant)
    if is_working_day(cal, day):
        closing = closing_instant(cal, day)
        if closing is not None and closing <= instant:
            return day
    return previous_working_day(cal, day)


def subtract_business_days(cal: WorkCalendar, end: dt.datetime, days: Number) -> dt.datetime:
    """Opening time of the latest receipt day from which ``days`` business days end by ``end``.

    Any start from that opening until just before that day's closing gives
    ``add_business_days(cal, start, days) <= end``; a start on the next working day does not.
    """
    n = to_whole_days(days)
    receipt_day = previous_working_day(cal, last_working_day_closed_by(cal, end), n)
    opening = opening_instant(cal, receipt_day)
    assert opening is not None
    return _out(cal, opening)


def latest_start(
    cal: WorkCalendar,
    due: dt.datetime,
    *,
    business_days: Number | None = None,
    business_hours: Number | None = None,
) -> dt.datetime:
    """Latest start meeting ``due`` for a lead time in business days or hours (exactly one)."""
    if (business_days is None) == (business_hours is None):
        raise ValueError("give exactly one of business_days or business_hours")
    if business_days is not None:
        return subtract_business_days(cal, due, business_days)
    return subtract_business_hours(cal, due, business_hours)


def launch_due(cal: WorkCalendar, launch_on: dt.date) -> dt.datetime:
    """When work for a launch on ``launch_on`` must be finished: the last closing time
    before the launch day begins (work is due the working day before the launch)."""
    # A working day's closing time is at the latest its own midnight (a 24:00 period end),
    # so the previous working day's closing is always before the launch day begins.
    closing = closing_instant(cal, previous_working_day(cal, launch_on))
    assert closing is not None
    return _out(cal, closing)


def launch_latest_start(
    cal: WorkCalendar,
    launch_on: dt.date,
    *,
    business_days: Number | None = None,
    business_hours: Number | None = None,
) -> dt.datetime:
    """Latest start for a task with the given lead time so it is done before ``launch_on``."""
    return latest_start(cal, launch_due(cal, launch_on), business_days=business_days, business_hours=business_hours)


def launch_feasible(
    cal: WorkCalendar,
    now: dt.datetime,
    launch_on: dt.date,
    *,
    business_days: Number | None = None,
    business_hours: Number | None = None,
    pauses: Iterable[Sequence[dt.datetime]] = (),
) -> bool:
    """Whether work started at ``now`` with this lead time finishes by the launch's due time."""
    due, _ = deadline(cal, now, business_days=business_days, business_hours=business_hours, pauses=pauses)
    return due <= launch_due(cal, launch_on)
