"""The one entry point for wiki imports (command and page): unzip safely, read, apply."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from knowledge.selectors import is_editor

from . import confluence, notion
from .base import ExportError
from .wiki import WikiPlan, WikiResult, read_zip, unpack_parts, wiki_apply

READERS = {"notion": notion.read, "confluence": confluence.read}


def wiki_preview(*, source: str, content: bytes, by) -> WikiPlan:
    """The pages importing ``content`` would write; nothing is written. ExportError for a bad zip."""
    if not is_editor(by):
        raise PermissionDenied(_("Only MOps imports a wiki."))
    if source not in READERS:
        raise ExportError(_("Choose Notion or Confluence."))
    files = read_zip(content)
    if source == "notion" and not any(name.lower().endswith(".md") for name in files):
        files = unpack_parts(files)
    plan = READERS[source](files)
    if not plan.pages:
        raise ExportError(_("No pages found: is this a %(tool)s export?") % {"tool": source.title()})
    return plan


def wiki_import(*, plan: WikiPlan, by, valid_only: bool = False) -> WikiResult:
    """Write a previewed wiki plan (all pages, or only the valid ones when the user chose so)."""
    return wiki_apply(plan, by=by, valid_only=valid_only)
