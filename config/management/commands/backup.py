"""`make backup`: the database and the media files in one archive (see config/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's online backup) and the media files."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="backups", help="Folder for the archive (default: backups/).")

    def handle(self, *args, dir: str, **options):
        try:
            archive = backup_create(dest_dir=Path(dir))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written: {archive}")
