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
