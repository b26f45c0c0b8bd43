"""Open tasks planned by the earlier rule (a successor's clock started at its predecessors' due
dates) are re-planned by the current rule: ``manage.py sla_replan_open``, run by the migration
``tasks.0013_replan_open_tasks``.

Same template and calendar as test_sla_start.py (Mon-Fri 09:00-18:00 Asia/Tokyo, no policies:
plan, email, design 3 business days, lp 5, qa 1). Generated Mon 1 Jun 10:00; plan is done early,
Tue 2 Jun 10:00.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from tasks.models import Task, TaskEvent

from .test_sla_start import T0, at, finish, reload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def old_rule_data(generated, sam, mona):
    """The live rule plans email and qa; then their rows are overwritten as the old rule stored them."""
    req, tasks = generated
    finish(tasks["plan"], sam, mona, start=at(1, 11), done=at(2, 10))
    live_qa = reload(tasks["qa"])
    assert live_qa.sla_start_at is None  # lp and email are open: qa waits with a forecast
    # old rule: email's clock from plan's due date Thu 4 Jun 18:00 -> Fri 5, Mon 8, Tue 9 Jun 18:00
    Task.objects.filter(pk=tasks["email"].pk).update(sla_start_at=at(4, 18), due_at=at(9, 18), at_risk_at=at(8, 18))
    # old rule: qa's clock already running from its predecessors' due dates
    Task.objects.filter(pk=tasks["qa"].pk).update(sla_start_at=at(9, 18), due_at=at(10, 18), at_risk_at=at(10, 12))
    # a closed task keeps its history, whatever it stores
    Task.objects.filter(pk=tasks["plan"].pk).update(sla_start_at=at(1, 9))
    return tasks, live_qa


def test_the_command_replans_open_successors_by_the_current_rule(old_rule_data, frozen):
    tasks, live_qa = old_rule_data
    before = set(TaskEvent.objects.filter(action="sla_replan").values_list("pk", flat=True))
    frozen.move_to(at(3, 9))
    call_command("sla_replan_open", reason="migration", stdout=io.StringIO())

    email, qa, plan = reload(tasks["email"]), reload(tasks["qa"]), reload(tasks["plan"])
    # email became actionable when plan was done, Tue 2 Jun 10:00: Wed, Thu, Fri -> Fri 5 Jun 18:00
    assert (email.sla_start_at, email.due_at) == (at(2, 10), at(5, 18))
    # qa still waits for lp and email: no clock, the forecast the live re-plan gave it
    assert qa.sla_start_at is None and qa.due_at == live_qa.due_at
    assert plan.sla_start_at == at(1, 9)  # closed: untouched

    new = TaskEvent.objects.filter(action="sla_replan").exclude(pk__in=before)
    assert sorted(new.values_list("task_id", flat=True)) == sorted([email.pk, qa.pk])
    ev = new.get(task=email)
    assert ev.actor is None and ev.at == at(3, 9) and ev.data["reason"] == "migration"
    assert [dt.datetime.fromisoformat(x) for x in ev.data["due_at"]] == [at(9, 18), at(5, 18)]
    assert [dt.datetime.fromisoformat(x) for x in ev.data["sla_start_at"]] == [at(4, 18), at(2, 10)]
    assert new.get(task=qa).data["clock"] == "waiting for predecessors"

    # Running it again changes nothing and writes no event.
    count = TaskEvent.objects.count()
    call_command("sla_replan_open", stdout=io.StringIO())
    assert TaskEvent.objects.count() == count


def test_the_migration_runs_the_command(old_rule_data):
    tasks, _live = old_rule_data
    migration = importlib.import_module("tasks.migrations.0013_replan_open_tasks")
    migration.replan(apps, None)
    assert reload(tasks["email"]).sla_start_at == at(2, 10)
    assert TaskEvent.objects.filter(task=tasks["email"], action="sla_replan", data__reason="migration").exists()


def test_the_migration_skips_and_says_so_when_later_migrations_change_the_tables(old_rule_data, capsys):
    """On an upgrade that jumps releases, today's models would read columns not yet created:
    the migration leaves the tasks alone and names the command to run after migrate."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    tasks, _live = old_rule_data
    before = reload(tasks["email"]).sla_start_at
    events = TaskEvent.objects.count()
    migration = importlib.import_module("tasks.migrations.0013_replan_open_tasks")
    # The tables as they were before the due-date move columns (tasks 0012) existed.
    state = MigrationLoader(connection).project_state(("tasks", "0011_task_comment_markdown_edit_delete"))
    assert migration._models_match(state.apps) is False
    migration.replan(state.apps, None)
    assert reload(tasks["email"]).sla_start_at == before
    assert TaskEvent.objects.count() == events
    assert "manage.py sla_replan_open" in capsys.readouterr().out
