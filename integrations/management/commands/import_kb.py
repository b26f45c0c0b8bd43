"""python manage.py import_kb --source notion|confluence FILE.zip [--dry-run] [--valid-only] [--user NAME]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.importers import kb


class Command(BaseCommand):
    help = "Import a Notion (Markdown & CSV) or Confluence (HTML) export zip into the knowledge base."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=sorted(kb.READERS))
        parser.add_argument("--dry-run", action="store_true", help="show the pages, write nothing")
        parser.add_argument("--valid-only", action="store_true", help="import the valid pages, skip the others")
        parser.add_argument("--user", default="", help="the MOps user or Admin recorded as importer")

    def handle(self, *args, file: str, source: str, dry_run: bool, valid_only: bool, user: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        User = get_user_model()
        if user:
            by = User.objects.filter(username=user, is_active=True).first()
        else:
            admins = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
            by = admins[0] if len(admins) == 1 else None
        if by is None:
            raise CommandError("Name the importing MOps user or Admin with --user.")
        try:
            plan = kb.wiki_preview(source=source, content=path.read_bytes(), by=by)
            for page in plan.pages:
                detail = "; ".join([*page.errors, *page.notes])
                self.stdout.write(f"{page.key:<34} {page.title[:50]:<50} {detail}")
            for skipped in plan.skipped:
                self.stdout.write(f"skipped: {skipped}")
            if dry_run:
                self.stdout.write(f"dry run: {len(plan.pages)} pages, {len(plan.errors)} with errors")
                return
            if plan.errors and not valid_only:
                raise CommandError(f"{len(plan.errors)} pages have errors; nothing was imported (see --valid-only).")
            result = kb.wiki_import(plan=plan, by=by, valid_only=valid_only)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"imported: {result.counts}, attachments added: {result.attachments}")
