"""Every write to campaign requests: create, edit, and the approval transitions.

Each transition runs in one transaction that locks the row, checks the state and the
actor's permission, saves, and writes exactly one audit event. Side effects (mail,
webhooks, task generation) are queued with ``transaction.on_commit`` by listeners of
``request_transitioned``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django.dispatch
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from governance import policy

from .models import SNAPSHOT_FIELDS, ApprovalRoute, CampaignRequest, RequestEvent, State

# Sent inside the transaction after a transition and its event are written.
# Receivers (tasks/, notifications) must defer side effects with on_commit.
request_transitioned = django.dispatch.Signal()  # args: request, event, by


# Checks a higher app registers (in its AppConfig.ready) to refuse a transition; each takes
# (request, action) and returns a message when the action must be refused, else None.
# Example: tasks/ refuses "launch" while any task of the campaign is open.
transition_guards: list = []


class Conflict(Exception):
    """The request changed under the actor (another person acted first): reload and retry."""


# action name (API slug uses '-') -> model transition method name
ACTIONS: dict[str, str] = {
    "submit": "submit",
    "resubmit": "resubmit",
    "approve": "approve",
    "reject": "reject",
    "request_changes": "request_changes",
    "start_production": "start_production",
    "mark_ready": "mark_ready",
    "reopen_production": "reopen_production",
    "launch": "launch",
    "close": "close",
    "cancel": "cancel",
}
COMMENT_REQUIRED = {"reject", "request_changes"}
# Approvers' decisions: a delegate may take them for the approver who delegated.
DECISION_ACTIONS = {"approve", "reject", "request_changes"}
# Actions the system (no human actor) may take, e.g. when the last task is done.
SYSTEM_ACTIONS = {"start_production", "mark_ready", "reopen_production", "cancel"}
USER_ACTIONS = ("submit", "resubmit", "approve", "reject", "request_changes", "launch", "close", "cancel")


def _today(at: dt.datetime | None) -> dt.date:
    return timezone.localdate(at or timezone.now())


PAST_LAUNCH = _("The launch date is in the past.")


def launch_date_error(launch_date: dt.date | None, at: dt.datetime | None = None) -> str | None:
    """The message for a launch date in the past, or None. Shared by forms, API and services."""
    if launch_date and launch_date < _today(at):
        return PAST_LAUNCH
    return None


def request_validate(*, request: CampaignRequest, at: dt.datetime | None = None) -> None:
    """Business rules beyond field types; raises ValidationError with field errors."""
    errors: dict[str, str] = {}
    try:
        request.full_clean(exclude=["requester", "state"])
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if launch_error := launch_date_error(request.launch_date, at):
        errors.setdefault("launch_date", launch_error)
    if errors:
        raise ValidationError(errors)


def snapshot(request: CampaignRequest) -> dict[str, Any]:
    """The form as submitted, in JSON-friendly values, for 'what changed' on resubmission."""
    data: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        if name == "channels":
            data[name] = sorted(c.slug for c in request.channels.all())
        elif name in ("campaign_type", "business_unit"):
            data[name] = getattr(request, name).slug
        else:
            value = getattr(request, name)
            data[name] = (
                value.isoformat() if isinstance(value, dt.date) else (str(value) if value is not None else None)
            )
    return data


@transaction.atomic
def request_create(*, by, channels=(), at: dt.datetime | None = None, **fields: Any) -> CampaignRequest:
    """Create a draft request owned by ``by``. Only requesters (and Admins) may create."""
    from governance import roles

    if not policy.has_role(by, roles.REQUESTER, roles.ADMIN):
        raise PermissionDenied(_("You may not create campaign requests."))
    request = CampaignRequest(requester=by, **fields)
    if at is not None:
        request.created_at = at
    request_validate(request=request, at=at)
    request.save()
    request.channels.set(channels)
    return request


@transaction.atomic
def request_update(
    *, request_id: int, by, channels=None, at: dt.datetime | None = None, **fields: Any
) -> CampaignRequest:
    """Edit a request's form; only its requester, only while it is a draft or sent back."""
    request = CampaignRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    if request.requester_id != by.pk:
        raise PermissionDenied(_("Only the requester may edit this request."))
    if not request.is_editable:
        raise Conflict(_("This request can no longer be edited."))
    for key, value in fields.items():
        setattr(request, key, value)
    request_validate(request=request, at=at)
    request.save()
    if channels is not None:
        request.channels.set(channels)
    return request


