"""Build the deterministic demo organisation and a year of data; safe to run twice."""
from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns import demo as campaigns_demo
from governance import demo as governance_demo


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
        with transaction.atomic():
            org = governance_demo.seed_organisation()
            campaigns_demo.seed_reference_data()
            users = org["users"]
            made = campaigns_demo.seed_requests(
                users=users, units=org["units"], seed=seed,
                halfway=lambda: governance_demo.switch_to_hybrid(users["admin"]),
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({made} new campaign requests)."))
        self.stdout.write("Logins (password 'demo'): " + ", ".join(u[0] for u in governance_demo.USERS))
