"""The task tables carry no index that another index already covers (issue 19).

Each index is written by every UPDATE that changes one of its columns; the SLA sweep's first run
changes thousands of tasks at once, so an index that only repeats the start of another one costs
time and serves no query the longer one does not.
"""

import pytest
from django.db import connection

from tasks.models import SlaNotification, Task

pytestmark = pytest.mark.django_db


def _plain_indexes(model) -> dict[str, list[str]]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, model._meta.db_table)
    return {
        name: info["columns"]
        for name, info in found.items()
        if info["index"] and not info["unique"] and not info["primary_key"]
    }


@pytest.mark.parametrize("model", [Task, SlaNotification])
def test_no_index_is_the_start_of_another(model):
    indexes = _plain_indexes(model)
    repeated = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if other != name and (len(columns) < len(longer) or name > other) and longer[: len(columns)] == columns
    ]
    assert repeated == []


def test_the_sweep_and_list_indexes_remain():
    indexes = _plain_indexes(Task)
    for name, columns in {
        "task_sla_due_idx": ["sla_state", "due_at"],
        "task_sla_risk_idx": ["sla_state", "at_risk_at"],
        "task_sla_claim_idx": ["sla_claim"],
        "task_state_due_idx": ["state", "due_at", "position", "id"],
        "task_campaign_order_idx": ["campaign_id", "position", "id"],
        "task_mine_due_idx": ["assignee_id", "state", "due_at"],
    }.items():
        assert indexes.get(name) == columns, name
    assert _plain_indexes(SlaNotification).get("sla_notification_claim_idx") == ["claim"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner (PostgreSQL's statistics choose well)")
def test_every_sweep_move_reads_an_sla_index(org, make_request, task_types):
    """Each move of the SLA sweep finds its rows through (sla_state, due_at / at_risk_at): read
    through (state, due_at), the breached-but-moved test walked every open task with a later
    deadline on each sweep. The statistics are those of a board where every task is on track
    (one SLA state, several task states), which led SQLite's planner to (state, due_at)."""
    import datetime as dt

    from django.utils import timezone

    from tasks.sla_sweep import _move_rows, moves

    now = timezone.now()
    req = make_request(org["alice"])
    Task.objects.bulk_create(
        Task(
            campaign=req,
            task_type=task_types["email"],
            number=900_000 + i,
            key=f"IDX-{i}",
            title="作業",
            state=("todo", "in_progress", "in_review", "done")[i % 4],
            sla_start_at=now - dt.timedelta(days=3),
            due_at=now + dt.timedelta(hours=i - 50),
            at_risk_at=now + dt.timedelta(hours=i - 60),
        )
        for i in range(400)
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    for old, _new, test, _loud in moves(now):
        qs = _move_rows(old, test).order_by().values("pk")  # as the UPDATE: no ordering
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cur.fetchall())
        assert "task_sla_due_idx" in plan or "task_sla_risk_idx" in plan, (old, plan)
