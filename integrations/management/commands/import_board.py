"""python manage.py import_board --source jira|asana FILE [--dry-run] [--unit SLUG] [--mapping FILE] [--user NAME]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.models import CampaignType
from governance.models import BusinessUnit
from integrations.importers import boards
from tasks.models import TaskType


class Command(BaseCommand):
    help = "Import a Jira or Asana CSV export: campaign requests, tasks, people, dependencies and history."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=sorted(boards.READERS))
        parser.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        parser.add_argument("--unit", default="", help="business unit slug for items without a unit label")
        parser.add_argument("--campaign-type", default="", help="campaign type slug for items without a type label")
        parser.add_argument("--task-type", default="", help="task type slug for items without a type label")
        parser.add_argument("--mapping", default="", help="JSON mapping file (statuses, people, types, date format)")
        parser.add_argument("--valid-only", action="store_true", help="import the valid rows, skip the others")
        parser.add_argument("--user", default="", help="the MOps user or Admin recorded as importer")

    def _get(self, model, slug: str, label: str):
        if not slug:
            return None
        obj = model.objects.filter(slug=slug).first()
        if obj is None:
            raise CommandError(f"No {label} {slug!r}.")
        return obj

    def _user(self, username: str):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        admins = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(admins) != 1:
            raise CommandError("Name the importing MOps user or Admin with --user.")
        return admins[0]

    def handle(self, *args, file: str, source: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        mapping = Path(options["mapping"]).read_bytes() if options["mapping"] else None
        by = self._user(options["user"])
        try:
            plan = boards.board_preview(
                source=source,
                content=path.read_bytes(),
                by=by,
                unit=self._get(BusinessUnit, options["unit"], "unit"),
                campaign_type=self._get(CampaignType, options["campaign_type"], "campaign type"),
                task_type=self._get(TaskType, options["task_type"], "task type"),
                mapping=mapping,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        for row in plan.rows:
            detail = "; ".join([*row.messages, *row.notes])
            self.stdout.write(f"{row.line:>5} {row.key:<20} {row.kind:<8} {row.action:<9} {row.state:<17} {detail}")
        for person, count in plan.unmatched_people:
            self.stdout.write(f"unmatched person: {person} ({count})")
        if options["dry_run"]:
            self.stdout.write(f"dry run: {plan.counts()}")
            return
        if plan.errors and not options["valid_only"]:
            raise CommandError(f"{len(plan.errors)} rows have errors; nothing was imported (see --valid-only).")
        try:
            result = boards.board_import(plan=plan, by=by, valid_only=options["valid_only"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(f"imported: {dict(sorted(result.counts.items()))}")
