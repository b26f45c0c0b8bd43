"""Drill-downs and data sheets: the campaign or task ids behind one figure, the quarter's rows.

A drill-down reads the ids computed with the report and kept beside it (``kpis.store.details``):
the ids are exactly those of the figure it came from, and reading them costs the same at any size
(recomputing one section of 100k campaigns took 5 s on SQLite). The data sheets of the exports
read the quarter's campaigns and tasks only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from . import data as kpi_data
from . import figures, store
from .data import KpiFilters

LABELS = ("labels_type", "labels_unit", "labels_channel", "labels_task_type")


def ids(
    f: KpiFilters, path: tuple[str, ...], field: str | None, key: str, *, now: dt.datetime | None = None
) -> list[int] | None:
    """The ids of the row whose ``field`` equals ``key`` in the list at ``path`` (None: no such row).

    From the ids stored (or cached) with the report (``kpis.store.details``): a drill-down reads
    one figure's ids, never the quarter's rows."""
    node: Any = store.details(f, "ids", now=now)
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return [] if field is None else None
    if field is None:
        return list(node.get("ids", []))
    row = next((r for r in node if r and str(r.get(field)) == key), None)
    return None if row is None else list(row.get("ids", []))


def data(f: KpiFilters, *, now: dt.datetime | None = None) -> dict[str, list[dict]]:
    """The report's data sheets (the quarter's campaigns and tasks), from their own rows only."""
    now = now or timezone.now()
    frames = kpi_data.load(f, only=("campaigns", "labour", "tasks") + LABELS, trend=False)
    ctx, clock = figures.context(f, frames, now=now)
    campaigns = figures._campaign_frame(frames, clock)
    return {"campaigns": figures._data_campaigns(campaigns, ctx), "tasks": figures._data_tasks(frames["tasks"], ctx)}
