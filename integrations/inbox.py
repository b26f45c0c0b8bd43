"""The in-app channel: each user's notification centre (reads and the read marks).

Notices are the ``Notification`` rows the event fan-out (``notify.notify_users``) writes for
every recipient, so in-app, e-mail and the digest share one path; ``in_app`` is the user's
channel choice for the event at the time. A user only ever reads their own rows.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .events import Event, label
from .models import Notification
from .payloads import base_url


def notification_list_for(user: Any, *, unread: bool | None = None) -> QuerySet[Notification]:
    """``user``'s in-app notices, newest first (``unread=True``: only unread ones)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user, in_app=True).order_by("-created_at", "-id")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def unread_count(user: Any) -> int:
    """The bell's number: ``user``'s unread in-app notices (one indexed COUNT)."""
    return notification_list_for(user, unread=True).count()


@transaction.atomic
def notification_mark_read(*, notification_id: int, by) -> Notification:
    """Mark one of ``by``'s own notices read (Notification.DoesNotExist for anyone else's)."""
    note = notification_list_for(by).select_for_update().get(pk=notification_id)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


@transaction.atomic
def notification_mark_all_read(*, by) -> int:
    """Mark every unread notice of ``by`` read; returns how many changed."""
    return notification_list_for(by, unread=True).update(read_at=timezone.now())


def notice_link(note: Notification) -> str:
    """Where the notice leads (a path on this site): the task, the request or the review."""
    data = note.data or {}
    task, req = data.get("task") or {}, data.get("request") or {}
    anchor = ""
    comment = data.get("comment") or {}
    if note.event == Event.MENTIONED and comment.get("id"):
        anchor = f"#comment-{comment['id']}" if comment.get("kind") == "request" else f"#task-comment-{comment['id']}"
    try:
        if task.get("id"):
            return reverse("tasks:detail", args=[task["id"]]) + anchor
        if req.get("id"):
            return reverse("campaigns:detail", args=[req["id"]]) + anchor
    except NoReverseMatch:
        return reverse("integrations:notifications")
    url = str((data.get("review") or {}).get("url") or "")
    if url.startswith(base_url() + "/"):
        return url[len(base_url()) :]
    return reverse("integrations:notifications")


def notice_subject(note: Notification) -> str:
    """The object the notice is about, as its recipient sees it named."""
    data = note.data or {}
    task, req, review = data.get("task") or {}, data.get("request") or {}, data.get("review") or {}
    if task:
        return f"{task.get('key', '')} {task.get('title', '')}".strip()
    if req:
        return str(req.get("name", ""))
    return str(review.get("title", ""))


def notice_view(note: Notification) -> dict[str, Any]:
    """What a page or the API shows of a notice (plain data)."""
    data = note.data or {}
    return {
        "id": note.pk,
        "event": note.event,
        "label": str(label(note.event)),
        "subject": notice_subject(note),
        "actor_name": data.get("actor_name") or "",
        "excerpt": (data.get("comment") or {}).get("excerpt", ""),
        "url": notice_link(note),
        "created_at": note.created_at,
        "read_at": note.read_at,
        "unread": note.read_at is None,
    }
