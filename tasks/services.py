"""Every write to tasks: transitions, assignment, comments, adding, dropping and reordering.

Each function runs in one transaction that locks the campaign row, then the task row, checks
state and permission, saves, and writes exactly one TaskEvent. Locking the campaign first
serialises the tasks of one campaign, so "the last task is done -> ready for launch" is seen
by exactly one transaction. Side effects (mail) are queued with ``transaction.on_commit``.
Generation from templates lives in ``tasks.generation``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from campaigns import comments
from campaigns.models import CampaignRequest
from campaigns.models import State as CampaignState
from campaigns.services import Conflict, request_transition
from governance import policy, roles
from governance.names import person_name
from sla.calendar import is_working_day
from sla.workcal import closing_instant

from .anchors import LAUNCH_WORK_Q, is_post_launch
from .dag import find_cycle, format_cycle
from .deadlines import DeadlineResolver, moved_deadline
from .deliverables import DeliverableInput, deliverable_save, required_error
from .deliverables import event_data as deliverable_event_data
from .models import (
    OPEN_TASK_STATES,
    KeyCounter,
    Person,
    SlaState,
    Task,
    TaskComment,
    TaskDependency,
    TaskEvent,
    TaskPause,
    TaskState,
    TaskType,
)
from .selectors import task_viewers
from .signals import sla_state_changed
from .sla_start import forecast_basis, initial_start, start_on_assignment, successors_replan


class TaskConflict(Conflict):
    """The task is not in a state that allows the action (HTTP 409)."""


class PredecessorsOpen(TaskConflict):
    """A predecessor of the task is not done yet."""


# action -> model transition method
ACTIONS: dict[str, str] = {
    "start": "start",
    "pause": "pause",
    "resume": "resume",
    "submit_review": "submit_review",
    "complete": "complete",
    "reopen": "reopen",
    "cancel": "cancel",
    "return_review": "return_review",
}
REASON_REQUIRED = {"pause", "reopen", "return_review"}
# Actions after which the successors' SLA clocks and forecasts are re-planned.
REPLAN_ON = {"complete", "cancel", "reopen", "pause", "resume"}
# Campaign states in which tasks can be worked on.
WORKABLE_CAMPAIGN_STATES = {CampaignState.APPROVED, CampaignState.IN_PRODUCTION, CampaignState.READY_FOR_LAUNCH}
# Post-launch and post-end tasks (tasks.anchors) are worked after the launch too.
POST_LAUNCH_STATES = {CampaignState.LAUNCHED, CampaignState.CLOSED}
KEY_PREFIX = "MOPS"


# --- helpers -------------------------------------------------------------------------------


def next_numbers(count: int) -> range:
    """Reserve ``count`` consecutive key numbers (row lock on the counter; rolled back with the caller)."""
    if count <= 0:
        return range(0)
    counter = KeyCounter.objects.select_for_update(of=("self",)).filter(name="task").first()
    if counter is None:
        KeyCounter.objects.get_or_create(name="task")
        counter = KeyCounter.objects.select_for_update(of=("self",)).get(name="task")
    start = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return range(start, start + count)


def _clean_text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("A reason is required.")})
    if len(value) > 4000:
        raise ValidationError({field: _("At most 4000 characters.")})
    return value


def _hours(value: Any, field: str, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("Enter the hours.")})
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not hours.is_finite() or hours < 0:
        raise ValidationError({field: _("Hours must not be negative.")})
    if hours >= 100000:
        raise ValidationError({field: _("Too large.")})
    return hours.quantize(Decimal("0.1"))


def _event(
    task: Task, action: str, from_state: str, by, at: dt.datetime, comment: str = "", data: dict | None = None
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        action=action,
        from_state=from_state,
        to_state=task.state,
        actor=by,
        at=at,
        comment=comment,
        data=data or {},
    )


def _lock(task_id: int) -> tuple[CampaignRequest, Task]:
    """Lock the task's campaign, then the task (always in this order)."""
    campaign_id = Task.objects.filter(pk=task_id).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        raise Task.DoesNotExist("Task not found")
    campaign = CampaignRequest.objects.select_for_update(of=("self",)).get(pk=campaign_id)
    task = Task.objects.select_for_update(of=("self",)).select_related("task_type", "task_type__role").get(pk=task_id)
    task.campaign = campaign
    return campaign, task


