"""Wiki imports (Notion "Markdown & CSV", Confluence HTML space export): the shared part.

The zip is read in memory with limits checked before and while reading: no path may leave the
export folder (absolute, ``..``, drive letters), at most ``MAX_FILES`` entries and
``MAX_TOTAL_BYTES`` uncompressed, whatever the headers claim. A reader turns the files into
``WikiPage`` rows; ``wiki_apply`` writes them through ``knowledge.imports`` in one transaction,
parents first, attachments kept, links to other pages rewritten to our articles.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from knowledge import imports as kb_imports
from knowledge.models import BODY_MAX
from knowledge.selectors import is_editor
from knowledge.services import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES

from .. import dispatch
from .base import ExportError

MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def read_zip(content: bytes) -> dict[str, bytes]:
    """Every file of an export zip by its path; ExportError for an unsafe or oversized archive."""
    if len(content) > MAX_ZIP_BYTES:
        raise ExportError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_ZIP_BYTES // (1024 * 1024)})
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ExportError(_("This is not a zip file.")) from None
    files = [i for i in infos if not i.is_dir()]
    if len(infos) > MAX_FILES:
        raise ExportError(_("The zip holds more than %(n)s files.") % {"n": MAX_FILES})
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = name.split("/")
        if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
            raise ExportError(_("The zip has a path outside its folder: %(path)s") % {"path": info.filename[:100]})
    if sum(i.file_size for i in files) > MAX_TOTAL_BYTES:
        raise ExportError(_("The zip unpacks to more than %(mb)s MB.") % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)})
    out: dict[str, bytes] = {}
    total = 0
    for info in files:
        try:
            with archive.open(info) as handle:
                # Read no more than the header promises (+1 to notice a lie): a forged size cannot bomb us.
                data = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            raise ExportError(_("The zip cannot be read (damaged or encrypted).")) from None
        if len(data) > info.file_size:
            raise ExportError(_("The zip is damaged: a file is larger than it claims."))
        total += len(data)
        if total > MAX_TOTAL_BYTES:  # pragma: no cover - the sum of the headers was checked
            raise ExportError(_("The zip unpacks to more than %(mb)s MB.") % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)})
        out[info.filename.replace("\\", "/")] = data
    return out


def unpack_parts(files: dict[str, bytes]) -> dict[str, bytes]:
    """Large Notion exports are a zip of zips ("Export-…-Part-1.zip"): unpack one level.

    The parts share one budget: their files together stay within ``MAX_FILES`` and
    ``MAX_TOTAL_BYTES``, and a part inside a part is not opened.
    """
    out: dict[str, bytes] = {}
    total = 0
    for name, data in files.items():
        if not name.lower().endswith(".zip"):
            continue
        for inner, blob in read_zip(data).items():
            total += len(blob)
            if len(out) >= MAX_FILES:
                raise ExportError(_("The zip holds more than %(n)s files.") % {"n": MAX_FILES})
            if total > MAX_TOTAL_BYTES:
                raise ExportError(
                    _("The zip unpacks to more than %(mb)s MB.") % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)}
                )
            if not inner.lower().endswith(".zip"):
                out[inner] = blob
    return out or files


def text_of(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


@dataclass
class WikiPage:
    """One page of an export with its Markdown and the files it references."""

    key: str
    title: str
    path: str
    parent: str = ""
    markdown: str = ""
    # Placeholders in ``markdown``: page links -> page key, files -> path in the zip.
    page_links: dict[str, str] = field(default_factory=dict)
    file_links: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class WikiPlan:
    source: str
    pages: list[WikiPage] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[WikiPage]:
        return [p for p in self.pages if p.errors]

    @property
    def ok(self) -> bool:
        return not self.errors


def resolve(base_dir: str, target: str) -> str | None:
    """A link target relative to ``base_dir`` as a zip path, or None for external links and anchors."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = posixpath.normpath(posixpath.join(base_dir, unquote(parts.path)))
    return None if path.startswith("..") else path


def placeholder(kind: str, n: int) -> str:
    return f"mops-import-{kind}-{n}"


def check(plan: WikiPlan) -> WikiPlan:
    """Row problems a reader cannot see alone: duplicate ids, oversized pages, unusable files."""
    seen: dict[str, str] = {}
    for page in plan.pages:
        if page.key in seen:
            page.errors.append(_("Duplicate page id (also %(path)s).") % {"path": seen[page.key]})
        seen.setdefault(page.key, page.path)
        if len(page.markdown) > BODY_MAX:
            page.errors.append(_("The page is longer than an article may be."))
        for token, path in list(page.file_links.items()):
            ext = posixpath.splitext(path)[1].lower()
            data = plan.files.get(path)
            if data is None:
                page.notes.append(_("%(path)s is not in the zip.") % {"path": path})
            elif ext not in ATTACHMENT_TYPES or len(data) > ATTACHMENT_MAX_BYTES:
                page.notes.append(_("%(path)s is not kept (type or size).") % {"path": posixpath.basename(path)})
            else:
                continue
            page.markdown = page.markdown.replace(token, "#")
            del page.file_links[token]
    keys = {p.key for p in plan.pages}
    for page in plan.pages:
        if page.parent and page.parent not in keys:
            page.parent = ""
    return plan


def _ordered(pages: list[WikiPage]) -> list[WikiPage]:
    """Parents before their children (so a child can be attached to its parent's article)."""
    by_key = {p.key: p for p in pages}
    done: set[str] = set()
    out: list[WikiPage] = []

    def visit(page: WikiPage, depth: int = 0) -> None:
        if page.key in done or depth > 50:
            return
        if page.parent in by_key:
            visit(by_key[page.parent], depth + 1)
        done.add(page.key)
        out.append(page)

    for page in pages:
        visit(page)
    return out


@dataclass
class WikiResult:
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    attachments: int = 0
    article_ids: list[int] = field(default_factory=list)


def wiki_apply(plan: WikiPlan, *, by, valid_only: bool = False) -> WikiResult:
    """Write the pages of ``plan`` (all, or only the valid ones when chosen) in one transaction."""
    if not is_editor(by):
        raise PermissionDenied(_("Only MOps imports a wiki."))
    if plan.errors and not valid_only:
        raise ValidationError([f"{p.path}: {' '.join(p.errors)}" for p in plan.errors])
    result = WikiResult()
    source = plan.source
    with transaction.atomic(), dispatch.suppressed():
        for page in _ordered([p for p in plan.pages if not p.errors]):

            def body(article, page: WikiPage = page) -> str:
                text = page.markdown
                for token, path in page.file_links.items():
                    attachment, added = kb_imports.attachment_import(
                        article=article, name=posixpath.basename(path), content=plan.files[path], by=by
                    )
                    result.attachments += added
                    text = text.replace(token, reverse("knowledge:attachment", args=[attachment.pk]))
                for token, key in page.page_links.items():
                    text = text.replace(token, reverse("knowledge:imported", args=[source, key]))
                return text

            article, outcome = kb_imports.article_import(
                source=source, key=page.key, title=page.title, body=body, parent_key=page.parent, by=by
            )
            result.counts[outcome] += 1
            result.article_ids.append(article.pk)
    return result


Reader = Callable[[dict[str, bytes]], WikiPlan]
