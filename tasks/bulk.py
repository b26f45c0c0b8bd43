"""Bulk actions on tasks (assign, workflow actions): each row on its own, through the services.

A row runs in its own atomic block calling ``services.task_assign`` or
``services.task_transition`` (each locks the row and writes its event), so one row's refusal
never rolls back another's success and never leaves a half-applied row. Tasks the user may not
see are reported as not found, exactly as a single task would be.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.bulk import RowResult, error_text, unique_ids
from campaigns.services import Conflict

from . import selectors, services

BULK_ACTIONS = ("assign", "start", "pause", "resume", "submit_review", "complete", "reopen", "cancel")


def tasks_bulk(
    *,
    task_ids: list[int],
    action: str,
    by,
    assignee: str | None = None,
    comment: str = "",
    actual_hours: Any = None,
) -> list[RowResult]:
    """Assign (``assignee`` a username, or None to unassign) or run a workflow ``action`` on each
    task ``by`` may see; one RowResult per id, in order. Each row commits or fails alone."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose an action.")})
    ids = unique_ids(task_ids)
    keys = dict(selectors.task_list_for(by).filter(pk__in=ids).values_list("pk", "key"))
    results = []
    for pk in ids:
        if pk not in keys:
            results.append(RowResult(pk, f"#{pk}", False, _("Not found.")))
            continue
        try:
            with transaction.atomic():
                if action == "assign":
                    services.task_assign(task_id=pk, assignee=assignee or None, by=by, comment=comment)
                else:
                    services.task_transition(
                        task_id=pk, action=action, by=by, comment=comment, actual_hours=actual_hours
                    )
        except (ValidationError, Conflict, PermissionDenied) as exc:
            results.append(RowResult(pk, keys[pk], False, error_text(exc)))
        else:
            results.append(RowResult(pk, keys[pk], True))
    return results
