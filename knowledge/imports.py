"""Imported wiki pages (Notion, Confluence): create or update an article found by its source id.

A page is written with one version whose body is final: the article row is saved first so its
attachments can be added (they need its id), then the body, which links to those attachments,
is written as the version. A page link points at ``knowledge:imported`` (source + page id),
which redirects to the article, so links resolve whatever order pages come in. Importing the
same page again with the same title and body writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX, TITLE_MAX, Article, Attachment, Status
from .services import _require_editor, _write_version, attachment_add


def find(source: str, key: str) -> Article | None:
    return Article.objects.filter(external_source=source, external_key=key).first()


@transaction.atomic
def article_import(
    *,
    source: str,
    key: str,
    title: str,
    body: Callable[[Article], str],
    parent_key: str = "",
    by,
    at: dt.datetime | None = None,
) -> tuple[Article, str]:
    """Create or update the article imported from ``source`` page ``key`` (MOps and Admins).

    ``body(article)`` returns the final Markdown; it may add attachments to ``article`` first.
    Returns (article, "created" | "updated" | "unchanged").
    """
    _require_editor(by)
    title = " ".join((title or "").split())[:TITLE_MAX] or key
    now = at or timezone.now()
    article = Article.objects.select_for_update().filter(external_source=source, external_key=key).first()
    created = article is None
    if created:
        article = Article(
            title=title,
            owner=by,
            status=Status.PUBLISHED,
            published_at=now,
            created_at=now,
            updated_at=now,
            external_source=source,
            external_key=key,
        )
        article.save()
    parent = find(source, parent_key) if parent_key else None
    text = body(article)
    if len(text) > BODY_MAX:
        raise ValidationError({"body": _("The page is longer than an article may be.")})
    changed = created or article.title != title or article.body != text
    if parent is not None and article.parent_id != parent.pk:
        article.parent = parent
        if not changed:
            article.save(update_fields=["parent"])
    if not changed:
        return article, "unchanged"
    article.title, article.body = title, text
    comment = _("Imported from {source}") if created else _("Updated from {source}")
    _write_version(article, by=by, major=created, comment=str(comment).format(source=source), at=now)
    return article, "created" if created else "updated"


def attachment_import(*, article: Article, name: str, content: bytes, by) -> tuple[Attachment, bool]:
    """Attach a file of an imported page once (the same name and size is not added again)."""
    name = os.path.basename(name)[:200]
    existing = Attachment.objects.filter(article=article, original_name=name, size=len(content)).first()
    if existing is not None:
        return existing, False
    return attachment_add(article_id=article.pk, upload=SimpleUploadedFile(name, content), by=by), True
