"""Drill-downs: the campaign or task ids behind one figure, from that figure's section only.

A drill-down used to recompute the whole report (every query, eight quarters of campaigns)
to read one list of ids. Here it loads only the frames its section reads (stall: the audit
events; SLA: tasks, pauses and task events; return: the quarter's campaigns, labour and
channels) and runs that section's own function of ``kpis.figures`` with ids, so the ids are
exactly those the full report lists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from . import data as kpi_data
from . import figures
from .data import KpiFilters

LABELS = ("labels_type", "labels_unit", "labels_channel", "labels_task_type")
SECTION_FRAMES = {
    "stall": ("request_events", "task_events"),
    "sla": ("tasks", "pauses", "task_events"),
    "return": ("campaigns", "labour", "channels"),
}


def section(f: KpiFilters, name: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One section of the report (``stall``, ``sla`` or ``return``) with its ids, as compute gives it."""
    now = now or timezone.now()
    # Return figures read the quarter's own launches only: the trend window is not loaded.
    frames = kpi_data.load(f, only=SECTION_FRAMES[name] + LABELS, trend=False)
    ctx, clock = figures.context(f, frames, now=now, include_ids=True)
    if name == "stall":
        return figures.stall(frames, clock, ctx)
    if name == "sla":
        return figures.sla(frames["tasks"], frames["pauses"], frames["task_events"], clock, ctx)
    return figures.returns(figures._campaign_frame(frames, clock), frames["channels"], ctx)


def ids(
    f: KpiFilters, path: tuple[str, ...], field: str | None, key: str, *, now: dt.datetime | None = None
) -> list[int] | None:
    """The ids of the row whose ``field`` equals ``key`` in the list at ``path`` (None: no such row)."""
    node: Any = section(f, path[0], now=now)
    for part in path[1:]:
        node = node[part]
    if field is None:
        return list(node.get("ids", []))
    row = next((r for r in node if str(r.get(field)) == key), None)
    return None if row is None else list(row.get("ids", []))


def data(f: KpiFilters, *, now: dt.datetime | None = None) -> dict[str, list[dict]]:
    """The report's data sheets (the quarter's campaigns and tasks), from their own rows only."""
    now = now or timezone.now()
    frames = kpi_data.load(f, only=("campaigns", "labour", "tasks") + LABELS, trend=False)
    ctx, clock = figures.context(f, frames, now=now)
    campaigns = figures._campaign_frame(frames, clock)
    return {"campaigns": figures._data_campaigns(campaigns, ctx), "tasks": figures._data_tasks(frames["tasks"], ctx)}
