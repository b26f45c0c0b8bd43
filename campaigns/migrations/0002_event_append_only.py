"""On PostgreSQL the audit log is append-only in the database too: UPDATE and DELETE raise."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION mops_refuse_event_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit events are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS campaigns_requestevent_append_only ON campaigns_requestevent;
CREATE TRIGGER campaigns_requestevent_append_only
    BEFORE UPDATE OR DELETE ON campaigns_requestevent
    FOR EACH ROW EXECUTE FUNCTION mops_refuse_event_change();
"""
DROP = "DROP TRIGGER IF EXISTS campaigns_requestevent_append_only ON campaigns_requestevent;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
