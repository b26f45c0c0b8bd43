"""Re-plan open tasks planned by the earlier SLA start rule (clock from predecessors' due dates).

Calls ``manage.py sla_replan_open --reason migration`` (``tasks.sla_start.open_tasks_replan``),
which reads the current models: it needs the SLA start conditions and pause limits (sla 0003,
0004) and the task columns up to 0010. On an empty database it does nothing (one query).
Reversing is a no-op: the old plan was wrong, and the audit events stay.
"""

import io

from django.core.management import call_command
from django.db import migrations


def replan(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    if not Task.objects.filter(state__in=["todo", "in_progress", "waiting", "in_review"]).exists():
        return
    call_command("sla_replan_open", reason="migration", stdout=io.StringIO())


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0010_deliverables_and_review"),
        ("sla", "0004_sla_policy_pause_limit"),
        ("campaigns", "0010_request_discussion"),  # the campaign columns the re-plan reads
    ]

    operations = [migrations.RunPython(replan, migrations.RunPython.noop)]
