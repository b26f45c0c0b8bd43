"""Writes of a request's discussion: comments (Markdown, @mentions) and attachments.

Everyone who may see a request may take part; each comment or file writes a ``RequestEvent``
(``comment`` / ``attach``, state unchanged) in the same transaction, so the request's history
shows it. Mentions are announced on commit through ``campaigns.signals.comment_posted``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import policy

from . import mentions, uploads
from .markup import render_markdown
from .models import COMMENT_MAX, CampaignRequest, RequestAttachment, RequestComment, RequestEvent
from .signals import comment_posted


def request_viewers(request: CampaignRequest) -> QuerySet:
    """Active users who may open ``request`` (the policy's inverse of request visibility)."""
    return get_user_model().objects.filter(is_active=True).filter(policy.request_viewers_q(request))


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
    body = clean_comment_body(body)
    req = _visible_request(request_id, by)
    mentioned = mentions.resolve_mentions(body, request_viewers(req))
    at = at or timezone.now()
    comment = RequestComment.objects.create(
        request=req, author=by, body=body, body_html=render_markdown(body), created_at=at
    )
    RequestEvent.objects.create(
        request=req,
        action="comment",
        from_state=req.state,
        to_state=req.state,
        actor=by,
        at=at,
        comment=body,
        data={"comment_id": comment.pk, "mentions": [u.username for u in mentioned]},
    )
    ids = [u.pk for u in mentioned if u.pk != by.pk]
    transaction.on_commit(
        lambda: comment_posted.send(
            sender=RequestComment, kind="request", obj=req, comment=comment, mentioned=ids, by=by
        ),
        robust=True,
    )
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
