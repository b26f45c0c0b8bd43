"""Task deadlines: SLA policies per task type, stored working calendars, pauses.

Which rule applies to a task:

- the task type's ``sla_policy`` (business days or hours, its calendar, its at-risk share), or,
  without one, ``lead_time_days`` business days on the standard calendar (``default_calendar()``);
- the calendar is the assignee's own (``Person.calendar``) when set, else the policy's, else
  the standard one; the at-risk share is the policy's, else that calendar's.

The clock starts at ``Task.sla_start_at``; only working time inside recorded pauses pushes
the deadline (``sla.calendar.deadline`` does the maths). A ``DeadlineResolver`` reads each
policy, calendar and profile once, so computing many tasks costs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from sla.business_time import advance
from sla.calendar import WorkCalendar, deadline, paused_working_time, working_time_between
from sla.calendar import is_working_day as _is_working_day
from sla.models import DEFAULT_PAUSE_LIMIT_DAYS, SLAPolicy, SLAStart, SLAUnit, WorkingCalendar, default_calendar

Pause = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Rule:
    """The SLA of one task: duration in exactly one unit, on one calendar, with an at-risk share."""

    calendar_id: int
    business_days: int | None
    business_hours: Decimal | None
    share: Decimal
    policy_id: int | None = None
    start_condition: str = SLAStart.WHEN_ACTIONABLE
    pause_limit_days: int = DEFAULT_PAUSE_LIMIT_DAYS

    @property
    def kwargs(self) -> dict:
        if self.business_days is not None:
            return {"business_days": self.business_days}
        return {"business_hours": self.business_hours}

    def describe(self) -> str:
        if self.business_days is not None:
            return _("%(n)s business days") % {"n": self.business_days}
        return _("%(n)s business hours") % {"n": self.business_hours.normalize()}


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    at_risk_at: dt.datetime
    paused_seconds: int
    rule: Rule


class DeadlineResolver:
    """Resolves task types and assignees to SLA rules; caches rows and built calendars.

    Use one per unit of work (a request, a job chunk): edits made afterwards are not seen.
    """

    def __init__(self) -> None:
        self._rows: dict[int, WorkingCalendar] = {}
        self._work: dict[int, WorkCalendar] = {}
        self._policies: dict[int, SLAPolicy] = {}
        self._people: dict[int, int | None] = {}
        self._default_id: int | None = None

    # --- loading ------------------------------------------------------------------------
    def default_calendar_id(self) -> int:
        if self._default_id is None:
            self._default_id = default_calendar().pk
        return self._default_id

    def prime_calendars(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i is not None and i not in self._rows}
        if missing:
            for row in WorkingCalendar.objects.with_rules().filter(pk__in=missing):
                self._rows[row.pk] = row

    def prime_policies(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i is not None and i not in self._policies}
        if missing:
            for policy in SLAPolicy.objects.filter(pk__in=missing):
                self._policies[policy.pk] = policy

    def prime_people(self, user_ids: Iterable[int]) -> None:
        from .models import Person

        missing = {i for i in user_ids if i is not None and i not in self._people}
        if missing:
            found = dict(Person.objects.filter(user_id__in=missing).values_list("user_id", "calendar_id"))
            for uid in missing:
                self._people[uid] = found.get(uid)

    def prime_task_types(self, task_types: Iterable) -> None:
        self.prime_policies(t.sla_policy_id for t in task_types)

    # --- lookups -----------------------------------------------------------------------
    def calendar_row(self, calendar_id: int) -> WorkingCalendar:
        if calendar_id not in self._rows:
            self.prime_calendars([calendar_id])
        return self._rows[calendar_id]

    def work_calendar(self, calendar_id: int | None = None) -> WorkCalendar:
        cid = calendar_id if calendar_id is not None else self.default_calendar_id()
        if cid not in self._work:
            self._work[cid] = self.calendar_row(cid).to_work_calendar()
        return self._work[cid]

    def person_calendar_id(self, user_id: int | None) -> int | None:
        if user_id is None:
            return None
        if user_id not in self._people:
            self.prime_people([user_id])
        return self._people[user_id]

    def user_calendar(self, user_id: int | None) -> WorkCalendar:
        """The calendar a person works (and is notified) on: their own, else the standard one."""
        return self.work_calendar(self.person_calendar_id(user_id))

    def rule(self, task_type, assignee_id: int | None = None) -> Rule:
        """The SLA rule of a task of ``task_type`` assigned to ``assignee_id``."""
        person_cal = self.person_calendar_id(assignee_id)
        policy = None
        if task_type.sla_policy_id is not None:
            if task_type.sla_policy_id not in self._policies:
                self.prime_policies([task_type.sla_policy_id])
            policy = self._policies.get(task_type.sla_policy_id)
        if policy is not None:
            cal_id = person_cal or policy.calendar_id
            share = (
                policy.at_risk_share if policy.at_risk_share is not None else self.calendar_row(cal_id).at_risk_share
            )
            common = {"policy_id": policy.pk, "start_condition": policy.start_condition}
            common["pause_limit_days"] = policy.pause_limit_days
            if policy.unit == SLAUnit.BUSINESS_DAYS:
                return Rule(cal_id, int(policy.duration), None, share, **common)
            return Rule(cal_id, None, Decimal(policy.duration), share, **common)
        cal_id = person_cal or self.default_calendar_id()
        return Rule(cal_id, int(task_type.lead_time_days or 0), None, self.calendar_row(cal_id).at_risk_share)

    def compute(
        self,
        task_type,
        start: dt.datetime,
        pauses: Iterable[Sequence[dt.datetime]] = (),
        assignee_id: int | None = None,
    ) -> Deadline:
        """Deadline of a task whose clock started at ``start`` with the given closed pauses."""
        rule = self.rule(task_type, assignee_id)
        cal = self.work_calendar(rule.calendar_id)
        clipped = [(max(s, start), e) for s, e in pauses if e > start]
        due, risk = deadline(cal, start, pauses=clipped, at_risk_share=rule.share, **rule.kwargs)
        paused = int(paused_working_time(cal, clipped).total_seconds()) if clipped else 0
        return Deadline(due, risk, paused, rule)

    def compute_task(self, task, pauses: Iterable[Sequence[dt.datetime]] = ()) -> Deadline:
        """``compute`` for a started task, keeping a due date MOps moved by hand (``task.due_moved_to``):
        only the working time of pauses taken after the move pushes it later."""
        d = self.compute(task.task_type, task.sla_start_at, pauses, task.assignee_id)
        if task.due_moved_to is None:
            return d
        cal = self.work_calendar(d.rule.calendar_id)
        due, risk = moved_deadline(
            cal,
            start=task.sla_start_at,
            moved_to=task.due_moved_to,
            moved_at=task.due_moved_at or task.sla_start_at,
            share=d.rule.share,
            pauses=pauses,
        )
        return Deadline(due, risk, d.paused_seconds, d.rule)


def moved_deadline(
    cal: WorkCalendar,
    *,
    start: dt.datetime,
    moved_to: dt.datetime,
    moved_at: dt.datetime,
    share: Decimal,
    pauses: Iterable[Sequence[dt.datetime]] = (),
) -> tuple[dt.datetime, dt.datetime]:
    """``(due_at, at_risk_at)`` of a task whose due date was moved to ``moved_to`` at ``moved_at``.

    Pauses closed after the move push the date by the working time paused (as they push an SLA
    deadline); at-risk is where ``share`` of the working time from the clock's start to the due
    date is used, as for a computed deadline.
    """
    later = [(max(s, moved_at), e) for s, e in pauses if e is not None and e > moved_at]
    extra = paused_working_time(cal, later) if later else dt.timedelta(0)
    due = advance(cal, moved_to, extra, []) if extra else moved_to
    span = working_time_between(cal, start, due)
    if span <= dt.timedelta(0):
        return due, due
    risk_us = int((Decimal(span // dt.timedelta(microseconds=1)) * Decimal(share)).to_integral_value())
    return due, advance(cal, start, dt.timedelta(microseconds=risk_us), [])


def compute_due(
    task_type, start: dt.datetime, pauses: Iterable[Sequence[dt.datetime]] = (), assignee_id: int | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """``(due_at, at_risk_at)`` of one task (reads its policy and calendar)."""
    d = DeadlineResolver().compute(task_type, start, pauses, assignee_id)
    return d.due_at, d.at_risk_at


# --- working days for capacity (workload, suggestions) ------------------------------------


@functools.lru_cache(maxsize=1)
def _plain_calendar() -> WorkCalendar:
    # Capacity maths run in bulk without the database: Mon-Fri with Japanese holidays.
    return WorkCalendar()


def is_working_day(day: dt.date) -> bool:
    return _is_working_day(_plain_calendar(), day)


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
