"""Every write to articles: create, edit, restore, publish/archive, attachments, receipts.

Each function is one transaction: validation first, then the rows, so bad input writes
nothing. Every content edit writes an ArticleVersion (author, number, major flag). The
search index follows through database triggers (SQLite) or plain indexes (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.services import Conflict
from campaigns.uploads import IMAGE_AND_PDF_TYPES, validate_upload
from governance import policy, roles

from .models import (
    BODY_MAX,
    TITLE_MAX,
    Article,
    ArticleVersion,
    Attachment,
    Category,
    ReadReceipt,
    RequiredReading,
    Status,
    Tag,
    Visibility,
)
from .rendering import render_markdown
from .selectors import can_edit, is_editor, unit_ids

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# extension -> (content type, leading bytes); the check itself is shared (campaigns.uploads).
ATTACHMENT_TYPES = IMAGE_AND_PDF_TYPES
CONTENT_FIELDS = ("title", "body")
META_FIELDS = ("category", "review_by", "unit", "visibility")
AUTHOR_ROLES = (roles.REQUESTER, roles.APPROVER, roles.MOPS, roles.SPECIALIST, roles.ADMIN)


class ArticleConflict(Conflict):
    """The article changed since the editor opened it (another person saved first)."""


def _require_author(by) -> None:
    if not policy.has_role(by, *AUTHOR_ROLES):
        raise PermissionDenied(_("You may not write articles."))


def _require_edit(article: Article, by) -> None:
    if not can_edit(by, article):
        raise PermissionDenied(_("You may not edit this article."))


def _require_editor(by) -> None:
    if not is_editor(by):
        raise PermissionDenied(_("Only MOps and Admins may do this."))


def article_validate(*, title: str, body: str, category: str, visibility: str, unit, by) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(n)s characters.") % {"n": TITLE_MAX}
    if len(body or "") > BODY_MAX:
        errors["body"] = _("The body is limited to %(max)s characters (now %(n)s).") % {
            "max": f"{BODY_MAX:,}",
            "n": f"{len(body):,}",
        }
    if category not in Category.values:
        errors["category"] = _("Unknown category.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Unknown visibility.")
    elif visibility == Visibility.UNIT:
        if unit is None:
            errors["unit"] = _("Choose the unit that may read it.")
        elif not is_editor(by) and unit.pk not in unit_ids(by):
            errors["unit"] = _("You are not a member of this unit.")
    return errors


def _tags(names: Iterable[str]) -> list[Tag]:
    out = []
    for name in names:
        name = name.strip()[:50]
        if name:
            out.append(Tag.objects.get_or_create(name=name)[0])
    return out


def _write_version(
    article: Article, *, by, major: bool, comment: str = "", restored_from: int | None = None, at=None
) -> ArticleVersion:
    article.version_number += 1
    if major or article.major == 0:
        article.major += 1
        article.minor = 0
        major = True
    else:
        article.minor += 1
    article.body_html = render_markdown(article.body)
    article.updated_at = at or timezone.now()
    article.save()
    return ArticleVersion.objects.create(
        article=article,
        number=article.version_number,
        major=article.major,
        minor=article.minor,
        is_major=major,
        title=article.title,
        body=article.body,
        author=by,
        comment=(comment or "")[:300],
        restored_from=restored_from,
        created_at=article.updated_at,
    )


@transaction.atomic
def article_create(
    *,
    by,
    title: str,
    body: str = "",
    category: str = Category.OTHER,
    tags: Iterable[str] = (),
    review_by: dt.date | None = None,
    unit=None,
    visibility: str = Visibility.EVERYONE,
    campaign_types: Iterable = (),
    task_types: Iterable = (),
    publish: bool = False,
    owner=None,
    comment: str = "",
    at: dt.datetime | None = None,
) -> Article:
    """Create an article (a draft unless ``publish`` and ``by`` is an editor) with version 1.0."""
    _require_author(by)
    if publish or (owner is not None and owner != by):
        _require_editor(by)
    errors = article_validate(title=title, body=body, category=category, visibility=visibility, unit=unit, by=by)
    if errors:
        raise ValidationError(errors)
    now = at or timezone.now()
    article = Article(
        title=title.strip(),
        body=body or "",
        category=category,
        owner=owner or by,
        review_by=review_by,
        unit=unit,
        visibility=visibility,
        created_at=now,
        status=Status.PUBLISHED if publish else Status.DRAFT,
        published_at=now if publish else None,
    )
    _write_version(article, by=by, major=True, comment=comment or _("Created"), at=now)
    article.tags.set(_tags(tags))
    article.campaign_types.set(campaign_types)
    article.task_types.set(task_types)
    return article


def _lock(article_id: int) -> Article:
    try:
        return Article.objects.select_for_update(of=("self",)).get(pk=article_id)
    except Article.DoesNotExist:
        raise ValidationError({"article": _("Article not found.")}) from None


@transaction.atomic
def article_update(
    *,
    article_id: int,
    by,
    major: bool = False,
    comment: str = "",
    expected_version: int | None = None,
    tags: Iterable[str] | None = None,
    campaign_types: Iterable | None = None,
    task_types: Iterable | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Article:
    """Edit title/body/metadata; writes a new version (major when ``major``)."""
    article = _lock(article_id)
    _require_edit(article, by)
    if expected_version is not None and article.version_number != expected_version:
        raise ArticleConflict(_("Someone saved this article first; reload and merge."))
    unknown = set(fields) - set(CONTENT_FIELDS) - set(META_FIELDS)
    if unknown:
        raise ValidationError({"detail": f"Unknown fields: {', '.join(sorted(unknown))}"})
    for key, value in fields.items():
        setattr(article, key, value)
    article.title = (article.title or "").strip()
    errors = article_validate(
        title=article.title,
        body=article.body,
        category=article.category,
        visibility=article.visibility,
        unit=article.unit,
        by=by,
    )
    if errors:
        raise ValidationError(errors)
    _write_version(article, by=by, major=major, comment=comment, at=at)
    if tags is not None:
        article.tags.set(_tags(tags))
    if campaign_types is not None:
        article.campaign_types.set(campaign_types)
    if task_types is not None:
        article.task_types.set(task_types)
    return article


@transaction.atomic
def article_restore(*, article_id: int, number: int, by, major: bool = False, at: dt.datetime | None = None) -> Article:
    """Bring back an old version's title and body as a new version."""
    article = _lock(article_id)
    _require_edit(article, by)
    try:
        old = article.versions.get(number=number)
    except ArticleVersion.DoesNotExist:
        raise ValidationError({"number": _("No such version.")}) from None
    article.title, article.body = old.title, old.body
    _write_version(
        article,
        by=by,
        major=major,
        comment=str(_("Restored v%(version)s") % {"version": old.label}),
        restored_from=number,
        at=at,
    )
    return article