def live_sla_state(task: Task, now: dt.datetime) -> str:
    """SLA state of an open task at ``now`` from its stored deadlines (on track while its
    clock has not started: it waits for its predecessors)."""
    if task.sla_start_at is None:
        return SlaState.ON_TRACK
    if task.due_at and now >= task.due_at:
        return SlaState.BREACHED
    if task.at_risk_at and now >= task.at_risk_at:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def pauses_of(task: Task, now: dt.datetime | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(p.started_at, p.ended_at or now) for p in task.pauses.all() if (p.ended_at or now) is not None]


def recompute_deadline(task: Task, resolver: DeadlineResolver | None = None) -> None:
    """Recompute due_at/at_risk_at/sla_paused_seconds from the original SLA start and the
    closed pauses, with the task type's current policy and the assignee's calendar (no save);
    a due date MOps moved by hand is kept (``task_due_set``). A task whose clock has not started
    gets its forecast (from its open predecessors' due dates)."""
    if task.sla_start_at is None:
        d = (resolver or DeadlineResolver()).compute(task.task_type, forecast_basis(task), (), task.assignee_id)
        task.due_at, task.at_risk_at, task.sla_paused_seconds = d.due_at, d.at_risk_at, 0
        return
    closed = [(p.started_at, p.ended_at) for p in task.pauses.all() if p.ended_at is not None]
    d = (resolver or DeadlineResolver()).compute_task(task, closed)
    task.due_at, task.at_risk_at, task.sla_paused_seconds = d.due_at, d.at_risk_at, d.paused_seconds


def _sla_changed(task: Task, old: str, at: dt.datetime, source: str) -> None:
    if old != task.sla_state:
        sla_state_changed.send(sender=Task, task=task, old=old, new=task.sla_state, at=at, source=source)


def _predecessors_open(task: Task) -> list[str]:
    return list(task.depends_on.filter(state__in=OPEN_TASK_STATES).values_list("key", flat=True))


def check_campaign_ready(campaign: CampaignRequest, at: dt.datetime) -> None:
    """Move an in-production campaign to ready_for_launch when every non-cancelled launch task is done."""
    if campaign.state != CampaignState.IN_PRODUCTION:
        return
    tasks = Task.objects.filter(LAUNCH_WORK_Q, campaign_id=campaign.pk)
    if tasks.filter(state__in=OPEN_TASK_STATES).exists() or not tasks.filter(state=TaskState.DONE).exists():
        return
    request_transition(request_id=campaign.pk, action="mark_ready", by=None, at=at, comment=_("All tasks done"))
    campaign.refresh_from_db(fields=["state"])


def is_eligible(user, task_type: TaskType, person: Person | None = None, role_ids: set[int] | None = None) -> bool:
    """MOps may take any task; a Specialist only tasks of a role in their profile."""
    if user is None or not user.is_active:
        return False
    if policy.has_role(user, roles.MOPS):
        return True
    if not policy.has_role(user, roles.SPECIALIST):
        return False
    if role_ids is None:
        role_ids = set(Person.objects.filter(user=user, is_active=True).values_list("roles", flat=True))
    return task_type.role_id in role_ids


def executing_unit_id(task: Task, campaign: CampaignRequest | None = None) -> int | None:
    """The unit whose people execute ``task`` (None: the central team), under the governance
    model its campaign recorded when it was submitted."""
    campaign = campaign or task.campaign
    return policy.executing_unit_id(
        params=campaign.governance_params or {},
        request_unit_id=campaign.business_unit_id,
        task_kind=task.task_type.kind,
    )


