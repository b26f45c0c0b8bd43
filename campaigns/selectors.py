"""Reads of campaign requests, filtered by what the user may see (governance policy)."""
from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from governance import policy

from .models import CampaignRequest, RequestEvent, State


def _base() -> QuerySet[CampaignRequest]:
    return CampaignRequest.objects.select_related("campaign_type", "business_unit", "requester")


def request_list_for(user: Any) -> QuerySet[CampaignRequest]:
    """Requests ``user`` may see, ready for list pages (constant query count)."""
    q = policy.request_visibility_q(user)
    visible = CampaignRequest.objects.filter(q).values("pk")
    return _base().filter(pk__in=visible).prefetch_related("routed_approvers", "channels")


def request_inbox_for(user: Any) -> QuerySet[CampaignRequest]:
    """Submitted requests waiting for ``user``'s decision."""
    routed = CampaignRequest.routed_approvers.through.objects.filter(
        campaignrequest_id=OuterRef("pk"), user_id=user.pk
    )
    return (
        _base()
        .filter(state=State.SUBMITTED)
        .filter(Exists(routed))
        .prefetch_related("routed_approvers", "channels")
        .order_by("launch_date", "id")
    )


def request_mine(user: Any) -> QuerySet[CampaignRequest]:
    """Requests ``user`` submitted (or drafted)."""
    return _base().filter(requester=user).prefetch_related("routed_approvers", "channels")


def request_get_for(user: Any, request_id: int, *, with_events: bool = True) -> CampaignRequest:
    """One request ``user`` may see, or Http404 (we do not reveal that it exists)."""
    qs = request_list_for(user)
    if with_events:
        qs = qs.prefetch_related(Prefetch("events", queryset=RequestEvent.objects.select_related("actor")))
    try:
        return qs.get(pk=request_id)
    except CampaignRequest.DoesNotExist:
        raise Http404("Campaign request not found")


def request_last_changes(request: CampaignRequest) -> dict[str, list]:
    """What the requester changed in their last resubmission (field -> [before, after])."""
    events = [e for e in request.events.all() if e.action == "resubmit"]
    if not events:
        return {}
    return events[-1].data.get("changes", {})
