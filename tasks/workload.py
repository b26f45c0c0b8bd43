"""Workload per person and the team's balance indices, now and week by week (reads only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from governance.names import person_name

from .assignment import capacity_hours, days_off_by_user, eligible_people
from .models import OPEN_TASK_STATES, Task, TaskEvent, TaskState, WorkloadSnapshot


def coefficient_of_variation(values: list[float]) -> float:
    """Population standard deviation / mean (0 for an empty or all-zero list)."""
    values = [float(v) for v in values]
    if not values:
        return 0.0
    mean = sum(values) / len(values)
    if mean == 0:
        return 0.0
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return math.sqrt(var) / mean


def gini(values: list[float]) -> float:
    """Gini coefficient: sum |xi - xj| / (2 n^2 mean); 0 = perfectly even."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return 0.0
    mean = sum(values) / n
    if mean == 0:
        return 0.0
    total = sum(abs(a - b) for a in values for b in values)
    return total / (2 * n * n * mean)


def _week_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


def workload_rows(*, now: dt.datetime | None = None) -> list[dict]:
    """One row per person: open tasks/hours, this week's capacity, utilisation %, overdue, due this week."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday, sunday = _week_bounds(today)
    week_end = timezone.make_aware(dt.datetime.combine(sunday, dt.time.max))
    people = {p.user_id: p for p in eligible_people()}
    # Grouped by (assignee, state) and folded here: grouping by assignee alone made SQLite walk
    # the (assignee, due) index over every task anyone was ever given and read each row (1.7 s at
    # 100k campaigns); with the state in the key it reads the (assignee, state, ...) index.
    agg = (
        Task.objects.filter(state__in=OPEN_TASK_STATES, assignee__isnull=False)
        # Grouped in the index's order (state, assignee): PostgreSQL adds up as it reads, no hash.
        .values("state", "assignee_id")
        .annotate(
            # Counted on "state" (never null), not "id": every column read is then in
            # task_open_work_idx, and PostgreSQL answers from the index alone instead of
            # visiting 40k task rows (no index holds the id).
            count=Count("state"),
            hours=Sum("estimated_hours"),
            overdue=Count("state", filter=Q(due_at__lt=now)),
            due_week=Count("state", filter=Q(due_at__gte=now, due_at__lte=week_end)),
        )
        .order_by()
    )
    by_user: dict[int, dict] = {}
    for r in agg:
        row = by_user.setdefault(r["assignee_id"], {"count": 0, "hours": Decimal(0), "overdue": 0, "due_week": 0})
        row["count"] += r["count"]
        row["hours"] += r["hours"] or 0
        row["overdue"] += r["overdue"]
        row["due_week"] += r["due_week"]
    ids = set(people) | set(by_user)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    off = days_off_by_user(ids, monday, sunday)
    rows = []
    for uid in sorted(ids, key=lambda i: users[i].username):
        person = people.get(uid)
        weekly = person.weekly_hours if person else Decimal(0)
        cap = capacity_hours(weekly, monday, sunday, off.get(uid, set()))
        r = by_user.get(uid, {})
        hours = Decimal(r.get("hours") or 0)
        rows.append(
            {
                "user": users[uid],
                "username": users[uid].username,
                "name": person_name(users[uid]),
                "roles": [role.slug for role in person.roles.all()] if person else [],
                "open_tasks": r.get("count") or 0,
                "open_hours": hours,
                "capacity_hours": cap,
                "weekly_hours": weekly,
                "utilisation": round(float(hours / cap * 100), 1) if cap > 0 else (0.0 if hours == 0 else None),
                "overdue": r.get("overdue") or 0,
                "due_this_week": r.get("due_week") or 0,
            }
        )
    return rows


def balance(rows: list[dict]) -> dict:
    """Balance indices over people with capacity: CV of utilisation, Gini of open hours."""
    util = [r["utilisation"] for r in rows if r["utilisation"] is not None and r["capacity_hours"] > 0]
    return {
        "utilisation_cv": round(coefficient_of_variation(util), 4),
        "open_hours_gini": round(gini([float(r["open_hours"]) for r in rows]), 4),
        "people": len(rows),
    }


def _hours_at_points(points: list[dt.datetime], people: dict, now: dt.datetime) -> list[dict[int, float]]:
    """Open estimated hours per eligible person at each of ``points``, replayed from task events.

    Only tasks that may have been open in the range are read, through a subquery (never a list of
    ids in an ``IN``): tasks open now, and tasks with an event since the first point (a task closed
    before it stayed closed: events are append-only). Each task's events are walked once for all
    points, and assignment payloads are decoded once.

    The two kinds of task are one UNION of ids, each read from its own index. "Open now OR has an
    event since" in one WHERE made PostgreSQL test every task against the events' ids, and past
    ``work_mem`` (400k events at 100k campaigns) it re-read them for each task: the first
    request of a week did not finish in ten minutes (issue 19).
    """
    first = points[0]
    open_now = Task.objects.filter(state__in=OPEN_TASK_STATES).order_by().values("pk")
    touched = TaskEvent.objects.filter(at__gte=first, at__lte=now).order_by().values("task_id")
    relevant = Task.objects.filter(created_at__lte=now, pk__in=open_now.union(touched))
    hours_of = dict(relevant.values_list("pk", "estimated_hours"))
    if not hours_of:
        return [dict.fromkeys(people, 0.0) for _ in points]
    events = (
        TaskEvent.objects.filter(task__in=relevant.values("pk"), at__lte=now)
        .order_by("task_id", "at", "id")
        # The assignee's username alone, read by the database: decoding every event's JSON cost
        # more than the replay (300k events in a 100k-campaign history).
        .values_list("task_id", "action", "to_state", "at", KT("data__to"))
    )
    usernames = {u.username: u.pk for u in get_user_model().objects.filter(pk__in=list(people))}
    out = [dict.fromkeys(people, 0.0) for _ in points]
    n = len(points)

    def settle(task_id: int, timeline: list[tuple]) -> None:
        # (at, state, assignee) after each event, oldest first; one pointer moves along the points.
        state, assignee, i = None, None, 0
        hours = float(hours_of.get(task_id, 0))
        for at, to_state, who in timeline:
            while i < n and points[i] < at:
                if state in OPEN_TASK_STATES and assignee in out[i]:
                    out[i][assignee] += hours
                i += 1
            state = to_state
            if who is not _SAME:
                assignee = who
        while i < n:
            if state in OPEN_TASK_STATES and assignee in out[i]:
                out[i][assignee] += hours
            i += 1

    current, timeline = None, []
    for task_id, action, to_state, at, to in events.iterator(chunk_size=5000):
        if task_id != current:
            if current is not None:
                settle(current, timeline)
            current, timeline = task_id, []
        who = usernames.get(to) if action in ("assign", "unassign") else _SAME
        timeline.append((at, to_state, who))
    if current is not None:
        settle(current, timeline)
    return out


_SAME = object()  # "this event did not change the assignee"
QUEUED_SECONDS = 15 * 60  # a job queued as long ago and still not done has failed: queue it again
KEEP_WEEKS = 53  # snapshots older than the longest history asked for (the API's 52 weeks) are pruned


def balance_history(
    *, rows: list[dict], weeks: int = 12, now: dt.datetime | None = None, wait: bool = True
) -> list[dict] | None:
    """Balance indices at the end of each of the last ``weeks`` weeks, and now.

    The past week ends come from the ``WorkloadSnapshot`` rows (``snapshots_fill``); the last
    point from ``rows``, the caller's ``workload_rows(now=now)`` (their open hours are what the
    event replay ends in: every state change and assignment is an event).

    ``wait=False`` (the page and the API) does not replay missing weeks in the request: at 100k
    campaigns twelve weeks read 300k events for ~10 s. It queues ``tasks.jobs.snapshot_workload_history``
    (once) and returns None, "being computed"; the hourly schedule of that job keeps the weeks
    ready before anyone asks. With a synchronous queue (``Q_SYNC``, tests) the job has run on return.
    """
    now = now or timezone.now()
    people = {p.user_id: p for p in eligible_people()}
    if not people:
        return []
    past, digest = _week_ends(weeks, now), people_digest(people)
    stored = _stored_hours(digest, past)
    if len(stored) < len(past):
        if wait:
            stored.update(_replay(people, digest, [p for p in past if p not in stored], now))
        else:
            _queue_snapshots(weeks, queued_key=f"workload-history-queued:{weeks}:{digest}:{past[-1].isoformat()}")
            stored = _stored_hours(digest, past)
            if len(stored) < len(past):
                return None
    open_hours = {r["user"].pk: float(r["open_hours"]) for r in rows}
    per_point = [stored[p] for p in past] + [{uid: open_hours.get(uid, 0.0) for uid in people}]
    out = []
    for point, hours in zip([*past, now], per_point, strict=True):
        util = [hours[uid] / float(p.weekly_hours) * 100 for uid, p in people.items() if p.weekly_hours > 0]
        out.append(
            {
                "week": timezone.localdate(point).isoformat(),
                "utilisation_cv": round(coefficient_of_variation(util), 4),
                "open_hours_gini": round(gini(list(hours.values())), 4),
            }
        )
    return out


def snapshots_fill(*, weeks: int = 12, now: dt.datetime | None = None) -> int:
    """Replay the task events into the ``WorkloadSnapshot`` of each of the last ``weeks - 1`` week
    ends (Monday 00:00) that has none for today's eligible people. A past week end never changes
    (events are append-only, stamped when they happen): each is replayed once, so a new week costs
    the replay of that week alone. Returns the weeks replayed."""
    now = now or timezone.now()
    people = {p.user_id: p for p in eligible_people()}
    past, digest = _week_ends(weeks, now), people_digest(people)
    missing = sorted(set(past) - set(_stored_hours(digest, past))) if people else []
    return len(_replay(people, digest, missing, now))


def _replay(
    people: dict, digest: str, points: list[dt.datetime], now: dt.datetime
) -> dict[dt.datetime, dict[int, float]]:
    """Replay the task events at ``points`` (sorted) and keep each as a ``WorkloadSnapshot``."""
    if not points:
        return {}
    replayed = dict(zip(points, _hours_at_points(points, people, now), strict=True))
    WorkloadSnapshot.objects.bulk_create(
        [WorkloadSnapshot(at=p, people=digest, hours=h) for p, h in replayed.items()],
        ignore_conflicts=True,  # two runs may replay the same week at once
    )
    return replayed


def _week_ends(weeks: int, now: dt.datetime) -> list[dt.datetime]:
    """The last ``weeks - 1`` week ends (Monday 00:00, local time) up to ``now``, oldest first."""
    monday, _ = _week_bounds(timezone.localdate(now))
    return [
        timezone.make_aware(dt.datetime.combine(monday - dt.timedelta(weeks=k), dt.time(0)))
        for k in range(weeks - 2, -1, -1)
    ]


def people_digest(people: dict) -> str:
    """A digest of the eligible people's ids: the snapshots of one set of people."""
    return hashlib.sha256(",".join(str(uid) for uid in sorted(people)).encode()).hexdigest()