def check_executor(user, task: Task, campaign: CampaignRequest | None = None) -> None:
    """ValidationError when governance gives ``task`` to another unit's people than ``user``'s."""
    unit_id = executing_unit_id(task, campaign)
    if policy.may_execute(user, executing_unit_id=unit_id):
        return
    from governance.models import BusinessUnit, GovernanceModel

    unit = BusinessUnit.objects.filter(pk=unit_id).first()
    model = (campaign or task.campaign).governance_params.get("model") or policy.CENTRALISED
    model = GovernanceModel(model).label.lower() if model in GovernanceModel.values else model
    raise ValidationError(
        {
            "assignee": _(
                "%(user)s cannot take this task: under %(model)s governance it is executed by the people of %(unit)s, "
                "and %(user)s is not a member."
            )
            % {"user": user.username, "model": model, "unit": unit or unit_id}
        }
    )


def _queue_assignment_mail(task_id: int, assignee_id: int) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("tasks.jobs.send_assignment_email", task_id, assignee_id, task_name=f"assign-mail-{task_id}")
    )


def assign_locked(
    task: Task, assignee, *, by, at: dt.datetime, comment: str = "", notify: bool = True, check_role: bool = True
) -> Task:
    """Assign an already locked task (used by task_assign and by generation)."""
    if task.state not in OPEN_TASK_STATES:
        raise TaskConflict(
            _("%(key)s: a %(state)s task cannot be assigned.") % {"key": task.key, "state": task.get_state_display()}
        )
    if assignee is not None and check_role and not is_eligible(assignee, task.task_type):
        raise ValidationError(
            {
                "assignee": _("%(user)s does not hold the role “%(role)s”.")
                % {"user": person_name(assignee), "role": task.task_type.role}
            }
        )
    if assignee is not None and check_role:
        check_executor(assignee, task)
    previous = task.assignee
    if (previous and previous.pk) == (assignee and assignee.pk):
        return task
    task.assignee = assignee
    fields = ["assignee", "updated_at"]
    resolver = DeadlineResolver()
    moved = False
    if start_on_assignment(task, at, resolver):
        # The policy starts the clock on assignment: it runs from now.
        old_sla = task.sla_state
        task.sla_state = live_sla_state(task, at)
        fields += ["sla_start_at", "due_at", "at_risk_at", "sla_paused_seconds", "sla_state"]
        _sla_changed(task, old_sla, at, "assignment")
        moved = True
    elif task.due_at is not None and (
        resolver.person_calendar_id(previous and previous.pk) != resolver.person_calendar_id(assignee and assignee.pk)
    ):
        # The assignee works on another calendar: the deadline is measured on theirs.
        old_sla = task.sla_state
        recompute_deadline(task, resolver)
        task.sla_state = live_sla_state(task, at) if task.state != TaskState.WAITING else task.sla_state
        fields += ["due_at", "at_risk_at", "sla_paused_seconds", "sla_state"]
        _sla_changed(task, old_sla, at, "assignment")
        moved = True
    task.save(update_fields=fields)
    if moved:
        # Successors waiting for this task forecast from its deadline.
        successors_replan(campaign_id=task.campaign_id, at=at, by=by, cause=task, action="assign")
    _event(
        task,
        "assign" if assignee else "unassign",
        task.state,
        by,
        at,
        comment,
        {"from": previous.username if previous else None, "to": assignee.username if assignee else None},
    )
    if assignee is not None and notify:
        _queue_assignment_mail(task.pk, assignee.pk)
    return task


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def task_assign(
    *, task_id: int, assignee, by, comment: str = "", at: dt.datetime | None = None, notify: bool = True
) -> Task:
    """Assign (or with ``assignee=None`` unassign) a task. MOps only; the assignee must hold the role."""
    if by is not None and not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may assign tasks."))
    if isinstance(assignee, str):
        assignee = get_user_model().objects.filter(username=assignee).first() or _no_user(assignee)
    comment = _clean_text(comment, "comment", required=False)
    campaign, task = _lock(task_id)
    return assign_locked(task, assignee, by=by, at=at or timezone.now(), comment=comment, notify=notify)


def _no_user(username: str):
    raise ValidationError({"assignee": _("No such user: %(name)s") % {"name": username}})


