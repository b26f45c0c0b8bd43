"""When a task's SLA clock starts, and re-planning successors when a predecessor moves.

The clock of a task starts as its SLA policy says (``SLAPolicy.start_condition``; tasks without
a policy: when actionable). When actionable, the default: at creation when it has no open
predecessor, else at the moment its last predecessor is done (or cancelled). On creation: at
creation, whatever its predecessors. On assignment: once actionable and assigned.
Until then ``Task.sla_start_at`` is NULL (the clock has not started; the sweep, the live SLA
state and the KPIs ignore the task) and ``due_at`` / ``at_risk_at`` hold a *forecast*: the
SLA counted from the latest due date of its open predecessors, so planning views still
show a date.

Starting the clock at the predecessors' *due dates* (the earlier rule) handed a successor the
slack of a predecessor finished early and started its clock before it could be worked when
a predecessor was late; it also never moved when a predecessor was paused.

``successors_replan`` re-plans the not-yet-started tasks of a campaign after a predecessor
completes, is cancelled, pauses, resumes or is reopened (or its deadline moves): one pass in
dependency order, one bulk update and one ``sla_replan`` TaskEvent per task that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext

from sla.models import DEFAULT_PAUSE_LIMIT_DAYS, SLAPolicy, SLAStart

from . import anchors
from .dag import topological_order
from .deadlines import DeadlineResolver
from .models import OPEN_TASK_STATES, SlaState, Task, TaskDependency, TaskEvent, TaskState

REPLAN_ACTION = "sla_replan"
# The longest a pause may stop the clock (business days) before the clock runs again, for tasks
# without an SLA policy; a policy sets its own (``SLAPolicy.pause_limit_days``).
MAX_PAUSE_BUSINESS_DAYS = DEFAULT_PAUSE_LIMIT_DAYS
# TaskEvent.data key marking a resume forced by the pause limit.
PAUSE_LIMIT_KEY = "pause_limit_days"


def clock_runs(condition: str, *, actionable: bool, assigned: bool) -> bool:
    """Whether the clock of a task under a policy's start condition runs."""
    if condition == SLAStart.ON_CREATION:
        return True
    if condition == SLAStart.ON_ASSIGNMENT:
        return actionable and assigned
    return actionable


def initial_start(
    at: dt.datetime,
    predecessors: Sequence[Task],
    *,
    condition: str = SLAStart.WHEN_ACTIONABLE,
    assigned: bool = False,
) -> tuple[dt.datetime | None, dt.datetime]:
    """``(sla_start_at, basis)`` of a new task created at ``at``.

    ``sla_start_at`` is ``at`` when the start condition holds now (by default: no predecessor
    is open), else None; ``basis`` is the instant its deadline is counted from (the forecast
    while the clock waits).
    """
    open_preds = [p for p in predecessors if p.state in OPEN_TASK_STATES]
    if clock_runs(condition, actionable=not open_preds, assigned=assigned):
        return at, at
    return None, max([at, *[p.due_at for p in open_preds if p.due_at]])


def start_on_assignment(task: Task, at: dt.datetime, resolver: DeadlineResolver) -> bool:
    """Start the clock of an actionable task whose policy starts it on assignment (no save)."""
    if task.sla_start_at is not None or task.assignee_id is None or task.state not in OPEN_TASK_STATES:
        return False
    if resolver.rule(task.task_type, task.assignee_id).start_condition != SLAStart.ON_ASSIGNMENT:
        return False
    if Task.objects.filter(successors=task, state__in=OPEN_TASK_STATES).exists():
        return False
    d = resolver.compute(task.task_type, at, (), task.assignee_id)
    task.sla_start_at, task.due_at, task.at_risk_at, task.sla_paused_seconds = at, d.due_at, d.at_risk_at, 0
    return True


def forecast_basis(task: Task) -> dt.datetime:
    """The instant a not-yet-actionable task's forecast deadline is counted from."""
    dues = list(
        Task.objects.filter(successors=task, state__in=OPEN_TASK_STATES, due_at__isnull=False).values_list(
            "due_at", flat=True
        )
    )
    return max([task.created_at, *dues])


