"""A backup restores completely: every row, every audit event, the media files, the append-only triggers."""

from __future__ import annotations

import os
import shutil
import sqlite3

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from campaigns.models import RequestEvent
from config.backup import BackupError, backup_create, backup_restore

pytestmark = pytest.mark.django_db(transaction=True)
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def history(org, make_request, settings, tmp_path):
    """Requests through their workflow (events in three audit logs) and an uploaded file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "reviews").mkdir(parents=True)
    (settings.MEDIA_ROOT / "reviews" / "q3.pdf").write_bytes(b"%PDF-1.4 test")
    alice, charlie = org["alice"], org["charlie"]
    make_request(alice, actions=["submit", "approve"], actors={"approve": charlie}, name="承認済み")
    make_request(alice, actions=["submit", "request_changes"], actors={"request_changes": charlie}, name="差し戻し")
    make_request(alice, actions=["submit"], name="申請中")
    return sorted(RequestEvent.objects.values_list("pk", "request_id", "action", "at"))


@pytest.fixture
def empty_pg_database():
    name = f"h16_restore_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup path")
def test_sqlite_backup_restores_every_row_and_the_media(history, tmp_path, settings):
    expected = source_counts()
    archive = backup_create(dest_dir=tmp_path / "backups")
    target = tmp_path / "restored.sqlite3"
    restored_media = tmp_path / "restored-media"
    result = backup_restore(archive=archive, database_url=f"sqlite:///{target}", media_root=restored_media)
    assert result["media_files"] == 1
    assert (restored_media / "reviews" / "q3.pdf").read_bytes() == b"%PDF-1.4 test"
    db = sqlite3.connect(target)
    try:
        assert {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in expected} == expected
        events = sorted(
            db.execute("SELECT id, request_id, action FROM campaigns_requestevent").fetchall(), key=lambda r: r[0]
        )
    finally:
        db.close()
    assert events == [(pk, rid, action) for pk, rid, action, _ in history]
    with pytest.raises(BackupError, match="exists"):
        backup_restore(archive=archive, database_url=f"sqlite:///{target}", media_root=restored_media)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pg_dump / pg_restore path")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump missing (make test installs postgresql-client)")
def test_postgres_backup_restores_rows_events_and_append_only_triggers(history, tmp_path, empty_pg_database, settings):
    expected = source_counts()
    assert expected["campaigns_requestevent"] == len(history) > 0
    archive = backup_create(dest_dir=tmp_path / "backups")
    result = backup_restore(archive=archive, database_url=empty_pg_database, media_root=tmp_path / "restored-media")
    assert result == {"vendor": "postgresql", "media_files": 1, "created_at": result["created_at"]}
    with psycopg.connect(empty_pg_database, autocommit=True) as db:
        restored = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in expected}
        assert restored == expected
        events = sorted(db.execute("SELECT id, request_id, action, at FROM campaigns_requestevent").fetchall())
        assert events == history
        # The audit log is still append-only in the restored database.
        for sql in ("UPDATE campaigns_requestevent SET comment = 'edited'", "DELETE FROM campaigns_requestevent"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(sql)
        # ... and so is every other audit table: the same triggers exist as in the source.
        triggers = "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
        restored_triggers = db.execute(triggers).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(triggers)
        source_triggers = cursor.fetchall()
    assert ("tasks_taskevent", "tasks_taskevent_append_only") in source_triggers
    assert restored_triggers == source_triggers
    # A second restore into the now full database is refused, naming the way out.
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(archive=archive, database_url=empty_pg_database, media_root=tmp_path / "m2")


def test_restore_refuses_a_missing_file_and_says_so(tmp_path):
    with pytest.raises(CommandError, match="No such backup"):
        call_command("restore", str(tmp_path / "nope.tar.gz"))


def test_backup_command_writes_an_archive(org, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", "--dir", str(tmp_path / "b"))
    assert "Backup written" in capsys.readouterr().out
    assert len(list((tmp_path / "b").glob("mops-backup-*.tar.gz"))) == 1
