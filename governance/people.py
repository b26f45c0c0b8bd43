"""People for pickers: who works tasks, shown by name (family name first in Japanese)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import roles
from .templatetags.people import person


def display_name(user) -> str:
    """A person's name in the order their language writes it (the ``person`` template filter)."""
    return person(user)


def worker_choices() -> list[tuple[str, str]]:
    """(username, name) of the active people who work tasks (MOps and specialists), by name.

    The username stays the value (the querystring and the API speak usernames); the label is
    the name people recognise. One query.
    """
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.MOPS, roles.SPECIALIST])
        .distinct()
        .only("username", "first_name", "last_name")
    )
    return sorted(((u.username, display_name(u)) for u in users), key=lambda c: (c[1], c[0]))
