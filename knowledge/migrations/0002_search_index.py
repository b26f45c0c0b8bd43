"""Full-text search index for articles, per database vendor.

SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34), rowid = article id,
kept in step by triggers on knowledge_article (insert, update of title/body, delete), so
every write path (services, admin, bulk updates) updates the index in the same transaction.

PostgreSQL: the pg_trgm extension and GIN trigram indexes on title and body, which serve
ILIKE '%term%' for terms of any script.
"""
from django.db import migrations

from ._search_sql import POSTGRES_BACKWARD, POSTGRES_FORWARD, SQLITE_BACKWARD, SQLITE_FORWARD


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
