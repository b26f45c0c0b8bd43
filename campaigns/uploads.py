"""Checks every uploaded file passes, and the headers every download is served with.

Pure validation (no models, no storage), kept in ``campaigns`` because it is the lowest app that
knowledge-base attachments, task deliverables and request attachments may all import
(docs/architecture.md). The type is decided by the file name's extension AND the file's first
bytes (a renamed executable is refused), sizes are checked on the uploaded object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

# extension -> (content type, leading bytes that a real file of that type starts with)
IMAGE_AND_PDF_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
}
# Office documents are zip containers (PK\x03\x04); deliverables are often decks and sheets.
OFFICE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".zip": ("application/zip", (b"PK\x03\x04",)),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_BYTES = DEFAULT_MAX_BYTES
# Request briefs and assets: images, PDF and Office documents (no bare zips).
BRIEF_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    **IMAGE_AND_PDF_TYPES,
    **{ext: OFFICE_TYPES[ext] for ext in (".docx", ".xlsx", ".pptx")},
}


def validate_upload(
    file: Any,
    *,
    allowed: Mapping[str, tuple[str, tuple[bytes, ...]]] = IMAGE_AND_PDF_TYPES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    field: str = "file",
) -> str:
    """The content type of an acceptable upload, else ValidationError on ``field``.

    Refuses an extension outside ``allowed``, an empty file, a file over ``max_bytes`` and a
    file whose first bytes do not match its extension. The file position is left at 0.
    """
    ext = os.path.splitext(getattr(file, "name", "") or "")[1].lower()
    if ext not in allowed:
        raise ValidationError(
            {field: _("This type of file is not allowed (allowed: %(types)s).") % {"types": ", ".join(sorted(allowed))}}
        )
    size = getattr(file, "size", None) or 0
    if size > max_bytes:
        raise ValidationError(
            {field: _("The file is too large (limit %(mb)s MB).") % {"mb": max(1, max_bytes // (1024 * 1024))}}
        )
    if size == 0:
        raise ValidationError({field: _("The file is empty.")})
    content_type, magics = allowed[ext]
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError({field: _("The file content does not match its type.")})
    return content_type


def safe_name(name: str, limit: int = 200) -> str:
    """The file's base name (no directories), cut to ``limit`` characters keeping the extension."""
    base = os.path.basename((name or "").replace("\\", "/")) or "file"
    if len(base) <= limit:
        return base
    stem, ext = os.path.splitext(base)
    return stem[: max(1, limit - len(ext))] + ext


def download_response(fileobj: Any, *, content_type: str, filename: str, inline: bool | None = None) -> FileResponse:
    """A download that the browser cannot run as a page: fixed type, nosniff, sandboxed, and
    ``attachment`` unless ``inline`` (by default only images are shown inline). ``fileobj`` is an
    open file or a model's FieldFile (opened here)."""
    if hasattr(fileobj, "open") and not hasattr(fileobj, "mode"):
        fileobj = fileobj.open("rb")
    if inline is None:
        inline = content_type.startswith("image/")
    response = FileResponse(fileobj, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
