"""The quarterly MOps KPI review, computed with pandas from values() rows (kpi_data.load).

``compute(filters)`` returns plain data only: dicts and lists of float / int / str, None for
an absent figure (never NaN, never a made-up zero). Views, the API, the command, the exports
and the PDF render this dict; nothing else computes KPI numbers.

Definitions (also printed in the review's notes):
- business days = working time on the default calendar / the calendar's standard working day
  (9 h for Mon-Fri 09:00-18:00); calendar days = elapsed time / 24 h.
- stall time: time between an audit event and the next one, per state entered; a visit to a
  state counts in the quarter in which it ended. Same-state events (assignments, approval
  steps) do not split a visit. Approver stall: the wait in "submitted" before each decision,
  attributed to the deciding approver.
- utilisation: a task's hours (actual when done, else the estimate) spread evenly over the
  working time between its start and its completion (or due date), per ISO week, divided by
  the person's weekly capacity pro-rated to the week's working time (holidays reduce it).
- SLA: tasks completed in the quarter (met / missed) plus open tasks breached with a due date
  in the quarter; cancelled tasks never count.
- return: campaigns launched in the quarter that have results; cost = actual spend + labour
  (hours x the task's hourly rate, actual hours when recorded); ROI = (revenue - cost) / cost;
  good-revenue ROI uses the revenue retained after 12 months. Groups add up first, then divide.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import namedtuple
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import SURVEY_QUESTIONS, State
from knowledge.models import ToolCategory
from sla.models import default_calendar
from sla.workcal import WorkCalendar
from tasks.models import TaskState
from tasks.sla_start import MAX_PAUSE_BUSINESS_DAYS
from tasks.workload import coefficient_of_variation, gini

from . import data as kpi_data
from .clock import WorkClock
from .data import KpiFilters, bounds, trend_quarters

HOUR = 3600.0
DAY = 86400.0
REQUEST_STATE_LABELS = dict(State.choices)
TASK_STATE_LABELS = dict(TaskState.choices)
REQUEST_TERMINAL = {State.LAUNCHED, State.CLOSED, State.CANCELLED, State.REJECTED}
TASK_TERMINAL = {TaskState.DONE, TaskState.CANCELLED}
DECISIONS = {"approve", "reject", "request_changes"}
MODEL_LABELS = {"centralised": _("Centralised"), "decentralised": _("Decentralised"), "hybrid": _("Hybrid")}


# --- plain-data helpers ------------------------------------------------------------------


def num(value: Any, digits: int = 2) -> float | None:
    """A rounded float, or None for absent / NaN / infinite values."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(x) or math.isinf(x):
        return None
    return round(x, digits)


def ratio(a: Any, b: Any, digits: int = 4) -> float | None:
    """a / b, None when b is zero or either is absent."""
    a, b = num(a, 10), num(b, 10)
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


def pct(a: Any, b: Any, digits: int = 1) -> float | None:
    r = ratio(a, b, 10)
    return None if r is None else round(r * 100, digits)


def quantiles(values: pd.Series) -> dict[str, float | None]:
    v = values.dropna()
    if v.empty:
        return {"n": 0, "median": None, "p75": None, "p90": None, "mean": None}
    q = v.quantile([0.5, 0.75, 0.9])
    return {
        "n": int(len(v)),
        "median": num(q.iloc[0]),
        "p75": num(q.iloc[1]),
        "p90": num(q.iloc[2]),
        "mean": num(v.mean()),
    }


def num_list(values: pd.Series, digits: int = 2) -> list[float | None]:
    """``num`` of every value of a numeric column, with one call per value (``round``) instead of
    four (the per-campaign and per-task lists of a 100k-campaign quarter hold ~500k numbers)."""
    x = _floats(values)
    absent = ~np.isfinite(x)
    # rint rounds half to even, as round(v, 0) does, in one array call.
    finite = np.where(absent, 0.0, x)
    rounded = np.rint(finite).tolist() if digits == 0 else [round(v, digits) for v in finite.tolist()]
    if absent.any():
        rounded = [None if a else v for v, a in zip(rounded, absent.tolist(), strict=True)]
    return rounded


def _floats(values: Any) -> np.ndarray:
    """A column (Series, array or list; None / NA for absent) as a float64 array, NaN for absent."""
    if isinstance(values, pd.Series):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if isinstance(values, list):
        values = [np.nan if v is None else v for v in values]
    return np.asarray(values, dtype="float64")


def _ints(values: Any) -> list[int | None]:
    """A column of whole numbers as Python ints (None for absent)."""
    x = _floats(values)
    return [None if a else int(v) for v, a in zip(x.tolist(), np.isnan(x).tolist(), strict=True)]


def iso_list(seconds: pd.Series) -> list[str | None]:
    """Epoch seconds as local "YYYY-MM-DD HH:MM" text (None when absent), converted and formatted
    as one array (the per-campaign and per-task lists of a 100k-campaign quarter)."""
    x = _floats(seconds)
    present = np.isfinite(x)
    stamps = pd.to_datetime(np.where(present, x, 0.0), unit="s", utc=True)
    local = stamps.tz_convert(timezone.get_default_timezone()).tz_localize(None)
    text = np.datetime_as_string(local.to_numpy().astype("datetime64[m]"), unit="m")
    return [t.replace("T", " ") if p else None for t, p in zip(text.tolist(), present.tolist(), strict=True)]


def row_dicts(**columns: list) -> list[dict[str, Any]]:
    """Rows as dicts from equally long column lists (``name=[...]``), in the columns' order."""
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _records(df: pd.DataFrame) -> list[dict]:
    """DataFrame -> list of dicts with NaN turned into None (and numpy scalars into Python)."""
    out = []
    for row in df.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, (float, np.floating)):
                clean[k] = None if math.isnan(v) or math.isinf(v) else float(v)
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            elif isinstance(v, np.bool_):
                clean[k] = bool(v)
            elif v is pd.NA or v is None:
                clean[k] = None
            else:
                clean[k] = v
        out.append(clean)
    return out


def _tuples(df: pd.DataFrame):
    """``df.itertuples()``, read column by column: ``tolist`` converts an Arrow-backed string column
    in one call, where iterating it converts each value on its own (the per-campaign and per-task
    lists of a 100k-campaign quarter)."""
    row = namedtuple("Row", ["Index", *map(str, df.columns)], rename=True)
    return map(row._make, zip(df.index.tolist(), *(df[c].tolist() for c in df.columns), strict=True))


def _ids_by(ids: pd.Series, by: Any) -> dict[Any, list[int]]:
    """The sorted distinct ``ids`` of each group of ``by`` (a column, or a list of columns: tuple
    keys), in one grouping: selecting each group's rows compared the whole key column once per
    group (20 assignees x 113k tasks at 100k campaigns)."""
    if ids.empty:
        return {}
    values = ids.to_numpy(dtype="int64")
    return {key: _distinct(values[rows]) for key, rows in ids.groupby(by, sort=False).indices.items()}


def _distinct(values: np.ndarray) -> list[int]:
    """Sorted distinct ints; rows read in id order (visits, by entity) skip the sort."""
    if len(values) > 1 and not (values[1:] >= values[:-1]).all():
        values = np.sort(values)
    return values[np.append(True, values[1:] != values[:-1])].tolist() if len(values) else []


def _ids(ids: pd.Series) -> list[int]:
    """The sorted distinct ids of a column, as Python ints."""
    return _distinct(ids.to_numpy(dtype="int64"))


