"""Workload balance history at scale (issue 19): same figures as the event replay it replaced,
no ``IN`` list of task ids, a constant query count, and past weeks kept as snapshots."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks import services
from tasks.assignment import eligible_people
from tasks.models import OPEN_TASK_STATES, Task, TaskEvent, TaskState, WorkloadSnapshot
from tasks.workload import balance_history, coefficient_of_variation, gini, workload_rows

START = timezone.make_aware(dt.datetime(2026, 4, 6, 10, 0))  # a Monday
NOW = START + dt.timedelta(weeks=8, days=2)


def _history(*, weeks: int, now: dt.datetime) -> list[dict] | None:
    return balance_history(rows=workload_rows(now=now), weeks=weeks, now=now)


def _reference(*, weeks: int, now: dt.datetime) -> list[dict]:
    """The implementation before issue 19 (every possibly-open id in an IN list, one replay per week)."""
    people = {p.user_id: p for p in eligible_people()}
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    points = [
        timezone.make_aware(dt.datetime.combine(monday - dt.timedelta(weeks=k), dt.time(0)))
        for k in range(weeks - 1, -1, -1)
    ]
    points = points[1:] + [now]
    first = points[0]
    tasks = dict(
        Task.objects.filter(created_at__lte=now)
        .exclude(state__in=[TaskState.DONE, TaskState.CANCELLED], updated_at__lt=first)
        .values_list("pk", "estimated_hours")
    )
    events = (
        TaskEvent.objects.filter(task_id__in=list(tasks), at__lte=now)
        .order_by("at", "id")
        .values_list("task_id", "action", "to_state", "at", "data")
    )
    timeline = defaultdict(list)
    for row in events:
        timeline[row[0]].append(row)
    usernames = {u.username: u.pk for u in get_user_model().objects.filter(pk__in=list(people))}
    out = []
    for point in points:
        hours = dict.fromkeys(people, 0.0)
        for task_id, rows in timeline.items():
            state, assignee = None, None
            for _, action, to_state, at, data in rows:
                if at > point:
                    break
                state = to_state
                if action in ("assign", "unassign"):
                    assignee = usernames.get((data or {}).get("to"))
            if state in OPEN_TASK_STATES and assignee in hours:
                hours[assignee] += float(tasks[task_id])
        util = [hours[uid] / float(p.weekly_hours) * 100 for uid, p in people.items() if p.weekly_hours > 0]
        out.append(
            {
                "week": timezone.localdate(point).isoformat(),
                "utilisation_cv": round(coefficient_of_variation(util), 4),
                "open_hours_gini": round(gini(list(hours.values())), 4),
            }
        )
    return out


def _history_of_changes(approved, mona, sam, tasks_generate):
    """Tasks generated, assigned, started, reassigned and completed over eight weeks."""
    with time_machine.travel(START, tick=False):
        req = approved()
        tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    steps = [
        (1, lambda: services.task_assign(task_id=tasks["plan"].pk, assignee=sam, by=mona)),
        (1, lambda: services.task_assign(task_id=tasks["design"].pk, assignee=sam, by=mona)),
        (2, lambda: services.task_transition(task_id=tasks["plan"].pk, action="start", by=sam)),
        (3, lambda: services.task_assign(task_id=tasks["design"].pk, assignee=mona, by=mona)),
        (4, lambda: services.task_transition(task_id=tasks["plan"].pk, action="submit_review", by=sam)),
        (5, lambda: services.task_transition(task_id=tasks["plan"].pk, action="complete", by=sam, actual_hours=3)),
        (6, lambda: services.task_assign(task_id=tasks["email"].pk, assignee=mona, by=mona)),
        (7, lambda: services.task_assign(task_id=tasks["design"].pk, assignee=None, by=mona)),
    ]
    for week, step in steps:
        with time_machine.travel(START + dt.timedelta(weeks=week, hours=1), tick=False):
            step()
    return tasks


def test_history_equals_the_replay_it_replaced(approved, template, mona, sam, people):
    from tasks.generation import tasks_generate

    _history_of_changes(approved, mona, sam, tasks_generate)
    expected = _reference(weeks=12, now=NOW)
    assert any(p["open_hours_gini"] for p in expected)  # the scenario moves the figures
    assert _history(weeks=12, now=NOW) == expected
    # Served again from the weekly snapshots: the same figures.
    assert _history(weeks=12, now=NOW) == expected
    assert _history(weeks=4, now=NOW) == _reference(weeks=4, now=NOW)


def test_history_reads_no_id_list_and_a_constant_number_of_queries(approved, template, mona, sam, people):
    from tasks.generation import tasks_generate

    def run() -> list[str]:
        WorkloadSnapshot.objects.all().delete()
        rows = workload_rows(now=NOW)
        with CaptureQueriesContext(connection) as ctx:
            balance_history(rows=rows, weeks=12, now=NOW)
        return [q["sql"] for q in ctx.captured_queries]

    _history_of_changes(approved, mona, sam, tasks_generate)
    small = run()
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            tasks_generate(request_id=approved().pk, by=mona)
    large = run()
    assert len(large) == len(small)
    # The events are chosen by a subquery, not by thousands of bound ids.
    assert all(sql.count("%s") + sql.count("?") < 50 for sql in large)
    rows = workload_rows(now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        balance_history(rows=rows, weeks=12, now=NOW)
    assert len(ctx.captured_queries) < len(large)  # the weeks are kept: none replayed


def test_missing_weeks_are_computed_by_a_job_queued_once_not_in_the_request(
    approved, template, mona, sam, people, settings, monkeypatch
):
    """At 100k campaigns replaying twelve weeks of events takes seconds: the page and the API do
    not wait for it. They say the history is being computed, queue the job once, and show the
    history the job kept."""
    from django.test import Client
    from django.urls import reverse

    from tasks.generation import tasks_generate
    from tasks.jobs import snapshot_workload_history
    from tests.conftest import api_as

    _history_of_changes(approved, mona, sam, tasks_generate)
    expected = _reference(weeks=12, now=NOW)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # a worker runs the jobs
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append((func, args)))
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(mona)
    with time_machine.travel(NOW, tick=False):
        first = page.get(reverse("tasks:workload"))
        again = page.get(reverse("tasks:workload"))
        api = api_as(mona).get("/api/workload/")
    assert first.status_code == again.status_code == api.status_code == 200
    assert "The weekly history is being computed" in first.content.decode()
    assert first.context["history"] is None and api.json()["history"] is None
    assert api.json()["people"]  # the rest of the answer does not wait
    assert queued == [("tasks.jobs.snapshot_workload_history", (12,))]  # once, for three requests

    with time_machine.travel(NOW, tick=False):
        assert snapshot_workload_history(12) == 11  # the past week ends; "now" is never kept
        shown = page.get(reverse("tasks:workload"))
        api = api_as(mona).get("/api/workload/")
    assert shown.context["history"] == expected == api.json()["history"]
    assert "The weekly history is being computed" not in shown.content.decode()
    assert len(queued) == 1


def test_the_hourly_schedule_keeps_the_weeks_ready():
    from config.schedules import SCHEDULES

    assert SCHEDULES["tasks-workload-history"] == ("tasks.jobs.snapshot_workload_history", 60)


def test_the_weeks_are_kept_in_the_database_for_every_process(
    approved, template, mona, sam, people, settings, monkeypatch
):
    """The job runs in a worker process; the page in a web process with its own cache (none
    shared in development). The weeks the job replayed reach the page through the database."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from tasks.generation import tasks_generate
    from tasks.jobs import snapshot_workload_history

    _history_of_changes(approved, mona, sam, tasks_generate)
    with time_machine.travel(NOW, tick=False):
        snapshot_workload_history(12)
    assert WorkloadSnapshot.objects.count() == 11  # the eleven past week ends; "now" is never kept
    cache.clear()  # another process: nothing cached
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(func))
    monkeypatch.setattr("tasks.workload._hours_at_points", lambda *a: (_ for _ in ()).throw(AssertionError("replay")))
    page = Client()
    page.force_login(mona)
    with time_machine.travel(NOW, tick=False):
        shown = page.get(reverse("tasks:workload"))
    assert shown.context["history"] == _reference(weeks=12, now=NOW)
    assert queued == []
    # The table's last column is "now", not a date (the page is in Japanese by default).
    header = shown.content.decode().split("<th>週</th>", 1)[1].split("</tr>", 1)[0]
    assert header.endswith('<th class="num">現在</th>')


