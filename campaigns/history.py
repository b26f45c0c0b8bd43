"""Imported history: campaign requests brought in from another tool (Jira, Asana) with their past.

An imported request is created as a draft and walked through the same FSM transitions a
request made here takes, each one writing a ``RequestEvent`` at its historical time and marked
``{"imported": {"source": ..., "key": ...}}`` so KPIs can include or exclude imported history.
Unlike ``services.request_transition`` it neither checks who approved (the other tool did not
record our approval route) nor sends ``request_transitioned``: history is not news, so no tasks
are generated from templates, no mail is sent and no webhook is called.

The request is found again by its ``ExternalRef`` (system, key): importing the same export twice
creates nothing; a newer export moves the request forward along the same path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from governance import policy

from .models import CampaignRequest, ExternalRef, ExternalSystem, RequestEvent, State

# The transitions that lead from draft to each state, in order.
PATHS: dict[str, list[str]] = {
    State.DRAFT: [],
    State.SUBMITTED: ["submit"],
    State.CHANGES_REQUESTED: ["submit", "request_changes"],
    State.REJECTED: ["submit", "reject"],
    State.APPROVED: ["submit", "approve"],
    State.IN_PRODUCTION: ["submit", "approve", "start_production"],
    State.READY_FOR_LAUNCH: ["submit", "approve", "start_production", "mark_ready"],
    State.LAUNCHED: ["submit", "approve", "start_production", "mark_ready", "launch"],
    State.CLOSED: ["submit", "approve", "start_production", "mark_ready", "launch", "close"],
    State.CANCELLED: ["cancel"],
}
# Transitions that happen when the work is finished (stamped with the resolution time).
FINISHING = {"mark_ready", "launch", "close", "cancel", "reject"}


def imported_marker(source: str, key: str) -> dict[str, Any]:
    """The ``data`` marker of an imported event (KPIs filter on ``data__imported``)."""
    return {"imported": {"source": source, "key": key}}


def _path_times(path: list[str], created: dt.datetime, resolved: dt.datetime | None) -> list[dt.datetime]:
    # The export has no transition history: steps up to production are stamped at creation,
    # finishing steps at the resolution (never before creation).
    end = max(resolved or created, created)
    return [end if action in FINISHING else created for action in path]


def _walk(
    request: CampaignRequest,
    actions: list[str],
    times: list[dt.datetime],
    *,
    source: str,
    key: str,
    requester_actor,
) -> None:
    for action, at in zip(actions, times, strict=True):
        method = getattr(request, action)
        if not can_proceed(method):  # pragma: no cover - PATHS only holds legal sequences
            raise ValidationError({"state": f"{action} is not allowed from {request.state}"})
        from_state = request.state
        data = imported_marker(source, key)
        if action == "submit":
            request.governance_params = policy.governance_for_unit(request.business_unit)
            request.governance_model = request.governance_params["model"]
            request.approval_round = 1
            request.approval_step = 1
            data["governance"] = request.governance_params
        method()
        if action == "submit":
            request.submitted_at = at
        elif action in ("approve", "reject"):
            request.decided_at = at
        elif action == "launch":
            request.launched_at = at
        request.save()
        RequestEvent.objects.create(
            request=request,
            action=action,
            from_state=from_state,
            to_state=request.state,
            actor=requester_actor if action in ("submit", "cancel") else None,
            at=at,
            comment=str(_("Imported from {source} {key}").format(source=source, key=key)),
            data=data,
        )


def remaining_path(current: str, target: str) -> list[str] | None:
    """The transitions still to take from ``current`` to ``target``; None when it is not ahead."""
    done, wanted = PATHS[current], PATHS[target]
    if wanted[: len(done)] != done:
        return None
    return wanted[len(done) :]


@transaction.atomic
def request_import(
    *,
    source: str,
    key: str,
    url: str = "",
    requester,
    state: str,
    created: dt.datetime,
    resolved: dt.datetime | None = None,
    fields: dict[str, Any],
    by,
) -> tuple[CampaignRequest, str, list[str]]:
    """Create or bring forward one request imported from ``source`` under its external ``key``.

    Returns (request, outcome, notes) where outcome is "created", "updated" or "unchanged".
    Only MOps and Admins import. The requester is a matched person (the importer never invents
    one). Fields are validated like the form, except that a launch date in the past is history.
    """
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps imports boards."))
    if source not in ExternalSystem.values:
        raise ValidationError({"source": f"Unknown source: {source}"})
    if state not in PATHS:
        raise ValidationError({"state": f"Unknown state: {state}"})
    ref = ExternalRef.objects.filter(system=source, key=key).first()
    if ref is None:
        request = CampaignRequest(requester=requester, created_at=created, **fields)
        try:
            request.full_clean(exclude=["requester", "state"])
        except ValidationError as exc:
            raise ValidationError({k: " ".join(v) for k, v in exc.message_dict.items()}) from None
        request.save()
        ExternalRef.objects.create(request=request, system=source, key=key, url=url[:500])
        path = PATHS[state]
        _walk(request, path, _path_times(path, created, resolved), source=source, key=key, requester_actor=requester)
        return request, "created", []
    request = CampaignRequest.objects.select_for_update().get(pk=ref.request_id)
    remaining = remaining_path(request.state, state)
    if remaining is None:
        note = _("Here it is {ours}; the export says {theirs}: left as it is.").format(
            ours=request.get_state_display(), theirs=State(state).label
        )
        return request, "unchanged", [str(note)]
    if not remaining:
        return request, "unchanged", []
    before = request.get_state_display()
    # Steps taken since the last import happened after what is already recorded.
    last = RequestEvent.objects.filter(request=request).order_by("-at").values_list("at", flat=True).first()
    start = max(created, last or created)
    _walk(
        request,
        remaining,
        _path_times(remaining, start, resolved),
        source=source,
        key=key,
        requester_actor=request.requester,
    )
    return request, "updated", [f"{before} → {request.get_state_display()}"]


def can_edit_external_refs(user, request: CampaignRequest) -> bool:
    """MOps and the request's requester record its ids in other tools."""
    return policy.is_ops(user) or request.requester_id == user.pk


@transaction.atomic
def external_ref_set(*, request_id: int, system: str, key: str, url: str = "", by) -> ExternalRef:
    """Record (or re-point) an id the campaign has in another tool; MOps or its requester."""
    request = CampaignRequest.objects.select_for_update().get(pk=request_id)
    if not can_edit_external_refs(by, request):
        raise PermissionDenied(_("You may not change this request's external ids."))
    key = (key or "").strip()
    if system not in ExternalSystem.values:
        raise ValidationError({"system": _("Choose a system.")})
    if not key or len(key) > 100:
        raise ValidationError({"key": _("Enter an id of at most 100 characters.")})
    clash = ExternalRef.objects.filter(system=system, key=key).exclude(request=request).first()
    if clash is not None:
        raise ValidationError({"key": _("This id already belongs to request {id}.").format(id=clash.request_id)})
    ref = ExternalRef(request=request, system=system, key=key, url=(url or "").strip())
    try:
        ref.full_clean(exclude=["request"], validate_unique=False)
    except ValidationError as exc:
        raise ValidationError({k: " ".join(v) for k, v in exc.message_dict.items()}) from None
    ExternalRef.objects.filter(request=request, system=system).delete()
    ref.save()
    return ref
