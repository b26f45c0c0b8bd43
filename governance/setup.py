"""Role groups and their admin permissions, kept in step after every migrate."""

from __future__ import annotations

from typing import Any

from . import roles

# Which apps' models each role may manage in the Django admin. Workflow state is never
# edited there: it changes only through transitions (pages and API).
ADMIN_APPS = {
    roles.MOPS: {
        "campaigns": "view",
        "tasks": "all",
        "sla": "all",
        "knowledge": "all",
        "kpis": "all",
        "governance": "view",
    },
    roles.ADMIN: {
        "campaigns": "all",
        "tasks": "all",
        "sla": "all",
        "knowledge": "all",
        "kpis": "all",
        "governance": "all",
    },
    roles.APPROVER: {"campaigns": "view"},
    roles.SPECIALIST: {},
    roles.REQUESTER: {},
}


def ensure_roles(sender: Any = None, **kwargs: Any) -> None:
    """Create the role groups and give each its admin permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for name, apps in ADMIN_APPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, level in apps.items():
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if level == "view":
                perms = perms.filter(codename__startswith="view_")
            wanted.extend(perms)
        if wanted:
            group.permissions.add(*wanted)
