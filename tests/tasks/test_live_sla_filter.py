"""The SLA filter (board, task list, API, home counts) finds exactly the tasks whose badge shows
that SLA state (``Task.sla_state_at``), in every task state, with no index on sla_state."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection

from tasks.models import SlaState, Task, TaskState
from tasks.selectors import live_sla_q
from tests.tasks.conftest import explain

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 3, 11, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
# What each task state can store: completion writes met or missed; the others keep a live state.
STORED = {
    TaskState.DONE: [SlaState.MET, SlaState.MISSED],
    **{
        s: [SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED]
        for s in (TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW, TaskState.WAITING, TaskState.CANCELLED)
    },
}
# (at_risk_at, due_at) around NOW: ahead, at risk, overdue, and no deadline.
DEADLINES = [(NOW + HOUR, NOW + 2 * HOUR), (NOW - HOUR, NOW + HOUR), (NOW - 2 * HOUR, NOW - HOUR), (None, None)]


@pytest.fixture
def every_kind_of_task(org, make_request, task_types) -> list[Task]:
    req = make_request(org["alice"])
    rows = []
    combos = itertools.product(STORED.items(), DEADLINES, [True, False])
    for i, ((state, stored), (risk, due), started) in enumerate(combos):
        for sla in stored:
            rows.append(
                Task(
                    campaign=req,
                    task_type=task_types["email"],
                    number=800_000 + len(rows),
                    key=f"LIVE-{len(rows)}",
                    title=f"{state} {sla} {i}",
                    state=state,
                    sla_state=sla,
                    sla_start_at=NOW - 10 * HOUR if started else None,
                    at_risk_at=risk,
                    due_at=due,
                )
            )
    return Task.objects.bulk_create(rows)


@pytest.mark.parametrize("sla", [s.value for s in SlaState])
def test_the_filter_finds_the_tasks_whose_badge_shows_that_state(every_kind_of_task, sla):
    expected = {t.pk for t in every_kind_of_task if t.sla_state_at(NOW) == sla}
    found = set(Task.objects.filter(key__startswith="LIVE-").filter(live_sla_q(sla, NOW)).values_list("pk", flat=True))
    assert found == expected
    assert expected  # each SLA state is shown by some task of the fixture


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner (PostgreSQL's statistics count states)")
def test_the_breached_filter_reads_index_ranges_when_most_tasks_are_done(mostly_done_team):
    """With a third of the table per state in SQLite's statistics, the OR of "waiting or cancelled
    and stored breached" and "running and overdue" read the whole table; each branch is an index
    range with the planner hint (``planner_hints.Unlikely``)."""
    query = Task.objects.filter(live_sla_q(SlaState.BREACHED, mostly_done_team)).values("pk").query
    plan = explain(*query.sql_with_params())
    assert "MULTI-INDEX OR" in plan and "SCAN tasks_task" not in plan, plan
