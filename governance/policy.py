"""Governance policy: who approves, who sees what.

campaigns/, tasks/ and knowledge/ ask these functions instead of checking groups
themselves, so a change of governance model changes behaviour in one place. This module
imports none of our other apps: it works on field names (``requester``,
``business_unit``, ``routed_approvers``) that callers' models share.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from . import roles

CENTRALISED = "centralised"


def user_roles(user: Any) -> frozenset[str]:
    """The role names of ``user``, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_mops_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(roles.ADMIN)
        cached = frozenset(names)
        user._mops_roles = cached
    return cached


def has_role(user: Any, *names: str) -> bool:
    return bool(user_roles(user) & set(names))


def is_ops(user: Any) -> bool:
    """MOps and Admins see and operate on everything."""
    return has_role(user, roles.MOPS, roles.ADMIN)


def governance_model_for(*, business_unit: Any) -> str:
    """The governance model in force for a unit (centralised until the governance issue)."""
    return CENTRALISED


def approvers_for(request: Any) -> QuerySet:
    """The users a submitted request is routed to for approval.

    Centralised model: every active Approver (the CMO's office) approves everything.
    The requester never approves their own request.
    """
    User = get_user_model()
    qs = User.objects.filter(is_active=True, groups__name=roles.APPROVER).distinct()
    if getattr(request, "requester_id", None):
        qs = qs.exclude(pk=request.requester_id)
    return qs


def can_decide(user: Any, request: Any) -> bool:
    """True when ``user`` may approve, reject or send back ``request`` now.

    Reads ``request.routed_approvers`` through ``.all()`` so a prefetched list costs no query.
    """
    if not has_role(user, roles.APPROVER):
        return False
    return any(u.pk == user.pk for u in request.routed_approvers.all())


def request_visibility_q(user: Any) -> Q:
    """A filter on campaign requests: what ``user`` may see.

    MOps and Admins: everything. Approvers: what was routed to them. Requesters: their own.
    Anonymous users: nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_ops(user):
        return Q()
    q = Q(requester=user)
    if has_role(user, roles.APPROVER):
        q |= Q(routed_approvers=user)
    return q
