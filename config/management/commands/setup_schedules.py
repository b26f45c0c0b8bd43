"""Create or update every django-q2 schedule of MOps Desk (idempotent; run by `make run`)."""

from django.core.management.base import BaseCommand

from config.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the periodic jobs (SLA sweeps, reminders) in django-q2."

    def handle(self, *args, **options):
        names = ensure_schedules()
        self.stdout.write(f"Schedules in place: {', '.join(names) if names else 'none'}")