def _span(frames: dict[str, pd.DataFrame], f: KpiFilters, now: float) -> tuple[dt.date, dt.date]:
    """The local dates of the first and last instants of the loaded frames, now and the trend's start."""
    stamps = [now, bounds(trend_quarters(f.quarter)[0])[0].timestamp()]
    for name, cols in (
        ("campaigns", ["submitted_at", "launched_at"]),
        ("tasks", ["created_at", "started_at", "completed_at", "due_at"]),
        ("task_events", ["at"]),
        ("request_events", ["at"]),
    ):
        df = frames.get(name)
        if df is None:  # a single section loads only its own frames
            continue
        for c in cols:
            if len(df) and df[c].notna().any():
                stamps += [df[c].min(), df[c].max()]
    tz = timezone.get_default_timezone()
    return dt.datetime.fromtimestamp(min(stamps), tz).date(), dt.datetime.fromtimestamp(max(stamps), tz).date()


def _clock(frames: dict[str, pd.DataFrame], f: KpiFilters, now: float, cal: WorkCalendar | None = None) -> WorkClock:
    return WorkClock(cal or default_calendar().to_work_calendar(), *_span(frames, f, now))


def context(
    f: KpiFilters,
    frames: dict[str, pd.DataFrame],
    *,
    now: dt.datetime,
    include_ids: bool = False,
    cal: WorkCalendar | None = None,
) -> tuple[dict[str, Any], WorkClock]:
    """The shared context of every section (quarter bounds, labels) and the work clock over the
    span of the loaded frames (any subset of ``kpi_data.load``'s, for a single section).

    ``cal``: the working calendar, read beforehand (it is read from the database otherwise)."""
    start, end = bounds(f.quarter)
    ctx = {
        "f": f,
        "start": start.timestamp(),
        "end": end.timestamp(),
        "now": now.timestamp(),
        "ids": include_ids,
        "labels": {
            k: dict(zip(frames[f"labels_{k}"]["slug"], frames[f"labels_{k}"]["name"], strict=False))
            for k in ("type", "unit", "channel", "task_type")
        },
    }
    ctx["horizon"] = min(ctx["end"], ctx["now"])
    return ctx, _clock(frames, f, ctx["now"], cal)


# --- the review ----------------------------------------------------------------------------


