"""Signal receivers: campaign transitions, task assignments, quarterly review reports.

They run inside the other apps' transactions: they only read what they need and ``emit``
(queued on commit). A failure here is logged and never breaks the transition.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db.models.signals import post_save

from campaigns.models import State as RequestState
from campaigns.signals import comment_deleted, comment_posted

from . import dispatch, recipients
from .events import REQUEST_ACTION_EVENTS, Event
from .payloads import absolute, base_url, request_data, task_data

logger = logging.getLogger(__name__)
REVIEW_DONE_STATES = {"done", "ready", "completed", "complete"}


def connect() -> None:
    from campaigns.services import request_transitioned
    from tasks.signals import pause_limit_reached

    pause_limit_reached.connect(on_pause_limit_reached, dispatch_uid="integrations.on_pause_limit_reached")
    request_transitioned.connect(on_request_transitioned, dispatch_uid="integrations.on_request_transitioned")
    comment_posted.connect(on_comment_posted, dispatch_uid="integrations.on_comment_posted")
    comment_deleted.connect(on_comment_deleted, dispatch_uid="integrations.on_comment_deleted")
    post_save.connect(on_task_event_saved, sender="tasks.TaskEvent", dispatch_uid="integrations.on_task_event_saved")
    from .review_notices import on_task_review_event

    post_save.connect(on_task_review_event, sender="tasks.TaskEvent", dispatch_uid="integrations.on_task_review_event")
    try:
        review_model = apps.get_model("kpis", "ReviewReport")
    except LookupError:
        return  # kpis is not installed (yet)
    post_save.connect(on_review_saved, sender=review_model, dispatch_uid="integrations.on_review_saved")


def on_request_transitioned(sender, request, event, by, **kwargs) -> None:
    try:
        if dispatch.is_suppressed() or dispatch.is_backfill(event.at):
            return
        key = f"request-event:{event.pk}"
        if event.action == "approve" and event.to_state == RequestState.SUBMITTED:
            # An intermediate approval step (hybrid): the next approvers now have it in their inbox.
            # Mail only; webhooks hear about the final decision.
            dispatch.emit(
                Event.REQUEST_SUBMITTED.value,
                request_data(request, event_row=event, by=by),
                key=key,
                recipients=recipients.without(recipients.current_approver_ids(request), by),
                webhooks=False,
            )
            return
        name = REQUEST_ACTION_EVENTS.get(event.action)
        if name is None:
            return
        if name == Event.REQUEST_SUBMITTED:
            who = recipients.current_approver_ids(request)
        elif name == Event.CAMPAIGN_LAUNCHED:
            who = recipients.launched_ids(request)
        else:
            who = recipients.requester_ids(request)
        dispatch.emit(
            name.value,
            request_data(request, event_row=event, by=by),
            key=key,
            recipients=recipients.without(who, by),
            occurred_at=event.at,
        )
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit the event of request %s", getattr(request, "pk", None))


def on_task_event_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw or instance.action != "assign":
        return
    try:
        if dispatch.is_suppressed() or dispatch.is_backfill(instance.at):
            return
        task = instance.task
        if task.assignee_id is None:
            return
        dispatch.emit(
            Event.TASK_ASSIGNED.value,
            task_data(task, by=instance.actor),
            key=f"task-event:{instance.pk}",
            recipients=recipients.without({task.assignee_id}, instance.actor),
            occurred_at=instance.at,
        )
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit the assignment of task %s", instance.task_id)


def on_comment_posted(sender, kind, obj, comment, mentioned, by, revision=None, **kwargs) -> None:
    """A mention is a personal notice: in-app plus the person's own channel choices, no webhooks.
    ``revision`` (an edit's time) gives an edit's new mentions a notice key of their own."""
    if not mentioned:
        return
    key = f"mention:{kind}-comment:{comment.pk}" + (f":edit-{revision}" if revision else "")
    try:
        if dispatch.is_suppressed():
            return
        data = task_data(obj, by=by) if kind == "task" else request_data(obj, by=by)
        data["comment"] = {"id": comment.pk, "excerpt": comment.body[:280], "kind": kind}
        dispatch.emit(
            Event.MENTIONED.value,
            data,
            key=key,
            recipients=recipients.without(set(mentioned), by),
            webhooks=False,
            occurred_at=comment.edited_at if revision else comment.created_at,
        )
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit the mentions of %s comment %s", kind, comment.pk)


def on_comment_deleted(sender, kind, comment, **kwargs) -> None:
    """A deleted comment's words leave the in-app notices that quoted them (mail already sent stays sent)."""
    from django.db.models import Q

    from .models import Notification

    key = f"mention:{kind}-comment:{comment.pk}"
    try:
        rows = Notification.objects.filter(
            Q(dedupe_key=key) | Q(dedupe_key__startswith=f"{key}:"), event=Event.MENTIONED.value
        )
        for note in rows:
            note.data = {**note.data, "comment": {**(note.data.get("comment") or {}), "excerpt": "", "deleted": True}}
            note.save(update_fields=["data"])
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not clear the notices of deleted %s comment %s", kind, comment.pk)


def on_pause_limit_reached(sender, task_ids, at, **kwargs) -> None:
    """Tell MOps (mail, digest, webhooks) that the system resumed tasks paused past their limit."""
    try:
        if dispatch.is_suppressed():
            return
        from tasks.models import Task

        mops = set(recipients.mops_user_ids())
        for task in Task.objects.filter(pk__in=task_ids).select_related("campaign", "assignee").order_by("pk"):
            dispatch.emit(
                Event.TASK_PAUSE_LIMIT.value,
                task_data(task),
                key=f"pause-limit:{task.pk}:{int(at.timestamp())}",
                recipients=mops,
                occurred_at=at,
            )
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit the pause limit of tasks %s", task_ids)


def review_data(report) -> dict:
    url = None
    if hasattr(report, "get_absolute_url"):
        try:
            url = base_url() + report.get_absolute_url()
        except Exception:  # noqa: BLE001
            url = None
    return {
        "review": {"id": report.pk, "title": str(report), "url": url or absolute("home")},
        "actor": None,
        "actor_name": "MOps Desk",
    }


def on_review_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or str(getattr(instance, "status", "")).lower() not in REVIEW_DONE_STATES:
        return
    try:
        who = set(recipients.mops_user_ids())
        for field in ("requested_by_id", "created_by_id", "owner_id"):
            if getattr(instance, field, None):
                who.add(getattr(instance, field))
        dispatch.emit(Event.REVIEW_READY.value, review_data(instance), key=f"review:{instance.pk}", recipients=who)
    except Exception:  # noqa: BLE001
        logger.exception("integrations: could not emit review %s", instance.pk)
