"""Governance policy: which model is in force, who approves, who sees what, who executes.

campaigns/, tasks/ and knowledge/ ask these functions instead of checking groups
themselves, so flipping the governance model changes routing, visibility and execution in
one place. This module imports none of our other apps: it works on duck-typed objects and
on field names (``requester``, ``business_unit``, ``approval_routes``) that callers share.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import roles
from .models import BusinessUnit, Delegation, GovernanceModel, OrganisationGovernance, UnitGovernance

CENTRALISED = GovernanceModel.CENTRALISED.value
DECENTRALISED = GovernanceModel.DECENTRALISED.value
HYBRID = GovernanceModel.HYBRID.value

# Task kinds (tasks.TaskType.kind) and who executes them under hybrid governance.
CENTRAL_KINDS_UNDER_HYBRID = {"operations", "brand"}


# --- roles -------------------------------------------------------------------------------


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


def can_see_labour_cost(user: Any) -> bool:
    """Role hourly rates and labour cost: MOps and Admins (they plan the work) and Approvers
    (they weigh cost against return). Requesters and specialists see hours, not money."""
    return is_ops(user) or has_role(user, roles.APPROVER)


def user_unit_ids(user: Any) -> frozenset[int]:
    """Ids of the business units ``user`` belongs to (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_mops_units", None)
    if cached is None:
        cached = frozenset(user.unit_memberships.values_list("unit_id", flat=True))
        user._mops_units = cached
    return cached


# --- pages: who may open what (views check these; the nav shows only what they allow) -----


def can_create_request(user: Any) -> bool:
    """Requesters and Admins file campaign requests."""
    return has_role(user, roles.REQUESTER, roles.ADMIN)


def has_approvals(user: Any) -> bool:
    """Approvers (and their delegates) have an approval inbox."""
    return has_role(user, roles.APPROVER)


def works_tasks(user: Any) -> bool:
    """Specialists, MOps and Admins are assigned tasks and work the board."""
    return has_role(user, roles.SPECIALIST, roles.MOPS, roles.ADMIN)


def can_configure_governance(user: Any) -> bool:
    """Only Admins change the governance model."""
    return has_role(user, roles.ADMIN)


# --- the model in force --------------------------------------------------------------------


def organisation_governance() -> OrganisationGovernance:
    obj, _ = OrganisationGovernance.objects.get_or_create(pk=1)
    return obj


def governance_for_unit(unit: BusinessUnit | None) -> dict[str, Any]:
    """The model and parameters in force for ``unit`` now, as a JSON-friendly dict.

    Requests record this at submission so KPIs can compare models over time and a later
    change does not move in-flight requests.
    """
    org = organisation_governance()
    override = UnitGovernance.objects.filter(unit=unit).first() if unit is not None else None
    model = override.model if override else org.model
    threshold = (
        override.hybrid_threshold if override and override.hybrid_threshold is not None else org.hybrid_threshold
    )
    return {
        "model": model,
        "hybrid_threshold": str(threshold),
        "source": f"unit:{unit.slug}" if override else "organisation",
    }


def governance_model_for(*, business_unit: Any) -> str:
    """The governance model in force for a unit now."""
    return governance_for_unit(business_unit)["model"]


# --- routing -------------------------------------------------------------------------------


def central_approvers() -> QuerySet:
    """The CMO's office: active Approvers who head no unit (all Approvers if that is nobody)."""
    User = get_user_model()
    approvers = User.objects.filter(is_active=True, groups__name=roles.APPROVER).distinct()
    central = approvers.filter(headed_units__isnull=True)
    return central if central.exists() else approvers


def _unit_head(unit: Any) -> list:
    head = getattr(unit, "head", None)
    if head is not None and head.is_active:
        return [head]
    return []


def approval_plan(
    *, business_unit: Any, budget: Decimal, params: dict[str, Any], requester_id: int | None = None
) -> list[list]:
    """The approval steps for a request: a list of steps, each a list of approvers.

    Centralised: the central CMO. Decentralised: the unit head. Hybrid: the unit head when
    the budget is at most the threshold; above it the unit head and then the CMO. A unit
    without a head falls back to the CMO. The requester never approves their own request.
    """
    model = params.get("model", CENTRALISED)
    central = list(central_approvers())
    head = _unit_head(business_unit) or central
    if model == DECENTRALISED:
        steps = [head]
    elif model == HYBRID:
        threshold = Decimal(params.get("hybrid_threshold") or 0)
        steps = [head] if Decimal(budget) <= threshold else [head, central]
        if steps[0] == central and len(steps) == 2:
            steps = [central]
    else:
        steps = [central]
    return [[u for u in step if u.pk != requester_id] for step in steps]


def approvers_for(request: Any) -> list:
    """The approvers of ``request``'s first step under the model in force now."""
    params = governance_for_unit(request.business_unit)
    plan = approval_plan(
        business_unit=request.business_unit, budget=request.budget, params=params, requester_id=request.requester_id
    )
    return plan[0]


def active_delegator_ids(user: Any, on: dt.date | None = None) -> frozenset[int]:
    """Approvers who have delegated to ``user`` for a window containing ``on`` (today)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    on = on or timezone.localdate()
    cache_key = f"_mops_delegators_{on.isoformat()}"
    cached = getattr(user, cache_key, None)
    if cached is None:
        cached = frozenset(
            Delegation.objects.filter(delegate=user, start__lte=on, end__gte=on, revoked_at__isnull=True).values_list(
                "delegator_id", flat=True
            )
        )
        setattr(user, cache_key, cached)
    return cached


def acting_for_ids(user: Any, on: dt.date | None = None) -> frozenset[int]:
    """``user`` plus everyone whose approvals ``user`` may take on ``on`` (today) by delegation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset({user.pk}) | active_delegator_ids(user, on)


def current_approver_ids(request: Any) -> set[int]:
    """Approvers of the request's current step (reads prefetched ``approval_routes``)."""
    return {
        r.approver_id
        for r in request.approval_routes.all()
        if r.step == request.approval_step and r.round == request.approval_round
    }


def can_decide(user: Any, request: Any, on: dt.date | None = None) -> bool:
    """True when ``user`` may approve, reject or send back ``request`` on ``on`` (today)."""
    if not has_role(user, roles.APPROVER) or user.pk == request.requester_id:
        return False
    return bool(current_approver_ids(request) & acting_for_ids(user, on))


def decided_for_ids(user: Any, request: Any, on: dt.date | None = None) -> list[int]:
    """The routed approvers ``user`` decides for by delegation on ``on`` (today); empty when
    ``user`` is a routed approver of the current step (then the decision is their own)."""
    routed = current_approver_ids(request)
    if user is None or user.pk in routed:
        return []
    return sorted(routed & active_delegator_ids(user, on))


def request_visibility_q(user: Any) -> Q:
    """A filter on campaign requests: what ``user`` may see.

    MOps and Admins: everything (read-only for the central team under decentralised
    governance is enforced by the transitions). Requesters: their own. Approvers: what was
    routed to them, or to someone they stand in for today. Unit heads: their unit's
    requests, read-only. Anonymous users: nothing.
    """
    terms = request_visibility_terms(user)
    return Q() if terms is None else functools.reduce(operator.or_, terms)


def request_visibility_terms(user: Any) -> list[Q] | None:
    """The terms ``request_visibility_q`` ORs together, each served by its own index (a reader
    may run them apart); None when ``user`` sees every request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return [Q(pk__in=[])]
    if is_ops(user):
        return None
    # Units they head as an id subquery, not a join: each term then has its own index (requester,
    # unit), where the OR over a joined unit read every request (issue 19).
    terms = [Q(requester=user), Q(business_unit_id__in=BusinessUnit.objects.filter(head=user).values("pk"))]
    if has_role(user, roles.APPROVER):
        terms.append(Q(approval_routes__approver__in=acting_for_ids(user)))
    return terms


def request_viewers_q(request: Any, on: dt.date | None = None) -> Q:
    """A filter on users: who may see ``request`` (the inverse of ``request_visibility_q``).

    Mentions, notifications and attachments ask this so they never reach someone the request
    page would refuse: MOps, Admins and superusers, the requester, the unit's head, and
    Approvers the request was routed to or who stand in for one of them today."""
    routed = set(request.approval_routes.values_list("approver_id", flat=True)) if request.pk else set()
    on = on or timezone.localdate()
    delegates = (
        set(
            Delegation.objects.filter(
                delegator_id__in=routed, start__lte=on, end__gte=on, revoked_at__isnull=True
            ).values_list("delegate_id", flat=True)
        )
        if routed
        else set()
    )
    User = get_user_model()
    ops = User.objects.filter(groups__name__in=[roles.MOPS, roles.ADMIN]).values("pk")
    q = Q(is_superuser=True) | Q(pk__in=ops) | Q(pk=request.requester_id)
    head_id = getattr(request.business_unit, "head_id", None) if request.business_unit_id else None
    if head_id:
        q |= Q(pk=head_id)
    if routed or delegates:
        approvers = User.objects.filter(groups__name=roles.APPROVER, pk__in=sorted(routed | delegates)).values("pk")
        q |= Q(pk__in=approvers)
    return q


# --- execution and templates ------------------------------------------------------------


def executing_unit_id(*, params: dict[str, Any], request_unit_id: int | None, task_kind: str) -> int | None:
    """Which unit's people execute a task: None for the central MOps team.

    Centralised: central. Decentralised: the request's unit. Hybrid: operations and brand
    tasks central, content tasks in the unit.
    """
    model = params.get("model", CENTRALISED)
    if model == DECENTRALISED:
        return request_unit_id
    if model == HYBRID and task_kind not in CENTRAL_KINDS_UNDER_HYBRID:
        return request_unit_id
    return None


def can_edit_template(user: Any, *, template_unit_id: int | None) -> bool:
    """Central templates: MOps/Admin. A unit's own templates: its head too (not centralised)."""
    if is_ops(user):
        return True
    if template_unit_id is None:
        return False
    unit = BusinessUnit.objects.filter(pk=template_unit_id).select_related("governance").first()
    if unit is None or unit.head_id != user.pk:
        return False
    return governance_for_unit(unit)["model"] != CENTRALISED


def may_execute(user: Any, *, executing_unit_id: int | None) -> bool:
    """True when ``user`` may be assigned a task executed by ``executing_unit_id``.

    None (the central team): anyone otherwise eligible (MOps, or a Specialist with the role).
    A unit: its members; MOps users stay assignable everywhere.
    """
    if executing_unit_id is None:
        return True
    if has_role(user, roles.MOPS):
        return True
    return executing_unit_id in user_unit_ids(user)


def unit_scope_q(user: Any, *, request_prefix: str = "", assignee_field: str | None = None) -> Q:
    """Rows a specialist of a unit may see: everything except what belongs to a request that ran
    under decentralised governance in another unit (units cannot see each other's work).

    ``request_prefix`` leads from the filtered model to the campaign request (``"campaign__"``
    for tasks); ``assignee_field`` (e.g. ``"assignee"``) adds rows assigned to ``user``. The
    request's recorded model counts, so a later governance change does not move the past.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_ops(user):
        return Q()
    q = ~Q(**{f"{request_prefix}governance_model": DECENTRALISED})
    q |= Q(**{f"{request_prefix}business_unit_id__in": sorted(user_unit_ids(user))})
    if assignee_field:
        q |= Q(**{assignee_field: user})
    return q


# Which templates generation uses (see template_plan).
TEMPLATES_CENTRAL = "central"
TEMPLATES_UNIT_ELSE_CENTRAL = "unit_else_central"
TEMPLATES_CENTRAL_PLUS_UNIT = "central_plus_unit"


def template_plan(params: dict[str, Any]) -> str:
    """Centralised: the central template only. Decentralised: the unit's own template if it has
    one, else the central one. Hybrid: the central template (mandatory) plus the unit's extra
    entries (units may only add tasks)."""
    model = params.get("model", CENTRALISED)
    if model == DECENTRALISED:
        return TEMPLATES_UNIT_ELSE_CENTRAL
    if model == HYBRID:
        return TEMPLATES_CENTRAL_PLUS_UNIT
    return TEMPLATES_CENTRAL


def brand_review_required(params: dict[str, Any]) -> bool:
    """Under hybrid governance every generated task set contains a brand-kind task."""
    return params.get("model", CENTRALISED) == HYBRID