def _live(task: Task, now: dt.datetime) -> str:
    if task.sla_start_at is None:
        return SlaState.ON_TRACK
    if task.due_at and now >= task.due_at:
        return SlaState.BREACHED
    if task.at_risk_at and now >= task.at_risk_at:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def planned_start(
    task: Task,
    resolver: DeadlineResolver | None = None,
    *,
    predecessors: Sequence[Task] | None = None,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """When ``task`` is planned to start: its clock start, or while the clock waits the instant its
    forecast is counted from (open predecessors' due dates, its anchor day, its creation).

    A task to do that could be worked on but whose clock waits for an assignee (its policy starts
    the clock on assignment) starts ``now`` at the earliest: nobody has it yet.
    Reads ``task.depends_on`` (prefetch it for lists; or pass ``predecessors``, e.g. rows being
    re-planned in memory) and, for anchored work, the campaign dates.
    """
    if task.sla_start_at is not None:
        return task.sla_start_at
    preds = list(task.depends_on.all()) if predecessors is None else predecessors
    open_preds = [p for p in preds if p.state in OPEN_TASK_STATES]
    dues = [p.due_at for p in open_preds if p.due_at]
    start = max([task.created_at, *dues, *_anchor_floor(task, resolver or DeadlineResolver())])
    if task.state == TaskState.TODO and not open_preds:
        from django.utils import timezone

        start = max(start, now or timezone.now())
    return start


def _anchor_floor(task: Task, resolver: DeadlineResolver) -> list[dt.datetime]:
    """``[earliest start]`` of a task generated from an after-anchored template entry, else ``[]``."""
    if task.template_entry_id is None:
        return []
    cal = resolver.work_calendar(resolver.rule(task.task_type, task.assignee_id).calendar_id)
    return anchors.entry_not_before(task.template_entry, cal, task.campaign.launch_date, task.campaign.end_date)


def successors_replan(*, campaign_id: int, at: dt.datetime, by, cause: Task, action: str) -> list[Task]:
    """Re-plan the SLA clock of every not-started task of a campaign that has predecessors.

    Call inside the transaction that changed ``cause`` (the campaign row is locked by the
    caller). A task whose predecessors are all closed starts its clock at ``at`` (if it had
    not started yet); one with an open predecessor stops it and gets a forecast deadline.
    Returns the tasks that changed.
    """
    tasks = {
        t.pk: t
        for t in Task.objects.filter(campaign_id=campaign_id).select_related("task_type", "template_entry", "campaign")
    }
    tasks[cause.pk] = cause  # the caller's in-memory row carries the new state and deadline
    edges = list(TaskDependency.objects.filter(task__campaign_id=campaign_id).values_list("predecessor_id", "task_id"))
    preds: dict[int, list[int]] = {}
    for p, t in edges:
        preds.setdefault(t, []).append(p)
    resolver = DeadlineResolver()
    resolver.prime_task_types(t.task_type for t in tasks.values())
    resolver.prime_people({t.assignee_id for t in tasks.values() if t.assignee_id})
    changed: list[Task] = []
    events: list[TaskEvent] = []
    for pk in topological_order(list(tasks), edges):
        task = tasks[pk]
        if pk == cause.pk or task.state != TaskState.TODO or pk not in preds:
            continue
        condition = resolver.rule(task.task_type, task.assignee_id).start_condition
        if condition == SLAStart.ON_CREATION:
            continue  # its clock has run since creation whatever its predecessors do
        before = (task.sla_start_at, task.due_at, task.at_risk_at, task.sla_state)
        own = [tasks[p] for p in preds[pk]]
        open_preds = [p for p in own if p.state in OPEN_TASK_STATES]
        floor = _anchor_floor(task, resolver)  # post-launch / post-end work starts on its anchor day
        if open_preds or not clock_runs(condition, actionable=True, assigned=task.assignee_id is not None):
            # Waiting for a predecessor, or actionable and waiting for an assignee (then from now
            # at the earliest): a forecast counted from the task's planned start.
            task.sla_start_at = None
            start, basis = None, planned_start(task, resolver, predecessors=own, now=at)
        else:
            start = task.sla_start_at or max([at, *floor])
            basis = start
        d = resolver.compute(task.task_type, basis, (), task.assignee_id)
        task.sla_start_at, task.due_at, task.at_risk_at = start, d.due_at, d.at_risk_at
        task.sla_state = _live(task, at)
        if (task.sla_start_at, task.due_at, task.at_risk_at, task.sla_state) == before:
            continue
        if task.sla_state != before[3]:
            task.sla_changed_at = at
        changed.append(task)
        events.append(
            TaskEvent(
                task=task,
                action=REPLAN_ACTION,
                from_state=task.state,
                to_state=task.state,
                actor=by,
                at=at,
                data={
                    "cause": cause.key,
                    "cause_action": action,
                    "clock": "running" if start else "waiting for predecessors",
                    "sla_start_at": start.isoformat() if start else None,
                    "due_at": [before[1].isoformat() if before[1] else None, task.due_at.isoformat()],
                },
            )
        )
    if changed:
        Task.objects.bulk_update(changed, ["sla_start_at", "due_at", "at_risk_at", "sla_state", "sla_changed_at"])
        TaskEvent.objects.bulk_create(events)
    return changed


def pause_limit(task: Task, resolver: DeadlineResolver) -> tuple[int, dt.datetime]:
    """``(limit in business days, instant it passes)`` of ``task``'s open pause, per its policy."""
    from sla.calendar import deadline

    pause = next(p for p in task.pauses.all() if p.ended_at is None)
    rule = resolver.rule(task.task_type, task.assignee_id)
    limit, _risk = deadline(
        resolver.work_calendar(rule.calendar_id), pause.started_at, business_days=rule.pause_limit_days
    )
    return rule.pause_limit_days, limit


def overlong_pauses_end(*, now: dt.datetime) -> list[int]:
    """Resume the clock of every task paused longer than its policy's pause limit; tell MOps.

    The limit is ``SLAPolicy.pause_limit_days`` business days on the task's calendar
    (``MAX_PAUSE_BUSINESS_DAYS`` without a policy). The task goes back to in progress (a
    ``resume`` transition and event by the system, with the reason and the limit in its data),
    its deadline moves by the pause, and MOps hears of it through the notification path
    (``pause_limit_reached``, sent once per run with every resumed task). Returns the ids of the
    resumed tasks; running it twice resumes nothing more.
    """
    from .services import task_transition
    from .signals import pause_limit_reached

    resolver = DeadlineResolver()
    # At least N business days is at least N calendar days: a cheap index prefilter on the
    # smallest limit in force.
    shortest = min([MAX_PAUSE_BUSINESS_DAYS, *SLAPolicy.objects.values_list("pause_limit_days", flat=True)])
    candidates = (
        Task.objects.filter(
            state=TaskState.WAITING,
            pauses__ended_at__isnull=True,
            pauses__started_at__lte=now - dt.timedelta(days=shortest),
        )
        .select_related("task_type")
        .prefetch_related("pauses")
        .distinct()
        .order_by("pk")
    )
    resumed = []
    for task in candidates:
        days, limit = pause_limit(task, resolver)
        if limit > now:
            continue
        task_transition(
            task_id=task.pk,
            action="resume",
            by=None,
            backfill=True,
            at=now,
            comment=gettext("Pause limit (%(days)s business days) reached: the SLA clock runs again.") % {"days": days},
            event_data={PAUSE_LIMIT_KEY: days},
        )
        resumed.append(task.pk)
    if resumed:
        pause_limit_reached.send(sender=Task, task_ids=resumed, at=now)
        if not pause_limit_reached.has_listeners(Task):
            _mail_mops(resumed)  # no notification app installed: mail MOps directly
    return resumed


def _mail_mops(task_ids: list[int]) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.db import transaction

    from governance import roles

    keys = list(Task.objects.filter(pk__in=task_ids).values_list("key", flat=True))
    emails = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.MOPS)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not emails:
        return
    transaction.on_commit(
        lambda: send_mail(
            subject="[MOps Desk] " + gettext("Tasks past the pause limit"),
            message=gettext("The SLA clock runs again for: %(keys)s") % {"keys": ", ".join(keys)},
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=emails,
            fail_silently=True,
        )
    )