@transaction.atomic
def task_transition(
    *,
    task_id: int,
    action: str,
    by,
    comment: str = "",
    actual_hours: Any = None,
    expected_state: str | None = None,
    at: dt.datetime | None = None,
    backfill: bool = False,
    event_data: dict[str, Any] | None = None,
    deliverable: DeliverableInput | None = None,
) -> Task:
    """Run one workflow action on a task and write its event.

    PermissionDenied when ``by`` may not act on the task, TaskConflict (409) when the state
    does not allow it or predecessors are open, ValidationError for bad input. ``backfill``
    allows acting on tasks of already launched campaigns (demo data, imports); ``event_data``
    goes into the event's data (why the system acted, e.g. the pause limit).
    ``deliverable`` (checked with ``tasks.deliverables.deliverable_input``) is stored as the next
    version on ``submit_review``; a task type that requires one refuses the submit without it.
    Under a task type's review rule ``complete`` (approve) and ``return_review`` are the
    reviewer's, never the assignee's (four-eyes), and the hours are entered on submit.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action: {action}"})
    comment = _clean_text(comment, "comment", required=action in REASON_REQUIRED)
    hours = _hours(actual_hours, "actual_hours", required=False)
    at = at or timezone.now()

    campaign, task = _lock(task_id)
    method = getattr(task, ACTIONS[action])
    if expected_state and task.state != expected_state:
        raise TaskConflict(_("This task changed, reload."))
    if by is not None and not has_transition_perm(method, by):
        if action in ("complete", "return_review") and can_proceed(method):
            if by.pk == task.assignee_id:
                raise PermissionDenied(_("You cannot review your own work: another person approves or returns it."))
            raise PermissionDenied(_("Only the task's reviewer may approve or return it."))
        if not policy.is_ops(by) and by.pk != task.assignee_id and can_proceed(method):
            raise PermissionDenied(_("You may only act on your own tasks."))
        if not can_proceed(method):
            pass  # fall through to the conflict below
        else:
            raise PermissionDenied(_("You may not do this."))
    if not can_proceed(method):
        raise TaskConflict(
            _("%(key)s: this action is not allowed while the task is %(state)s.")
            % {"key": task.key, "state": task.get_state_display()}
        )
    workable = WORKABLE_CAMPAIGN_STATES | (POST_LAUNCH_STATES if is_post_launch(task) else set())
    if not backfill and campaign.state not in workable and action != "cancel":
        raise TaskConflict(
            _("Tasks cannot change while the campaign is %(state)s.") % {"state": campaign.get_state_display()}
        )
    if action == "submit_review":
        missing = None if backfill else required_error(task.task_type, deliverable)
        if missing:
            raise ValidationError({"deliverable": missing})
        if task.task_type.review_by and hours is None and not backfill:
            raise ValidationError({"actual_hours": _("Enter the hours.")})
    if action == "complete" and hours is None:
        if task.task_type.review_by and task.actual_hours is not None:
            hours = task.actual_hours  # entered by the assignee on submit
        else:
            raise ValidationError({"actual_hours": _("Enter the hours.")})
    if action == "start":
        if task.assignee_id is None:
            raise TaskConflict(_("%(key)s: assign the task before starting it.") % {"key": task.key})
        open_keys = _predecessors_open(task)
        if open_keys:
            raise PredecessorsOpen(
                _("%(key)s: predecessors not done: %(keys)s") % {"key": task.key, "keys": ", ".join(open_keys)}
            )

    from_state = task.state
    old_sla = task.sla_state
    data: dict[str, Any] = dict(event_data or {})
    method()
    fields = ["state", "updated_at"]
    if action == "start" and task.started_at is None:
        task.started_at = at
        fields.append("started_at")
    elif action == "pause":
        TaskPause.objects.create(task=task, started_at=at, reason=comment)
    elif action in ("resume", "cancel") and from_state == TaskState.WAITING:
        pause = TaskPause.objects.filter(task=task, ended_at__isnull=True).first()
        if pause is not None:
            pause.ended_at = max(at, pause.started_at)
            pause.save(update_fields=["ended_at"])
            data["paused_from"] = pause.started_at.isoformat()
        if action == "resume":
            recompute_deadline(task)
            task.sla_state = live_sla_state(task, at)
            fields += ["due_at", "at_risk_at", "sla_paused_seconds", "sla_state"]
            data["due_at"] = task.due_at.isoformat() if task.due_at else None
            data["paused_seconds"] = task.sla_paused_seconds
    if action == "submit_review":
        if hours is not None:
            task.actual_hours = hours
            fields.append("actual_hours")
            data["actual_hours"] = str(hours)
        if deliverable is not None and by is not None:
            data["deliverable"] = deliverable_event_data(deliverable_save(task, deliverable, by=by, at=at))
    if action == "complete":
        task.actual_hours = hours
        task.completed_at = at
        task.sla_state = SlaState.MET if (task.due_at is None or at <= task.due_at) else SlaState.MISSED
        fields += ["actual_hours", "completed_at", "sla_state"]
        data["actual_hours"] = str(hours)
    elif action == "reopen":
        task.completed_at = None
        task.sla_state = live_sla_state(task, at)
        fields += ["completed_at", "sla_state"]
    if task.sla_state != old_sla:
        task.sla_changed_at = at
        fields.append("sla_changed_at")
    task.save(update_fields=fields)
    _event(task, action, from_state, by, at, comment, data)
    _sla_changed(task, old_sla, at, "transition")

    if action in REPLAN_ON:
        # The clock of a successor starts when it becomes actionable, and its forecast follows
        # its predecessors' deadlines (tasks.sla_start).
        successors_replan(campaign_id=campaign.pk, at=at, by=by, cause=task, action=action)
    if action in ("complete", "cancel"):
        check_campaign_ready(campaign, at)
    elif action == "reopen" and campaign.state == CampaignState.READY_FOR_LAUNCH and not is_post_launch(task):
        actor = by if (by is not None and policy.is_ops(by)) else None
        request_transition(
            request_id=campaign.pk,
            action="reopen_production",
            by=actor,
            at=at,
            comment=str(_("%(key)s reopened: %(comment)s") % {"key": task.key, "comment": comment}),
        )
    return task


def task_start(*, task_id: int, by, **kw: Any) -> Task:
    return task_transition(task_id=task_id, action="start", by=by, **kw)


def task_pause(*, task_id: int, by, comment: str, **kw: Any) -> Task:
    """Put a task in waiting (on the requester, or blocked); the SLA clock pauses."""
    return task_transition(task_id=task_id, action="pause", by=by, comment=comment, **kw)


def task_resume(*, task_id: int, by, **kw: Any) -> Task:
    return task_transition(task_id=task_id, action="resume", by=by, **kw)


def task_submit_review(*, task_id: int, by, **kw: Any) -> Task:
    return task_transition(task_id=task_id, action="submit_review", by=by, **kw)


def task_complete(*, task_id: int, by, actual_hours: Any, **kw: Any) -> Task:
    return task_transition(task_id=task_id, action="complete", by=by, actual_hours=actual_hours, **kw)


def task_review_approve(*, task_id: int, by, comment: str = "", **kw: Any) -> Task:
    """The reviewer approves the submitted work: the task is done (four-eyes: never the assignee)."""
    return task_transition(task_id=task_id, action="complete", by=by, comment=comment, **kw)


def task_review_return(*, task_id: int, by, comment: str, **kw: Any) -> Task:
    """The reviewer returns the work to the assignee with a comment (required); it is in progress again."""
    return task_transition(task_id=task_id, action="return_review", by=by, comment=comment, **kw)


def task_reopen(*, task_id: int, by, comment: str, **kw: Any) -> Task:
    return task_transition(task_id=task_id, action="reopen", by=by, comment=comment, **kw)


def task_cancel(*, task_id: int, by, comment: str = "", **kw: Any) -> Task:
    """Drop a task (MOps). Cancelled tasks do not block successors or the launch."""
    return task_transition(task_id=task_id, action="cancel", by=by, comment=comment, **kw)


@transaction.atomic
def task_due_set(*, task_id: int, due_at: dt.date, reason: str, by, at: dt.datetime | None = None) -> Task:
    """MOps moves an open task's due date to ``due_at`` (a day), with a required reason.

    The task is then due at that day's closing time on the calendar its SLA is measured on (the
    SLA policy's, or its assignee's own); a non-working day, a time already past, a closed task
    or a task whose clock has not started (its date is a forecast that follows its predecessors)
    is refused. Later recomputations keep the moved date (``DeadlineResolver.compute_task``).
    The live SLA state follows the new date, and the SLA goal is judged against it on completion.
    Audited as a ``due_set`` task event with from, to and the reason.
    """
    reason = _clean_text(reason, "reason", required=True)
    if not isinstance(due_at, dt.date) or isinstance(due_at, dt.datetime):
        raise ValidationError({"due_at": _("Enter a date.")})
    if by is None or not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may move a due date."))
    at = at or timezone.now()
    campaign, task = _lock(task_id)
    if task.state not in OPEN_TASK_STATES:
        raise TaskConflict(
            _("%(key)s: the due date of a %(state)s task cannot move.")
            % {"key": task.key, "state": task.get_state_display()}
        )
    if task.sla_start_at is None:
        raise TaskConflict(
            _("%(key)s: its SLA clock has not started, so its due date is a forecast that follows its predecessors.")
            % {"key": task.key}
        )
    resolver = DeadlineResolver()
    rule = resolver.rule(task.task_type, task.assignee_id)
    cal = resolver.work_calendar(rule.calendar_id)
    if not is_working_day(cal, due_at):
        raise ValidationError(
            {
                "due_at": _("%(key)s: %(day)s is not a working day on the calendar “%(calendar)s”.")
                % {"key": task.key, "day": due_at.isoformat(), "calendar": resolver.calendar_row(rule.calendar_id)}
            }
        )
    new_due = closing_instant(cal, due_at)
    if new_due is None or new_due <= at:
        raise ValidationError({"due_at": _("%(key)s: that day has already ended.") % {"key": task.key}})
    old_due = task.due_at
    if old_due == new_due:
        raise ValidationError({"due_at": _("%(key)s is already due then.") % {"key": task.key}})
    task.due_moved_to, task.due_moved_at = new_due, at
    task.due_at, task.at_risk_at = moved_deadline(
        cal, start=task.sla_start_at, moved_to=new_due, moved_at=at, share=rule.share
    )
    old_sla = task.sla_state
    fields = ["due_at", "at_risk_at", "due_moved_to", "due_moved_at", "updated_at"]
    if task.state != TaskState.WAITING:
        task.sla_state = live_sla_state(task, at)
        fields.append("sla_state")
    if task.sla_state != old_sla:
        task.sla_changed_at = at
        fields.append("sla_changed_at")
    task.save(update_fields=fields)
    _event(
        task,
        "due_set",
        task.state,
        by,
        at,
        reason,
        {"from": old_due.isoformat() if old_due else None, "to": task.due_at.isoformat(), "day": due_at.isoformat()},
    )
    _sla_changed(task, old_sla, at, "due_set")
    # Successors still waiting for this task forecast from its due date.
    successors_replan(campaign_id=campaign.pk, at=at, by=by, cause=task, action="due_set")
    return task


def may_comment(user, task: Task) -> bool:
    """Who may comment on a task: MOps, specialists and the campaign's requester."""
    return policy.is_ops(user) or policy.has_role(user, roles.SPECIALIST) or task.campaign.requester_id == user.pk