def _stored_hours(digest: str, points: list[dt.datetime]) -> dict[dt.datetime, dict[int, float]]:
    if not points:
        return {}
    rows = WorkloadSnapshot.objects.filter(people=digest, at__in=points).values_list("at", "hours")
    return {at: {int(uid): hours for uid, hours in by_person.items()} for at, by_person in rows}


def snapshots_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the snapshots no history reads any more: older than ``KEEP_WEEKS`` or of another set
    of eligible people. Returns the rows deleted."""
    now = now or timezone.now()
    digest = people_digest({p.user_id: p for p in eligible_people()})
    old = Q(at__lt=now - dt.timedelta(weeks=KEEP_WEEKS)) | ~Q(people=digest)
    return WorkloadSnapshot.objects.filter(old).delete()[0]


def _queue_snapshots(weeks: int, *, queued_key: str) -> None:
    """Queue the snapshots' job unless it was queued in the last 15 minutes for the same weeks and
    people (every page view of a busy Monday morning would queue it again)."""
    from django.conf import settings
    from django.core.cache import cache
    from django_q.tasks import async_task

    if cache.add(queued_key, True, QUEUED_SECONDS):
        # Q_CLUSTER["sync"] (tests, Q_SYNC=1) read per call: django-q2 reads its own copy at import.
        sync = bool(settings.Q_CLUSTER.get("sync"))
        async_task("tasks.jobs.snapshot_workload_history", weeks, task_name=f"workload-history-{weeks}", sync=sync)


def history_svg(history: list[dict], width: int = 640, height: int = 180) -> str:
    """A small two-line SVG chart of the balance history (no plotting dependency)."""
    if not history:
        return ""
    pad = 30
    n = len(history)
    top = max(1.0, max(max(h["utilisation_cv"], h["open_hours_gini"]) for h in history))

    def xy(i: int, v: float) -> str:
        x = pad + (width - 2 * pad) * (i / max(n - 1, 1))
        y = height - pad - (height - 2 * pad) * (v / top)
        return f"{x:.1f},{y:.1f}"

    # The legend in the page's language, right-aligned: its length depends on the language.
    cv_label, gini_label = escape(gettext("CV of utilisation")), escape(gettext("Gini of open hours"))
    cv = " ".join(xy(i, h["utilisation_cv"]) for i, h in enumerate(history))
    gi = " ".join(xy(i, h["open_hours_gini"]) for i, h in enumerate(history))
    # The last point is "now" (on a Monday it would read the same date as this week's start).
    now_label = escape(pgettext("workload history", "Now"))
    labels = "".join(
        f'<text x="{xy(i, 0).split(",")[0]}" y="{height - 8}" font-size="10" '
        f'text-anchor="middle">{now_label if i == n - 1 else h["week"][5:]}</text>'
        for i, h in enumerate(history)
        if i % 2 == 0 or i == n - 1
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(gettext("Balance week by week"))}">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#bcccdc"/>'
        f'<text x="4" y="{pad}" font-size="10">{top:.1f}</text><text x="4" y="{height - pad}" font-size="10">0</text>'
        f'<polyline fill="none" stroke="#2458a6" stroke-width="2" points="{cv}"/>'
        f'<polyline fill="none" stroke="#b7791f" stroke-width="2" stroke-dasharray="4 3" points="{gi}"/>'
        f"{labels}"
        f'<text x="{width - 20}" y="14" font-size="11" fill="#2458a6" text-anchor="end">— {cv_label}</text>'
        f'<text x="{width - 20}" y="28" font-size="11" fill="#b7791f" text-anchor="end">-- {gini_label}</text></svg>'
    )


def campaign_labour_cost(campaign_id: int) -> dict:
    """Estimated vs actual labour cost (JPY) of a campaign's non-cancelled tasks."""
    est_h = act_h = est = act = Decimal(0)
    rows = (
        Task.objects.filter(campaign_id=campaign_id)
        .exclude(state=TaskState.CANCELLED)
        .values_list("estimated_hours", "actual_hours", "hourly_rate", "state")
    )
    for e, a, rate, _state in rows:
        est_h += e
        est += e * rate
        if a is not None:
            act_h += a
            act += a * rate
    return {
        "estimated_hours": est_h,
        "actual_hours": act_h,
        "estimated_cost": est.quantize(Decimal(1)),
        "actual_cost": act.quantize(Decimal(1)),
        "tasks": len(rows),
    }
