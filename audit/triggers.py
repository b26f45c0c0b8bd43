"""PostgreSQL triggers that make an audit table append-only in the database itself.

Use in a migration: ``operations = [append_only_trigger("app_table")]``. On other databases
the operation does nothing (the model and queryset layers still refuse changes there).
"""

from __future__ import annotations

from django.db import migrations

FUNCTION = "mops_refuse_event_change"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit events are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def trigger_name(table: str) -> str:
    """The trigger's name for ``table`` (one trigger per audit table)."""
    return f"{table}_append_only"


def create_sql(table: str) -> str:
    """SQL that refuses UPDATE and DELETE on ``table`` (creates the shared function if missing)."""
    name = trigger_name(table)
    return CREATE_FUNCTION + (
        f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();\n"
    )


def drop_sql(table: str) -> str:
    """SQL that removes the trigger of ``table``."""
    return f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table};"


def append_only_trigger(table: str) -> migrations.RunPython:
    """A migration operation installing the append-only trigger on ``table`` (PostgreSQL only)."""

    def forwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql(table))

    def backwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop_sql(table))

    return migrations.RunPython(forwards, backwards)