@transaction.atomic
def task_comment_add(*, task_id: int, body: str, by, at: dt.datetime | None = None) -> TaskComment:
    """Comment on a task: MOps, specialists and the campaign's requester (``campaigns.comments``
    rules: Markdown, length limit, only people who may open the task can be mentioned)."""
    body = comments.clean_comment_body(body)
    task = Task.objects.select_related("campaign", "campaign__business_unit").get(pk=task_id)
    if not may_comment(by, task):
        raise PermissionDenied(_("You may not comment on this task."))
    comment, mentioned = comments.comment_new(
        TaskComment, body=body, viewers=task_viewers(task), by=by, at=at or timezone.now(), task=task
    )
    comments.announce(kind="task", obj=task, comment=comment, mentioned_ids=[u.pk for u in mentioned], by=by)
    return comment


def _visible_task_comment(task_id: int, comment_id: int, by) -> tuple[Task, TaskComment]:
    """The task (visible to ``by``, else PermissionDenied) and its comment, row-locked."""
    from .selectors import task_visibility_q

    task = Task.objects.select_related("campaign", "campaign__business_unit").filter(pk=task_id).first()
    if task is None or not Task.objects.filter(task_visibility_q(by), pk=task_id).exists():
        raise PermissionDenied(_("You may not see this task."))
    comment = comments.comment_locked(TaskComment.objects.filter(task=task).select_related("author"), comment_id)
    if comment is None:
        raise TaskComment.DoesNotExist("Comment not found")
    return task, comment


