"""PostgreSQL: the stored figures' large text columns compressed with lz4 instead of pglz.

A 100k-campaign quarter stores ~15 MB of JSON in one row; pglz compressing it took ~0.3 s of
each recomputation, lz4 a tenth of that, for a slightly larger row. Servers built without lz4
keep pglz (their ``default_toast_compression`` offers no lz4); SQLite has no such setting."""

from django.db import migrations

COLUMNS = ("report_json", "lists_json", "ids_json")


def _alter(method: str):
    def run(apps, schema_editor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cur:
            cur.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cur.fetchone()
        if not row or method not in (row[0] or []):
            return
        table = schema_editor.quote_name("kpis_quarterfigures")
        columns = ", ".join(f"ALTER COLUMN {schema_editor.quote_name(c)} SET COMPRESSION {method}" for c in COLUMNS)
        schema_editor.execute(f"ALTER TABLE {table} {columns}")

    return run


class Migration(migrations.Migration):
    dependencies = [("kpis", "0006_quarter_figures_details")]

    operations = [migrations.RunPython(_alter("lz4"), _alter("pglz"))]
