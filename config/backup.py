"""Backups that restore: the database (pg_dump custom format, or SQLite's online backup API) plus media.

One archive per backup, ``mops-backup-<UTC time>.tar.gz``, holding ``manifest.json``,
``database.dump`` (PostgreSQL) or ``database.sqlite3`` (SQLite), and ``media/``. Restoring
goes into an empty database (or ``clean=True`` to replace one); the audit tables' append-only
triggers are part of the PostgreSQL dump, so they are in force again after a restore.
Passwords travel in the child's environment (PGPASSWORD), never on a command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connection

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def backup_create(*, dest_dir: Path, media_root: Path | None = None) -> Path:
    """Write a backup of the current database and the media files to ``dest_dir``; returns the archive."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    archive = dest_dir / f"mops-backup-{stamp}.tar.gz"
    db = connection.settings_dict
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if connection.vendor == "postgresql":
            name = "database.dump"
            cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={work / name}"]
            result = subprocess.run(cmd, env=_pg_env(db), capture_output=True, text=True)
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            # The online backup API copies a consistent snapshot while the app keeps writing.
            name = "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(work / name)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"No backup method for {connection.vendor}.")
        manifest = {
            "format": FORMAT,
            "vendor": connection.vendor,
            "database": name,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(work / name, arcname=name)
            if media_root.is_dir():
                tar.add(media_root, arcname="media")
    return archive


def _pg_is_empty(env: dict[str, str]) -> bool:
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    result = subprocess.run([_tool("psql"), "-tAc", sql], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"Cannot reach the target database: {result.stderr.strip()}")
    return result.stdout.strip() == "0"


def backup_restore(
    *, archive: Path, database_url: str | None = None, media_root: Path | None = None, clean: bool = False
) -> dict[str, Any]:
    """Restore ``archive`` into the database (``database_url`` or the configured one) and media folder.

    Refuses a non-empty target unless ``clean`` (which replaces what is there), and a backup
    made on another kind of database.
    """
    if not archive.is_file():
        raise BackupError(f"No such backup: {archive}")
    target = dj_database_url.parse(database_url) if database_url else dict(settings.DATABASES["default"])
    vendor = "postgresql" if "postgresql" in target["ENGINE"] else "sqlite" if "sqlite" in target["ENGINE"] else "?"
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # "data": no absolute paths, links or devices
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("vendor") != vendor:
            raise BackupError(f"This backup is from {manifest.get('vendor')}; the target database is {vendor}.")
        dump = work / manifest["database"]
        if vendor == "postgresql":
            env = _pg_env(target)
            if not clean and not _pg_is_empty(env):
                raise BackupError("The target database is not empty: restore into a new database, or pass --clean.")
            cmd = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            if clean:
                cmd += ["--clean", "--if-exists"]
            result = subprocess.run(
                [*cmd, f"--dbname={target['NAME']}", str(dump)], env=env, capture_output=True, text=True
            )
            if result.returncode:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            path = Path(target["NAME"])
            if path.exists() and path.stat().st_size and not clean:
                raise BackupError(f"{path} exists: restore into a new file, or pass --clean.")
            source, dest = sqlite3.connect(dump), sqlite3.connect(path)
            try:
                source.backup(dest)
            finally:
                source.close()
                dest.close()
        restored_media = 0
        if (work / "media").is_dir():
            for file in (work / "media").rglob("*"):
                if file.is_file():
                    out = media_root / file.relative_to(work / "media")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, out)
                    restored_media += 1
    return {"vendor": vendor, "media_files": restored_media, "created_at": manifest.get("created_at")}
