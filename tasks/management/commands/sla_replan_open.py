"""``manage.py sla_replan_open``: re-plan open tasks' SLA clocks by the current start rule.

Run once by the migration ``tasks.0013_replan_open_tasks`` for data planned by the earlier rule
(a successor's clock started at its predecessors' due dates); safe to run again (a task already
planned by the current rule does not change and gets no event). Prints the number of changed tasks.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from tasks.sla_start import open_tasks_replan


class Command(BaseCommand):
    help = "Re-plan the SLA clock of open tasks with predecessors by the current start rule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", default="manual", help="stored in each sla_replan event's data")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = open_tasks_replan(at=timezone.now(), by=None, reason=options["reason"])
        self.stdout.write(f"{len(changed)} task(s) re-planned")
