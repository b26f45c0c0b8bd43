"""python manage.py import_results FILE [--preset salesforce|hubspot|marketo] [--dry-run] [--user NAME]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns import results


class Command(BaseCommand):
    help = "Import campaign results from a CSV/XLSX export, all-or-nothing (a CRM/MA report with --preset)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--preset", default="", choices=["", *sorted(results.PRESETS)])
        parser.add_argument("--dry-run", action="store_true", help="validate and show the plan, write nothing")
        parser.add_argument("--user", default="", help="the MOps user or Admin recorded as importer")

    def handle(self, *args, file: str, preset: str, dry_run: bool, user: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        User = get_user_model()
        by = (
            User.objects.filter(username=user, is_active=True).first()
            if user
            else (lambda admins: admins[0] if len(admins) == 1 else None)(
                list(User.objects.filter(is_superuser=True, is_active=True)[:2])
            )
        )
        if by is None:
            raise CommandError("Name the importing MOps user or Admin with --user.")
        content = path.read_bytes()
        try:
            headers, rows = results.read_table(content, path.name)
            mapping = results.guess_mapping(headers, preset)
            plan = results.results_import_plan(headers=headers, rows=rows, mapping=mapping, by=by, preset=preset)
            for error in plan.errors:
                self.stdout.write(f"row {error['row']} [{error['column']}]: {error['message']}")
            for row in plan.rows:
                self.stdout.write(f"row {row['row']}: {row['action']} request {row['campaign'].pk} {row['campaign']}")
            if not plan.ok:
                raise CommandError(f"{len(plan.errors)} errors; nothing was imported.")
            if dry_run:
                self.stdout.write(f"dry run: {len(plan.rows)} rows valid")
                return
            record = results.results_import_apply(
                content=content, filename=path.name, mapping=mapping, by=by, preset=preset
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"imported: {record.created} created, {record.updated} updated")
