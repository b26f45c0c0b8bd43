"""Reads of campaign requests, filtered by what the user may see (governance policy)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from governance import policy

from .models import ApprovalRoute, CampaignRequest, RequestAttachment, RequestComment, RequestEvent, State


def _routes() -> Prefetch:
    return Prefetch("approval_routes", queryset=ApprovalRoute.objects.select_related("approver"))


def _base() -> QuerySet[CampaignRequest]:
    return CampaignRequest.objects.select_related("campaign_type", "business_unit", "requester")


def request_ids_visible_subquery(user: Any) -> QuerySet | None:
    """The ids of the requests ``user`` may see (``policy.request_visibility_q``), as a subquery for
    ``pk__in`` / ``campaign_id__in``; None when they see every request.

    One arm per term of the rule (own requests, headed units, routes), each read from its own
    index and joined by UNION ALL (an id reached twice is listed twice; ``IN`` does not mind). The
    rule OR-ed in one WHERE read every request at 100k campaigns: the routes' term is a join, and
    an OR over a join has no index (an approver's home counted 100k rows to show none; issue 19)."""
    terms = policy.request_visibility_terms(user)
    if terms is None:
        return None
    parts = [CampaignRequest.objects.filter(term).order_by().values("pk") for term in terms]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def request_list_for(user: Any) -> QuerySet[CampaignRequest]:
    """Requests ``user`` may see, ready for list pages (constant query count)."""
    visible = request_ids_visible_subquery(user)
    if visible is None:  # everything: skip the subquery
        return _base().prefetch_related(_routes(), "channels")
    return _base().filter(pk__in=visible).prefetch_related(_routes(), "channels")


def request_rows_for(user: Any) -> QuerySet[CampaignRequest]:
    """Requests ``user`` may see, with the rule (``policy.request_visibility_q``) on the row itself.

    Same rule as ``request_list_for``, without its id-list subquery: reads that pick a few rows out
    of many by another index (the calendar's per-day slices, each its own subquery) would otherwise
    materialise every visible id once per slice (issue 19). An approver's rule joins the approval
    routes, so a request routed to them twice appears twice: count with ``distinct=True``."""
    q = policy.request_visibility_q(user)
    return CampaignRequest.objects.filter(q) if q else CampaignRequest.objects.all()


# Up to this many visible requests, ``request_rows_few_for`` lists them by id.
FEW_VISIBLE = 100


def request_rows_few_for(user: Any, few: int = FEW_VISIBLE) -> QuerySet[CampaignRequest]:
    """``request_rows_for(user)``, as a list of ids when ``user`` may see at most ``few`` requests.

    Most people see few (a requester their own, a specialist none): a read by another index (the
    calendar's and the feed's dates) then looks those rows up instead of testing the rule on every
    request of the range (at 100k campaigns, a specialist's feed tested 20,000 to show none). One
    bounded query tells, each term of the rule read from its own index."""
    visible = request_ids_visible_subquery(user)
    if visible is None:  # MOps and Admins: every request
        return CampaignRequest.objects.all()
    # The rule's terms as one UNION ALL that stops at ``few + 1`` rows: OR-ed in one WHERE,
    # SQLite scanned a whole index instead.
    found = [row["pk"] for row in visible[: few + 1]]
    if len(found) > few:  # rows, not ids: a request reached by two terms is listed twice
        return request_rows_for(user)
    ids = sorted(set(found))
    return CampaignRequest.objects.filter(pk__in=ids) if ids else CampaignRequest.objects.none()


def request_ids_visible_to(user: Any, ids: Any) -> set[int]:
    """Which of ``ids`` ``user`` may see (the rule of ``request_list_for``), in one query driven by
    the ids: each is checked on its own row, so a short list costs the same at any size (the list
    page's subquery reads every visible request)."""
    return set(request_rows_for(user).filter(pk__in=list(ids)).values_list("pk", flat=True))


def request_list_of(user: Any, ids: Any) -> QuerySet[CampaignRequest]:
    """The requests among ``ids`` (a short list) that ``user`` may see, ready for a list page."""
    return _base().filter(pk__in=request_ids_visible_to(user, ids)).prefetch_related(_routes(), "channels")


def request_inbox_for(user: Any) -> QuerySet[CampaignRequest]:
    """Submitted requests waiting for ``user``'s decision."""
    routed = ApprovalRoute.objects.filter(
        request_id=OuterRef("pk"),
        round=OuterRef("approval_round"),
        step=OuterRef("approval_step"),
        approver_id__in=policy.acting_for_ids(user),
    )
    return (
        _base()
        .filter(state=State.SUBMITTED)
        .filter(Exists(routed))
        .prefetch_related(_routes(), "channels")
        .order_by("launch_date", "id")
    )


def request_mine(user: Any) -> QuerySet[CampaignRequest]:
    """Requests ``user`` submitted (or drafted)."""
    return _base().filter(requester=user).prefetch_related(_routes(), "channels")


def request_get_for(user: Any, request_id: int, *, with_events: bool = True) -> CampaignRequest:
    """One request ``user`` may see, or Http404 (we do not reveal that it exists)."""
    qs = request_list_for(user)
    if with_events:
        qs = qs.prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor")),
        )
    try:
        return qs.get(pk=request_id)
    except CampaignRequest.DoesNotExist:
        raise Http404("Campaign request not found") from None


