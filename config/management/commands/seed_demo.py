"""Build the deterministic demo organisation and a year of data; safe to run twice."""

from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns import demo as campaigns_demo
from governance import demo as governance_demo
from integrations import demo as integrations_demo
from integrations.dispatch import suppressed as integrations_suppressed
from knowledge import demo as knowledge_demo
from kpis import demo as kpis_demo
from tasks import demo as tasks_demo
from tasks.generation import auto_generation_suppressed


class Command(BaseCommand):
    help = "Create demo units, users (password 'demo') and a year of campaign requests."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")

    def handle(self, *args, seed: int = 1, if_empty: bool = False, **options):
        from django.contrib.auth import get_user_model

        if if_empty and get_user_model().objects.exists():
            self.stdout.write("Database already has data; seed_demo skipped.")
            return
        # Demo history back-fills tasks itself (tasks.demo), so approvals do not auto-generate here.
        # ... and the back-filled history sends no webhooks or mails.
        with transaction.atomic(), auto_generation_suppressed(), integrations_suppressed():
            org = governance_demo.seed_organisation()
            campaigns_demo.seed_reference_data()
            users = org["users"]
            made = campaigns_demo.seed_requests(
                users=users,
                units=org["units"],
                seed=seed,
                halfway=lambda: governance_demo.switch_to_hybrid(users["admin"]),
            )
            tasks_made = tasks_demo.seed(users=users, units=org["units"], seed=seed)
            # Outcomes after the history: results for every launched campaign, survey answers,
            # martech snapshots (from the catalogue knowledge seeds), so every KPI section has data.
            campaigns_demo.seed_results(users=users, seed=seed)
            campaigns_demo.seed_surveys(users=users, seed=seed)
            articles_made = knowledge_demo.seed_knowledge(users=users, units=org["units"])
            kpis_demo.seed_snapshots(seed=seed)
            integrations_demo.seed(users=users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({made} new campaign requests, {tasks_made} new tasks, {articles_made} new articles)."
            )
        )
        self.stdout.write("Logins (password 'demo'): " + ", ".join(u[0] for u in governance_demo.USERS))
