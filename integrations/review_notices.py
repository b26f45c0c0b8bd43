"""Four-eyes review notices: submit -> the reviewers, return -> the assignee (with the comment),
approve -> the assignee.

Hooked to the ``tasks.TaskEvent`` post_save (the same audit rows the assignment notice uses), so
the notice is written only when the transition committed, and goes out through the one
``dispatch.emit`` path: in-app, e-mail and digest per each user's choice, webhooks if subscribed.
Who may open the task is decided again when the job runs (``notify.visible_recipients``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from governance import roles

from . import dispatch, recipients
from .events import Event
from .payloads import task_data

logger = logging.getLogger(__name__)

# TaskEvent.action -> event, for tasks whose type has a review rule.
REVIEW_ACTION_EVENTS = {
    "submit_review": Event.TASK_REVIEW_REQUESTED,
    "return_review": Event.TASK_REVIEW_RETURNED,
    "complete": Event.TASK_REVIEW_APPROVED,
}


def reviewer_ids(task: Any) -> set[int]:
    """Who reviews ``task`` under its type's rule (``tasks.models.may_review``), never the assignee.

    The requester of the campaign, or the active users of the role (MOps: MOps and Admins, as
    ``policy.is_ops``). A type without a review rule has no separate reviewer: nobody is told.
    """
    rule = task.task_type.review_by
    if not rule:
        return set()
    if rule == "requester":
        ids = {task.campaign.requester_id} if task.campaign.requester_id else set()
    else:
        q = Q(groups__name=rule)
        if rule == roles.MOPS:
            q |= Q(groups__name=roles.ADMIN) | Q(is_superuser=True)
        ids = set(get_user_model().objects.filter(q, is_active=True).values_list("pk", flat=True).distinct())
    return ids - ({task.assignee_id} if task.assignee_id else set())


def review_recipients(task: Any, action: str, by: Any) -> set[int]:
    """The people told about ``action`` on ``task``, less the one who did it."""
    assignee = {task.assignee_id} if task.assignee_id else set()
    who = reviewer_ids(task) if action == "submit_review" else assignee
    return recipients.without(who, by)


def on_task_review_event(sender, instance, created, raw=False, **kwargs) -> None:
    """A review step was written: tell the other side of the four-eyes review."""
    if not created or raw or instance.action not in REVIEW_ACTION_EVENTS:
        return
    # "complete" is an approval only when it ends a review.
    if instance.action == "complete" and instance.from_state != "in_review":
        return
    try:
        if dispatch.is_suppressed() or dispatch.is_backfill(instance.at):
            return
        task = instance.task
        if not task.task_type.review_by:
            return
        data = task_data(task, by=instance.actor)
        data["transition"] = {
            "action": instance.action,
            "from": instance.from_state,
            "to": instance.to_state,
            "at": instance.at.isoformat(),
            "comment": instance.comment,
        }
        if instance.comment:
            # The in-app centre shows a comment excerpt; the reviewer's reason matters most on a return.
            data["comment"] = {"excerpt": instance.comment[:280], "kind": "task-review"}
        version = ((instance.data or {}).get("deliverable") or {}).get("version")
        if version:
            # Only the version: the file name and link stay in the app (webhooks leave the building).
            data["deliverable"] = {"version": version}
        event = REVIEW_ACTION_EVENTS[instance.action]
        dispatch.emit(
            event.value,
            data,
            key=f"task-event:{instance.pk}",
            recipients=review_recipients(task, instance.action, instance.actor),
            occurred_at=instance.at,
        )
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit the review step of task %s", instance.task_id)
