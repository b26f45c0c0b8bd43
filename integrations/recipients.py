"""Who is told about an event (governance policy decides who approves and who is MOps)."""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import ApprovalRoute
from governance.models import Delegation

from .notify import mops_user_ids  # noqa: F401 (re-exported)


def current_approver_ids(request) -> set[int]:
    """The approvers the request is routed to now, plus anyone standing in for them today."""
    ids = set(
        ApprovalRoute.objects.filter(
            request_id=request.pk, round=request.approval_round, step=request.approval_step
        ).values_list("approver_id", flat=True)
    )
    if ids:
        today = timezone.localdate()
        ids |= set(
            Delegation.objects.filter(
                delegator_id__in=ids, start__lte=today, end__gte=today, revoked_at__isnull=True
            ).values_list("delegate_id", flat=True)
        )
    return ids


def requester_ids(request) -> set[int]:
    return {request.requester_id}


def sla_ids(task) -> set[int]:
    """The assignee plus the MOps team (escalation)."""
    return ({task.assignee_id} if task.assignee_id else set()) | set(mops_user_ids())


def launched_ids(request) -> set[int]:
    return {request.requester_id} | set(mops_user_ids())


def without(ids: set[int], user) -> set[int]:
    """Nobody is mailed about what they just did themselves."""
    if user is not None and getattr(user, "pk", None):
        ids = ids - {user.pk}
    return ids


__all__ = ["current_approver_ids", "requester_ids", "sla_ids", "launched_ids", "without"]
