"""Re-plan open tasks planned by the earlier SLA start rule (clock from predecessors' due dates).

Calls ``manage.py sla_replan_open --reason migration`` (``tasks.sla_start.open_tasks_replan``),
which reads the current models: it needs the SLA start conditions and pause limits (sla 0003,
0004) and the task columns up to 0012. On an empty database it does nothing (one query).
Reversing is a no-op: the old plan was wrong, and the audit events stay.

Because it runs today's model code, it only runs when the database's tables match today's
models (no later migration of these apps is still to apply). Otherwise, say on an upgrade that
jumps several releases, it skips and says to run ``manage.py sla_replan_open`` once after
``migrate``: the command is idempotent.
"""

import io
import sys

from django.core.management import call_command
from django.db import migrations

OPEN = ["todo", "in_progress", "waiting", "in_review"]
APPS = ("tasks", "campaigns", "sla", "governance")


def _models_match(apps) -> bool:
    """The historical models at this point have exactly the current models' columns."""
    from django.apps import apps as current

    for label in APPS:
        for model in current.get_app_config(label).get_models():
            try:
                then = apps.get_model(label, model.__name__)
            except LookupError:
                return False
            if {f.column for f in then._meta.concrete_fields} != {f.column for f in model._meta.concrete_fields}:
                return False
    return True


def replan(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    if not Task.objects.filter(state__in=OPEN).exists():
        return
    if not _models_match(apps):
        sys.stdout.write(
            "\n  tasks.0013: later migrations change the tables the re-plan reads; "
            "run `python manage.py sla_replan_open` once after migrate.\n"
        )
        return
    call_command("sla_replan_open", reason="migration", stdout=io.StringIO())


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0012_task_due_moved"),
        ("sla", "0004_sla_policy_pause_limit"),
        ("campaigns", "0012_governance_unit_index"),  # the campaign tables as the re-plan reads them
    ]

    operations = [migrations.RunPython(replan, migrations.RunPython.noop)]
