"""Bulk actions on tasks (assign, workflow actions, moving the due date): each row on its own,
through the services.

A row runs in its own atomic block calling ``services.task_assign``, ``services.task_transition``
or ``services.task_due_set`` (each locks the row and writes its event), so one row's refusal
never rolls back another's success and never leaves a half-applied row. Tasks the user may not
see are reported as not found, exactly as a single task would be.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.bulk import RowResult, error_text, unique_ids
from campaigns.services import Conflict

from . import selectors, services

BULK_ACTIONS = ("assign", "start", "pause", "resume", "submit_review", "complete", "reopen", "cancel", "set_due")


def tasks_bulk(
    *,
    task_ids: list[int],
    action: str,
    by,
    assignee: str | None = None,
    comment: str = "",
    actual_hours: Any = None,
    due_date: dt.date | None = None,
) -> list[RowResult]:
    """Assign (``assignee`` a username, or None to unassign), run a workflow ``action`` or move
    the due date to ``due_date`` (``set_due``, ``comment`` the required reason) on each task
    ``by`` may see; one RowResult per id, in order. Each row commits or fails alone."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose an action.")})
    if action == "set_due":
        # What every row needs is checked once: nothing is written when it is missing.
        errors = {}
        if due_date is None:
            errors["due_date"] = _("Choose the new due date.")
        if not (comment or "").strip():
            errors["comment"] = _("A reason is required.")
        if errors:
            raise ValidationError(errors)
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
                elif action == "set_due":
                    services.task_due_set(task_id=pk, due_at=due_date, reason=comment, by=by)
                else:
                    services.task_transition(
                        task_id=pk, action=action, by=by, comment=comment, actual_hours=actual_hours
                    )
        except (ValidationError, Conflict, PermissionDenied) as exc:
            results.append(RowResult(pk, keys[pk], False, error_text(exc)))
        else:
            results.append(RowResult(pk, keys[pk], True))
    return results
