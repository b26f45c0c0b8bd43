"""Capacity forecast: the next weeks' demand against supply, per role and per person (reads only).

- **Demand** (``demand_hours``): the estimated hours of open tasks, spread evenly over the
  working days of their planned window (from the later of today and the SLA start to the due
  date; an overdue task weighs on today). Tasks of every campaign that has them count: they
  exist only once a request is approved.
- **Pending** (``pending_hours``): what submitted requests would add if approved now: their
  template's plan (``tasks.feasibility``, "if approved now" windows), shown separately.
- **Supply** (``capacity_hours``): each active person's weekly hours per working day, minus
  national holidays and their time off (``tasks.assignment.capacity_hours``); a person with
  several roles gives each role an equal share.

The open tasks' demand is kept in the cache per day, horizon and version of the task data (the
newest task, task event and deadline recomputation, and the roles of the task types), for at most
``DEMAND_CACHE_SECONDS``: any transition, assignment, new task or recomputation is a new version, so
the page reads it again at once; a write that records no event (an admin edit of a task's hours) shows
within that time. At 100k campaigns the demand is a GROUP BY over every open task (about 70 ms on
SQLite); the rest of the forecast grows with people and weeks only.

Working days are the plain Mon-Fri calendar with Japanese holidays used by the workload page.
``request_cost`` answers the approver's question: which role-weeks a "yes" would overload, and
whether the request's own launch is still feasible if approved today.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, DateField, Func, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from governance.names import person_name

from .assignment import capacity_hours, days_off_by_user, eligible_people
from .deadlines import working_days
from .models import OPEN_TASK_STATES, DeadlineRecompute, Task, TaskEvent, TaskType, WorkRole
from .planner_hints import unindexed

MAX_WEEKS = 52
DEMAND_CACHE_SECONDS = 60
COST_WEEKS = 26  # the horizon of "what a yes costs" in the approval inbox
ZERO = Decimal(0)
HOURS = Decimal("0.1")


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    """Mondays of this week and the following ``weeks - 1`` weeks."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(weeks=k) for k in range(weeks)]


