"""Capacity forecast at scale: open tasks folded per (task type, assignee, window) by the database,
with the same demand as spreading every task, and a query count that does not grow with the tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks.capacity import demand, task_windows, team_forecast, week_starts
from tasks.models import OPEN_TASK_STATES, Task, TaskState

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)
MON = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _more(campaign, like: Task, n: int, *, start: int, due_days: int = 0) -> None:
    """``n`` open tasks like ``like`` (same type and assignee), due ``due_days`` + i % 20 days from now."""
    Task.objects.bulk_create(
        Task(
            number=start + i,
            key=f"MOPS-{start + i}",
            campaign=campaign,
            task_type=like.task_type,
            assignee=like.assignee,
            title="bulk",
            position=100 + i,
            estimated_hours=Decimal(3),
            state=TaskState.TODO,
            sla_start_at=NOW + dt.timedelta(days=i % 5),
            due_at=NOW + dt.timedelta(days=due_days + i % 20, hours=i % 7),
        )
        for i in range(n)
    )


def _per_task_windows(today: dt.date) -> list[dict]:
    """The windows as the forecast used to build them: one per open task, local dates."""
    return [
        {
            "role": t.task_type.role.slug,
            "assignee_id": t.assignee_id,
            "hours": Decimal(t.estimated_hours or 0),
            "start": timezone.localdate(t.sla_start_at or t.created_at),
            "due": timezone.localdate(t.due_at) if t.due_at else today,
        }
        for t in Task.objects.filter(state__in=OPEN_TASK_STATES).select_related("task_type__role")
    ]


def _cells(by: dict) -> dict:
    return {(k, w): v.quantize(Decimal("0.001")) for k, weeks in by.items() for w, v in weeks.items() if v}


def test_folded_windows_give_the_same_demand_as_every_task(generated):
    req, tasks = generated
    _more(req, tasks["lp"], 60, start=70_000)
    _more(req, tasks["plan"], 25, start=71_000, due_days=-10)  # overdue: on today
    mondays = week_starts(MON, 12)
    last = mondays[-1] + dt.timedelta(days=6)
    folded = task_windows(MON, last)
    each = _per_task_windows(MON)
    assert len(folded) < len(each)  # tasks sharing a window are summed by the database
    assert sum(w["hours"] for w in folded) == sum(w["hours"] for w in each)
    new_role, new_person = demand(folded, mondays, MON)
    old_role, old_person = demand(each, mondays, MON)
    assert _cells(new_role) == _cells(old_role)
    assert _cells(new_person) == _cells(old_person)


def test_windows_starting_after_the_horizon_are_left_out(generated):
    req, tasks = generated
    _more(req, tasks["lp"], 3, start=72_000, due_days=200)
    Task.objects.filter(number__gte=72_000).update(sla_start_at=NOW + dt.timedelta(days=150))
    last = MON + dt.timedelta(days=27)
    assert not [w for w in task_windows(MON, last) if w["start"] > last]
    assert [w for w in task_windows(MON) if w["start"] > last]


def test_forecast_queries_do_not_grow_with_the_tasks(generated):
    req, tasks = generated
    with CaptureQueriesContext(connection) as small:
        before = team_forecast(weeks=12, now=NOW)
    _more(req, tasks["lp"], 120, start=73_000)
    with CaptureQueriesContext(connection) as large:
        after = team_forecast(weeks=12, now=NOW)
    assert len(large) == len(small)
    web = lambda data: sum(c["demand_hours"] for r in data["roles"] if r["role"] == "web" for c in r["weeks"])  # noqa: E731
    assert web(after) - web(before) == pytest.approx(Decimal(360), abs=Decimal("1"))