@transaction.atomic
def task_comment_edit(*, task_id: int, comment_id: int, body: str, by, at: dt.datetime | None = None) -> TaskComment:
    """The author replaces their task comment's text; only people newly mentioned are notified.

    Audited as a ``comment_edit`` task event (the comment's id and mentions, not its text)."""
    task, comment = _visible_task_comment(task_id, comment_id, by)
    at = at or timezone.now()
    data = comments.comment_edit_apply(comment, body=body, viewers=task_viewers(task), by=by, at=at)
    added_ids = data.pop("added_ids")
    _event(task, "comment_edit", task.state, by, at, "", data)
    comments.announce(kind="task", obj=task, comment=comment, mentioned_ids=added_ids, by=by, edit=True)
    return comment


@transaction.atomic
def task_comment_delete(*, task_id: int, comment_id: int, by, at: dt.datetime | None = None) -> TaskComment:
    """The author, MOps or an admin deletes a task comment: a "comment deleted" tombstone stays.

    Audited as a ``comment_delete`` task event (the comment's id and author, not its text)."""
    task, comment = _visible_task_comment(task_id, comment_id, by)
    at = at or timezone.now()
    data = comments.comment_delete_apply(comment, by=by, at=at)
    _event(task, "comment_delete", task.state, by, at, "", data)
    comments.announce_deleted(kind="task", comment=comment)
    return comment