def _closed_at(pred: Task, cancelled_at: dict[int, dt.datetime]) -> dt.datetime:
    """When a closed predecessor stopped blocking: its completion, or its cancellation."""
    if pred.state == TaskState.DONE and pred.completed_at:
        return pred.completed_at
    return cancelled_at.get(pred.pk) or pred.updated_at


def _assigned_from(assigned: list[dt.datetime], actionable_at: dt.datetime) -> dt.datetime | None:
    """When an on-assignment clock started: at ``actionable_at`` if assigned by then, else at the
    first assignment after it (None when never assigned)."""
    if any(a <= actionable_at for a in assigned):
        return actionable_at
    later = [a for a in assigned if a > actionable_at]
    return min(later) if later else None


REPLAN_FIELDS = ["sla_start_at", "due_at", "at_risk_at", "sla_paused_seconds", "sla_state", "sla_changed_at"]


def open_tasks_replan(*, at: dt.datetime, by=None, reason: str = "migration", batch: int = 200) -> list[int]:
    """Re-plan every open task with predecessors by the current start rule; returns changed ids.

    For data planned by the earlier rule (a successor's clock started at its predecessors' due
    dates). Per the task's policy: with an open predecessor a not-started task waits with a
    forecast (its clock stops); once every predecessor is closed its clock starts when the last
    one was completed or cancelled (on assignment: then, or at the first assignment after it),
    never before its anchor day; the deadline adds the task's closed pauses. Tasks whose policy
    starts the clock on creation start at creation. Work already under way keeps a running
    clock even if a predecessor is open again (as the live re-plan does). Closed tasks and
    tasks without predecessors are left alone. In batches of ``batch`` campaigns: one bulk
    update and one ``sla_replan`` TaskEvent (``data.reason``) per changed task.
    """
    from django.db import transaction
    from django.db.models import Max

    campaign_ids = list(
        Task.objects.filter(state__in=OPEN_TASK_STATES, depends_on__isnull=False)
        .order_by("campaign_id")
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    resolver = DeadlineResolver()
    changed_ids: list[int] = []
    for i in range(0, len(campaign_ids), batch):
        chunk = campaign_ids[i : i + batch]
        with transaction.atomic():
            tasks = {
                t.pk: t
                for t in Task.objects.select_for_update(of=("self",))
                .filter(campaign_id__in=chunk)
                .select_related("task_type", "template_entry", "campaign")
                .prefetch_related("pauses")
                .order_by("pk")
            }
            edges = list(
                TaskDependency.objects.filter(task__campaign_id__in=chunk).values_list("predecessor_id", "task_id")
            )
            preds: dict[int, list[int]] = {}
            for p, t in edges:
                preds.setdefault(t, []).append(p)
            edges = [(p, t) for p, t in edges if p in tasks and t in tasks]
            cancelled_at = dict(
                TaskEvent.objects.filter(task_id__in=list(tasks), action="cancel")
                .values("task_id")
                .annotate(last=Max("at"))
                .values_list("task_id", "last")
            )
            assigned: dict[int, list[dt.datetime]] = {}
            for tid, when in TaskEvent.objects.filter(task_id__in=list(tasks), action="assign").values_list(
                "task_id", "at"
            ):
                assigned.setdefault(tid, []).append(when)
            resolver.prime_task_types(t.task_type for t in tasks.values())
            resolver.prime_people({t.assignee_id for t in tasks.values() if t.assignee_id})
            changed, events = [], []
            for pk in topological_order(list(tasks), edges):
                task = tasks[pk]
                if task.state not in OPEN_TASK_STATES or pk not in preds:
                    continue
                own = [tasks[p] for p in preds[pk] if p in tasks]
                event = _replan_one(task, own, resolver, at, by, reason, cancelled_at, assigned.get(pk, []))
                if event is not None:
                    changed.append(task)
                    events.append(event)
            if changed:
                Task.objects.bulk_update(changed, REPLAN_FIELDS)
                TaskEvent.objects.bulk_create(events)
                changed_ids += [t.pk for t in changed]
    return changed_ids


def _replan_one(
    task: Task,
    preds: list[Task],
    resolver: DeadlineResolver,
    at: dt.datetime,
    by,
    reason: str,
    cancelled_at: dict[int, dt.datetime],
    assigned: list[dt.datetime],
) -> TaskEvent | None:
    """Recompute one task's clock by the current rule in memory; its event when anything changed."""
    rule = resolver.rule(task.task_type, task.assignee_id)
    before = (task.sla_start_at, task.due_at, task.at_risk_at, task.sla_paused_seconds)
    open_preds = [p for p in preds if p.state in OPEN_TASK_STATES]
    floor = _anchor_floor(task, resolver)
    if rule.start_condition == SLAStart.ON_CREATION:
        start: dt.datetime | None = max([task.created_at, *floor])
    elif open_preds:
        if task.state != TaskState.TODO:
            return None  # under way although a predecessor is open again: its clock keeps running
        start = None
    else:
        actionable_at = max([task.created_at, *[_closed_at(p, cancelled_at) for p in preds], *floor])
        start = actionable_at
        if rule.start_condition == SLAStart.ON_ASSIGNMENT:
            start = _assigned_from(assigned, actionable_at) if task.assignee_id else None
    if start is None:
        task.sla_start_at = None
        basis = planned_start(task, resolver, predecessors=preds, now=at)
        d = resolver.compute(task.task_type, basis, (), task.assignee_id)
        task.sla_paused_seconds = 0
    else:
        closed = [(p.started_at, p.ended_at) for p in task.pauses.all() if p.ended_at is not None]
        d = resolver.compute(task.task_type, start, closed, task.assignee_id)
        task.sla_paused_seconds = d.paused_seconds
    task.sla_start_at, task.due_at, task.at_risk_at = start, d.due_at, d.at_risk_at
    if (task.sla_start_at, task.due_at, task.at_risk_at, task.sla_paused_seconds) == before:
        return None
    if task.state != TaskState.WAITING:  # a waiting task keeps its stored state (its clock is stopped)
        state = _live(task, at)
        if state != task.sla_state:
            task.sla_state, task.sla_changed_at = state, at
    return TaskEvent(
        task=task,
        action=REPLAN_ACTION,
        from_state=task.state,
        to_state=task.state,
        actor=by,
        at=at,
        data={
            "reason": reason,
            "clock": "running" if start else "waiting for predecessors",
            "sla_start_at": [before[0].isoformat() if before[0] else None, start.isoformat() if start else None],
            "due_at": [before[1].isoformat() if before[1] else None, task.due_at.isoformat()],
        },
    )