@kpi_data.bulk_rows()  # the collector is paused for the whole computation (see bulk_rows)
def compute(
    f: KpiFilters,
    *,
    now: dt.datetime | None = None,
    frames: dict | None = None,
    include_ids: bool = False,
    include_data: bool = False,
    trend: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every KPI of the quarterly review for ``f``. ``now`` bounds open waits and overruns.

    ``trend`` maps earlier quarters to their own trend points (``trend_point`` of their stored
    report); those quarters are then not recomputed, and ``frames`` need only hold the
    quarter's own campaigns (``kpi_data.load(f, trend=False)``).

    Without ``frames``, the sections that do not read the task events (``_before_events``) are
    computed while the task-events query runs (``kpi_data.load_overlapped``), the others after."""
    now_dt = now or timezone.now()
    cal = default_calendar().to_work_calendar()  # a database read: on this thread, before

    def before(frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
        return _before_events(f, frames, now_dt, cal, include_ids=include_ids, include_data=include_data, trend=trend)

    if frames is None:
        frames, early = kpi_data.load_overlapped(f, trend=trend is None, meanwhile=before)
    else:
        early = before(frames)
    if _span(frames, f, now_dt.timestamp()) != early["clock"].span:
        # The task events reach outside the span of the other rows: the clock is not the one the
        # early sections used (rare: only an old task's late event). Computed again on this one.
        early = before(frames)
    ctx, clock = early["ctx"], early["clock"]
    report: dict[str, Any] = {"meta": early["meta"], "lead_time": early["lead_time"]}
    report["stall"] = _stall_tasks(early["stall"], frames["task_events"], clock, ctx)
    report["workload"] = early["workload"]
    report["sla"] = _sla_with_events(early["sla"], frames["task_events"])
    for name in ("return", "satisfaction", "martech", "maturity", "governance"):
        report[name] = early[name]
    report["summary"] = summary(report)
    if include_data:
        report["data"] = early["data"]
    return report


def _before_events(
    f: KpiFilters,
    frames: dict[str, pd.DataFrame],
    now: dt.datetime,
    cal: WorkCalendar,
    *,
    include_ids: bool,
    include_data: bool,
    trend: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    """What ``compute`` can compute without the task events: the context, the work clock, the
    campaigns' frame, every section that does not read them, and the stall's and the SLA's first
    halves (finished with the events by ``_stall_tasks`` and ``_sla_with_events``). Reads no
    database (it may run on ``load_overlapped``'s helper thread)."""
    ctx, clock = context(f, frames, now=now, include_ids=include_ids, cal=cal)
    ctx["trend"] = trend or {}
    campaigns = _campaign_frame(frames, clock)
    tasks = frames["tasks"]
    out = {
        "ctx": ctx,
        "clock": clock,
        "campaigns": campaigns,
        "meta": {
            "quarter": str(f.quarter),
            "start": f.quarter.start.isoformat(),
            "end": f.quarter.end.isoformat(),
            "filters": f.as_dict(),
            "generated_at": now.isoformat(timespec="seconds"),
            "business_day_hours": num(clock.day_seconds / HOUR),
        },
        "lead_time": lead_time(campaigns, ctx),
        "stall": _stall_requests(frames["request_events"], clock, ctx),
        "workload": workload(tasks, frames["people"], clock, ctx),
        "sla": _sla_outcomes(tasks, frames["pauses"], clock, ctx),
        "return": returns(campaigns, frames["channels"], ctx),
        "satisfaction": satisfaction(frames["survey"], ctx),
        "martech": martech(frames["tools"], frames["snapshots"], frames["savings"], ctx),
    }
    out["maturity"] = maturity(campaigns, out["sla"]["report"], ctx)  # reads the share met only
    out["governance"] = governance(campaigns, tasks, ctx)  # reads the SLA outcomes (ctx["sla_tasks"])
    if include_data:
        out["data"] = {"campaigns": _data_campaigns(campaigns, ctx), "tasks": _data_tasks(tasks, ctx)}
    return out


def _campaign_frame(frames: dict[str, pd.DataFrame], clock: WorkClock) -> pd.DataFrame:
    c = frames["campaigns"].copy()
    labour = (
        frames["labour"].set_index("campaign_id")
        if len(frames["labour"])
        else pd.DataFrame(columns=["labour", "hours"])
    )
    c["labour"] = c["id"].map(labour["labour"]).astype("float64").fillna(0.0) if len(c) else pd.Series(dtype="float64")
    c["labour_hours"] = (
        c["id"].map(labour["hours"]).astype("float64").fillna(0.0) if len(c) else pd.Series(dtype="float64")
    )
    for col in (
        "spend",
        "revenue",
        "retained",
        "budget",
        "expected_roi",
        "target_revenue",
        "leads",
        "mqls",
        "sqls",
        "opportunities",
        "won_deals",
        "target_leads",
        "target_mqls",
        "target_sqls",
    ):
        c[col] = pd.to_numeric(c[col], errors="coerce").astype("float64")
    c["has_result"] = c["result_id"].notna()
    c["has_retro"] = c["retro_id"].notna()
    c["via_form"] = c["via_form"].astype(bool)
    c["calendar_days"] = (c["launched_at"] - c["submitted_at"]) / DAY
    c["business_days"] = (
        clock.between(c["submitted_at"].to_numpy(), c["launched_at"].to_numpy()) / clock.day_seconds
        if clock.day_seconds
        else np.nan
    )
    # Process time (submission -> ready for launch) is what MOps controls; the launch wait
    # (ready -> launched) is mostly the planned launch date. Total = both.
    for name, a, b in (("process", "submitted_at", "ready_at"), ("launch_wait", "ready_at", "launched_at")):
        c[f"{name}_calendar_days"] = (c[b] - c[a]) / DAY
        c[f"{name}_business_days"] = (
            clock.between(c[a].to_numpy(), c[b].to_numpy()) / clock.day_seconds if clock.day_seconds else np.nan
        )
    c["cost"] = c["spend"] + c["labour"]
    tz = timezone.get_default_timezone()
    launched = pd.to_datetime(c["launched_at"], unit="s", utc=True).dt.tz_convert(tz)
    c["launch_quarter"] = (
        launched.dt.year.astype("Int64").astype(str) + "Q" + launched.dt.quarter.astype("Int64").astype(str)
    ).where(c["launched_at"].notna())
    return c


def _in_quarter(series: pd.Series, ctx: dict) -> pd.Series:
    return (series >= ctx["start"]) & (series < ctx["end"])


# 1. request-to-launch time ----------------------------------------------------------------


def lead_time(c: pd.DataFrame, ctx: dict) -> dict[str, Any]:
    launched = c[_in_quarter(c["launched_at"], ctx) & c["submitted_at"].notna()]
    trend = []
    for q in trend_quarters(ctx["f"].quarter):
        if str(q) in ctx.get("trend", {}):
            trend.append(ctx["trend"][str(q)]["lead_time"])
            continue
        rows = c[(c["launch_quarter"] == str(q)) & c["submitted_at"].notna()]
        bd, cd = quantiles(rows["business_days"]), quantiles(rows["calendar_days"])
        trend.append(
            {
                "quarter": str(q),
                "n": bd["n"],
                "bd_median": bd["median"],
                "bd_p75": bd["p75"],
                "bd_p90": bd["p90"],
                "cd_median": cd["median"],
                "cd_p75": cd["p75"],
                "cd_p90": cd["p90"],
            }
        )
    rows = launched.sort_values(["business_days", "id"], ascending=[False, True])
    out = {
        "n": int(len(launched)),
        "business_days": quantiles(launched["business_days"]),
        "calendar_days": quantiles(launched["calendar_days"]),
        "process_business_days": quantiles(launched["process_business_days"]),
        "process_calendar_days": quantiles(launched["process_calendar_days"]),
        "launch_wait_business_days": quantiles(launched["launch_wait_business_days"]),
        "launch_wait_calendar_days": quantiles(launched["launch_wait_calendar_days"]),
        "trend": trend,
        "campaigns": row_dicts(
            id=[int(i) for i in rows["id"].tolist()],
            name=rows["name"].tolist(),
            unit=rows["unit"].tolist(),
            campaign_type=rows["campaign_type"].tolist(),
            submitted_at=iso_list(rows["submitted_at"]),
            launched_at=iso_list(rows["launched_at"]),
            ready_at=iso_list(rows["ready_at"]),
            process_business_days=num_list(rows["process_business_days"]),
            launch_wait_business_days=num_list(rows["launch_wait_business_days"]),
            business_days=num_list(rows["business_days"]),
            calendar_days=num_list(rows["calendar_days"]),
        ),
    }
    return out


# 2. stall time ------------------------------------------------------------------------------


def _visits(
    events: pd.DataFrame, ctx: dict, terminal: set[str], *, segments: bool = True
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(segments, visits): segments are event-to-next-event intervals (None unless ``segments``);
    visits merge same-state runs.

    Written over arrays: the events come sorted by entity and time (``kpi_data.querysets``), so
    "the next event" is the next row of the same entity and a visit is a run of rows; pandas'
    per-group shift and first / last took most of the stall section at 100k campaigns."""
    if events.empty:
        empty = pd.DataFrame(
            columns=["entity", "state", "start", "end", "open", "end_actor", "end_action", "task_type"]
        )
        return empty, empty
    e = events if _sorted_events(events) else events.sort_values(["entity", "at", "id"])
    entity = e["entity"].to_numpy(dtype="int64")
    # Text columns stay pandas arrays (taken by position, no index): converting them to Python
    # objects and back cost as much as the rest of the section.
    state = e["to_state"].array
    state_code = pd.factorize(state)[0]
    start = e["at"].to_numpy(dtype="float64")
    task_type = (e["task_type"] if "task_type" in e else pd.Series([None] * len(e), dtype=object)).array
    # The row after each row, when it is the same entity's next event (-1: none).
    has_next = np.append(entity[1:] == entity[:-1], False)
    after = np.where(has_next, np.arange(1, len(e) + 1), -1)
    # A wait still open at the horizon (the quarter's end, or now) ends there. Filling the gap
    # before merging matters: an open run of same-state events (create + assign, multi-step
    # approvals) would otherwise end at its last event.
    is_open = ~has_next
    end = np.where(has_next, start[np.where(has_next, after, 0)], ctx["horizon"])
    seg = (
        None
        if not segments
        else pd.DataFrame(
            {
                "entity": entity,
                "state": state,
                "start": start,
                "end": end,
                "open": is_open,
                "end_actor": e["actor"].array.take(after, allow_fill=True),
                "end_action": e["action"].array.take(after, allow_fill=True),
                "task_type": task_type,
            }
        )
    )
    # A visit: consecutive rows of one entity in the same state, outside the terminal states.
    first = np.ones(len(e), dtype=bool)
    first[1:] = (entity[1:] != entity[:-1]) | (state_code[1:] != state_code[:-1])
    kept = ~e["to_state"].isin(terminal).to_numpy()
    heads = np.flatnonzero(first & kept)
    # A visit's last row: the row before the next visit's first row (terminal runs are visits too).
    next_head = np.append(np.flatnonzero(first), len(e))
    tails = next_head[np.searchsorted(next_head, heads, side="right")] - 1
    visits = pd.DataFrame(
        {
            "entity": entity[heads],
            "state": state.take(heads),
            "start": start[heads],
            "end": end[tails],
            "open": is_open[tails],
            "task_type": task_type.take(heads),
        }
    )
    # Each hour is counted once, in the quarter it passed in: a wait that crosses the
    # quarter's start counts from the start (its earlier part belongs to the previous quarter).
    visits = visits[(visits["end"] > ctx["start"]) & (visits["end"] <= ctx["horizon"])].copy()
    visits["start"] = visits["start"].clip(lower=ctx["start"])
    if seg is not None:
        seg = seg[kept & ~is_open & (end >= ctx["start"]) & (end < ctx["end"])].copy()
    return seg, visits


def _sorted_events(events: pd.DataFrame) -> bool:
    """Whether ``events`` are ordered by entity, time and id (as ``kpi_data.querysets`` reads them)."""
    key = [events[c].to_numpy(dtype="float64") for c in ("entity", "at", "id")]
    earlier = np.zeros(len(events) - 1, dtype=bool)  # row i sorts strictly before row i + 1
    tied = np.ones(len(events) - 1, dtype=bool)
    for k in key:
        earlier |= tied & (k[:-1] < k[1:])
        tied &= k[:-1] == k[1:]
    return bool((earlier | tied).all())


def _timed_visits(visits: pd.DataFrame, clock: WorkClock) -> pd.DataFrame:
    """``visits`` with their length in hours and in business hours."""
    return visits.assign(
        hours=(visits["end"] - visits["start"]) / HOUR,
        bhours=clock.between(visits["start"].to_numpy(), visits["end"].to_numpy()) / HOUR,
    )


def _rank(visits: pd.DataFrame, clock: WorkClock, labels: dict, ctx: dict) -> list[dict]:
    """The states ranked by the hours spent in them (``visits`` timed by ``_timed_visits`` or not)."""
    if visits.empty:
        return []
    v = visits if "bhours" in visits else _timed_visits(visits, clock)
    g = v.groupby("state").agg(
        visits=("hours", "size"),
        open_visits=("open", "sum"),
        total_hours=("hours", "sum"),
        mean_hours=("hours", "mean"),
        median_hours=("hours", "median"),
        total_business_hours=("bhours", "sum"),
        mean_business_hours=("bhours", "mean"),
    )
    total = g["total_hours"].sum()
    g = g.sort_values(["total_hours"], ascending=False)
    ids = _ids_by(v["entity"], v["state"]) if ctx["ids"] else {}
    out = []
    for rank, (state, r) in enumerate(g.iterrows(), start=1):
        row = {
            "rank": rank,
            "state": state,
            "label": str(labels.get(state, state)),
            "visits": int(r.visits),
            "open_visits": int(r.open_visits),
            "total_hours": num(r.total_hours),
            "mean_hours": num(r.mean_hours),
            "median_hours": num(r.median_hours),
            "total_business_hours": num(r.total_business_hours),
            "mean_business_hours": num(r.mean_business_hours),
            "share": ratio(r.total_hours, total),
        }
        if ctx["ids"]:
            row["ids"] = ids[state]
        out.append(row)
    return out


def _stall_requests(request_events: pd.DataFrame, clock: WorkClock, ctx: dict) -> dict[str, Any]:
    """The requests' half of ``stall``: where requests wait, and each approver's decisions."""
    rseg, rvisits = _visits(request_events.assign(task_type=None), ctx, REQUEST_TERMINAL)
    approvers = []
    decided = rseg[(rseg["state"] == State.SUBMITTED) & rseg["end_action"].isin(DECISIONS) & rseg["end_actor"].notna()]
    if not decided.empty:
        d = _timed_visits(decided, clock)
        g = d.groupby("end_actor").agg(
            decisions=("hours", "size"),
            total_hours=("hours", "sum"),
            mean_hours=("hours", "mean"),
            median_hours=("hours", "median"),
            mean_business_hours=("bhours", "mean"),
        )
        ids = _ids_by(d["entity"], d["end_actor"]) if ctx["ids"] else {}
        for name, r in g.sort_values("mean_hours", ascending=False).iterrows():
            row = {
                "approver": name,
                "decisions": int(r.decisions),
                "total_hours": num(r.total_hours),
                "mean_hours": num(r.mean_hours),
                "median_hours": num(r.median_hours),
                "mean_business_hours": num(r.mean_business_hours),
            }
            if ctx["ids"]:
                row["ids"] = ids[name]
            approvers.append(row)
    return {"requests": _rank(rvisits, clock, REQUEST_STATE_LABELS, ctx), "approvers": approvers}


def _stall_tasks(half: dict[str, Any], task_events: pd.DataFrame, clock: WorkClock, ctx: dict) -> dict[str, Any]:
    """``stall`` from its requests' half (``_stall_requests``) and the task events."""
    _, tvisits = _visits(task_events, ctx, TASK_TERMINAL, segments=False)
    by_type = []
    if not tvisits.empty:
        tvisits = v = _timed_visits(tvisits, clock)  # timed once: _rank reads the same hours
        g = v.groupby(["task_type", "state"]).agg(
            visits=("hours", "size"),
            total_hours=("hours", "sum"),
            mean_hours=("hours", "mean"),
            mean_business_hours=("bhours", "mean"),
        )
        ids = _ids_by(v["entity"], [v["task_type"], v["state"]]) if ctx["ids"] else {}
        for (tt, state), r in g.sort_values("total_hours", ascending=False).iterrows():
            row = {
                "task_type": tt,
                "task_type_label": ctx["labels"]["task_type"].get(tt, tt),
                "state": state,
                "label": str(TASK_STATE_LABELS.get(state, state)),
                "visits": int(r.visits),
                "total_hours": num(r.total_hours),
                "mean_hours": num(r.mean_hours),
                "mean_business_hours": num(r.mean_business_hours),
            }
            if ctx["ids"]:
                row["ids"] = ids[(tt, state)]
            by_type.append(row)
    requests = half["requests"]
    tasks = _rank(tvisits, clock, TASK_STATE_LABELS, ctx)
    return {
        "requests": requests,
        "tasks": tasks,
        "approvers": half["approvers"],
        "task_types": by_type,
        # Waiting in ready_for_launch is waiting for the planned date, not for anyone.
        "bottleneck": next((r["state"] for r in requests if r["state"] != State.READY_FOR_LAUNCH), None),
        "task_bottleneck": tasks[0]["state"] if tasks else None,
    }


# 3. workload balance ---------------------------------------------------------------------


def _weeks(ctx: dict) -> list[tuple[dt.date, float, float]]:
    tz = timezone.get_default_timezone()
    q = ctx["f"].quarter
    out, day = [], q.start
    while day <= q.end:
        nxt = min(day + dt.timedelta(days=7 - day.weekday()), q.end + dt.timedelta(days=1))
        out.append(
            (
                day,
                dt.datetime.combine(day, dt.time(0), tzinfo=tz).timestamp(),
                dt.datetime.combine(nxt, dt.time(0), tzinfo=tz).timestamp(),
            )
        )
        day = nxt
    return out


def workload(tasks: pd.DataFrame, people: pd.DataFrame, clock: WorkClock, ctx: dict) -> dict[str, Any]:
    weeks = _weeks(ctx)
    hours = people["weekly_hours"].astype("float64")
    capacity = dict(zip(people["person"], hours, strict=False)) if len(people) else {}
    t = tasks[(tasks["state"] != TaskState.CANCELLED) & tasks["assignee"].notna()] if len(tasks) else tasks
    names = sorted(set(capacity) | set(t["assignee"].dropna().unique() if len(t) else []))
    if not names:
        return {"people": [], "weeks": [], "cv": None, "gini": None}
    hours_by = {}
    if len(t):
        done = (t["state"] == TaskState.DONE).to_numpy()
        hours = np.where(
            done & t["actual_hours"].notna().to_numpy(),
            t["actual_hours"].to_numpy(dtype="float64"),
            t["estimated_hours"].to_numpy(dtype="float64"),
        )
        start = t["started_at"].fillna(t["created_at"]).to_numpy(dtype="float64")
        planned_end = np.fmax(t["due_at"].fillna(ctx["end"]).to_numpy(dtype="float64"), start)
        end = np.where(
            done & t["completed_at"].notna().to_numpy(), t["completed_at"].to_numpy(dtype="float64"), planned_end
        )
        end = np.fmax(end, start)
        w_start, w_end = clock.W(start), clock.W(end)
        total = w_end - w_start
        alloc = []
        # W is non-decreasing, so W(min(end, we)) = min(W(end), W(we)): the tasks' own W once,
        # not twice per week.
        for _, ws, we in weeks:
            w_ws, w_we = clock.W(np.array([ws, we]))
            overlap = np.clip(np.minimum(w_end, w_we) - np.maximum(w_start, w_ws), 0, None)
            share = np.where(
                total > 0, overlap / np.where(total > 0, total, 1), ((end >= ws) & (end < we)).astype(float)
            )
            alloc.append(hours * share)
        mat = pd.DataFrame(np.vstack(alloc).T, columns=range(len(weeks)))
        mat["person"] = t["assignee"].to_numpy()
        hours_by = mat.groupby("person").sum()
    week_rows, raw = [], {}  # raw: week -> [(person, hours, capacity)] unrounded, for the indices
    for k, (label, ws, we) in enumerate(weeks):
        frac = (clock.between(np.array([ws]), np.array([we]))[0] / clock.week_seconds) if clock.week_seconds else 0.0
        raw[k] = []
        for name in names:
            h = float(hours_by.loc[name, k]) if len(hours_by) and name in hours_by.index else 0.0
            cap = capacity.get(name)
            raw[k].append((name, h, cap * frac if cap is not None else None))
        week_rows.append(
            {
                "week": label.isoformat(),
                "people": [
                    {"person": n, "hours": num(h), "capacity": num(c), "utilisation": pct(h, c)} for n, h, c in raw[k]
                ],
                **_balance(raw[k]),
                "hours": num(sum(h for _, h, _ in raw[k])),
            }
        )
    totals = []
    for i, name in enumerate(names):
        h = sum(raw[k][i][1] for k in raw)
        caps = [raw[k][i][2] for k in raw]
        totals.append((name, h, sum(caps) if all(c is not None for c in caps) else None))
    people_out = [{"person": n, "hours": num(h), "capacity": num(c), "utilisation": pct(h, c)} for n, h, c in totals]
    return {"people": people_out, "weeks": week_rows, **_balance(totals)}


def _balance(rows: list[tuple[str, float, float | None]]) -> dict[str, float | None]:
    """CV of utilisation and Gini of hours over people with capacity; None without any hours."""
    with_cap = [(h, c) for _, h, c in rows if c]
    if not with_cap or not any(h > 0 for h, _ in with_cap):
        return {"cv": None, "gini": None}
    return {
        "cv": num(coefficient_of_variation([h / c for h, c in with_cap]), 4),
        "gini": num(gini([h for h, _ in with_cap]), 4),
    }


# 4. SLA attainment ------------------------------------------------------------------------


def _reason_sentences() -> dict[str, str]:
    """The sentences of ``breach_reasons`` in the active language (translated once per report)."""
    return {
        "waiting": str(_("waiting: %(reason)s")),
        "reopened": str(_("reopened: %(note)s")),
        "deadline_moved": str(_("deadline moved: %(reason)s")),
        "": str(_("no recorded reason (late delivery)")),
    }


def breach_reasons(why: list[list[str]], say: dict[str, str] | None = None) -> list[str]:
    """A breach's reasons as sentences in the active language from its ``why`` pairs
    (``["waiting", pause reasons]``, ``["reopened", notes]``, ``["deadline_moved", reason]``);
    the labels re-run it per page. ``say``: ``_reason_sentences()`` when the caller has them."""
    say = say or _reason_sentences()
    out = []
    for kind, text in why:
        if kind == "waiting":
            out.append(say[kind] % {"reason": text})
        elif kind == "reopened":
            out.append(say[kind] % {"note": text})
        elif kind == "deadline_moved":
            out.append(say[kind] % {"reason": text})
    return out or [say[""]]


def _breached_live(tasks: pd.DataFrame, pauses: pd.DataFrame, clock: WorkClock, ctx: dict) -> pd.Series:
    """Open tasks whose clock runs and is past its due date at the horizon, whatever the sweep stored.

    A waiting task's deadline moves by the working time of its open pause, at most its own SLA
    policy's pause limit (``SLAPolicy.pause_limit_days``; ``tasks.sla_start.MAX_PAUSE_BUSINESS_DAYS``
    for a task type without a policy), as ``tasks.sla_start.overlong_pauses_end`` would resume
    it: a task paused for weeks past its due date is breached once its limit is used up.
    """
    running = tasks["state"].isin([TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW])
    waiting = tasks["state"] == TaskState.WAITING
    started = tasks["sla_start_at"].notna() & tasks["due_at"].notna()
    past = clock.between(tasks["due_at"].to_numpy(), np.full(len(tasks), ctx["horizon"]))
    out = running & started & (tasks["due_at"] < ctx["horizon"])
    if waiting.any():
        open_p = pauses[pauses["ended_at"].isna()].drop_duplicates("task_id", keep="last").set_index("task_id")
        pause_start = tasks["id"].map(open_p["started_at"]) if len(open_p) else pd.Series(np.nan, index=tasks.index)
        paused = clock.between(pause_start.to_numpy(dtype="float64"), np.full(len(tasks), ctx["horizon"]))
        limit_days = pd.to_numeric(tasks["pause_limit_days"], errors="coerce").fillna(MAX_PAUSE_BUSINESS_DAYS)
        cap = limit_days.to_numpy(dtype="float64") * clock.day_seconds
        allowance = np.minimum(np.nan_to_num(paused, nan=0.0), cap)
        out |= waiting & started & pd.Series(past > allowance, index=tasks.index)
    return out


OUTCOMES = np.array(["met", "missed", "breached"], dtype=object)


def _sla_outcomes(tasks: pd.DataFrame, pauses: pd.DataFrame, clock: WorkClock, ctx: dict) -> dict[str, Any]:
    """Everything of ``sla`` but what the task events add (the deadlines moved, the notes of a
    reopen or a moved deadline in the breach reasons): finished with ``_sla_with_events``.

    Sets ``ctx["sla_tasks"]`` (the tasks judged and their outcome) for ``governance``."""
    if tasks.empty:
        return {
            "judged": tasks["id"],
            "breaches": None,
            "report": {
                "tasks": 0,
                "met": 0,
                "missed": 0,
                "breached": 0,
                "deadline_moved": 0,
                "share_met": None,
                "by_task_type": [],
                "by_assignee": [],
                "by_unit": [],
                "breaches": [],
            },
        }
    finished = (
        tasks["sla_state"].isin(["met", "missed"])
        & (tasks["state"] == TaskState.DONE)
        & _in_quarter(tasks["completed_at"], ctx)
    )
    breached = _breached_live(tasks, pauses, clock, ctx) & _in_quarter(tasks["due_at"], ctx)
    t = tasks[finished | breached].copy()
    t.loc[breached[finished | breached], "sla_state"] = "breached"
    outcome = np.select([t["sla_state"] == "met", t["sla_state"] == "missed"], [0, 1], 2)  # codes of OUTCOMES
    t["outcome"] = OUTCOMES[outcome]

    def group(col: str, labels: dict | None = None) -> list[dict]:
        if t.empty:
            return []
        keys = t[col].fillna("—")
        # Outcome counts per key: one bincount over (key, outcome) codes.
        codes, uniques = pd.factorize(keys)
        counts = np.bincount(codes * 3 + outcome, minlength=len(uniques) * 3).reshape(-1, 3)
        ids = _ids_by(t["id"], keys) if ctx["ids"] else {}
        rows = []
        for key, (met, missed, breached) in zip(uniques.tolist(), counts.tolist(), strict=True):
            n = met + missed + breached
            row = {
                "key": key,
                "label": str((labels or {}).get(key, key)),
                "tasks": n,
                "met": met,
                "missed": missed,
                "breached": breached,
                "share_met": ratio(met, n),
            }
            if ctx["ids"]:
                row["ids"] = ids[key]
            rows.append(row)
        return sorted(rows, key=lambda r: (r["share_met"] if r["share_met"] is not None else 2, r["key"]))

    late = t[t["outcome"] != "met"].copy()
    breaches = None
    if not late.empty:
        finish = np.where(late["completed_at"].notna(), late["completed_at"], ctx["horizon"])
        late["overrun_h"] = clock.between(late["due_at"].to_numpy(), finish) / HOUR
        reasons = (
            pauses.groupby("task_id")["reason"].apply(lambda s: " / ".join(x for x in s if x))
            if len(pauses)
            else pd.Series(dtype=object)
        )
        late = late.sort_values(["overrun_h", "id"], ascending=[False, True])
        # The breach rows but their reasons; dicts: a Series' ``in index`` and item lookup cost
        # ~5 us each, per breach (20k at 100k campaigns).
        breaches = {
            "waiting": reasons.to_dict(),
            "columns": {
                "task_id": _ints(late["id"]),
                "key": late["key"].tolist(),
                "title": late["title"].tolist(),
                "campaign_id": _ints(late["campaign_id"]),
                "task_type": late["task_type"].tolist(),
                "assignee": [a if isinstance(a, str) else None for a in late["assignee"].tolist()],
                "outcome": late["outcome"].tolist(),
                "due_at": iso_list(late["due_at"]),
                "completed_at": iso_list(late["completed_at"]),
                "overrun_business_hours": num_list(late["overrun_h"]),
            },
        }
    met = int((t["outcome"] == "met").sum())
    ctx["sla_tasks"] = t[["id", "governance_model", "outcome"]]
    return {
        "judged": t["id"],
        "breaches": breaches,
        "report": {
            "tasks": int(len(t)),
            "deadline_moved": None,  # (its place among the keys) from the task events
            "met": met,
            "missed": int((t["outcome"] == "missed").sum()),
            "breached": int((t["outcome"] == "breached").sum()),
            "share_met": ratio(met, len(t)),
            "by_task_type": group("task_type", ctx["labels"]["task_type"]),
            "by_assignee": group("assignee"),
            "by_unit": group("unit", ctx["labels"]["unit"]),
            "breaches": [],
            **({"ids": _ids(t["id"])} if ctx["ids"] else {}),
        },
    }


def _sla_with_events(part: dict[str, Any], task_events: pd.DataFrame) -> dict[str, Any]:
    """``sla`` from ``_sla_outcomes`` and the task events: the deadlines moved and the breaches'
    reasons (a wait's reason, a reopen's or a moved deadline's note)."""
    report = part["report"]
    notes = {}
    for action in ("reopen", "due_set"):
        chosen = task_events[task_events["action"] == action] if len(task_events) else task_events
        notes[action] = (
            chosen.groupby("entity")["comment"].apply(lambda s: " / ".join(x for x in s if x)).to_dict()
            if len(chosen)
            else {}
        )
    if part["breaches"] is not None:
        say = _reason_sentences()
        waiting, columns = part["breaches"]["waiting"], part["breaches"]["columns"]
        whys = []
        for i in columns["task_id"]:
            why = []
            if waiting.get(i):
                why.append(["waiting", waiting[i]])
            if i in notes["reopen"]:
                why.append(["reopened", notes["reopen"][i]])
            if i in notes["due_set"]:
                why.append(["deadline_moved", notes["due_set"][i]])
            whys.append(why)
        report["breaches"] = row_dicts(
            **columns, why=whys, reasons=[breach_reasons(why, say) if why else [say[""]] for why in whys]
        )
    # Judged against the deadline in force (as Jira SM does); how many of those MOps moved is shown
    # (the tasks with a "due_set" event: the keys of its notes).
    report["deadline_moved"] = int(part["judged"].isin(list(notes["due_set"])).sum())
    return report


# 5. return -----------------------------------------------------------------------------------

SUM_COLS = ["spend", "labour", "cost", "leads", "mqls", "sqls", "opportunities", "won_deals", "revenue"]


def _return_columns(s: dict[str, Any], retained: Any, expected: Any) -> dict[str, list]:
    """The return figures of many rows at once, as columns: ``s`` maps ``SUM_COLS`` (and
    "campaigns", default 1) to equally long arrays; ``retained`` / ``expected`` likewise (NaN or
    None: unknown). The same arithmetic as ``num`` / ``ratio`` / ``pct`` on each row, written over
    arrays: a 100k-campaign quarter has ~11k campaigns with results, and calling those helpers
    27 times per campaign cost most of the section."""
    col = {k: _floats(v) for k, v in s.items()}
    n = len(col["cost"])
    cost, revenue = col["cost"], col["revenue"]
    retained, expected = _floats(retained), _floats(expected)

    def ratios(a: np.ndarray, b: np.ndarray, digits: int) -> list[float | None]:  # ``ratio`` of each row
        a, b = _round10(a), _round10(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return num_list(np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan), digits)

    def per(a: np.ndarray, b: np.ndarray, digits: int) -> np.ndarray:  # the same, NaN for None
        return _floats(ratios(a, b, digits))

    roi = num_list(per(revenue - cost, cost, 10) * 100, 1)  # ``pct``
    campaigns = col.get("campaigns", np.ones(n))
    return {
        "campaigns": _ints(campaigns),
        "spend": num_list(col["spend"], 0),
        "labour_cost": num_list(col["labour"], 0),
        "cost": num_list(cost, 0),
        "leads": _ints(col["leads"]),
        "mqls": _ints(col["mqls"]),
        "sqls": _ints(col["sqls"]),
        "opportunities": _ints(col["opportunities"]),
        "won_deals": _ints(col["won_deals"]),
        "revenue": num_list(revenue, 0),
        "retained_revenue": num_list(retained, 0),
        "cost_per_lead": num_list(per(cost, col["leads"], 6), 0),
        "cost_per_mql": num_list(per(cost, col["mqls"], 6), 0),
        "cost_per_sql": num_list(per(cost, col["sqls"], 6), 0),
        "lead_to_mql": ratios(col["mqls"], col["leads"], 4),
        "mql_to_sql": ratios(col["sqls"], col["mqls"], 4),
        "sql_to_won": ratios(col["won_deals"], col["sqls"], 4),
        "roi": roi,
        "good_roi": num_list(per(retained - cost, cost, 10) * 100, 1),
        "expected_roi": num_list(expected, 1),
        "roi_gap": num_list(np.where(cost != 0, _floats(roi) - expected, np.nan), 1),
    }


def _round10(x: np.ndarray) -> np.ndarray:
    """``num(v, 10)`` of each value (``ratio`` rounds its terms first). Whole numbers (counts, yen)
    are their own rounding; np.round is not exact past 1e6 (it scales by 1e10), so the others go
    through Python's round."""
    finite = np.isfinite(x)
    if (x[finite] == np.floor(x[finite])).all():
        return np.where(finite, x, np.nan)
    return _floats(num_list(x, 10))


def _return_row(s: dict, retained: float | None, expected: float | None) -> dict[str, Any]:
    """The return figures of one group (``s``: its sums, see ``_return_columns``)."""
    one = _return_columns({k: [v] for k, v in s.items()}, [retained], [expected])
    return {k: v[0] for k, v in one.items()}


def _group_returns(c: pd.DataFrame, key: str, labels: dict, ctx: dict) -> list[dict]:
    rows = []
    for k, g in c.groupby(key, sort=True):
        s = g[SUM_COLS].sum().to_dict()
        s["campaigns"] = len(g)
        # Good revenue only where every campaign of the group has it; expected ROI: the
        # cost-weighted mean of the campaigns that stated one.
        retained = float(g["retained"].sum()) if g["retained"].notna().all() else None
        e = g[g["expected_roi"].notna()]
        expected = (
            float((e["expected_roi"] * e["cost"]).sum() / e["cost"].sum()) if len(e) and e["cost"].sum() else None
        )
        row = {"key": k, "label": str(labels.get(k, k)), **_return_row(s, retained, expected)}
        if ctx["ids"]:
            row["ids"] = _ids(g["id"])
        rows.append(row)
    return sorted(rows, key=lambda r: (-(r["revenue"] or 0), str(r["key"])))


def returns(c: pd.DataFrame, channels: pd.DataFrame, ctx: dict) -> dict[str, Any]:
    launched = c[_in_quarter(c["launched_at"], ctx)]
    r = launched[launched["has_result"]].copy()
    out: dict[str, Any] = {"launched": int(len(launched)), "with_results": int(len(r))}
    if r.empty:
        return {
            **out,
            "totals": None,
            "campaigns": [],
            "by_type": [],
            "by_channel": [],
            "by_unit": [],
            "by_governance_model": [],
        }
    s = r[SUM_COLS].sum().to_dict()
    s["campaigns"] = len(r)
    retained_known = r[r["retained"].notna()]
    out["totals"] = _return_row(s, float(r["retained"].sum()) if r["retained"].notna().all() else None, None)
    out["totals"]["good_roi_known"] = (
        pct(retained_known["retained"].sum() - retained_known["cost"].sum(), retained_known["cost"].sum())
        if len(retained_known)
        else None
    )
    out["totals"]["campaigns_with_retained"] = int(len(retained_known))
    # Like for like with good_roi_known: the plain ROI and the share of revenue retained,
    # over the same campaigns (those whose retained revenue is known).
    out["totals"]["roi_retained_known"] = (
        pct(retained_known["revenue"].sum() - retained_known["cost"].sum(), retained_known["cost"].sum())
        if len(retained_known)
        else None
    )
    out["totals"]["good_revenue_share"] = (
        ratio(retained_known["retained"].sum(), retained_known["revenue"].sum()) if len(retained_known) else None
    )
    rows = r.sort_values(["revenue", "id"], ascending=[False, True])
    out["campaigns"] = row_dicts(
        id=_ints(rows["id"]),
        name=rows["name"].tolist(),
        campaign_type=rows["campaign_type"].tolist(),
        unit=rows["unit"].tolist(),
        governance_model=[m or None for m in rows["governance_model"].tolist()],
        **_return_columns({k: rows[k] for k in SUM_COLS}, rows["retained"], rows["expected_roi"]),
    )
    out["by_type"] = _group_returns(r, "campaign_type", ctx["labels"]["type"], ctx)
    out["by_unit"] = _group_returns(r, "unit", ctx["labels"]["unit"], ctx)
    out["by_governance_model"] = _group_returns(
        r[r["governance_model"] != ""], "governance_model", {k: str(v) for k, v in MODEL_LABELS.items()}, ctx
    )
    ch = channels.merge(r, left_on="campaign_id", right_on="id") if len(channels) else pd.DataFrame()
    out["by_channel"] = _group_returns(ch, "channel", ctx["labels"]["channel"], ctx) if len(ch) else []
    return out


# 6. satisfaction ---------------------------------------------------------------------------


def satisfaction(survey: pd.DataFrame, ctx: dict) -> dict[str, Any]:
    q, prev = str(ctx["f"].quarter), str(ctx["f"].quarter.previous())
    cur, old = survey[survey["quarter"] == q], survey[survey["quarter"] == prev]
    questions = []
    for name, label in SURVEY_QUESTIONS:
        v = cur[name].astype("float64")
        p = old[name].astype("float64")
        mean = num(v.mean()) if len(v) else None
        before = num(p.mean()) if len(p) else None
        questions.append(
            {
                "name": name,
                "label": str(label),
                "responses": int(v.notna().sum()),
                "mean": mean,
                "previous": before,
                "change": num(mean - before) if mean is not None and before is not None else None,
                "distribution": {str(k): int((v == k).sum()) for k in range(1, 6)},
            }
        )
    scores = cur[[n for n, _ in SURVEY_QUESTIONS]].astype("float64")
    comments = [{"strengthen": r.strengthen, "unclear": r.unclear} for r in _tuples(cur) if r.strengthen or r.unclear]
    return {
        "responses": int(len(cur)),
        # "overall" is the overall-satisfaction question; the mean of every answer has its own name.
        "overall": num(cur["q_overall"].astype("float64").mean()) if len(cur) else None,
        "previous_overall": num(old["q_overall"].astype("float64").mean()) if len(old) else None,
        "all_questions_mean": num(scores.stack().mean()) if len(cur) else None,
        "questions": questions,
        "comments": comments,
    }


# 7. martech utilisation -----------------------------------------------------------------


def martech(tools: pd.DataFrame, snapshots: pd.DataFrame, savings: pd.DataFrame, ctx: dict) -> dict[str, Any]:
    labels = dict(ToolCategory.choices)
    q, prev = str(ctx["f"].quarter), str(ctx["f"].quarter.previous())
    live = tools[tools["status"] == "in_use"]
    current = snapshots[snapshots["quarter"] == q]
    if len(current):
        now_by = current.set_index("category")[["tools", "annual_cost"]]
        source = "snapshot"
    elif ctx["end"] < ctx["now"] - 92 * DAY:
        # An old quarter without a snapshot: today's catalogue would be a made-up figure.
        return {
            "source": None,
            "categories": [],
            "tools": None,
            "annual_cost": None,
            "previous_annual_cost": None,
            "change": None,
            "change_pct": None,
            "planned_savings": None,
            "savings": [],
        }
    else:
        now_by = live.groupby("category").agg(tools=("name", "size"), annual_cost=("annual_cost", "sum"))
        source = "catalogue"
    before = snapshots[snapshots["quarter"] == prev].set_index("category")[["tools", "annual_cost"]]
    cats = sorted(set(now_by.index) | set(before.index))
    rows = []
    for cat in cats:
        cost = float(now_by.loc[cat, "annual_cost"]) if cat in now_by.index else 0.0
        old = float(before.loc[cat, "annual_cost"]) if cat in before.index else None
        rows.append(
            {
                "category": cat,
                "label": str(labels.get(cat, cat)),
                "tools": int(now_by.loc[cat, "tools"]) if cat in now_by.index else 0,
                "annual_cost": num(cost, 0),
                "quarterly_cost": num(cost / 4, 0),
                "previous_annual_cost": num(old, 0) if len(before) else None,
                "change": num(cost - old, 0)
                if len(before) and old is not None
                else (num(cost, 0) if len(before) else None),
                "change_pct": pct(cost - old, old) if old else None,
            }
        )
    rows.sort(key=lambda r: (-(r["annual_cost"] or 0), r["category"]))
    total = sum(r["annual_cost"] or 0 for r in rows)
    prev_total = float(before["annual_cost"].sum()) if len(before) else None
    return {
        "source": source,
        "categories": rows,
        "tools": int(sum(r["tools"] for r in rows)),
        "annual_cost": num(total, 0) if rows else None,
        "previous_annual_cost": num(prev_total, 0),
        "change": num(total - prev_total, 0) if prev_total is not None else None,
        "change_pct": pct(total - prev_total, prev_total) if prev_total else None,
        "planned_savings": num(savings["expected_saving"].sum(), 0) if len(savings) else None,
        "savings": _records(savings),
    }


# 8. maturity ---------------------------------------------------------------------------------

MATURITY_LEVELS = {
    1: _("Initial: individual judgement"),
    2: _("Repeatable: the request form is used"),
    3: _("Defined: form and KPI targets are standard"),
    4: _("Managed: results and SLAs are measured"),
    5: _("Optimising: retrospectives drive improvement"),
}


MATURITY_CRITERIA = {
    "via_form": _("Came through the form"),
    "kpis_set": _("KPI targets set"),
    "results_recorded": _("Results recorded"),
    "retrospectives": _("Retrospective written"),
    "sla_met": _("SLA met"),
}


def maturity(c: pd.DataFrame, sla_report: dict, ctx: dict) -> dict[str, Any]:
    launched = c[_in_quarter(c["launched_at"], ctx)]
    n = len(launched)
    if n == 0:
        return {"level": None, "label": None, "campaigns": 0, "evidence": []}
    had_kpis = (
        launched[["target_leads", "target_mqls", "target_sqls", "target_revenue"]].fillna(0).sum(axis=1) > 0
    ) | launched["expected_roi"].notna()
    shares = {
        "via_form": ratio(launched["via_form"].sum(), n),
        "kpis_set": ratio(had_kpis.sum(), n),
        "results_recorded": ratio(launched["has_result"].sum(), n),
        "retrospectives": ratio(launched["has_retro"].sum(), n),
        "sla_met": sla_report["share_met"],
    }
    rules = [
        (2, "via_form", 0.5),
        (3, "via_form", 0.9),
        (3, "kpis_set", 0.8),
        (4, "results_recorded", 0.8),
        (4, "sla_met", 0.8),
        (5, "retrospectives", 0.5),
        (5, "sla_met", 0.9),
    ]
    level = 1
    for lvl in (2, 3, 4, 5):
        if all(shares[k] is not None and shares[k] >= th for needed, k, th in rules if needed == lvl):
            level = lvl
        else:
            break
    labels = MATURITY_CRITERIA
    evidence = [
        {
            "criterion": k,
            "label": str(labels[k]),
            "share": shares[k],
            "threshold": th,
            "for_level": needed,
            "met": shares[k] is not None and shares[k] >= th,
        }
        for needed, k, th in rules
    ]
    return {
        "level": level,
        "label": str(MATURITY_LEVELS[level]),
        "campaigns": n,
        "shares": shares,
        "evidence": evidence,
    }


# 9. governance models ------------------------------------------------------------------------


def _key_figures(c: pd.DataFrame) -> dict[str, Any]:
    withr = c[c["has_result"]]
    cost = withr["cost"].sum()
    return {
        "launched": int(len(c)),
        "lead_time_bd_median": num(c["business_days"].median()) if c["business_days"].notna().any() else None,
        "roi": pct(withr["revenue"].sum() - cost, cost) if len(withr) else None,
        "cost_per_lead": num(ratio(cost, withr["leads"].sum(), 6), 0) if len(withr) else None,
    }


def governance(c: pd.DataFrame, tasks: pd.DataFrame, ctx: dict) -> dict[str, Any]:
    launched = c[_in_quarter(c["launched_at"], ctx)]
    by_model = []
    done = (
        tasks[
            (tasks["state"] == TaskState.DONE)
            & tasks["sla_state"].isin(["met", "missed"])
            & _in_quarter(tasks["completed_at"], ctx)
        ]
        if len(tasks)
        else tasks
    )
    # The SLA share per model counts the same tasks as the headline SLA figure (met, missed and
    # live breaches), not only the completed ones.
    sla_set = ctx.get("sla_tasks")
    for model in sorted(set(launched["governance_model"]) - {""}):
        fig = _key_figures(launched[launched["governance_model"] == model])
        if sla_set is not None:
            t = sla_set[sla_set["governance_model"] == model]
            fig["sla_met"] = ratio((t["outcome"] == "met").sum(), len(t)) if len(t) else None
        else:
            t = done[done["governance_model"] == model] if len(done) else done
            fig["sla_met"] = ratio((t["sla_state"] == "met").sum(), len(t)) if len(t) else None
        by_model.append({"model": model, "label": str(MODEL_LABELS.get(model, model)), **fig})
    trend = []
    for q in trend_quarters(ctx["f"].quarter):
        if str(q) in ctx.get("trend", {}):
            trend.append(ctx["trend"][str(q)]["governance"])
            continue
        rows = c[c["launch_quarter"] == str(q)]
        models = rows["governance_model"][rows["governance_model"] != ""]
        dominant = models.value_counts().sort_index().idxmax() if len(models) else None
        trend.append(
            {
                "quarter": str(q),
                "model": dominant,
                "models": {k: int(v) for k, v in models.value_counts().sort_index().items()},
                **_key_figures(rows),
            }
        )
    changes = []
    seen = [t for t in trend if t["model"]]
    for before, after in zip(seen, seen[1:], strict=False):
        if before["model"] != after["model"]:
            changes.append(
                {
                    "before_quarter": before["quarter"],
                    "after_quarter": after["quarter"],
                    "from": before["model"],
                    "to": after["model"],
                    "before": {k: before[k] for k in ("launched", "lead_time_bd_median", "roi", "cost_per_lead")},
                    "after": {k: after[k] for k in ("launched", "lead_time_bd_median", "roi", "cost_per_lead")},
                }
            )
    return {"by_model": by_model, "trend": trend, "changes": changes}


def trend_point(report: dict[str, Any]) -> dict[str, Any]:
    """The quarter's own entries of its trends (the last ones): what a later quarter's trend shows for it."""
    return {"lead_time": report["lead_time"]["trend"][-1], "governance": report["governance"]["trend"][-1]}


# summary, data ----------------------------------------------------------------------------


def summary(r: dict) -> dict[str, Any]:
    ret = r["return"]["totals"] or {}
    return {
        "launched": r["lead_time"]["n"],
        "lead_time_bd_median": r["lead_time"]["business_days"]["median"],
        "lead_time_cd_median": r["lead_time"]["calendar_days"]["median"],
        "process_time_bd_median": r["lead_time"]["process_business_days"]["median"],
        "launch_wait_bd_median": r["lead_time"]["launch_wait_business_days"]["median"],
        "bottleneck": r["stall"]["bottleneck"],
        "sla_met": r["sla"]["share_met"],
        "sla_tasks": r["sla"]["tasks"],
        "utilisation_cv": r["workload"]["cv"],
        "hours_gini": r["workload"]["gini"],
        "roi": ret.get("roi"),
        "good_roi": ret.get("good_roi_known"),
        "good_revenue_share": ret.get("good_revenue_share"),
        "cost_per_lead": ret.get("cost_per_lead"),
        "revenue": ret.get("revenue"),
        "satisfaction": r["satisfaction"]["overall"],
        "martech_annual_cost": r["martech"]["annual_cost"],
        "maturity_level": r["maturity"]["level"],
    }


def _data_campaigns(c: pd.DataFrame, ctx: dict) -> list[dict]:
    q = c[_in_quarter(c["launched_at"], ctx) | _in_quarter(c["submitted_at"], ctx)]
    cols = [
        "id",
        "name",
        "state",
        "unit",
        "campaign_type",
        "governance_model",
        "submitted_at",
        "launched_at",
        "business_days",
        "calendar_days",
        "budget",
        "spend",
        "labour",
        "labour_hours",
        "leads",
        "mqls",
        "sqls",
        "opportunities",
        "won_deals",
        "revenue",
        "retained",
        "expected_roi",
        "via_form",
        "has_result",
        "has_retro",
    ]
    d = q[cols].copy()
    for col in ("submitted_at", "launched_at"):
        d[col] = iso_list(d[col])
    for col in ("business_days", "calendar_days"):
        d[col] = d[col].round(2)
    return _records(d.sort_values("id"))


def _data_tasks(t: pd.DataFrame, ctx: dict) -> list[dict]:
    cols = [
        "id",
        "key",
        "title",
        "campaign_id",
        "unit",
        "task_type",
        "assignee",
        "state",
        "sla_state",
        "estimated_hours",
        "actual_hours",
        "hourly_rate",
        "created_at",
        "started_at",
        "completed_at",
        "due_at",
    ]
    d = t[cols].copy()
    for col in ("created_at", "started_at", "completed_at", "due_at"):
        d[col] = iso_list(d[col])
    return _records(d.sort_values("id"))
