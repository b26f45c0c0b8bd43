"""On PostgreSQL the task audit log is append-only in the database too; seed the key counter."""
from django.db import migrations

# mops_refuse_event_change() is created by campaigns/0002_event_append_only.
CREATE = """
DROP TRIGGER IF EXISTS tasks_taskevent_append_only ON tasks_taskevent;
CREATE TRIGGER tasks_taskevent_append_only
    BEFORE UPDATE OR DELETE ON tasks_taskevent
    FOR EACH ROW EXECUTE FUNCTION mops_refuse_event_change();
"""
DROP = "DROP TRIGGER IF EXISTS tasks_taskevent_append_only ON tasks_taskevent;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
    apps.get_model("tasks", "KeyCounter").objects.get_or_create(name="task")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial"), ("campaigns", "0002_event_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
