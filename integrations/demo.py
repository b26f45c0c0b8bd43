"""Demo data: an inactive sample Slack webhook and preferences for the demo users (idempotent)."""

from __future__ import annotations

from .events import ALL_EVENTS, DEFAULT_EMAIL_EVENTS, Event
from .models import NotificationPreference, Webhook

# username -> (language, time zone, daily digest)
PREFERENCES = {
    "marketer": ("ja", "Asia/Tokyo", False),
    "marketer2": ("ja", "Asia/Tokyo", False),
    "marketer3": ("en", "Asia/Singapore", False),
    "cmo": ("ja", "Asia/Tokyo", True),
    "osaka_head": ("ja", "Asia/Tokyo", False),
    "apac_head": ("en", "Asia/Singapore", True),
    "mops": ("ja", "Asia/Tokyo", True),
    "designer": ("ja", "Asia/Tokyo", False),
    "webdev": ("en", "Asia/Tokyo", False),
    "admin": ("ja", "Asia/Tokyo", False),
}


def seed(*, users: dict) -> int:
    """Returns the number of rows created."""
    made = 0
    for username, (language, tz, digest) in PREFERENCES.items():
        user = users.get(username)
        if user is None:
            continue
        _, created = NotificationPreference.objects.get_or_create(
            user=user,
            defaults={
                "language": language,
                "time_zone": tz,
                "daily_digest": digest,
                "email_events": list(DEFAULT_EMAIL_EVENTS),
            },
        )
        made += created
    if not Webhook.objects.filter(name="Slack #marketing-ops (sample)").exists():
        Webhook.objects.create(
            name="Slack #marketing-ops (sample)",
            url="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            events=[e for e in ALL_EVENTS if e != Event.TASK_ASSIGNED],
            format="slack",
            language="ja",
            active=False,
            created_by=users.get("admin"),
        )
        made += 1
    return made
