"""On PostgreSQL the task audit log is append-only in the database too; seed the key counter."""
from django.db import migrations

from audit.triggers import append_only_trigger


def seed_key_counter(apps, schema_editor):
    apps.get_model("tasks", "KeyCounter").objects.get_or_create(name="task")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial"), ("campaigns", "0002_event_append_only")]
    operations = [
        append_only_trigger("tasks_taskevent"),
        migrations.RunPython(seed_key_counter, migrations.RunPython.noop),
    ]