def request_timeline(request: CampaignRequest) -> list[RequestEvent]:
    """The request's events (prefetched by ``request_get_for``) for the timeline; a decision a
    delegate took carries ``on_behalf``: the names of the approvers it was taken for (one query)."""
    from governance.names import names_by_username

    events = list(request.events.all())
    usernames = {u for e in events for u in (e.data or {}).get("on_behalf_of", [])}
    if usernames:
        people = names_by_username(usernames)
        for e in events:
            e.on_behalf = ", ".join(people.get(u, u) for u in e.data.get("on_behalf_of", []))
    return events


def request_last_changes(request: CampaignRequest) -> dict[str, list]:
    """What the requester changed in their last resubmission (field -> [before, after])."""
    events = [e for e in request.events.all() if e.action == "resubmit"]
    if not events:
        return {}
    return events[-1].data.get("changes", {})


def in_flight_by_unit() -> dict[int, int]:
    """Requests waiting for a decision, per business unit id (for the governance preview)."""
    from django.db.models import Count

    rows = (
        CampaignRequest.objects.filter(state__in=[State.SUBMITTED, State.CHANGES_REQUESTED])
        .values("business_unit_id")
        .annotate(n=Count("id"))
    )
    return {r["business_unit_id"]: r["n"] for r in rows}


def request_governance_models(**filters: Any) -> list[dict[str, Any]]:
    """Per request, the governance model (and parameters) it ran under — for the KPI work."""
    return list(
        CampaignRequest.objects.filter(**filters)
        .exclude(governance_model="")
        .values("id", "business_unit__slug", "governance_model", "governance_params", "submitted_at")
    )


# --- launch feasibility (computed by a higher app) ------------------------------------------

# Providers a higher app registers in its AppConfig.ready (tasks/ back-schedules the campaign
# type's task template). Each is called as
#   provider(campaign_type=<CampaignType>, launch_date=<date>, request=<CampaignRequest|None>, now=<aware datetime>)
# plus end_date=<date> when the caller knows it (post-end work is planned from it).
# and returns a JSON-friendly dict — latest_approval_date, tasks [{task_type, latest_start, due, …}],
# feasible, earliest_feasible_launch_date — or None when it has nothing to say (no template).
feasibility_providers: list = []


def launch_feasibility(
    *, campaign_type: Any, launch_date: Any, now: Any, request: Any = None, end_date: Any = None
) -> dict[str, Any] | None:
    """The first provider's answer for a campaign type and launch date (and end date), or None."""
    if campaign_type is None or launch_date is None:
        return None
    for provider in feasibility_providers:
        kwargs = {"end_date": end_date} if end_date is not None else {}
        result = provider(campaign_type=campaign_type, launch_date=launch_date, request=request, now=now, **kwargs)
        if result is not None:
            return result
    return None


# States in which the plan is still a question (before production starts).
FEASIBILITY_STATES = (State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED, State.APPROVED)


def request_feasibility(request: CampaignRequest, *, now: Any) -> dict[str, Any] | None:
    """Launch feasibility of a request (its type, launch date and needs)."""
    return launch_feasibility(
        campaign_type=request.campaign_type, launch_date=request.launch_date, request=request, now=now
    )


# --- working lists: sortable columns --------------------------------------------------------

# Column key -> the fields it orders by (the primary key is always added last).
REQUEST_SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "name": ("name",),
    "type": ("campaign_type__name",),
    "unit": ("business_unit__name",),
    "requester": ("requester__last_name", "requester__first_name", "requester__username"),
    "launch": ("launch_date",),
    "budget": ("budget",),
    "state": ("state",),
}
REQUEST_DEFAULT_ORDER = ("-created_at", "-id")


def request_sorted(qs: QuerySet[CampaignRequest], sort: Any) -> QuerySet[CampaignRequest]:
    """``qs`` in the order of a whitelisted ``campaigns.sorting.Sort`` (None: newest first)."""
    from .sorting import apply_sort

    return apply_sort(qs, sort, REQUEST_SORTS, REQUEST_DEFAULT_ORDER)


# --- discussion ----------------------------------------------------------------------------


def request_comments_for(user: Any, request_id: int) -> QuerySet:
    """The comments of a request ``user`` may see, oldest first (Http404 otherwise)."""

    req = request_get_for(user, request_id, with_events=False)
    return RequestComment.objects.filter(request=req).select_related("author").order_by("created_at", "id")


def request_comment_get_for(user: Any, request_id: int, comment_id: int) -> RequestComment:
    """One comment of a request ``user`` may see, or Http404 (a comment of another request too)."""
    try:
        return request_comments_for(user, request_id).get(pk=comment_id)
    except ObjectDoesNotExist:
        raise Http404("Comment not found") from None


def request_attachments_for(user: Any, request_id: int) -> QuerySet:
    """The attachments of a request ``user`` may see, oldest first (Http404 otherwise)."""

    req = request_get_for(user, request_id, with_events=False)
    return RequestAttachment.objects.filter(request=req).select_related("uploaded_by").order_by("created_at", "id")


def request_attachment_get_for(user: Any, request_id: int, attachment_id: int):
    """One attachment of a request ``user`` may see, or Http404 (existence is not revealed)."""
    try:
        return request_attachments_for(user, request_id).get(pk=attachment_id)
    except ObjectDoesNotExist:
        raise Http404("Attachment not found") from None
