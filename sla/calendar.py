"""Public API of MOps Desk's business-time maths (pure functions, no database, no clock).

Import from here; the implementation is split by concern:

- ``sla.workcal``        ``WorkCalendar`` and day rules (holidays, periods, time zones)
- ``sla.business_time``  forward arithmetic: deadlines, working time, pauses
- ``sla.backschedule``   backward arithmetic: latest start, launch feasibility
- ``sla.bulk``           numpy-vectorised business-day deadlines

See docs/sla.md for the semantics.
"""

from __future__ import annotations

from .backschedule import (
    last_working_day_closed_by,
    latest_start,
    launch_due,
    launch_feasible,
    launch_latest_start,
    subtract_business_days,
    subtract_business_hours,
)
from .bulk import bulk_business_day_deadlines, busday_calendar, to_aware, zone_transitions
from .business_time import (
    add_business_days,
    add_business_hours,
    deadline,
    effective_receipt_day,
    is_working_time,
    merge_pauses,
    next_opening,
    paused_working_time,
    sla_budget,
    working_days_between,
    working_time_between,
)
from .workcal import (
    WEEKDAY_NAMES,
    AnnualRange,
    WorkCalendar,
    is_holiday,
    is_working_day,
    national_holidays,
    next_working_day,
    non_working_dates,
    previous_working_day,
)

__all__ = [
    "WEEKDAY_NAMES",
    "AnnualRange",
    "WorkCalendar",
    "add_business_days",
    "add_business_hours",
    "bulk_business_day_deadlines",
    "busday_calendar",
    "deadline",
    "effective_receipt_day",
    "is_holiday",
    "is_working_day",
    "is_working_time",
    "last_working_day_closed_by",
    "latest_start",
    "launch_due",
    "launch_feasible",
    "launch_latest_start",
    "merge_pauses",
    "national_holidays",
    "next_opening",
    "next_working_day",
    "non_working_dates",
    "paused_working_time",
    "previous_working_day",
    "sla_budget",
    "subtract_business_days",
    "subtract_business_hours",
    "to_aware",
    "working_days_between",
    "working_time_between",
    "zone_transitions",
]
