"""Rescheduling a campaign: preview what a new launch/end date does, then save and re-plan.

- **Preview** (nothing written): the new latest approval date and feasibility of the template's
  plan, the open before-launch tasks whose stored deadline would now miss the launch, and the
  post-launch / post-end tasks whose dates would move with their anchor.
- **Save** (``campaign_reschedule``): ``campaigns.services.request_reschedule`` moves the dates
  and writes the audit event; in the same transaction the open, not yet started after-anchored
  tasks are re-planned from their new anchor (a ``replan`` task event each). Before-launch tasks
  keep their SLA deadlines (a promise counted from when the work arrived); the preview names
  those that no longer fit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import CampaignRequest

from .anchors import Anchor, before_launch_due, entry_not_before, is_after
from .dag import topological_order
from .deadlines import DeadlineResolver
from .feasibility import feasibility
from .models import OPEN_TASK_STATES, Task, TaskEvent, TaskState
from .services import live_sla_state
from .timeline import PLAN_STATES


def _tasks(campaign_id: int, *, lock: bool = False) -> list[Task]:
    qs = Task.objects.filter(campaign_id=campaign_id).select_related("task_type", "template_entry")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return list(qs.prefetch_related("incoming").order_by("position", "id"))


def _replan(
    tasks: list[Task], launch_date: dt.date, end_date: dt.date, *, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, tuple]]:
    """``(moves, infeasible, new)``: moved after-anchored tasks, before-launch tasks that miss the launch,
    and the new ``(sla_start, due, at_risk)`` by task id. Pure over the loaded tasks (no writes)."""
    resolver = DeadlineResolver()
    resolver.prime_task_types(t.task_type for t in tasks)
    by_id = {t.pk: t for t in tasks}
    edges = [(d.predecessor_id, t.pk) for t in tasks for d in t.incoming.all() if d.predecessor_id in by_id]
    preds: dict[int, list[int]] = {t.pk: [] for t in tasks}
    for p, e in edges:
        preds[e].append(p)
    due = {t.pk: t.due_at for t in tasks}
    moves, infeasible, new = [], [], {}
    for pk in topological_order(list(by_id), edges):
        task = by_id[pk]
        entry = task.template_entry
        if task.state not in OPEN_TASK_STATES:
            continue
        cal = resolver.work_calendar(resolver.rule(task.task_type, task.assignee_id).calendar_id)
        if entry is not None and is_after(entry.anchor):
            if task.state != TaskState.TODO:
                continue  # started: its clock runs from its real start
            start = max(
                [now, *entry_not_before(entry, cal, launch_date, end_date), *[due[p] for p in preds[pk] if due[p]]]
            )
            d = resolver.compute(task.task_type, start, (), task.assignee_id)
            due[pk] = d.due_at
            new[pk] = (start, d.due_at, d.at_risk_at)
            if d.due_at != task.due_at:
                moves.append({"key": task.key, "title": task.title, "from": task.due_at, "to": d.due_at})
        elif task.due_at is not None:
            offset = entry.offset_days if entry is not None else 0
            limit = before_launch_due(cal, offset, launch_date)
            if task.due_at > limit:
                infeasible.append({"key": task.key, "title": task.title, "due": task.due_at, "needed_by": limit})
    return moves, infeasible, new


def reschedule_preview(
    *, campaign: CampaignRequest, launch_date: dt.date, end_date: dt.date, user: Any, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What moving ``campaign`` to these dates would do; ``errors`` holds field errors and the refusal."""
    now = now or timezone.now()
    errors = campaign_services.reschedule_errors(launch_date=launch_date, end_date=end_date, at=now)
    refusal = campaign_services.reschedule_refusal(campaign, user)
    if refusal:
        errors["__all__"] = refusal
    out: dict[str, Any] = {
        "campaign": campaign.pk,
        "launch_date": launch_date,
        "end_date": end_date,
        "errors": errors,
        "latest_approval_date": None,
        "feasible": None,
        "infeasible_tasks": [],
        "moved_tasks": [],
    }
    if "launch_date" in errors or "end_date" in errors:
        return out
    plan = feasibility(
        campaign_type=campaign.campaign_type, launch_date=launch_date, end_date=end_date, request=campaign, now=now
    )
    tasks = _tasks(campaign.pk)
    moves, infeasible, _new = _replan(tasks, launch_date, end_date, now=now)
    out["moved_tasks"], out["infeasible_tasks"] = moves, infeasible
    if plan is not None:
        if campaign.state in PLAN_STATES:  # once in production, the approval is history
            out["latest_approval_date"] = plan["latest_approval_date"]
        if not tasks:
            out["infeasible_tasks"] = [
                {"key": "", "title": t["title"], "due": t["expected_due"], "needed_by": t["due"]}
                for t in plan["tasks"]
                if t["late"] and t["anchor"] == Anchor.BEFORE_LAUNCH
            ]
            out["earliest_feasible_launch_date"] = plan["earliest_feasible_launch_date"]
    out["feasible"] = not out["infeasible_tasks"]
    return out


@transaction.atomic
def campaign_reschedule(
    *,
    campaign_id: int,
    launch_date: dt.date,
    end_date: dt.date,
    by: Any,
    comment: str = "",
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Move a campaign's launch and end dates and re-plan its open post-launch tasks.

    Raises what ``campaigns.services.request_reschedule`` raises (PermissionDenied, Conflict,
    ValidationError with field errors); nothing is written then. Returns the preview of the
    saved move (infeasible and moved tasks).
    """
    at = at or timezone.now()
    if launch_date is None or end_date is None:
        raise ValidationError(campaign_services.reschedule_errors(launch_date=launch_date, end_date=end_date, at=at))
    campaign = campaign_services.request_reschedule(
        request_id=campaign_id, launch_date=launch_date, end_date=end_date, by=by, comment=comment, at=at
    )
    tasks = _tasks(campaign.pk, lock=True)
    moves, infeasible, new = _replan(tasks, launch_date, end_date, now=at)
    events = []
    for task in tasks:
        if task.pk not in new or new[task.pk][1] == task.due_at:
            continue
        old_due, old_sla = task.due_at, task.sla_state
        task.sla_start_at, task.due_at, task.at_risk_at = new[task.pk]
        task.sla_state = live_sla_state(task, at)
        fields = ["sla_start_at", "due_at", "at_risk_at", "sla_state", "updated_at"]
        if task.sla_state != old_sla:
            task.sla_changed_at = at
            fields.append("sla_changed_at")
        task.save(update_fields=fields)
        events.append(
            TaskEvent(
                task=task,
                action="replan",
                from_state=task.state,
                to_state=task.state,
                actor=by,
                at=at,
                comment=comment[:4000],
                data={"due_at": [old_due.isoformat() if old_due else None, task.due_at.isoformat()]},
            )
        )
    TaskEvent.objects.bulk_create(events)
    return {
        "campaign": campaign.pk,
        "launch_date": launch_date,
        "end_date": end_date,
        "moved_tasks": moves,
        "infeasible_tasks": infeasible,
    }
