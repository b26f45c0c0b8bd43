"""Campaign and portfolio timelines (Gantt): plain data for the API, and an SVG layout for pages.

A campaign's timeline is its tasks (planned start = the SLA clock's start, due = the stored
deadline) once they are generated; before that it is the back-scheduled plan of its template
(``tasks.feasibility``), so a request waiting for approval already shows what it would set in
motion. The critical path is the chain of predecessors that drives the last due date: from the
latest-due task, always back to the predecessor due last.

Rendering is server-side SVG (no script: strict CSP); the same plain data feeds
``/api/requests/{id}/timeline/`` and ``/api/timeline/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignRequest
from campaigns.models import State as CampaignState

from .anchors import Anchor
from .deadlines import DeadlineResolver
from .models import Task, TaskState
from .sla_start import planned_start

# Campaign states whose timeline is the template's plan (no tasks yet).
PLAN_STATES = (CampaignState.DRAFT, CampaignState.SUBMITTED, CampaignState.CHANGES_REQUESTED, CampaignState.APPROVED)

SLA_FILL = {
    "on_track": "#2458a6",
    "at_risk": "#b7791f",
    "breached": "#c53030",
    "met": "#2f855a",
    "missed": "#9b2c2c",
    "planned": "#829ab1",
}
ZOOM_PX_PER_DAY = {"week": 36.0, "month": 12.0, "quarter": 4.0}
LABEL_W = 250
ROW_H = 26
HEAD_H = 34


def task_rows(tasks: list[Task], *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Plain rows of generated tasks (``depends_on`` prefetched), cancelled ones left out;
    forecasts count from ``now`` (the timeline's own clock; the real one when None)."""
    rows = []
    resolver = DeadlineResolver()
    for t in tasks:
        if t.state == TaskState.CANCELLED:
            continue
        entry = t.template_entry if t.template_entry_id else None
        rows.append(
            {
                "id": t.pk,
                "key": t.key,
                "title": t.title,
                "planned_start": planned_start(t, resolver, now=now),
                "due": t.due_at,
                "state": t.state,
                "sla_state": t.sla_state,
                "assignee": t.assignee.username if t.assignee_id else None,
                "depends_on": [p.key for p in t.depends_on.all() if p.state != TaskState.CANCELLED],
                "anchor": entry.anchor if entry is not None else Anchor.BEFORE_LAUNCH,
                "estimated_hours": t.estimated_hours,
                "role": t.task_type.role.slug if t.task_type_id else None,
            }
        )
    return rows


def plan_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a feasibility plan (a request before its tasks exist): ``latest_start`` -> ``due``."""
    keys = {r["entry"]: f"plan-{r['entry']}" for r in plan["tasks"]}
    return [
        {
            "id": None,
            "key": keys[r["entry"]],
            "title": r["title"],
            "planned_start": r["latest_start"],
            "due": r["due"],
            "state": "planned",
            "sla_state": "planned",
            "assignee": None,
            "depends_on": [keys[p] for p in r["depends_on_entries"] if p in keys],
            "anchor": r["anchor"],
            "estimated_hours": r["estimated_hours"],
            "role": r["role"],
        }
        for r in plan["tasks"]
    ]


def critical_path(rows: list[dict[str, Any]]) -> list[str]:
    """Keys of the chain that drives the last due date, first task first."""
    live = {r["key"]: r for r in rows if r["due"] is not None}
    if not live:
        return []
    current = max(live.values(), key=lambda r: (r["due"], r["key"]))
    path = [current["key"]]
    while True:
        preds = [live[k] for k in current["depends_on"] if k in live and k not in path]
        if not preds:
            break
        current = max(preds, key=lambda r: (r["due"], r["key"]))
        path.append(current["key"])
    return list(reversed(path))


def campaign_timeline(campaign: CampaignRequest, tasks: list[Task], *, now: dt.datetime) -> dict[str, Any]:
    """The timeline of one campaign: its tasks, or its template's plan before production."""
    source = "tasks"
    rows = task_rows(tasks, now=now)
    if not rows and campaign.state in PLAN_STATES:
        from campaigns.selectors import request_feasibility

        plan = request_feasibility(campaign, now=now)
        if plan is not None:
            rows, source = plan_rows(plan), "plan"
    critical = critical_path(rows)
    for r in rows:
        r["critical"] = r["key"] in critical
    rows.sort(key=lambda r: (r["planned_start"] or now, r["due"] or now, r["key"]))
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "state": campaign.state,
        "launch_date": campaign.launch_date,
        "end_date": campaign.end_date,
        "today": timezone.localdate(now),
        "source": source,
        "tasks": rows,
        "critical_path": critical,
    }


