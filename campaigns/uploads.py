"""Uploaded files: type by extension *and* leading bytes, size limit, safe download headers.

Shared by knowledge base attachments and request attachments (briefs, assets); it lives in
campaigns, below tasks and knowledge, so every app checks uploads the same way.
"""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
ZIP = (b"PK\x03\x04",)
# extension -> (content type, leading bytes that a real file of that type starts with)
IMAGE_PDF_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
}
# Briefs and assets: images, PDF and Office documents (zip containers).
BRIEF_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    **IMAGE_PDF_TYPES,
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
}


def check_upload(
    upload, *, types: dict[str, tuple[str, tuple[bytes, ...]]] = IMAGE_PDF_TYPES, max_bytes: int = MAX_BYTES
) -> str:
    """The content type of an allowed upload; ValidationError on ``file`` for a bad type or size.

    The extension picks the type and the first bytes must match it, so a renamed HTML or
    executable is refused even with an allowed extension."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in types:
        raise ValidationError(
            {"file": _("File type not allowed (allowed: %(allowed)s).") % {"allowed": ", ".join(sorted(types))}}
        )
    if upload.size > max_bytes:
        raise ValidationError({"file": _("File too large (limit %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, magics = types[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": _("The file content does not match its type.")})
    return content_type


def safe_name(name: str) -> str:
    """The file's base name (no folders), at most 200 characters."""
    return os.path.basename(name or "file")[:200] or "file"


def download_response(fieldfile, *, content_type: str, filename: str) -> FileResponse:
    """A download that the browser cannot run: images inline, everything else as attachment,
    no sniffing, and a sandboxing CSP in case the file is opened directly."""
    response = FileResponse(
        fieldfile.open("rb"),
        content_type=content_type,
        as_attachment=not content_type.startswith("image/"),
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
