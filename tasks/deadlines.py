"""Adapter to the SLA calendar maths: due dates and working days for tasks.

Uses ``sla.business_time`` (working calendar, Japanese holidays, pauses) when it is there;
otherwise a small numpy fallback (business days, ``holidays.JP``, 18:00 Asia/Tokyo). The SLA
work can replace ``compute_due`` with per-type policies and per-team calendars.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
CLOSING = dt.time(18, 0)

try:  # pragma: no branch
    from sla.business_time import deadline as _sla_deadline
    from sla.workcal import WorkCalendar, is_working_day as _is_working_day

    HAVE_SLA = True
except ImportError:  # pragma: no cover - the SLA app is not ready
    HAVE_SLA = False


@functools.lru_cache(maxsize=1)
def default_calendar():
    return WorkCalendar() if HAVE_SLA else None


def _np_holidays(years: Iterable[int]) -> list[str]:
    import holidays

    out: list[str] = []
    for y in years:
        out += [d.isoformat() for d in holidays.JP(years=y)]
    return out


def compute_due(task_type, start: dt.datetime, pauses: Iterable[Sequence[dt.datetime]] = ()) -> tuple[dt.datetime, dt.datetime]:
    """``(due_at, at_risk_at)`` of a task of ``task_type`` whose SLA clock starts at ``start``."""
    days = int(getattr(task_type, "lead_time_days", task_type) or 0)
    if HAVE_SLA:
        return _sla_deadline(default_calendar(), start, business_days=days, pauses=list(pauses))
    import numpy as np  # pragma: no cover

    local = start.astimezone(TOKYO)
    first = local.date() if local.time() < CLOSING else local.date() + dt.timedelta(days=1)
    hol = _np_holidays(range(first.year, first.year + 2))
    receipt = np.busday_offset(first.isoformat(), 0, roll="forward", holidays=hol)
    due_day = np.busday_offset(receipt, days, roll="forward", holidays=hol).astype(dt.date)
    risk_day = np.busday_offset(receipt, max(days * 3 // 4, 0), roll="forward", holidays=hol).astype(dt.date)
    return (dt.datetime.combine(due_day, CLOSING, TOKYO), dt.datetime.combine(risk_day, CLOSING, TOKYO))


def is_working_day(day: dt.date) -> bool:
    if HAVE_SLA:
        return _is_working_day(default_calendar(), day)
    import holidays  # pragma: no cover

    return day.weekday() < 5 and day not in holidays.JP(years=day.year)


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Working days in ``[first, last]`` inclusive."""
    out = []
    day = first
    while day <= last:
        if is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day``."""
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
