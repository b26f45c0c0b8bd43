"""The martech stack catalog: tool writes, yearly cost per category, renewals due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from governance import policy

from .models import RoadmapEntry, Tool, ToolCategory, ToolStatus

RENEWAL_NOTICE_DAYS = 60
TOOL_FIELDS = ("name", "vendor", "category", "owner", "seats", "annual_cost", "renewal_date", "status", "notes")


def _require_ops(by) -> None:
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps and Admins may edit the stack catalog."))


def _validate(tool: Tool) -> None:
    try:
        tool.full_clean(exclude=["users", "articles"])
    except ValidationError as exc:
        raise ValidationError({k: " ".join(v) for k, v in exc.message_dict.items()}) from exc


@transaction.atomic
def tool_save(
    *, by, tool_id: int | None = None, users: Iterable | None = None, articles: Iterable | None = None, **fields: Any
) -> Tool:
    """Create (no ``tool_id``) or update a tool of the catalog."""
    _require_ops(by)
    unknown = set(fields) - set(TOOL_FIELDS)
    if unknown:
        raise ValidationError({"detail": f"Unknown fields: {', '.join(sorted(unknown))}"})
    tool = Tool.objects.select_for_update(of=("self",)).get(pk=tool_id) if tool_id else Tool()
    old_renewal = tool.renewal_date
    for key, value in fields.items():
        setattr(tool, key, value)
    if tool.renewal_date != old_renewal:
        tool.renewal_reminded_for = None  # a new contract date gets its own reminder
    _validate(tool)
    tool.save()
    if users is not None:
        tool.users.set(users)
    if articles is not None:
        tool.articles.set(articles)
    return tool


@transaction.atomic
def roadmap_save(*, by, entry_id: int | None = None, **fields: Any) -> RoadmapEntry:
    _require_ops(by)
    entry = RoadmapEntry.objects.get(pk=entry_id) if entry_id else RoadmapEntry()
    for key, value in fields.items():
        setattr(entry, key, value)
    try:
        entry.full_clean()
    except ValidationError as exc:
        raise ValidationError({k: " ".join(v) for k, v in exc.message_dict.items()}) from exc
    entry.save()
    return entry


def cost_per_category() -> list[dict]:
    """Yearly cost of the tools in use (and being evaluated) per category, biggest first."""
    labels = dict(ToolCategory.choices)
    rows = (
        Tool.objects.exclude(status=ToolStatus.RETIRED)
        .values("category")
        .annotate(
            total=Sum("annual_cost"),
            tools=Count("id"),
            evaluating=Sum("annual_cost", filter=Q(status=ToolStatus.EVALUATING)),
        )
        .order_by("-total", "category")
    )
    return [
        {
            "category": r["category"],
            "label": labels.get(r["category"], r["category"]),
            "total": r["total"] or Decimal(0),
            "tools": r["tools"],
            "evaluating": r["evaluating"] or Decimal(0),
        }
        for r in rows
    ]


def total_cost() -> Decimal:
    return Tool.objects.filter(status=ToolStatus.IN_USE).aggregate(t=Sum("annual_cost"))["t"] or Decimal(0)


def renewals_due(today: dt.date, days: int = RENEWAL_NOTICE_DAYS):
    """Tools in use whose contract renews within ``days`` and were not reminded for that date."""
    return (
        Tool.objects.filter(
            status__in=[ToolStatus.IN_USE, ToolStatus.EVALUATING],
            renewal_date__gte=today,
            renewal_date__lte=today + dt.timedelta(days=days),
        )
        .exclude(renewal_reminded_for=F("renewal_date"))
        .select_related("owner")
    )
