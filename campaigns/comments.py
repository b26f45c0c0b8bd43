"""The one code path of comments on requests and tasks: post, edit, delete.

Request comments (``campaigns.discussion``) and task comments (``tasks.services``) share the
same rules, so they share this code: the body is Markdown stored with its sanitised HTML,
at most ``COMMENT_MAX`` characters; an @mention must name someone among the object's viewers
(refused with a field error that says nothing about the object otherwise); only the author
edits, and an edit notifies only the people newly mentioned; the author, MOps or an admin
deletes, which leaves a tombstone. The callers lock their object, check who may comment,
write their own audit event in the same transaction and hand the result to ``announce``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from governance import policy

from . import mentions
from .markup import render_markdown
from .models import COMMENT_MAX, ThreadComment
from .services import Conflict
from .signals import comment_deleted, comment_posted


class CommentGone(Conflict):
    """The comment was deleted: it cannot be edited or deleted again (HTTP 409)."""


def clean_comment_body(body: str, *, field: str = "body", limit: int = COMMENT_MAX) -> str:
    """The stripped comment text; a field error when it is empty or too long."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({field: _("Write a comment.")})
    if len(body) > limit:
        raise ValidationError(
            {field: _("At most %(max)s characters (this one has %(n)s).") % {"max": limit, "n": len(body)}}
        )
    return body


def comment_new(model: type[ThreadComment], *, body: str, viewers: QuerySet, by, at: dt.datetime, **parent: Any):
    """A new comment row of ``model`` on ``parent`` (e.g. ``request=req``) and the people it
    mentions (each must be among ``viewers``). Writes only the comment row."""
    body = clean_comment_body(body)
    mentioned = mentions.resolve_mentions(body, viewers)
    comment = model.objects.create(author=by, body=body, body_html=render_markdown(body), created_at=at, **parent)
    return comment, mentioned


def comment_locked(qs: QuerySet, comment_id: int) -> ThreadComment | None:
    """The comment ``comment_id`` among ``qs`` (the object's comments), row-locked; None if it
    is not one of them (a comment of another object is "not found", never acted on)."""
    return qs.select_for_update(of=("self",)).filter(pk=comment_id).first()


def may_delete(comment: ThreadComment, user) -> bool:
    """The author, MOps or an admin may delete a comment."""
    return user is not None and (comment.author_id == user.pk or policy.is_ops(user))


def may_edit(comment: ThreadComment, user) -> bool:
    """Only the author edits their words."""
    return user is not None and comment.author_id == user.pk and not comment.is_deleted


def comment_edit_apply(comment: ThreadComment, *, body: str, viewers: QuerySet, by, at: dt.datetime) -> dict:
    """Replace the text of a locked ``comment`` (author only): re-sanitised, mentions checked.

    Returns the audit data: ``comment_id``, ``mentions`` (all in the new text), ``mentions_added``
    (the users newly mentioned, who alone are notified) as ``added_ids``."""
    if comment.is_deleted:
        raise CommentGone(_("This comment was deleted."))
    if comment.author_id != by.pk:
        raise PermissionDenied(_("Only the author may edit a comment."))
    body = clean_comment_body(body)
    mentioned = mentions.resolve_mentions(body, viewers)
    before = set(mentions.mentioned_usernames(comment.body))
    added = [u for u in mentioned if u.username not in before]
    comment.body, comment.body_html, comment.edited_at = body, render_markdown(body), at
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return {
        "comment_id": comment.pk,
        "mentions": [u.username for u in mentioned],
        "mentions_added": [u.username for u in added],
        "added_ids": [u.pk for u in added if u.pk != by.pk],
    }


def comment_delete_apply(comment: ThreadComment, *, by, at: dt.datetime) -> dict:
    """Mark a locked ``comment`` deleted (the author, MOps or an admin): a tombstone stays.

    Returns the audit data (``comment_id`` and the author, never the text)."""
    if comment.is_deleted:
        raise CommentGone(_("This comment was already deleted."))
    if not may_delete(comment, by):
        raise PermissionDenied(_("Only the author, MOps or an admin may delete a comment."))
    comment.deleted_at, comment.deleted_by = at, by
    comment.save(update_fields=["deleted_at", "deleted_by"])
    return {"comment_id": comment.pk, "author": comment.author.username}


def announce(*, kind: str, obj, comment: ThreadComment, mentioned_ids: list[int], by, edit: bool = False) -> None:
    """On commit, tell ``integrations`` whom the comment mentions (``edit``: an edit's new
    mentions, with their own notice key so they are not taken for the first notice)."""
    ids = [pk for pk in mentioned_ids if pk != by.pk]
    if not ids:
        return
    revision = int(comment.edited_at.timestamp()) if edit and comment.edited_at else None
    transaction.on_commit(
        lambda: comment_posted.send(
            sender=type(comment), kind=kind, obj=obj, comment=comment, mentioned=ids, by=by, revision=revision
        ),
        robust=True,
    )


def announce_deleted(*, kind: str, comment: ThreadComment) -> None:
    """On commit, tell ``integrations`` a comment was deleted (its notices stop quoting it)."""
    transaction.on_commit(lambda: comment_deleted.send(sender=type(comment), kind=kind, comment=comment), robust=True)
