"""The task tables carry no index that another index already covers (issue 19).

Each index is written by every UPDATE that changes one of its columns; the SLA sweep's first run
changes thousands of tasks at once, so an index that only repeats the start of another one costs
time and serves no query the longer one does not.
"""

import re

import pytest
from django.db import connection

from tasks.models import SlaNotification, Task
from tests.tasks.conftest import explain

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
        "task_state_due_idx": ["state", "due_at", "position", "id", "at_risk_at", "sla_start_at"],
        "task_state_risk_idx": ["state", "at_risk_at"],
        "task_campaign_order_idx": ["campaign_id", "position", "id"],
        "task_mine_due_idx": ["assignee_id", "state", "due_at"],
    }.items():
        assert indexes.get(name) == columns, name
    assert _plain_indexes(SlaNotification).get("sla_notification_claim_idx") == ["claim"]


def test_no_index_names_a_column_the_sweep_writes():
    """The sweep's UPDATE sets sla_state and sla_changed_at only: with neither in an index (nor
    in a partial index's condition), PostgreSQL writes it as a HOT update, no index entries."""
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, Task._meta.db_table)
    named = {name: info["columns"] for name, info in found.items() if info["index"] or info["unique"]}
    assert [n for n, cols in named.items() if {"sla_state", "sla_changed_at"} & set(cols)] == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Task._meta.db_table])
            definitions = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Task._meta.db_table])
            options = cur.fetchone()[0]
        assert [d for d in definitions if "sla_state" in d or "sla_changed_at" in d] == []
        assert "fillfactor=85" in options  # room on each page for the updated row


def test_every_sweep_move_reads_an_open_state_index(mostly_done_team):
    """Each move of the SLA sweep (its real UPDATE) finds its rows through (state, due_at) or
    (state, at_risk_at), the open states' ranges: never through due_at alone, which would read
    every done task of the past."""
    from tasks.sla_sweep import move_sql, moves

    for move in moves(recover=True):
        plan = explain(*move_sql(move, mostly_done_team))
        if connection.vendor == "sqlite":
            assert "task_state_due_idx" in plan or "task_state_risk_idx" in plan, (move, plan)
        else:  # PostgreSQL's statistics pick among the indexes led by state; never due_at alone
            assert "Seq Scan" not in plan and "task_due_day_idx" not in plan, (move, plan)
            assert re.search(r"Index Cond: \(+state\)::text = ANY", plan), (move, plan)