def _changed_since_last_submission(request: CampaignRequest, current: dict[str, Any]) -> dict[str, list]:
    last = (
        RequestEvent.objects.filter(request=request, to_state=State.SUBMITTED)
        .order_by("-at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    previous = (last or {}).get("snapshot") or {}
    return {k: [previous.get(k), v] for k, v in current.items() if previous and previous.get(k) != v}


@transaction.atomic
def request_transition(
    *,
    request_id: int,
    action: str,
    by,
    comment: str = "",
    expected_state: str | None = None,
    at: dt.datetime | None = None,
) -> CampaignRequest:
    """Run one approval-workflow action on a request and write its audit event.

    ``by=None`` means the system acts (e.g. all tasks done). Raises PermissionDenied when
    the actor may not take the action, Conflict when the request is no longer in a state
    that allows it (someone else acted first), ValidationError for a missing reason.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action: {action}"})
    comment = (comment or "").strip()
    if action in COMMENT_REQUIRED and not comment:
        raise ValidationError({"comment": _("A reason is required.")})
    if len(comment) > 4000:
        raise ValidationError({"comment": _("At most 4000 characters.")})

    request = (
        CampaignRequest.objects.select_for_update(of=("self",))
        .select_related("campaign_type", "business_unit")
        .get(pk=request_id)
    )
    method = getattr(request, ACTIONS[action])
    if at is not None:
        request.decision_on = timezone.localdate(at)  # delegations are those of the decision's day
    if expected_state and request.state != expected_state:
        raise Conflict(_("This request changed, reload."))
    if not can_proceed(method):
        raise Conflict(
            _("This action is not allowed while the request is %(state)s; it may have changed, reload.")
            % {"state": request.get_state_display()}
        )
    if by is not None and not has_transition_perm(method, by):
        raise PermissionDenied(_("You may not do this."))
    for guard in transition_guards:
        refusal = guard(request, action)
        if refusal:
            raise Conflict(refusal)
    if by is None and action not in SYSTEM_ACTIONS:
        raise PermissionDenied("The system cannot take this action.")

    at = at or timezone.now()
    data: dict[str, Any] = {}
    if action in DECISION_ACTIONS and by is not None:
        # A delegate decides for the routed approver(s) who delegated to them: the timeline
        # says "on behalf of" them (usernames, as routed_to).
        behalf = policy.decided_for_ids(by, request, timezone.localdate(at))
        if behalf:
            data["on_behalf_of"] = list(
                get_user_model().objects.filter(pk__in=behalf).order_by("pk").values_list("username", flat=True)
            )
    if action in ("submit", "resubmit"):
        request_validate(request=request, at=at)
        current = snapshot(request)
        data = {"snapshot": current}
        if action == "resubmit":
            data["changes"] = _changed_since_last_submission(request, current)
        # The governance model is recorded at the first submission and kept: a later change
        # of model does not move in-flight requests (KPIs compare models by this record).
        if not request.governance_params:
            request.governance_params = policy.governance_for_unit(request.business_unit)
            request.governance_model = request.governance_params["model"]
        data["governance"] = request.governance_params
    from_state = request.state
    plan = None
    if action == "approve":
        plan = _plan(request)
        if request.approval_step < len(plan):
            # An intermediate step (hybrid: the unit head before the CMO): the request stays
            # submitted and moves to the next step's approvers.
            return _advance_step(request, plan, by=by, at=at, comment=comment, data=data)
    method()
    if action == "submit":
        request.submitted_at = at
    elif action in ("approve", "reject"):
        request.decided_at = at
    elif action == "launch":
        request.launched_at = at
    if action in ("submit", "resubmit"):
        # A (re)submission starts a new round at step 1: it lands again in the inbox.
        plan = _plan(request)
        request.approval_round += 1
        request.approval_step = 1
        request.approval_steps = len(plan)
        data["routed_to"] = _route(request, plan[0], at=at)
        data["steps"] = len(plan)
    request.save()
    return _record(request, action=action, from_state=from_state, by=by, at=at, comment=comment, data=data)


# Actions that change nothing but the state: they can run for many locked requests at once.
BULK_ACTIONS = {"start_production", "mark_ready", "reopen_production", "close", "cancel"}


@transaction.atomic
def requests_transition_locked(
    *,
    requests: list[CampaignRequest],
    action: str,
    by,
    at: dt.datetime,
    comments: dict[int, str] | None = None,
    data: dict[int, dict] | None = None,
) -> list[RequestEvent]:
    """Run one state-only action on many requests the caller has locked (select_for_update).

    The same checks as ``request_transition`` for each request (state, permission, guards,
    system actor), then one bulk update and one bulk insert of the audit events, and
    ``request_transitioned`` for each, in order. All or nothing. ``comments`` and the events'
    ``data`` by request id.
    """
    if action not in BULK_ACTIONS:
        raise ValueError(f"{action} cannot run in bulk")
    comments = comments or {}
    if by is None and action not in SYSTEM_ACTIONS:
        raise PermissionDenied("The system cannot take this action.")
    events: list[RequestEvent] = []
    now = timezone.now()
    for request in requests:
        comment = (comments.get(request.pk) or "").strip()
        if action in COMMENT_REQUIRED and not comment:
            raise ValidationError({"comment": _("A reason is required.")})
        if len(comment) > 4000:
            raise ValidationError({"comment": _("At most 4000 characters.")})
        method = getattr(request, ACTIONS[action])
        if not can_proceed(method):
            raise Conflict(
                _("This action is not allowed while the request is %(state)s; it may have changed, reload.")
                % {"state": request.get_state_display()}
            )
        if by is not None and not has_transition_perm(method, by):
            raise PermissionDenied(_("You may not do this."))
        for guard in transition_guards:
            refusal = guard(request, action)
            if refusal:
                raise Conflict(refusal)
        from_state = request.state
        method()
        request.updated_at = now
        events.append(
            RequestEvent(
                request=request,
                action=action,
                from_state=from_state,
                to_state=request.state,
                actor=by,
                at=at,
                comment=comment,
                data=dict((data or {}).get(request.pk) or {}),
            )
        )
    # One UPDATE per target state (an action has one): bulk_update's CASE per row cost ~1 ms a
    # request in a generation batch (issue 19).
    by_state: dict[str, list[int]] = {}
    for request in requests:
        by_state.setdefault(request.state, []).append(request.pk)
    for state, ids in by_state.items():
        for i in range(0, len(ids), 500):  # SQLite's bound on parameters per statement
            CampaignRequest.objects.filter(pk__in=ids[i : i + 500]).update(state=state, updated_at=now)
    RequestEvent.objects.bulk_create(events)
    for request, event in zip(requests, events, strict=True):
        request_transitioned.send(sender=CampaignRequest, request=request, event=event, by=by)
    return events


def _plan(request: CampaignRequest) -> list[list]:
    return policy.approval_plan(
        business_unit=request.business_unit,
        budget=request.budget,
        params=request.governance_params,
        requester_id=request.requester_id,
    )


def _route(request: CampaignRequest, approvers: list, *, at: dt.datetime) -> list[str]:
    ApprovalRoute.objects.bulk_create(
        [
            ApprovalRoute(
                request=request, approver=u, round=request.approval_round, step=request.approval_step, created_at=at
            )
            for u in approvers
        ],
        ignore_conflicts=True,
    )
    return [u.username for u in approvers]


def _advance_step(
    request: CampaignRequest, plan: list[list], *, by, at: dt.datetime, comment: str, data: dict
) -> CampaignRequest:
    done = request.approval_step
    request.approval_step += 1
    request.approval_steps = len(plan)
    request.save()
    routed = _route(request, plan[request.approval_step - 1], at=at)
    data = {**data, "step": done, "of": len(plan), "routed_to": routed}
    return _record(request, action="approve", from_state=request.state, by=by, at=at, comment=comment, data=data)


def _record(
    request: CampaignRequest, *, action: str, from_state: str, by, at: dt.datetime, comment: str, data: dict
) -> CampaignRequest:
    event = RequestEvent.objects.create(
        request=request,
        action=action,
        from_state=from_state,
        to_state=request.state,
        actor=by,
        at=at,
        comment=comment,
        data=data,
    )
    request_transitioned.send(sender=CampaignRequest, request=request, event=event, by=by)
    return request


def request_submit(*, request_id: int, by, comment: str = "", **kw: Any) -> CampaignRequest:
    """Submit a draft for approval."""
    return request_transition(request_id=request_id, action="submit", by=by, comment=comment, **kw)


def request_approve(*, request_id: int, by, comment: str = "", **kw: Any) -> CampaignRequest:
    """Approve a submitted request (routed approvers only)."""
    return request_transition(request_id=request_id, action="approve", by=by, comment=comment, **kw)


def request_reject(*, request_id: int, by, comment: str, **kw: Any) -> CampaignRequest:
    """Reject a submitted request; a reason is required."""
    return request_transition(request_id=request_id, action="reject", by=by, comment=comment, **kw)


def request_request_changes(*, request_id: int, by, comment: str, **kw: Any) -> CampaignRequest:
    """Send a submitted request back to its requester; a reason is required."""
    return request_transition(request_id=request_id, action="request_changes", by=by, comment=comment, **kw)


def request_resubmit(*, request_id: int, by, comment: str = "", **kw: Any) -> CampaignRequest:
    """Resubmit a request that was sent back; the event records what changed."""
    return request_transition(request_id=request_id, action="resubmit", by=by, comment=comment, **kw)


def request_cancel(*, request_id: int, by, comment: str = "", **kw: Any) -> CampaignRequest:
    """Cancel a request before launch."""
    return request_transition(request_id=request_id, action="cancel", by=by, comment=comment, **kw)


def allowed_actions(request: CampaignRequest, user) -> list[str]:
    """The user actions ``user`` may take on ``request`` now (no queries when prefetched)."""
    result = []
    for action in USER_ACTIONS:
        method = getattr(request, ACTIONS[action])
        if can_proceed(method) and has_transition_perm(method, user):
            result.append(action)
    return result


# --- rescheduling (moving the launch and end dates) ------------------------------------------

# Who may move a campaign's dates: the requester before approval; after approval through MOps.
RESCHEDULE_REQUESTER_STATES = (State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED)
RESCHEDULE_OPS_STATES = (*RESCHEDULE_REQUESTER_STATES, State.APPROVED, State.IN_PRODUCTION, State.READY_FOR_LAUNCH)


def reschedule_refusal(request: CampaignRequest, user: Any) -> str | None:
    """Why ``user`` may not move ``request``'s dates, or None when they may."""
    if user is not None and policy.is_ops(user):
        if request.state in RESCHEDULE_OPS_STATES:
            return None
        return str(_("A campaign that is launched, closed or stopped cannot be rescheduled."))
    if user is not None and request.requester_id == user.pk:
        if request.state in RESCHEDULE_REQUESTER_STATES:
            return None
        if request.state in RESCHEDULE_OPS_STATES:
            return str(_("After approval, ask MOps to move the dates."))
        return str(_("A campaign that is launched, closed or stopped cannot be rescheduled."))
    return str(_("You may not reschedule this campaign."))


def reschedule_errors(
    *, launch_date: dt.date | None, end_date: dt.date | None, at: dt.datetime | None = None
) -> dict[str, str]:
    """Field errors of a move: a date in the past, onto a holiday or closure, or an end before the launch."""
    from sla.calendar import is_holiday
    from sla.models import default_calendar

    errors: dict[str, str] = {}
    if launch_date is None:
        errors["launch_date"] = str(_("Enter the launch date."))
    elif error := launch_date_error(launch_date, at):
        errors["launch_date"] = str(error)
    elif is_holiday(default_calendar().to_work_calendar(), launch_date):
        errors["launch_date"] = str(_("The launch date falls on a holiday or company closure."))
    if end_date is None:
        errors["end_date"] = str(_("Enter the end date."))
    elif launch_date is not None and end_date < launch_date:
        errors["end_date"] = str(_("The end date must not be before the launch date."))
    return errors


@transaction.atomic
def request_reschedule(
    *,
    request_id: int,
    launch_date: dt.date,
    end_date: dt.date,
    by: Any,
    comment: str = "",
    at: dt.datetime | None = None,
) -> CampaignRequest:
    """Move a request's launch and end dates, with a ``reschedule`` audit event (no state change).

    PermissionDenied for someone who may not move it now (``reschedule_refusal``), Conflict
    for a request that can no longer move, ValidationError with field errors for bad dates.
    """
    at = at or timezone.now()
    request = CampaignRequest.objects.select_for_update().get(pk=request_id)
    refusal = reschedule_refusal(request, by)
    if refusal:
        is_party = policy.is_ops(by) or request.requester_id == getattr(by, "pk", None)
        if is_party and request.state not in RESCHEDULE_OPS_STATES:
            raise Conflict(refusal)
        raise PermissionDenied(refusal)
    errors = reschedule_errors(launch_date=launch_date, end_date=end_date, at=at)
    if errors:
        raise ValidationError(errors)
    before = {"launch_date": request.launch_date.isoformat(), "end_date": request.end_date.isoformat()}
    request.launch_date, request.end_date = launch_date, end_date
    request.save(update_fields=["launch_date", "end_date", "updated_at"])
    RequestEvent.objects.create(
        request=request,
        action="reschedule",
        from_state=request.state,
        to_state=request.state,
        actor=by,
        at=at,
        comment=(comment or "")[:4000],
        data={
            "launch_date": [before["launch_date"], launch_date.isoformat()],
            "end_date": [before["end_date"], end_date.isoformat()],
        },
    )
    return request
