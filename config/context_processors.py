"""The header's links, decided by the same policy functions the views check.

A role sees only the pages it may open, so a nav link never ends on a 403."""

from __future__ import annotations

from django.http import HttpRequest

from governance import policy
from integrations.importers.boards import can_import
from integrations.services import can_configure_webhooks
from kpis.reviews import can_view as can_view_kpis
from tasks.capacity import may_see_capacity


def nav(request: HttpRequest) -> dict:
    """Booleans for templates/base.html (``nav.<page>``); empty for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    works = policy.works_tasks(user)
    return {
        "nav": {
            "my_requests": policy.can_create_request(user),
            "inbox": policy.has_approvals(user),
            "requests": True,
            "my_tasks": works,
            "board": works,
            "workload": policy.is_ops(user),
            "capacity": may_see_capacity(user),
            "imports": can_import(user),
            "kpis": can_view_kpis(user),
            "new_request": policy.can_create_request(user),
            "governance": policy.can_configure_governance(user),
            "webhooks": can_configure_webhooks(user),
            "admin": user.is_staff,
        }
    }