def spread(hours: Decimal, start: dt.date, due: dt.date, today: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    """Hours per working day over ``[max(start, today), due]`` (clipped to ``last``).

    An overdue window puts everything on today; a window without working days puts it on
    the first working day after its start. Hours outside the horizon are dropped.
    """
    first = max(start, today)
    end = max(due, first)
    days = _window_days(first, end)
    if not days or hours <= 0:
        return {}
    share = Decimal(hours) / len(days)
    return {d: share for d in days if d <= last}


@functools.lru_cache(maxsize=65536)
def _window_days(first: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    # Windows repeat (same start and due for many tasks and people): the working days of each
    # pair are worked out once. The plain calendar is fixed (weekends and national holidays).
    return tuple(working_days(first, end) or working_days(first, first + dt.timedelta(days=14))[:1])


def _local_day(expr: Any, first: dt.date, last: dt.date) -> Any:
    """The local date of the datetime ``expr``, as a database expression.

    On SQLite Django's ``TruncDate`` calls a Python function per row; when the time zone keeps
    one UTC offset over ``[first, last]`` (Japan always does) SQLite's own ``date()`` with that
    offset gives the same day, in C."""
    if connection.vendor == "sqlite":
        tz = timezone.get_current_timezone()
        offsets = {
            tz.utcoffset(dt.datetime.combine(first + dt.timedelta(days=k), dt.time(12)))
            for k in range((last - first).days + 2)
        }
        if len(offsets) == 1:
            minutes = int(offsets.pop().total_seconds() // 60)
            return Func(expr, template=f"date(%(expressions)s, '{minutes:+d} minutes')", output_field=DateField())
    return TruncDate(expr)


def _local_date(value: dt.datetime | None, fallback: dt.date) -> dt.date:
    return timezone.localdate(value) if value else fallback


def task_windows(
    today: dt.date, last: dt.date | None = None, roles: list[tuple[int, str]] | None = None
) -> list[dict[str, Any]]:
    """Open tasks as ``{role, assignee_id, hours, start, due}`` windows, summed per window (one query).

    The database folds tasks that share a role, an assignee and a window, so the rows (and the
    Python spreading them) grow with the distinct windows of the horizon, not with the number of
    tasks. Windows are clamped to today as ``spread`` would (a start or due before today counts
    from today), which changes no spread; windows starting after ``last`` are left out.
    """
    # Clamp with plain comparisons against aware midnights: only the windows that start or end
    # after today need the (on SQLite, per-row Python) local-date conversion.
    started = Coalesce("sla_start_at", "created_at")
    today_starts = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    # Every column read here is in the open-work index (task_open_work_idx): the database reads
    # the open states' index ranges, never the task rows.
    qs = Task.objects.filter(state__in=OPEN_TASK_STATES).annotate(started=started)
    if last is not None:
        qs = qs.filter(started__lt=timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)))
    # Due dates past the horizon only need their local day for the spread; bound the offset check.
    span_end = max(last or today, today) + dt.timedelta(days=MAX_WEEKS * 7)
    # On SQLite the days come back as ISO text, read once per distinct day (_iso_day) rather than
    # through Django's per-value date converter (two per row, thousands of rows at 100k campaigns).
    day_field = CharField() if connection.vendor == "sqlite" else DateField()
    rows = (
        qs.annotate(
            window_start=Case(
                When(started__lt=today_starts, then=Value(today)),
                default=_local_day("started", today, span_end),
                output_field=day_field,
            ),
            window_due=Case(
                When(Q(due_at__isnull=True) | Q(due_at__lt=today_starts), then=Value(today)),
                default=_local_day("due_at", today, span_end),
                output_field=day_field,
            ),
            # The role as a CASE over the task type (joined in, SQLite walks every task instead of
            # the open ones): tasks of one role fold together whatever their type.
            role=_role_of_type(roles if roles is not None else task_type_roles()),
            # Grouped by "+column" (the same value): grouping by a plain column, SQLite walks that
            # column's index for the grouping order and reads every task's row.
            who=unindexed("assignee_id"),
        )
        .values_list("window_start", "window_due", "role", "who")
        .annotate(hours=Sum("estimated_hours"))
        .order_by()
    )
    return [
        {"role": role, "assignee_id": assignee, "hours": Decimal(hours or 0), "start": _day(start), "due": _day(due)}
        for start, due, role, assignee, hours in rows
    ]


def _day(value: dt.date | str) -> dt.date:
    return _iso_day(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _iso_day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def task_type_roles() -> list[tuple[int, str]]:
    """(task type id, its role's slug) of every task type (the types are few)."""
    return list(TaskType.objects.values_list("id", "role__slug").order_by("id"))


def _role_of_type(roles: list[tuple[int, str]]) -> Any:
    """The task's role slug from its type, as a database expression."""
    whens = [When(task_type_id=kind, then=Value(slug)) for kind, slug in roles]
    if not whens:
        return Value(None, output_field=CharField())
    return Case(*whens, default=Value(None), output_field=CharField())


def plan_windows(plan: dict[str, Any] | None, today: dt.date) -> list[dict[str, Any]]:
    """A feasibility plan's tasks as windows, "if approved now" (``expected_start`` -> ``expected_due``)."""
    if not plan:
        return []
    return [
        {
            "role": t["role"],
            "assignee_id": None,
            "hours": Decimal(t["estimated_hours"] or 0),
            "start": _local_date(t["expected_start"], today),
            "due": _local_date(t["expected_due"], today),
        }
        for t in plan["tasks"]
    ]


def supply(mondays: list[dt.date]) -> tuple[dict[str, dict], dict[int, dict], dict[int, Any]]:
    """Capacity per role slug and per person (user id) for each week, and the people by user id."""
    people = {p.user_id: p for p in eligible_people()}
    last = mondays[-1] + dt.timedelta(days=6)
    off = days_off_by_user(list(people), mondays[0], last)
    by_role: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    by_person: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for uid, person in people.items():
        roles = [r.slug for r in person.roles.all()]
        for monday in mondays:
            cap = capacity_hours(person.weekly_hours, monday, monday + dt.timedelta(days=6), off.get(uid, set()))
            by_person[uid][monday] = cap
            for slug in roles:
                by_role[slug][monday] += cap / len(roles)
    return by_role, by_person, people


def demand(windows: list[dict[str, Any]], mondays: list[dt.date], today: dt.date) -> tuple[dict, dict]:
    """Hours per role slug and per assignee for each week."""
    last = mondays[-1] + dt.timedelta(days=6)
    by_role: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    by_person: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    # Windows of one role, person and dates add up before spreading (the spread is linear), and
    # each (start, due) pair's working days are counted per week once: the work grows with the
    # distinct windows, not with the tasks or their days (issue 19).
    # Roles and people are folded apart: a role's windows add up across its people before the
    # one spread per (role, window), and each person's across roles.
    per_role: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    per_person: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for w in windows:
        start, due, hours = max(w["start"], today), w["due"], w["hours"]
        per_role[(w["role"], start, due)] += hours
        if w["assignee_id"]:
            per_person[(w["assignee_id"], start, due)] += hours
    weeks = frozenset(mondays)
    for target, folded in ((by_role, per_role), (by_person, per_person)):
        for (key, start, due), total in folded.items():
            per_week, n_days = _weeks_of_window(start, max(due, start), last, weeks)
            if not n_days or total <= 0:
                continue
            share = Decimal(total) / n_days
            row = target[key]
            for monday, n in per_week:
                row[monday] += share * n
    return by_role, by_person


@functools.lru_cache(maxsize=65536)
def _weeks_of_window(
    first: dt.date, end: dt.date, last: dt.date, weeks: frozenset[dt.date]
) -> tuple[tuple[tuple[dt.date, int], ...], int]:
    """``spread``'s days of a window counted per Monday of ``weeks`` (days after ``last`` dropped),
    and the number of days the hours are shared over."""
    days = _window_days(first, end)
    counts: dict[dt.date, int] = defaultdict(int)
    for day in days:
        monday = day - dt.timedelta(days=day.weekday())
        if day <= last and monday in weeks:
            counts[monday] += 1
    return tuple(sorted(counts.items())), len(days)


def task_demand(today: dt.date, mondays: list[dt.date]) -> tuple[dict, dict]:
    """``demand`` of the open tasks (per role slug, per assignee), cached per version of the task data."""
    roles = task_type_roles()
    key = f"capacity-demand:{today}:{mondays[0]}:{len(mondays)}:{_task_data_version(roles)}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    by_role, by_person = demand(task_windows(today, mondays[-1] + dt.timedelta(days=6), roles), mondays, today)
    value = ({k: dict(v) for k, v in by_role.items()}, {k: dict(v) for k, v in by_person.items()})
    cache.set(key, value, DEMAND_CACHE_SECONDS)
    return value


def _task_data_version(roles: list[tuple[int, str]]) -> str:
    """What changes whenever the open tasks' demand may have: the newest task, task event and
    deadline recomputation (with its progress), and ``roles`` (one query of index reads)."""
    task, event, recompute = (connection.ops.quote_name(m._meta.db_table) for m in (Task, TaskEvent, DeadlineRecompute))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT (SELECT MAX(id) FROM {task}), (SELECT MAX(id) FROM {event}), "
            f"(SELECT MAX(id) FROM {recompute}), (SELECT done FROM {recompute} ORDER BY id DESC LIMIT 1)"
        )
        version = cur.fetchone()
    digest = hashlib.sha256(repr(roles).encode()).hexdigest()[:16]  # the same in every process
    return ":".join(map(str, (*version, digest)))


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(HOURS)


def request_plans(states: list[str], now: dt.datetime, *, without_tasks: bool = False) -> list[tuple[Any, dict]]:
    """``(request, feasibility plan)`` of the requests in ``states`` (those with a template)."""
    from campaigns.models import CampaignRequest
    from campaigns.selectors import request_feasibility

    qs = CampaignRequest.objects.filter(state__in=states).select_related("campaign_type")
    if without_tasks:
        qs = qs.filter(tasks__isnull=True)
    out = []
    for req in qs.order_by("launch_date", "id"):
        plan = request_feasibility(req, now=now)
        if plan is not None:
            out.append((req, plan))
    return out


def forecast(
    *,
    weeks: int,
    now: dt.datetime,
    pending_plans: list[dict[str, Any]] | None = None,
    approved_plans: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The forecast for ``weeks`` weeks from this week.

    ``pending_plans``: feasibility plans of submitted requests (the "if approved" column);
    ``approved_plans``: plans of approved requests whose tasks are not generated yet (demand).
    """
    today = timezone.localdate(now)
    mondays = week_starts(today, weeks)
    cap_role, cap_person, people = supply(mondays)
    approved_windows = [w for plan in approved_plans or [] for w in plan_windows(plan, today)]
    dem_role, dem_person = demand(approved_windows, mondays, today)
    # Demand adds up (each window spreads on its own): the tasks' part comes from the cache.
    for target, part in zip((dem_role, dem_person), task_demand(today, mondays), strict=True):
        for key, by_week in part.items():
            for monday, hours in by_week.items():
                target[key][monday] += hours
    pending_windows = [w for plan in pending_plans or [] for w in plan_windows(plan, today)]
    pend_role, _ = demand(pending_windows, mondays, today)
    names = dict(WorkRole.objects.values_list("slug", "name"))
    role_slugs = sorted(set(cap_role) | set(dem_role) | set(pend_role), key=lambda s: (s not in names, s))
    roles = []
    for slug in role_slugs:
        cells = []
        for monday in mondays:
            d, p, c = _q(dem_role[slug][monday]), _q(pend_role[slug][monday]), _q(cap_role[slug][monday])
            cells.append(
                {
                    "week": monday,
                    "demand_hours": d,
                    "pending_hours": p,
                    "capacity_hours": c,
                    "overloaded": d > c,
                    "overloaded_if_approved": d + p > c,
                }
            )
        roles.append({"role": slug, "name": names.get(slug, slug), "weeks": cells})
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=set(people) | set(dem_person))}
    persons = []
    for uid in sorted(users, key=lambda i: users[i].username):
        cells = []
        for monday in mondays:
            d, c = _q(dem_person[uid][monday]), _q(cap_person[uid][monday])
            cells.append({"week": monday, "demand_hours": d, "capacity_hours": c, "overloaded": d > c})
        persons.append(
            {
                "username": users[uid].username,
                "name": person_name(users[uid]),
                "roles": [r.slug for r in people[uid].roles.all()] if uid in people else [],
                "weeks": cells,
            }
        )
    return {"from": mondays[0], "weeks": mondays, "roles": roles, "people": persons, "at": now}


def request_cost(plan: dict[str, Any] | None, base: dict[str, Any], *, now: dt.datetime) -> dict[str, Any] | None:
    """What approving one request today costs, against a forecast ``base`` without pending work.

    ``overloads`` lists the role-weeks where its hours push demand over capacity (``already``:
    the role was over capacity without it); ``feasible`` is whether its own launch holds.
    """
    if plan is None:
        return None
    today = timezone.localdate(now)
    mondays = base["weeks"]
    extra, _ = demand(plan_windows(plan, today), mondays, today)
    cells = {(r["role"], c["week"]): c for r in base["roles"] for c in r["weeks"]}
    names = {r["role"]: r["name"] for r in base["roles"]}
    overloads = []
    total = ZERO
    for role, by_week in extra.items():
        for monday, hours in sorted(by_week.items()):
            total += hours
            cell = cells.get((role, monday))
            capacity = cell["capacity_hours"] if cell else ZERO
            current = cell["demand_hours"] if cell else ZERO
            if hours > 0 and current + hours > capacity:
                overloads.append(
                    {
                        "role": role,
                        "name": names.get(role, role),
                        "week": monday,
                        "hours": _q(hours),
                        "demand_hours": current,
                        "capacity_hours": capacity,
                        "already": current > capacity,
                    }
                )
    overloads.sort(key=lambda o: (o["week"], o["role"]))
    return {
        "hours": _q(total),
        "overloads": overloads,
        "feasible": plan["feasible"],
        "latest_approval_date": plan["latest_approval_date"],
        "earliest_feasible_launch_date": plan["earliest_feasible_launch_date"],
    }


def team_forecast(*, weeks: int, now: dt.datetime) -> dict[str, Any]:
    """The forecast with every approved request in demand and every submitted one as "if approved"."""
    from campaigns.models import State as CampaignState

    pending = request_plans([CampaignState.SUBMITTED], now)
    approved = request_plans([CampaignState.APPROVED], now, without_tasks=True)
    return forecast(
        weeks=weeks, now=now, pending_plans=[p for _, p in pending], approved_plans=[p for _, p in approved]
    )


def may_see_capacity(user: Any) -> bool:
    """MOps, Admins and approvers (who weigh a "yes" against it)."""
    from governance import policy, roles

    return policy.is_ops(user) or policy.has_role(user, roles.APPROVER, roles.ADMIN)
