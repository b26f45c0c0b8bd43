"""The executemany insert path of bulk generation writes what bulk_create would have written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from tasks.generation import tasks_generate_many
from tasks.models import Task, TaskDependency, TaskEvent, TaskState
from tasks.rawinsert import insert_objects, insert_rows, instance_maker

AT = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def _fields(req, task_type, number: int) -> dict:
    return {
        "campaign": req,
        "task_type": task_type,
        "number": number,
        "key": f"MOPS-{number}",
        "title": "コピー作成",
        "position": 11,
        "estimated_hours": Decimal("2.5"),
        "hourly_rate": Decimal(6000),
        "sla_start_at": AT,
        "due_at": AT + dt.timedelta(days=3, hours=7),
        "at_risk_at": AT + dt.timedelta(days=2),
        "created_at": AT,
    }


def _task(req, task_type, number: int) -> Task:
    return Task(**_fields(req, task_type, number))


@time_machine.travel(AT, tick=False)
def test_rows_read_back_equal_to_bulk_create(approved, task_types):
    req = approved()
    kind = task_types["email"]
    via_django, via_raw = _task(req, kind, 900001), _task(req, kind, 900002)
    Task.objects.bulk_create([via_django])
    insert_objects([via_raw], key="number")
    # The instance is left as save() leaves it: a primary key, not "adding", stamped.
    assert via_raw.pk and not via_raw._state.adding and via_raw.updated_at == timezone.now()
    a, b = Task.objects.get(number=900001), Task.objects.get(number=900002)
    assert b.pk == via_raw.pk
    ignore = {"id", "number", "key"}
    assert {k: v for k, v in model_to_dict(a).items() if k not in ignore} == {
        k: v for k, v in model_to_dict(b).items() if k not in ignore
    }
    assert (b.updated_at, b.created_at, b.state, b.sla_state) == (a.updated_at, a.created_at, a.state, a.sla_state)


def test_events_take_defaults_json_and_lazy_text(approved, task_types, mona):
    req = approved()
    kind = task_types["email"]
    first, second = _task(req, kind, 900011), _task(req, kind, 900012)
    insert_objects([first, second], key="number")
    insert_rows(TaskDependency, [{"task_id": second.pk, "predecessor_id": first.pk}])
    with override("en"):
        insert_rows(
            TaskEvent,
            [
                {"task_id": first.pk, "action": "create", "from_state": "todo", "to_state": "todo", "at": AT},
                {
                    "task_id": second.pk,
                    "action": "create",
                    "from_state": "todo",
                    "to_state": "todo",
                    "actor_id": mona.pk,
                    "at": AT,
                    "comment": _("Brand review required by hybrid governance"),
                    "data": {"depends_on": [first.key], "n": 1},
                },
            ],
        )
    plain, full = TaskEvent.objects.filter(task__in=[first, second]).order_by("task_id")
    assert (plain.comment, plain.data, plain.actor_id, plain.at) == ("", {}, None, AT)
    assert (full.comment, full.data, full.actor, full.at) == (
        "Brand review required by hybrid governance",
        {"depends_on": ["MOPS-900011"], "n": 1},
        mona,
        AT,
    )
    assert list(second.depends_on.all()) == [first]


def test_generated_create_events_name_the_entry_and_predecessor_keys(approved, template, mona):
    req = approved()
    made = tasks_generate_many(request_ids=[req.pk], by=mona, at=AT)[req.pk]
    by_id = {t.pk: t for t in made}
    for event in TaskEvent.objects.filter(task__campaign=req, action="create").select_related("task"):
        task = by_id[event.task_id]
        preds = sorted(p.key for p in task.depends_on.all())
        expected = (mona, AT, "todo", "todo", "")
        assert (event.actor, event.at, event.from_state, event.to_state, event.comment) == expected
        assert event.data["template_entry"] == task.template_entry_id
        assert sorted(event.data["depends_on"]) == preds
    # Every returned task is a saved row (primary keys read back by number).
    assert sorted(Task.objects.filter(campaign=req).values_list("pk", flat=True)) == sorted(by_id)


def test_instance_maker_builds_what_the_keyword_constructor_builds(approved, task_types):
    req = approved()
    kind = task_types["email"]
    made = instance_maker(Task)(template_entry=None, **_fields(req, kind, 900021))
    expected = _task(req, kind, 900021)
    assert made._state.adding and made.pk is None
    fields = [f.attname for f in Task._meta.concrete_fields]
    assert [getattr(made, f) for f in fields] == [getattr(expected, f) for f in fields]
    # The related objects it was given are cached, as the keyword constructor caches them.
    with CaptureQueriesContext(connection) as reads:
        assert (made.campaign, made.task_type, made.template_entry) == (req, kind, None)
    assert len(reads) == 0
    # It saves like any instance, and transitions from its default state.
    insert_objects([made], key="number")
    assert Task.objects.get(pk=made.pk).state == TaskState.TODO


def test_instance_maker_gives_each_instance_its_own_mutable_default(approved, task_types):
    make = instance_maker(TaskEvent)
    first, second = make(action="create"), make(action="create")
    first.data["n"] = 1
    assert second.data == {}


def test_enum_states_and_json_strings_are_written_as_django_writes_them(approved, task_types):
    req = approved()
    task = _task(req, task_types["email"], 900031)
    insert_objects([task], key="number")
    insert_rows(
        TaskEvent,
        [
            {"task_id": task.pk, "action": "create", "from_state": TaskState.TODO, "to_state": "todo", "at": AT},
            # A JSON column holding a plain string is still encoded as JSON (read back as the string).
            {"task_id": task.pk, "action": "comment", "from_state": "todo", "to_state": "todo", "at": AT, "data": "x"},
        ],
    )
    created, commented = TaskEvent.objects.filter(task=task).order_by("id")
    assert (created.from_state, type(created.from_state)) == ("todo", str)
    assert commented.data == "x"