@transaction.atomic
def task_add(
    *,
    campaign_id: int,
    task_type: TaskType,
    by,
    title: str = "",
    description: str = "",
    estimated_hours: Any = None,
    depends_on: list[int] | tuple = (),
    assignee=None,
    at: dt.datetime | None = None,
) -> Task:
    """Add a task to a campaign by hand (MOps)."""
    if by is not None and not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may add tasks."))
    at = at or timezone.now()
    campaign = CampaignRequest.objects.select_for_update(of=("self",)).get(pk=campaign_id)
    if campaign.state not in (CampaignState.APPROVED, CampaignState.IN_PRODUCTION, CampaignState.READY_FOR_LAUNCH):
        raise TaskConflict(
            _("Tasks cannot be added while the campaign is %(state)s.") % {"state": campaign.get_state_display()}
        )
    hours = _hours(estimated_hours, "estimated_hours", required=False)
    preds = list(Task.objects.filter(campaign=campaign, pk__in=list(depends_on)))
    if len(preds) != len(set(depends_on)):
        raise ValidationError({"depends_on": _("Predecessors must be tasks of the same campaign.")})
    position = (Task.objects.filter(campaign=campaign).aggregate(m=Max("position"))["m"] or 0) + 10
    number = next_numbers(1)[0]
    resolver = DeadlineResolver()
    assignee_id = assignee.pk if assignee is not None else None
    sla_start, basis = initial_start(
        at,
        preds,
        condition=resolver.rule(task_type, assignee_id).start_condition,
        assigned=assignee is not None,
    )
    d = resolver.compute(task_type, basis, assignee_id=assignee_id)
    due, risk = d.due_at, d.at_risk_at
    task = Task.objects.create(
        number=number,
        key=f"{KEY_PREFIX}-{number}",
        campaign=campaign,
        task_type=task_type,
        title=(title or task_type.name)[:200],
        description=description,
        position=position,
        estimated_hours=hours if hours is not None else task_type.default_estimated_hours,
        hourly_rate=task_type.role.hourly_rate,
        sla_start_at=sla_start,
        due_at=due,
        at_risk_at=risk,
        created_at=at,
    )
    TaskDependency.objects.bulk_create([TaskDependency(task=task, predecessor=p) for p in preds])
    _event(task, "create", TaskState.TODO, by, at, data={"manual": True, "depends_on": [p.key for p in preds]})
    if assignee is not None:
        assign_locked(task, assignee, by=by, at=at)
    if campaign.state == CampaignState.READY_FOR_LAUNCH:
        request_transition(
            request_id=campaign.pk,
            action="reopen_production",
            by=by,
            at=at,
            comment=str(_("%(key)s added") % {"key": task.key}),
        )
    return task


