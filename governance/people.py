"""People for pickers: who works tasks, shown by name (``governance.names.person_name``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import roles
from .names import person_name


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
    return sorted(((u.username, person_name(u)) for u in users), key=lambda c: (c[1], c[0]))
