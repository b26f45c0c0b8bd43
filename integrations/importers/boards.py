"""The one entry point for board imports (command and page): read an export, plan, apply."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from campaigns.models import CampaignType
from governance import policy
from governance.models import BusinessUnit
from tasks.models import TaskType

from . import asana, jira
from .base import BoardPlan, BoardResult, ExportError, Mapping, board_apply, board_plan

READERS = {"jira": jira.read, "asana": asana.read}
SOURCES = [("jira", "Jira"), ("asana", "Asana")]


def can_import(user) -> bool:
    """MOps and Admins bring boards in."""
    return policy.is_ops(user)


def board_preview(
    *,
    source: str,
    content: bytes,
    by,
    unit: BusinessUnit | None = None,
    campaign_type: CampaignType | None = None,
    task_type: TaskType | None = None,
    mapping: bytes | None = None,
) -> BoardPlan:
    """What importing ``content`` would do, row by row. Writes nothing; ExportError for a bad file."""
    if not can_import(by):
        raise PermissionDenied(_("Only MOps imports boards."))
    if source not in READERS:
        raise ExportError(_("Choose Jira or Asana."))
    rules = Mapping.load(mapping)
    items = READERS[source](content, rules)
    return board_plan(
        items, source=source, by=by, unit=unit, campaign_type=campaign_type, task_type=task_type, mapping=rules
    )


def board_import(*, plan: BoardPlan, by, valid_only: bool = False) -> BoardResult:
    """Write a previewed plan (all of it, or only its valid rows when the user chose so)."""
    return board_apply(plan, by=by, valid_only=valid_only)
