"""`make restore FILE=…`: a backup into an empty database (or --clean to replace one), plus media."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured (empty) database."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="mops-backup-….tar.gz")
        parser.add_argument("--clean", action="store_true", help="Replace what the target database holds.")

    def handle(self, *args, archive: str, clean: bool, **options):
        try:
            result = backup_restore(archive=Path(archive), clean=clean)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {result['vendor']} backup of {result['created_at']}, {result['media_files']} media files."
        )
