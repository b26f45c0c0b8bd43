"""Vectorised business time for the KPIs: working seconds between many instant pairs at once.

``sla.business_time.working_time_between`` walks a calendar interval by interval for one
pair; the quarterly review needs it for hundreds of thousands of pairs. ``WorkClock``
lists the calendar's working intervals (UTC, from ``sla.workcal.day_intervals``, so
holidays, company closures and DST are the SLA module's own) over the span of the data
once, and answers ``W(t)`` = working seconds before instant ``t`` with a binary search.
Working time in ``[a, b)`` is then ``W(b) - W(a)``, exactly what ``sla`` computes.

Instants are float epoch seconds (NaN = absent) so pandas columns pass straight through.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sla.workcal import WorkCalendar, day_intervals

MAX_SPAN_DAYS = 366 * 30
_WEEK = [dt.date(2001, 1, 1) + dt.timedelta(days=i) for i in range(7)]  # a Monday..Sunday


class WorkClock:
    def __init__(self, cal: WorkCalendar, first: dt.date, last: dt.date) -> None:
        self.span = (first, last)  # as asked: two clocks asked the same span are the same clock
        if (last - first).days > MAX_SPAN_DAYS:
            first = last - dt.timedelta(days=MAX_SPAN_DAYS)
        self.cal = cal
        starts, ends = [], []
        day = first - dt.timedelta(days=2)
        while day <= last + dt.timedelta(days=2):
            for s, e in day_intervals(cal, day):
                starts.append(s.timestamp())
                ends.append(e.timestamp())
            day += dt.timedelta(days=1)
        self.starts = np.asarray(starts, dtype="float64")
        self.ends = np.asarray(ends, dtype="float64")
        lengths = self.ends - self.starts
        self.cum = np.concatenate([[0.0], np.cumsum(lengths)])[:-1] if len(lengths) else np.zeros(0)
        self.lengths = lengths
        # The calendar's standard week and working day (no holidays), for "business days".
        week_seconds = 0.0
        days = 0
        for wd in range(7):
            periods = cal.periods[wd]
            if wd in cal.working_weekdays and periods:
                days += 1
                for s, e in periods:
                    end = 24 * 3600 if e == dt.time(0) else e.hour * 3600 + e.minute * 60
                    week_seconds += end - (s.hour * 3600 + s.minute * 60)
        self.week_seconds = week_seconds
        self.day_seconds = week_seconds / days if days else 0.0

    def W(self, t: np.ndarray) -> np.ndarray:
        """Working seconds from the start of the span to each instant (NaN stays NaN)."""
        t = np.asarray(t, dtype="float64")
        if len(self.starts) == 0:
            return np.where(np.isnan(t), np.nan, 0.0)
        idx = np.searchsorted(self.starts, np.nan_to_num(t, nan=0.0), side="right") - 1
        safe = np.clip(idx, 0, len(self.starts) - 1)
        inside = np.clip(t - self.starts[safe], 0.0, self.lengths[safe])
        out = np.where(idx < 0, 0.0, self.cum[safe] + inside)
        return np.where(np.isnan(t), np.nan, out)

    def between(self, a, b) -> np.ndarray:
        """Working seconds in ``[a, b)`` (negative when ``b < a``, NaN when either is absent)."""
        return self.W(b) - self.W(a)