def test_a_new_week_replays_that_week_alone_and_old_snapshots_are_pruned(
    approved, template, mona, sam, people, monkeypatch
):
    from tasks import workload
    from tasks.generation import tasks_generate
    from tasks.jobs import snapshot_workload_history

    _history_of_changes(approved, mona, sam, tasks_generate)
    with time_machine.travel(NOW, tick=False):
        snapshot_workload_history(12)
    replayed, real = [], workload._hours_at_points
    monkeypatch.setattr(workload, "_hours_at_points", lambda points, *a: replayed.append(points) or real(points, *a))
    later = NOW + dt.timedelta(weeks=1)
    with time_machine.travel(later, tick=False):
        assert _history(weeks=12, now=later) == _reference(weeks=12, now=later)
    assert [len(points) for points in replayed] == [1]  # last Monday's week end, nothing else
    # A snapshot older than a year, or of another set of people, is deleted by the next run.
    WorkloadSnapshot.objects.create(at=NOW - dt.timedelta(weeks=60), people=workload.people_digest(dict.fromkeys([1])))
    kept = WorkloadSnapshot.objects.count() - 1
    with time_machine.travel(later, tick=False):
        snapshot_workload_history(12)
    assert WorkloadSnapshot.objects.count() == kept


def test_the_chart_legend_is_in_the_page_language():
    from django.utils import translation

    from tasks.workload import history_svg

    weeks = [{"week": "2026-11-23", "utilisation_cv": 0.5, "open_hours_gini": 0.2}] * 2
    with translation.override("ja"):
        svg = history_svg(weeks)
    assert "稼働率の変動係数" in svg and "未完了工数のジニ係数" in svg and "週ごとのバランス" in svg
    # On a Monday this week's start and "now" share a date: the last point says "now".
    assert ">11-23</text>" in svg and ">現在</text>" in svg
    with translation.override("en"):
        svg = history_svg(weeks)
    assert "CV of utilisation" in svg and ">Now</text>" in svg


def test_admin_lists_snapshots_read_only_and_only_a_superuser_deletes_them(client, root, mona):
    from django.urls import reverse

    row = WorkloadSnapshot.objects.create(at=NOW, people="x" * 64, hours={"1": 2.5})
    delete = reverse("admin:tasks_workloadsnapshot_delete", args=[row.pk])
    client.force_login(mona)
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert WorkloadSnapshot.objects.filter(pk=row.pk).exists()
    client.force_login(root)
    assert client.get(reverse("admin:tasks_workloadsnapshot_changelist")).status_code == 200
    assert client.get(reverse("admin:tasks_workloadsnapshot_add")).status_code == 403
    change = client.post(reverse("admin:tasks_workloadsnapshot_change", args=[row.pk]), {"people": "y"})
    assert change.status_code == 403 or WorkloadSnapshot.objects.get(pk=row.pk).people == "x" * 64
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not WorkloadSnapshot.objects.filter(pk=row.pk).exists()