def _set_status(article_id: int, by, target: str, allowed_from: tuple[str, ...], at=None) -> Article:
    article = _lock(article_id)
    _require_editor(by)
    if article.status not in allowed_from:
        raise ArticleConflict(_("The article is %(status)s.") % {"status": article.get_status_display()})
    article.status = target
    if target == Status.PUBLISHED and article.published_at is None:
        article.published_at = at or timezone.now()
    article.save(update_fields=["status", "published_at"])
    return article


@transaction.atomic
def article_publish(*, article_id: int, by, at=None) -> Article:
    return _set_status(article_id, by, Status.PUBLISHED, (Status.DRAFT, Status.ARCHIVED), at)


@transaction.atomic
def article_archive(*, article_id: int, by, at=None) -> Article:
    return _set_status(article_id, by, Status.ARCHIVED, (Status.DRAFT, Status.PUBLISHED), at)


@transaction.atomic
def article_delete(*, article_id: int, by) -> None:
    """Delete an article with its history (editors only; archiving is the usual way out)."""
    article = _lock(article_id)
    _require_editor(by)
    if article.onboarding_steps.exists():
        raise ArticleConflict(_("Used by an onboarding plan; archive it instead."))
    for attachment in article.attachments.all():
        name = attachment.file.name
        transaction.on_commit(lambda n=name, s=attachment.file.storage: s.delete(n))
    article.delete()


# --- attachments -------------------------------------------------------------------------


def attachment_check(upload) -> str:
    """The content type of an allowed upload; ValidationError for a bad type or size."""
    return validate_upload(upload, allowed=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES)


@transaction.atomic
def attachment_add(*, article_id: int, upload, by) -> Attachment:
    article = _lock(article_id)
    _require_edit(article, by)
    content_type = attachment_check(upload)
    name = os.path.basename(upload.name)[:200]
    attachment = Attachment(
        article=article, original_name=name, content_type=content_type, size=upload.size, uploaded_by=by
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment_id: int, by) -> None:
    attachment = Attachment.objects.select_related("article").get(pk=attachment_id)
    _require_edit(attachment.article, by)
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- required reading and receipts ---------------------------------------------------------


@transaction.atomic
def requirement_add(*, article_id: int, by, role: str = "", unit=None) -> RequiredReading:
    article = _lock(article_id)
    _require_editor(by)
    if bool(role) == bool(unit):
        raise ValidationError({"role": _("Give either a role or a unit.")})
    if role and role not in roles.ALL_ROLES:
        raise ValidationError({"role": _("Unknown role.")})
    req, _created = RequiredReading.objects.get_or_create(
        article=article, role=role or "", unit=unit, defaults={"created_by": by}
    )
    return req


@transaction.atomic
def requirement_remove(*, requirement_id: int, by) -> None:
    _require_editor(by)
    RequiredReading.objects.filter(pk=requirement_id).delete()


@transaction.atomic
def receipt_record(*, article_id: int, by, at: dt.datetime | None = None) -> ReadReceipt:
    """``by`` confirms reading the current version; one receipt per major version (idempotent)."""
    from .selectors import article_get_for

    article = article_get_for(by, article_id)
    if article.status != Status.PUBLISHED:
        raise ArticleConflict(_("Only published articles can be confirmed."))
    version = article.versions.get(number=article.version_number)
    receipt, _created = ReadReceipt.objects.get_or_create(
        user=by, article=article, major=article.major, defaults={"version": version, "read_at": at or timezone.now()}
    )
    return receipt
