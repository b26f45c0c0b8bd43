"""Bulk actions on requests: each row on its own, through the ordinary service.

A row runs in its own atomic block calling ``services.request_transition`` (which locks the
row and writes its event), so one row's refusal never rolls back another's success and never
leaves a half-applied row. Rows the user may not see are reported as not found, exactly as a
single request would be.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import selectors, services

MAX_ROWS = 200
BULK_ACTIONS = ("approve", "reject", "request_changes", "launch", "close", "cancel")


@dataclasses.dataclass
class RowResult:
    id: int
    label: str  # what the user recognises the row by (a request name, a task key)
    ok: bool
    error: str = ""
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "ok": self.ok, "error": self.error}


def error_text(exc: Exception) -> str:
    """A refusal as one line the user can read (a service's ValidationError, Conflict or 403)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Not allowed.")


def unique_ids(ids: list[int]) -> list[int]:
    """The ids in their order, each once (a row is acted on once however often it is ticked)."""
    return list(dict.fromkeys(ids))[:MAX_ROWS]


def requests_bulk_transition(*, request_ids: list[int], action: str, by, comment: str = "") -> list[RowResult]:
    """Run ``action`` on each request ``by`` may see; one RowResult per id, in order.

    Not atomic as a whole on purpose: each row commits or fails alone.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose an action.")})
    ids = unique_ids(request_ids)
    names = dict(selectors.request_list_for(by).filter(pk__in=ids).values_list("pk", "name"))
    results = []
    for pk in ids:
        if pk not in names:
            results.append(RowResult(pk, f"#{pk}", False, _("Not found.")))
            continue
        try:
            with transaction.atomic():
                services.request_transition(request_id=pk, action=action, by=by, comment=comment)
        except (ValidationError, services.Conflict, PermissionDenied) as exc:
            results.append(RowResult(pk, names[pk], False, error_text(exc)))
        else:
            results.append(RowResult(pk, names[pk], True))
    return results