# --- SVG layout -----------------------------------------------------------------------------


def _local_days(instant: dt.datetime | dt.date, origin: dt.date) -> float:
    """Days from the local midnight of ``origin`` to ``instant`` (dates count from their midnight)."""
    if isinstance(instant, dt.datetime):
        local = timezone.localtime(instant)
        return (local.date() - origin).days + (local.hour * 3600 + local.minute * 60 + local.second) / 86400
    return float((instant - origin).days)


def axis(first: dt.date, last: dt.date, ppd: float, zoom: str) -> list[dict[str, Any]]:
    """Tick marks: every day (week zoom), Mondays (month zoom) or month starts (quarter zoom)."""
    ticks = []
    day = first
    while day <= last:
        if zoom == "week" or (zoom == "month" and day.weekday() == 0) or (zoom == "quarter" and day.day == 1):
            label = f"{day:%m/%d}" if zoom != "quarter" else f"{day:%Y-%m}"
            ticks.append({"x": LABEL_W + (day - first).days * ppd, "label": label})
        day += dt.timedelta(days=1)
    return ticks


def layout(
    lanes: list[dict[str, Any]],
    *,
    today: dt.date,
    first: dt.date | None = None,
    last: dt.date | None = None,
    zoom: str | None = None,
    markers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Geometry of an SVG Gantt chart.

    ``lanes`` are rows ``{"label", "href", "bars": [{key, start, end, fill, critical, title}]}``
    with ``deps`` arrows given per bar as ``depends_on`` keys; ``markers`` are dated vertical
    lines ``{"date", "label", "kind"}``.
    """
    markers = list(markers or [])
    instants = [b[k] for lane in lanes for b in lane["bars"] for k in ("start", "end") if b.get(k)]
    dates = [timezone.localtime(i).date() if isinstance(i, dt.datetime) else i for i in instants]
    dates += [m["date"] for m in markers] + [today]
    first = first or (min(dates) - dt.timedelta(days=1))
    last = last or (max(dates) + dt.timedelta(days=2))
    span = max((last - first).days, 1)
    if zoom not in ZOOM_PX_PER_DAY:
        zoom = "week" if span <= 45 else "month" if span <= 200 else "quarter"
    ppd = ZOOM_PX_PER_DAY[zoom]
    width = int(LABEL_W + span * ppd + 20)

    def x(value) -> float:
        return round(LABEL_W + min(max(_local_days(value, first), 0), span) * ppd, 1)

    rows, bars, arrows, positions = [], [], [], {}
    for i, lane in enumerate(lanes):
        y = HEAD_H + i * ROW_H
        rows.append({"y": y, "text_y": y + 17, "label": lane["label"], "href": lane.get("href"), "stripe": i % 2})
        for bar in lane["bars"]:
            if not bar.get("end"):
                continue
            x1 = x(bar.get("start") or bar["end"])
            x2 = max(x(bar["end"]), x1 + 3)
            geo = {**bar, "x": x1, "y": y + 5, "w": round(x2 - x1, 1), "h": ROW_H - 10, "mid": y + ROW_H / 2}
            bars.append(geo)
            positions[bar["key"]] = geo
    for bar in bars:
        for key in bar.get("depends_on", ()):
            pred = positions.get(key)
            if pred is None:
                continue
            x1, y1 = pred["x"] + pred["w"], pred["mid"]
            x2, y2 = bar["x"], bar["mid"]
            bend = max(x1 + 6, min(x2 - 6, x1 + 12))
            arrows.append({"d": f"M{x1},{y1} H{bend} V{y2} H{max(x2, bend + 4)}", "critical": bar.get("critical")})
    height = HEAD_H + len(lanes) * ROW_H + 10
    lines = [{**m, "x": x(m["date"])} for m in markers if first <= m["date"] <= last]
    if first <= today <= last:
        lines.append({"date": today, "label": "today", "kind": "today", "x": x(timezone.now())})
    return {
        "width": width,
        "height": height,
        "label_w": LABEL_W,
        "first": first,
        "last": last,
        "zoom": zoom,
        "ppd": ppd,
        "ticks": axis(first, last, ppd, zoom),
        "rows": rows,
        "bars": bars,
        "arrows": arrows,
        "lines": lines,
        "grid_bottom": height - 10,
    }


def drag_target(campaign_id: int, launch_date: dt.date, end_date: dt.date) -> dict[str, Any]:
    """What static/mops.js needs to move a campaign by dragging (the page it previews the move on)."""
    return {
        "url": reverse("tasks:reschedule", args=[campaign_id]),
        "api": reverse("api-request-reschedule", args=[campaign_id]),
        "launch": launch_date,
        "end": end_date,
    }


def campaign_layout(data: dict[str, Any], *, zoom: str | None = None, draggable: bool = False) -> dict[str, Any]:
    """One lane per task of a campaign timeline; ``draggable``: the launch line moves the campaign."""
    lanes = [
        {
            "label": f"{r['key']} {r['title']}" if r["id"] else r["title"],
            "href": reverse("tasks:detail", args=[r["id"]]) if r["id"] else None,
            "bars": [
                {
                    "key": r["key"],
                    "start": r["planned_start"],
                    "end": r["due"],
                    "fill": SLA_FILL.get(r["sla_state"], SLA_FILL["planned"]),
                    "critical": r["critical"],
                    "done": r["state"] == TaskState.DONE,
                    "depends_on": r["depends_on"],
                    "title": r["title"],
                }
            ],
        }
        for r in data["tasks"]
    ]
    launch = {"date": data["launch_date"], "kind": "launch"}
    if draggable:
        launch["drag"] = drag_target(data["campaign"], data["launch_date"], data["end_date"])
    markers = [launch]
    if data["end_date"] != data["launch_date"]:
        markers.append({"date": data["end_date"], "kind": "end"})
    return layout(lanes, today=data["today"], zoom=zoom, markers=markers)


# --- portfolio ------------------------------------------------------------------------------

MAX_PERIOD_DAYS = 731  # two years
ZOOMS = ("week", "month", "quarter")
# Open before the worst: the SLA state a folded campaign row shows.
SLA_SEVERITY = ["breached", "at_risk", "missed", "on_track", "met"]
PORTFOLIO_HIDDEN_STATES = (CampaignState.DRAFT, CampaignState.REJECTED, CampaignState.CANCELLED)
# Campaigns per portfolio page: a chart a person can read, and a page that costs the same at any size.
PORTFOLIO_PAGE_SIZE = 50


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """This quarter and the next."""
    from campaigns.quarters import Quarter

    this = Quarter.of(today)
    return this.start, this.next().end


def portfolio(page: dict[str, Any], *, first: dt.date, last: dt.date, now: dt.datetime) -> dict[str, Any]:
    """One row per campaign of a ``selectors.portfolio_for`` page: the work window, the run, counts, worst SLA."""
    rows = []
    empty = {"work_start": None, "work_finish": None, "tasks_total": 0, "tasks_open": 0, "sla_state": None}
    for c in page["campaigns"]:
        rows.append(
            {
                "id": c.pk,
                "name": c.name,
                "state": c.state,
                "state_label": str(c.get_state_display()),
                "unit": c.business_unit.slug if c.business_unit_id else None,
                "campaign_type": c.campaign_type.slug,
                "launch_date": c.launch_date,
                "end_date": c.end_date,
                **page["summaries"].get(c.pk, empty),
            }
        )
    return {
        "from": first,
        "to": last,
        "today": timezone.localdate(now),
        "page": page["page"],
        "has_more": page["has_more"],
        "campaigns": rows,
    }


def portfolio_layout(
    data: dict[str, Any], *, zoom: str | None = None, draggable: frozenset[int] = frozenset()
) -> dict[str, Any]:
    """One lane per campaign: its folded work (SLA colour) and its run from launch to end.

    The runs of the campaigns in ``draggable`` can be dragged to move them."""
    lanes = []
    for r in data["campaigns"]:
        bars = []
        if r["work_finish"]:
            bars.append(
                {
                    "key": f"w{r['id']}",
                    "start": r["work_start"],
                    "end": r["work_finish"],
                    "fill": SLA_FILL.get(r["sla_state"] or "met", SLA_FILL["planned"]),
                    "title": f"{r['tasks_open']}/{r['tasks_total']}",
                }
            )
        bars.append(
            {
                "key": f"r{r['id']}",
                "start": r["launch_date"],
                "end": r["end_date"] + dt.timedelta(days=1),
                "fill": "#6b46c1",
                "run": True,
                "title": f"{r['launch_date']} – {r['end_date']}",
                "drag": drag_target(r["id"], r["launch_date"], r["end_date"]) if r["id"] in draggable else None,
            }
        )
        lanes.append({"label": r["name"], "href": reverse("campaigns:detail", args=[r["id"]]), "bars": bars})
    return layout(lanes, today=data["today"], first=data["from"], last=data["to"] + dt.timedelta(days=1), zoom=zoom)
