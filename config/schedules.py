"""All periodic jobs in one place. Each entry: name -> (function path, minutes)."""
from __future__ import annotations

SCHEDULES: dict[str, tuple[str, int]] = {}


def ensure_schedules() -> list[str]:
    """Create or update the django-q2 schedules listed in SCHEDULES (safe to run twice)."""
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
        )
    return list(SCHEDULES)
