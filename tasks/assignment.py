"""Who should take a task: capacity, load and the suggestion rule (reads only).

Rule: among eligible people holding the task's role, the lowest open estimated hours relative
to their capacity over the task's window (today .. due date, at least five business days);
ties broken by the fewest open tasks due within five business days, then by username.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils import timezone

from governance import policy, roles
from governance.models import Membership

from .deadlines import add_working_days, working_days
from .models import OPEN_TASK_STATES, Person, Task, TimeOff

WINDOW_DAYS = 5


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    open_hours: Decimal
    capacity_hours: Decimal
    due_soon: int

    @property
    def load(self) -> float:
        if self.capacity_hours <= 0:
            return float("inf")
        return float(self.open_hours / self.capacity_hours)


def pick(candidates: list[Candidate]) -> Candidate | None:
    """The least loaded candidate (pure; see the module docstring for the rule)."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.load, c.due_soon, c.username))


def capacity_hours(weekly_hours: Decimal, first: dt.date, last: dt.date, days_off: set[dt.date]) -> Decimal:
    """Working hours available in ``[first, last]``: weekly hours / 5 per working day not off."""
    days = [d for d in working_days(first, last) if d not in days_off]
    return (Decimal(weekly_hours) / 5 * len(days)).quantize(Decimal("0.1"))


def days_off_by_user(user_ids, first: dt.date, last: dt.date) -> dict[int, set[dt.date]]:
    out: dict[int, set[dt.date]] = defaultdict(set)
    for off in TimeOff.objects.filter(user_id__in=list(user_ids), start__lte=last, end__gte=first):
        day = max(off.start, first)
        while day <= min(off.end, last):
            out[off.user_id].add(day)
            day += dt.timedelta(days=1)
    return out


def eligible_people():
    """Active people with a work profile who may take tasks (Specialists and MOps)."""
    return (
        Person.objects.filter(
            is_active=True, user__is_active=True, user__groups__name__in=[roles.SPECIALIST, roles.MOPS]
        )
        .select_related("user")
        .prefetch_related("roles")
        .distinct()
    )


def open_load(user_ids, now: dt.datetime) -> dict[int, dict]:
    """Per assignee: open estimated hours, open task count and tasks due within five business days."""
    soon_day = add_working_days(timezone.localdate(now), WINDOW_DAYS)
    soon = timezone.make_aware(dt.datetime.combine(soon_day, dt.time(23, 59)))
    rows = (
        Task.objects.filter(assignee_id__in=list(user_ids), state__in=OPEN_TASK_STATES)
        .values("assignee_id")
        # Counted on "state", not the id: task_open_work_idx then answers alone.
        .annotate(
            hours=Sum("estimated_hours"), count=Count("state"), due_soon=Count("state", filter=Q(due_at__lte=soon))
        )
    )
    return {r["assignee_id"]: r for r in rows}


def suggest_for(tasks: list[Task], *, now: dt.datetime | None = None) -> dict[int, object]:
    """Suggested assignee (a User) for each given task, keyed by task pk (constant queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    people = list(eligible_people())
    if not people or not tasks:
        return {}
    role_of = {p.user_id: {r.pk for r in p.roles.all()} for p in people}
    user_ids = [p.user_id for p in people]
    # Governance: who executes each task (None: central team; else that unit's members or MOps).
    units_of: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "unit_id"):
        units_of[user_id].add(unit_id)
    mops_ids = set(
        get_user_model().objects.filter(pk__in=user_ids, groups__name=roles.MOPS).values_list("pk", flat=True)
    )
    loads = open_load(user_ids, now)
    default_last = add_working_days(today, WINDOW_DAYS)
    horizon = max([default_last, *[timezone.localdate(t.due_at) for t in tasks if t.due_at]])
    off = days_off_by_user(user_ids, today, horizon)
    result = {}
    for task in tasks:
        last = max(default_last, timezone.localdate(task.due_at) if task.due_at else default_last)
        unit_id = _executing_unit_id(task)
        candidates = []
        for p in people:
            if task.task_type.role_id not in role_of[p.user_id]:
                continue
            if unit_id is not None and p.user_id not in mops_ids and unit_id not in units_of[p.user_id]:
                continue
            load = loads.get(p.user_id, {})
            candidates.append(
                Candidate(
                    user_id=p.user_id,
                    username=p.user.username,
                    open_hours=Decimal(load.get("hours") or 0),
                    capacity_hours=capacity_hours(p.weekly_hours, today, last, off.get(p.user_id, set())),
                    due_soon=load.get("due_soon") or 0,
                )
            )
        best = pick(candidates)
        if best is not None:
            result[task.pk] = next(p.user for p in people if p.user_id == best.user_id)
    return result


def _executing_unit_id(task: Task) -> int | None:
    campaign = task.campaign
    return policy.executing_unit_id(
        params=campaign.governance_params or {},
        request_unit_id=campaign.business_unit_id,
        task_kind=task.task_type.kind,
    )


def assignable_users(task_type, task: Task | None = None):
    """Users who may be assigned a task of ``task_type`` (for forms). With ``task``, only the
    people governance lets execute it (its unit's members and MOps when a unit executes it)."""
    User = get_user_model()
    specialists = Q(groups__name=roles.SPECIALIST, work_profile__roles=task_type.role_id, work_profile__is_active=True)
    unit_id = _executing_unit_id(task) if task is not None else None
    if unit_id is not None:
        specialists &= Q(pk__in=Membership.objects.filter(unit_id=unit_id).values("user_id"))
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=roles.MOPS) | specialists)
        .distinct()
        .order_by("username")
    )
