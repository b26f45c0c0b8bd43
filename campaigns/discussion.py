"""Writes of a request's discussion: comments (Markdown, @mentions) and attachments.

Everyone who may see a request may take part; each comment or file writes a ``RequestEvent``
(``comment`` / ``attach``, state unchanged) in the same transaction, so the request's history
shows it; editing and deleting a comment write ``comment_edit`` / ``comment_delete``. The rules
of comments are ``campaigns.comments`` (shared with task comments); mentions are announced on
commit through ``campaigns.signals.comment_posted``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import policy

from . import comments, uploads
from .models import CampaignRequest, RequestAttachment, RequestComment, RequestEvent


def request_viewers(request: CampaignRequest) -> QuerySet:
    """Active users who may open ``request`` (the policy's inverse of request visibility)."""
    return get_user_model().objects.filter(is_active=True).filter(policy.request_viewers_q(request))


def _visible_request(request_id: int, by) -> CampaignRequest:
    req = (
        CampaignRequest.objects.select_for_update(of=("self",))
        .select_related("business_unit")
        .filter(pk=request_id)
        .first()
    )
    if req is None or not CampaignRequest.objects.filter(policy.request_visibility_q(by), pk=request_id).exists():
        raise PermissionDenied(_("You may not see this request."))
    return req


@transaction.atomic
def request_comment_add(*, request_id: int, body: str, by, at: dt.datetime | None = None) -> RequestComment:
    """Comment on a request (anyone who may see it); mentioned people must be able to see it too."""
    body = comments.clean_comment_body(body)
    req = _visible_request(request_id, by)
    at = at or timezone.now()
    comment, mentioned = comments.comment_new(
        RequestComment, body=body, viewers=request_viewers(req), by=by, at=at, request=req
    )
    data = {"comment_id": comment.pk, "mentions": [u.username for u in mentioned]}
    _comment_event(req, "comment", by, at, body, data)
    comments.announce(kind="request", obj=req, comment=comment, mentioned_ids=[u.pk for u in mentioned], by=by)
    return comment


def _comment_event(req: CampaignRequest, action: str, by, at: dt.datetime, text: str, data: dict) -> RequestEvent:
    return RequestEvent.objects.create(
        request=req, action=action, from_state=req.state, to_state=req.state, actor=by, at=at, comment=text, data=data
    )


def _locked_comment(req: CampaignRequest, comment_id: int) -> RequestComment:
    comment = comments.comment_locked(RequestComment.objects.filter(request=req).select_related("author"), comment_id)
    if comment is None:
        raise RequestComment.DoesNotExist("Comment not found")
    return comment


@transaction.atomic
def request_comment_edit(
    *, request_id: int, comment_id: int, body: str, by, at: dt.datetime | None = None
) -> RequestComment:
    """The author replaces their comment's text; only people newly mentioned are notified.

    Audited as a ``comment_edit`` request event (the comment's id and mentions, not its text)."""
    req = _visible_request(request_id, by)
    comment = _locked_comment(req, comment_id)
    at = at or timezone.now()
    data = comments.comment_edit_apply(comment, body=body, viewers=request_viewers(req), by=by, at=at)
    added_ids = data.pop("added_ids")
    _comment_event(req, "comment_edit", by, at, "", data)
    comments.announce(kind="request", obj=req, comment=comment, mentioned_ids=added_ids, by=by, edit=True)
    return comment


@transaction.atomic
def request_comment_delete(*, request_id: int, comment_id: int, by, at: dt.datetime | None = None) -> RequestComment:
    """The author, MOps or an admin deletes a comment: a "comment deleted" tombstone stays.

    Audited as a ``comment_delete`` request event (the comment's id and author, not its text)."""
    req = _visible_request(request_id, by)
    comment = _locked_comment(req, comment_id)
    at = at or timezone.now()
    data = comments.comment_delete_apply(comment, by=by, at=at)
    _comment_event(req, "comment_delete", by, at, "", data)
    comments.announce_deleted(kind="request", comment=comment)
    return comment


@transaction.atomic
def request_attachment_add(*, request_id: int, upload, by, at: dt.datetime | None = None) -> RequestAttachment:
    """Attach a brief or asset (anyone who may see the request); type, bytes and size checked."""
    req = _visible_request(request_id, by)
    content_type = uploads.validate_upload(upload, allowed=uploads.BRIEF_TYPES, max_bytes=uploads.MAX_BYTES)
    name = uploads.safe_name(upload.name)
    at = at or timezone.now()
    attachment = RequestAttachment(
        request=req, original_name=name, content_type=content_type, size=upload.size, uploaded_by=by, created_at=at
    )
    attachment.file.save(name, upload, save=False)
    stored, storage = attachment.file.name, attachment.file.storage
    # The file is on disk before the row: remove it again if writing the rows fails.
    try:
        attachment.save()
        RequestEvent.objects.create(
            request=req,
            action="attach",
            from_state=req.state,
            to_state=req.state,
            actor=by,
            at=at,
            comment=name,
            data={"attachment_id": attachment.pk, "name": name, "size": upload.size, "content_type": content_type},
        )
    except Exception:
        storage.delete(stored)
        raise
    return attachment
