"""Imported history: tasks brought in from another tool (Jira sub-tasks, Asana subtasks).

Like ``campaigns.history``, an imported task is created in "todo" and walked through the
task FSM at its historical times, every event marked ``{"imported": {...}}``. The usual
guards of ``services.task_transition`` (campaign must be workable, predecessors done, an
assignee before starting) describe how work is done here, not what happened elsewhere, so
they are not applied; the permission is: MOps or Admin. A task is found again by its
(external_source, external_key), so a second import creates nothing and a newer one moves
tasks forward.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from campaigns.history import imported_marker
from campaigns.markup import render_markdown
from campaigns.models import CampaignRequest
from governance import policy

from .dag import find_cycle, format_cycle
from .models import SlaState, Task, TaskComment, TaskDependency, TaskEvent, TaskPause, TaskState, TaskType
from .services import KEY_PREFIX, next_numbers

PATHS: dict[str, list[str]] = {
    TaskState.TODO: [],
    TaskState.IN_PROGRESS: ["start"],
    TaskState.WAITING: ["start", "pause"],
    TaskState.IN_REVIEW: ["start", "submit_review"],
    TaskState.DONE: ["start", "submit_review", "complete"],
    TaskState.CANCELLED: ["cancel"],
}
FINISHING = {"submit_review", "complete", "cancel", "pause"}


def _check(by) -> None:
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps imports boards."))


def _walk(task: Task, actions: list[str], *, start: dt.datetime, end: dt.datetime, source: str, key: str) -> None:
    end = max(end, start)
    for action in actions:
        at = end if action in FINISHING else start
        method = getattr(task, action)
        if not can_proceed(method):  # pragma: no cover - PATHS only holds legal sequences
            raise ValidationError({"state": f"{action} is not allowed from {task.state}"})
        from_state = task.state
        method()
        if action == "start" and task.started_at is None:
            task.started_at = at
        elif action == "pause":
            TaskPause.objects.create(task=task, started_at=at, reason=str(_("Imported")))
        elif action == "complete":
            task.completed_at = at
            task.sla_state = SlaState.MET if (task.due_at is None or at <= task.due_at) else SlaState.MISSED
            task.sla_changed_at = at
        task.save()
        TaskEvent.objects.create(
            task=task,
            action=action,
            from_state=from_state,
            to_state=task.state,
            actor=None,
            at=at,
            data=imported_marker(source, key),
        )


@transaction.atomic
def task_import(
    *,
    campaign_id: int,
    source: str,
    key: str,
    task_type: TaskType,
    title: str,
    description: str = "",
    assignee=None,
    state: str,
    created: dt.datetime,
    resolved: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    by,
) -> tuple[Task, str, list[str]]:
    """Create or bring forward one imported task of an (imported) campaign.

    Returns (task, outcome, notes), outcome "created", "updated" or "unchanged".
    """
    _check(by)
    if state not in PATHS:
        raise ValidationError({"state": f"Unknown state: {state}"})
    task = Task.objects.select_for_update().filter(external_source=source, external_key=key).first()
    if task is None:
        campaign = CampaignRequest.objects.get(pk=campaign_id)
        number = next_numbers(1)[0]
        position = Task.objects.filter(campaign=campaign).count() * 10 + 10
        task = Task.objects.create(
            number=number,
            key=f"{KEY_PREFIX}-{number}",
            campaign=campaign,
            task_type=task_type,
            title=title[:200] or task_type.name,
            description=description[:4000],
            position=position,
            assignee=assignee,
            estimated_hours=task_type.default_estimated_hours,
            hourly_rate=task_type.role.hourly_rate,
            sla_start_at=created,
            due_at=due_at,
            created_at=created,
            external_source=source,
            external_key=key,
        )
        data = imported_marker(source, key)
        if assignee is not None:
            data["assignee"] = assignee.get_username()
        TaskEvent.objects.create(
            task=task, action="create", from_state=TaskState.TODO, to_state=TaskState.TODO, at=created, data=data
        )
        _walk(task, PATHS[state], start=created, end=resolved or created, source=source, key=key)
        return task, "created", []
    notes: list[str] = []
    changed = _update_fields(
        task,
        {"title": title[:200] or task.title, "description": description[:4000], "assignee": assignee, "due_at": due_at},
        at=max(created, timezone.now()),
        source=source,
        key=key,
    )
    if changed:
        notes.append(f"{task.key}: {', '.join(changed)}")
    done, wanted = PATHS[task.state], PATHS[state]
    remaining = wanted[len(done) :] if wanted[: len(done)] == done else None
    if remaining is None:
        notes.append(
            str(
                _("{task}: here it is {ours}; the export says {theirs}: left as it is.").format(
                    task=task.key, ours=task.get_state_display(), theirs=TaskState(state).label
                )
            )
        )
    elif remaining:
        last = TaskEvent.objects.filter(task=task).order_by("-at").values_list("at", flat=True).first() or created
        before = task.get_state_display()
        _walk(task, remaining, start=max(last, created), end=resolved or last, source=source, key=key)
        notes.append(f"{task.key}: {before} → {task.get_state_display()}")
    return task, "updated" if (changed or remaining) else "unchanged", notes


def _update_fields(task: Task, values: dict[str, Any], *, at: dt.datetime, source: str, key: str) -> list[str]:
    """Bring a re-imported task's title, description, assignee and due date up to the export.

    One event records what changed (from and to the same state), like any other task change.
    An assignee the export no longer names (or no longer matches) is kept, not removed.
    """
    changed = []
    for name, value in values.items():
        if name == "assignee" and value is None:
            continue
        current = getattr(task, name)
        if (current.pk if name == "assignee" and current else current) != (value.pk if name == "assignee" else value):
            setattr(task, name, value)
            changed.append(name)
    if not changed:
        return []
    task.save(update_fields=[*changed, "updated_at"])
    data = imported_marker(source, key)
    data["changed"] = changed
    if "assignee" in changed:
        data["assignee"] = task.assignee.get_username()
    TaskEvent.objects.create(
        task=task, action="import_update", from_state=task.state, to_state=task.state, at=at, data=data
    )
    return changed


@transaction.atomic
def task_import_dependencies(*, task_id: int, predecessor_ids: list[int], by) -> int:
    """Add imported predecessors to a task (never removes any); refuses cycles. Returns how many were added."""
    _check(by)
    task = Task.objects.select_for_update().get(pk=task_id)
    preds = list(Task.objects.filter(campaign_id=task.campaign_id, pk__in=predecessor_ids).exclude(pk=task.pk))
    have = set(TaskDependency.objects.filter(task=task).values_list("predecessor_id", flat=True))
    new = [p for p in preds if p.pk not in have]
    if not new:
        return 0
    edges = list(
        TaskDependency.objects.filter(task__campaign_id=task.campaign_id).values_list("predecessor_id", "task_id")
    )
    edges += [(p.pk, task.pk) for p in new]
    cycle = find_cycle(edges)
    if cycle:
        names = dict(Task.objects.filter(campaign_id=task.campaign_id).values_list("pk", "key"))
        raise ValidationError({"depends_on": format_cycle(cycle, names)})
    TaskDependency.objects.bulk_create([TaskDependency(task=task, predecessor=p) for p in new])
    return len(new)


@transaction.atomic
def task_import_comment(*, task_id: int, author, body: str, at: dt.datetime, by) -> tuple[TaskComment, bool]:
    """Add an imported comment unless the same one (author, time, text) is already there."""
    _check(by)
    body = (body or "").strip()[:4000]
    if not body:
        raise ValidationError({"body": _("The comment is empty.")})
    # Task comments are Markdown shown from their sanitised HTML, like those written on the page.
    comment, created = TaskComment.objects.get_or_create(
        task_id=task_id, author=author, created_at=at, body=body, defaults={"body_html": render_markdown(body)}
    )
    return comment, created
