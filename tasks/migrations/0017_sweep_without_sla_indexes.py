"""The SLA sweep's UPDATE changes no indexed column, and its notices write fewer indexes (issue 19).

Without an index on sla_state / sla_claim, PostgreSQL writes the sweep's updates as HOT updates
(the new row version on the same page, no index entries), provided the page has room: the task
table keeps 15 % of each page free (fillfactor 85). This applies to pages written from now on;
``VACUUM FULL tasks_task`` in a maintenance window applies it to the existing rows too.
"""

from django.conf import settings
from django.db import migrations, models


FILLFACTOR = 85


def _fillfactor(apps, schema_editor, value: int | None) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no fillfactor (nor HOT updates)
    table = schema_editor.quote_name("tasks_task")
    option = f"SET (fillfactor = {int(value)})" if value else "RESET (fillfactor)"
    schema_editor.execute(f"ALTER TABLE {table} {option}")


def leave_room(apps, schema_editor):
    _fillfactor(apps, schema_editor, FILLFACTOR)


def fill_pages(apps, schema_editor):
    _fillfactor(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0015_owner_state_index"),
        ("tasks", "0016_fewer_task_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="task_sla_due_idx",
        ),
        migrations.RemoveIndex(
            model_name="task",
            name="task_sla_risk_idx",
        ),
        migrations.RemoveIndex(
            model_name="task",
            name="task_sla_claim_idx",
        ),
        migrations.RemoveField(
            model_name="task",
            name="sla_claim",
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["state", "at_risk_at"], name="task_state_risk_idx"),
        ),
        migrations.RunPython(leave_room, fill_pages),
        # The sweep's notices: fewer indexes written per inserted row.
        migrations.RemoveIndex(
            model_name="slanotification",
            name="sla_notification_claim_idx",
        ),
        migrations.AlterField(
            model_name="slanotification",
            name="send_after",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="slanotification",
            index=models.Index(
                condition=models.Q(("claim", ""), _negated=True), fields=["claim"], name="sla_notification_claim_idx"
            ),
        ),
    ]