@transaction.atomic
def task_set_dependencies(*, task_id: int, depends_on: list[int], by) -> Task:
    """Replace a task's predecessors (MOps); cycles are refused."""
    if by is not None and not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may change dependencies."))
    campaign, task = _lock(task_id)
    preds = list(Task.objects.filter(campaign=campaign, pk__in=depends_on))
    if len(preds) != len(set(depends_on)):
        raise ValidationError({"depends_on": _("Predecessors must be tasks of the same campaign.")})
    edges = list(
        TaskDependency.objects.filter(task__campaign=campaign)
        .exclude(task=task)
        .values_list("predecessor_id", "task_id")
    )
    edges += [(p.pk, task.pk) for p in preds]
    cycle = find_cycle(edges)
    if cycle:
        names = dict(Task.objects.filter(campaign=campaign).values_list("pk", "key"))
        raise ValidationError({"depends_on": format_cycle(cycle, names)})
    TaskDependency.objects.filter(task=task).delete()
    TaskDependency.objects.bulk_create([TaskDependency(task=task, predecessor=p) for p in preds])
    _event(task, "set_dependencies", task.state, by, timezone.now(), data={"depends_on": [p.key for p in preds]})
    return task


@transaction.atomic
def tasks_reorder(*, campaign_id: int, ordered_ids: list[int], by) -> None:
    """Set the display order of a campaign's tasks (MOps)."""
    if by is not None and not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may reorder tasks."))
    CampaignRequest.objects.select_for_update(of=("self",)).get(pk=campaign_id)
    tasks = {t.pk: t for t in Task.objects.filter(campaign_id=campaign_id)}
    if set(ordered_ids) - set(tasks) or len(set(ordered_ids)) != len(ordered_ids):
        raise ValidationError({"order": _("Give each task of this campaign once.")})
    rest = [pk for pk in sorted(tasks, key=lambda pk: (tasks[pk].position, pk)) if pk not in ordered_ids]
    changed = []
    for i, pk in enumerate([*ordered_ids, *rest]):
        if tasks[pk].position != (i + 1) * 10:
            tasks[pk].position = (i + 1) * 10
            changed.append(tasks[pk])
    Task.objects.bulk_update(changed, ["position"])


def task_move(*, task_id: int, direction: int, by) -> None:
    """Move a task one place up (-1) or down (+1) within its campaign."""
    task = Task.objects.get(pk=task_id)
    ids = list(
        Task.objects.filter(campaign_id=task.campaign_id).order_by("position", "id").values_list("pk", flat=True)
    )
    i = ids.index(task.pk)
    j = i + (1 if direction > 0 else -1)
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    tasks_reorder(campaign_id=task.campaign_id, ordered_ids=ids, by=by)


# --- reads used by the API and pages -------------------------------------------------------

USER_ACTIONS = ("start", "pause", "resume", "submit_review", "complete", "return_review", "reopen", "cancel")


def allowed_actions(task: Task, user) -> list[str]:
    """Actions ``user`` may take on ``task`` now; no queries when depends_on is prefetched."""
    result = []
    if policy.is_ops(user) and task.state in OPEN_TASK_STATES:
        result.append("assign")
    for action in USER_ACTIONS:
        method = getattr(task, ACTIONS[action])
        if not (can_proceed(method) and has_transition_perm(method, user)):
            continue
        if action == "start" and (
            task.assignee_id is None or any(p.state in OPEN_TASK_STATES for p in task.depends_on.all())
        ):
            continue
        result.append(action)
    return result
