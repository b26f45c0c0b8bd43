"""Deliverables handed in on "submit for review": checks and the versioned rows.

The file checks are the knowledge base's (``campaigns.uploads.validate_upload``: extension and
first bytes, size limit); downloads go out with the same safe headers. Nothing here writes an
event: ``tasks.services.task_transition`` calls these inside its transaction and records the
version in the submit event's data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Max
from django.utils.translation import gettext as _

from campaigns.uploads import IMAGE_AND_PDF_TYPES, OFFICE_TYPES, safe_name, validate_upload

from .models import Deliverable, DeliverableRule, Task, TaskType

DELIVERABLE_TYPES = {**IMAGE_AND_PDF_TYPES, **OFFICE_TYPES}
DELIVERABLE_MAX_BYTES = 20 * 1024 * 1024
_url = URLValidator(schemes=["http", "https"])


@dataclasses.dataclass(frozen=True)
class DeliverableInput:
    """A checked file (with its content type) and/or link, and the assignee's note."""

    file: Any = None
    content_type: str = ""
    url: str = ""
    note: str = ""


def deliverable_input(*, file: Any = None, url: str = "", note: str = "") -> DeliverableInput | None:
    """Check what was handed in (None when nothing was); ValidationError for a bad file or link."""
    url = (url or "").strip()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    content_type = ""
    if file is not None:
        try:
            content_type = validate_upload(file, allowed=DELIVERABLE_TYPES, max_bytes=DELIVERABLE_MAX_BYTES)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if url:
        if len(url) > 1000:
            errors["link"] = [_("The link is too long (at most 1000 characters).")]
        else:
            try:
                _url(url)
            except ValidationError:
                errors["link"] = [_("Enter a web address starting with http:// or https://.")]
    if len(note) > 4000:
        errors["comment"] = [_("At most 4000 characters.")]
    if errors:
        raise ValidationError(errors)
    if file is None and not url:
        return None
    return DeliverableInput(file=file, content_type=content_type, url=url, note=note)


def required_error(task_type: TaskType, given: DeliverableInput | None) -> str | None:
    """Why ``given`` does not satisfy the task type's rule, or None."""
    rule = task_type.deliverable
    if not rule:
        return None
    has_file = given is not None and given.file is not None
    has_link = given is not None and bool(given.url)
    if rule == DeliverableRule.FILE and not has_file:
        return _("This task type requires a file as its deliverable.")
    if rule == DeliverableRule.LINK and not has_link:
        return _("This task type requires a link as its deliverable.")
    if rule == DeliverableRule.ANY and not (has_file or has_link):
        return _("This task type requires a deliverable (a file or a link).")
    return None


def deliverable_save(task: Task, given: DeliverableInput, *, by: Any, at: Any) -> Deliverable:
    """Write the next version of ``task``'s deliverable (the task row is locked by the caller)."""
    version = (Deliverable.objects.filter(task=task).aggregate(m=Max("version"))["m"] or 0) + 1
    row = Deliverable(task=task, version=version, url=given.url, note=given.note, submitted_by=by, created_at=at)
    if given.file is not None:
        name = safe_name(given.file.name)
        row.original_name, row.content_type, row.size = name, given.content_type, given.file.size
        row.file.save(name, given.file, save=False)
    try:
        row.save()
    except Exception:
        if row.file:
            row.file.storage.delete(row.file.name)
        raise
    return row


def event_data(row: Deliverable) -> dict[str, Any]:
    """What the submit event records about the version (shown in the timeline)."""
    return {"version": row.version, "name": row.original_name, "url": row.url}
