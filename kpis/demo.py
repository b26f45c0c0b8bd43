"""Demo martech cost snapshots, so the martech section compares quarters on a fresh demo."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from campaigns.quarters import Quarter
from knowledge.models import Tool

from .models import ToolCostSnapshot

QUARTERS_BACK = 4


def seed_snapshots(*, seed: int = 1, today: dt.date | None = None) -> int:
    """One snapshot per tool category for each of the last four finished quarters.

    Built from today's catalogue (tools in use and retired) with older quarters a little dearer:
    the stack was consolidated over the year. Deterministic for a seed; existing rows are kept.
    """
    today = today or timezone.localdate()
    by_category = {
        row["category"]: row
        for row in Tool.objects.values("category").annotate(tools=Count("id"), cost=Sum("annual_cost"))
    }
    q = Quarter.of(today)
    made = 0
    for age in range(1, QUARTERS_BACK + 1):
        q = q.previous()
        for category, row in sorted(by_category.items()):
            rng = random.Random(f"{seed}:{q}:{category}")
            factor = Decimal(str(round(1 + 0.04 * age + rng.uniform(0, 0.05), 3)))
            _, created = ToolCostSnapshot.objects.get_or_create(
                quarter=str(q),
                category=category,
                defaults={
                    "tools": row["tools"],
                    "annual_cost": (Decimal(row["cost"] or 0) * factor).quantize(Decimal(1)),
                },
            )
            made += created
    return made
