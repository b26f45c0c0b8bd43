"""Stored KPI figures: closed quarters are computed once and served from ``QuarterFigures``.

- A closed quarter (its end has passed) is read from the store; the first read computes and
  stores it (an audit row "computed"). A late audit event - one whose ``at`` is before a
  stored quarter's end, written after that quarter was computed - marks the row stale
  (``mark_stale``, called by kpis.signals); so does a result entered for a campaign launched
  in it. The next read recomputes it and appends a "recomputed" ``QuarterFiguresEvent`` with
  the reason and the summary figures that changed.
- Events written without signals (bulk imports, raw SQL) are caught on read: each row keeps
  the highest request / task event ids it saw (watermarks); one indexed query per event
  table asks whether a newer event is dated before the quarter's end.
- The running quarter changes with every event: it is computed and kept in the cache, keyed by
  the filters and the watermarks, fresh for ``MOPS_KPI_RUNNING_TTL`` seconds (default 300).
  Once a newer event exists or that time has passed, the last figures are still served (they
  carry ``meta.generated_at``) while a django-q2 job recomputes them, one job at a time per
  filter set (``refresh_later``): at 100k campaigns a computation takes about 4 s, and in a busy
  team every page would otherwise wait for one. Only the very first read computes in the
  request; with jobs run inline (tests, ``Q_SYNC``) every read computes when not fresh.

Everything served is the JSON round trip of ``figures.compute``'s plain data, so a stored
report, a cached one and a fresh one have the same shape.

The served report is light (issue 19): its per-campaign and per-task lists (``LISTS``, sorted
worst / largest first) keep their first ``LIST_ROWS`` rows, with every list's full length in
``meta.rows``. The whole lists and the drill-down ids are kept beside it (``details``): the
table exports read the lists, the drill-downs the ids, and the pages and the API read neither.
At 100k campaigns the whole report is 12.7 MB (20k breaches, 8k campaigns) and its ids as much
again; reading it back cost more than a page may take.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from typing import Any

import numpy as np
import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise

from campaigns.models import RequestEvent
from campaigns.quarters import Quarter
from tasks.models import TaskEvent

from . import figures
from .data import KpiFilters, bounds, bulk_rows, trend_quarters
from .models import QuarterFigures, QuarterFiguresEvent
from .plain import plain_data

# Dropped before comparing two computations of the same figures.
VOLATILE = (("meta", "generated_at"),)
# Row lists (a row per campaign or task) cut in the served report; their full length is in meta.rows.
LISTS = (("lead_time", "campaigns"), ("return", "campaigns"), ("sla", "breaches"))
LIST_ROWS = 500
# The tables of those lists (kpis.tables names them section_list): table name -> "section.list".
LIST_TABLES = {"_".join(path): ".".join(path) for path in LISTS}
DETAIL_PARTS = ("lists", "ids")
DETAIL_COLUMNS = ("lists_json", "ids_json")


def split(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``report`` (computed with ids; plain data, or not yet encoded) as (the served report, its details).

    Details: ``lists`` maps "lead_time.campaigns"-style paths to the whole lists; ``ids`` is
    the report's shape holding only the drill-down ids and the keys of their rows (the
    drill-down looks a row up by its key as it would in the report). ``report`` is changed."""
    lists: dict[str, list] = {}
    rows: dict[str, int] = {}
    for path in LISTS:
        node = report.get(path[0])
        if not isinstance(node, dict) or not isinstance(node.get(path[1]), list):
            continue
        name = ".".join(path)
        lists[name] = node[path[1]]
        rows[name] = len(lists[name])
        node[path[1]] = []  # keeps its place among the section's keys
    # The row lists hold no drill-down ids (a row is its own drill-down): they are not walked
    # (~700,000 values at 100k campaigns), and go back cut once the ids are out.
    ids = _pop_ids(report) or {}
    for name, whole in lists.items():
        section, key = name.split(".")
        report[section][key] = whole[:LIST_ROWS]
    report.setdefault("meta", {})["rows"] = rows
    return report, {"lists": lists, "ids": ids}


def _pop_ids(node: Any) -> Any:
    """Take every "ids" list out of ``node``; the same shape holding the ids and their rows' keys."""
    # Scalars hold no ids: they are skipped without a call (the row lists of a 100k-campaign
    # quarter hold about 700,000 of them).
    if isinstance(node, list | tuple):
        subs = [_pop_ids(item) if isinstance(item, dict | list | tuple) else None for item in node]
        return subs if any(subs) else None
    if not isinstance(node, dict):
        return None
    out: dict[str, Any] = {}
    if "ids" in node:
        out["ids"] = node.pop("ids")
    for key, value in node.items():
        sub = _pop_ids(value) if isinstance(value, dict | list | tuple) else None
        if sub:
            out[key] = sub
    if out:  # the row's own scalar values: the keys a drill-down finds it by
        out.update({k: v for k, v in node.items() if k not in out and (v is None or isinstance(v, _KEY_TYPES))})
    return out or None


# A row's values that are JSON scalars once stored (``split`` also takes a report not yet encoded:
# lazy labels and numpy numbers are written as text and numbers).
_KEY_TYPES = (str, int, float, Promise, np.integer, np.floating, np.bool_)


def with_lists(report: dict[str, Any], lists: dict[str, list]) -> dict[str, Any]:
    """``report`` with its cut lists put back whole (for the table exports); changes ``report``."""
    for name, rows in lists.items():
        section, key = name.split(".")
        if isinstance(report.get(section), dict):
            report[section][key] = rows
    report.get("meta", {}).pop("rows", None)
    return report


def lists_text(lists: dict[str, list[dict[str, Any]]]) -> str:
    """The whole row lists as stored: each list as its column names and one array per row.

    The rows of a list share their keys, and the keys repeated on every row were 60 % of the
    lists' 15 MB at 100k campaigns (encoding, sending and storing them cost 0.1-0.3 s of a
    recomputation). A list whose rows differ in their keys is stored as it is."""
    out: dict[str, Any] = {}
    for name, rows in lists.items():
        columns = list(rows[0]) if rows and isinstance(rows[0], dict) else None
        if columns is None or any(not isinstance(r, dict) or list(r) != columns for r in rows):
            out[name] = rows
        else:
            out[name] = {"columns": columns, "rows": [list(r.values()) for r in rows]}
    return dumps(out)


def lists_from_text(text: str) -> dict[str, list[dict[str, Any]]]:
    """``lists_text`` read back: each list as its rows (dicts); lists stored whole (before the
    columns, or uneven) as they are."""
    out = orjson.loads(text or "{}")
    for name, value in out.items():
        if isinstance(value, dict):
            columns = value["columns"]
            out[name] = [dict(zip(columns, row, strict=True)) for row in value["rows"]]
    return out


def filters_key(f: KpiFilters) -> str:
    """A stable key of everything that changes the figures except the quarter (scope included)."""
    d = f.as_dict()
    d.pop("quarter")
    d["scope"] = sorted(f.scope) if f.scope is not None else None
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def is_closed(quarter: Quarter, now: dt.datetime) -> bool:
    return bounds(quarter)[1] <= now


def as_stored(report: dict[str, Any]) -> dict[str, Any]:
    """The report as it comes back from a JSON column (lazy strings -> str, tuples -> lists)."""
    return orjson.loads(dumps(report))


def dumps(value: Any) -> str:
    """JSON text of report data, lazy strings as text.

    orjson (a report of a 100k-campaign quarter holds 2.5M values: the standard encoder and
    decoder took 1.3 s of its recompute); the encoder turns lazy strings into text as it meets
    them, where walking the report first (``plain_data``) visited every value."""
    try:
        return orjson.dumps(value, default=_lazy_text, option=_OPTIONS).decode()
    except TypeError:  # a lazy string as a dict key (orjson's error is a TypeError)
        return orjson.dumps(plain_data(value), option=_OPTIONS).decode()


# Integer dict keys as text (as the json module writes them), numpy numbers as numbers.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _lazy_text(value: Any) -> str:
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` without the parts that differ between two computations of the same data."""
    out = json.loads(json.dumps(plain_data(report)))
    for path in VOLATILE:
        node = out
        for part in path[:-1]:
            node = node.get(part, {})
        node.pop(path[-1], None)
    return out


def watermarks() -> dict[str, int]:
    """The highest request / task event ids (two indexed MAX queries)."""
    return {
        "request": RequestEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "task": TaskEvent.objects.aggregate(m=Max("id"))["m"] or 0,
    }


def _unsignalled_late_event(row: QuarterFigures) -> str:
    """A reason when an event newer than the row's watermarks is dated before its quarter's end."""
    for model, mark, label in (
        (RequestEvent, row.request_event_watermark, "request"),
        (TaskEvent, row.task_event_watermark, "task"),
    ):
        late = model.objects.filter(id__gt=mark, at__lt=row.quarter_end).order_by("id").values_list("id", flat=True)
        first = late.first()
        if first is not None:
            return f"late {label} event #{first}"
    return ""


def _compute(f: KpiFilters, *, now: dt.datetime) -> dict[str, Any]:
    """The quarter's figures: when the seven earlier quarters of its trend are stored and fresh,
    from its own rows plus their stored trend points; else from eight quarters of rows (a full
    computation, as ``figures.compute``). Missing quarters are not computed here: the store
    fills as quarters are read (or by ``kpi_recompute``)."""
    earlier = [str(q) for q in trend_quarters(f.quarter)[:-1]]
    rows = {
        r.quarter: r
        for r in QuarterFigures.objects.filter(filters_key=filters_key(f), quarter__in=earlier).defer(*DETAIL_COLUMNS)
    }
    trend = {}
    for q in earlier:
        row = rows.get(q)
        if row is None or row.stale or _unsignalled_late_event(row):
            return figures.compute(f, now=now, include_ids=True)
        trend[q] = figures.trend_point(row.report)
    return figures.compute(f, now=now, trend=trend, include_ids=True)


def report(f: KpiFilters, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The KPI report for ``f``: stored for a closed quarter, cached briefly for the running one."""
    return _read(f, "report", now=now or timezone.now())


def details(f: KpiFilters, part: str, *, now: dt.datetime | None = None) -> Any:
    """The report's whole row lists (``part="lists"``) or its drill-down ids (``"ids"``), see ``split``."""
    if part not in DETAIL_PARTS:
        raise ValueError(part)
    return _read(f, part, now=now or timezone.now())


def _read(f: KpiFilters, part: str, *, now: dt.datetime) -> Any:
    if is_closed(f.quarter, now):
        row = stored(f, now=now, part=part)
        if part == "lists":
            return lists_from_text(row.lists_json)
        return row.report if part == "report" else orjson.loads(row.ids_json or "{}")
    base, key = _running_keys(f)
    latest = cache.get(f"{base}:latest")
    if latest is not None:
        fresh = latest["key"] == key and now.timestamp() - latest["at"] < settings.MOPS_KPI_RUNNING_TTL
        hit = cache.get(f"{latest['key']}:{part}")
        if hit is not None and (fresh or refresh_later(f, base=base)):
            return hit
    return running_compute(f, now=now)[part]


# How long the running quarter's last figures are kept to be served while a job recomputes them.
RUNNING_KEEP = 24 * 3600


def _running_keys(f: KpiFilters) -> tuple[str, str]:
    """The cache prefix of ``f``'s running-quarter figures and the key of the current events."""
    marks = watermarks()
    base = f"kpis:running:{f.quarter}:{filters_key(f)}"
    return base, f"{base}:{marks['request']}:{marks['task']}"


def running_compute(f: KpiFilters, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Compute the running quarter's figures now and cache every part (the refresh job's work)."""
    now = now or timezone.now()
    base, key = _running_keys(f)  # before computing: an event written meanwhile is caught next read
    light, extra = split(as_stored(_compute(f, now=now)))
    parts = {"report": light, **extra}
    cache.set_many({f"{key}:{name}": value for name, value in parts.items()}, RUNNING_KEEP)
    cache.set(f"{base}:latest", {"key": key, "at": now.timestamp()}, RUNNING_KEEP)
    cache.delete(f"{base}:refreshing")
    return parts


def refresh_later(f: KpiFilters, *, base: str | None = None) -> bool:
    """Queue a recomputation of ``f``'s running quarter unless one is queued; False when jobs run
    inline (tests, ``Q_SYNC``): the caller then computes in the request. ``base``: its cache
    prefix when the caller has it (no second read of the watermarks)."""
    if settings.Q_CLUSTER.get("sync"):
        return False
    from django_q.tasks import async_task

    base = base or _running_keys(f)[0]
    # cache.add is atomic: one queued job per filter set; it expires if the worker dies.
    if cache.add(f"{base}:refreshing", 1, timeout=600):
        async_task("kpis.jobs.refresh_running_figures", filters_payload(f), task_name=f"kpi-running-{base[-8:]}")
    return True


def filters_payload(f: KpiFilters) -> dict[str, Any]:
    """``f`` as plain data (a job's arguments, ``QuarterFigures.filters``); ``filters_from_payload``
    reads it back."""
    return {**f.as_dict(), "scope": sorted(f.scope) if f.scope is not None else None}


def filters_from_payload(data: dict[str, Any]) -> KpiFilters:
    scope = data.get("scope")
    f = KpiFilters.from_params({k: v for k, v in data.items() if k != "scope"})
    return dataclasses.replace(f, scope=tuple(scope) if scope is not None else None)


def stored(f: KpiFilters, *, now: dt.datetime | None = None, part: str = "report") -> QuarterFigures:
    """The stored row of a closed quarter, (re)computed first when missing or stale.

    Only ``part`` is read of the large columns ("report", "lists" or "ids")."""
    now = now or timezone.now()
    key = filters_key(f)
    rows = QuarterFigures.objects.filter(quarter=str(f.quarter), filters_key=key)
    row = rows.defer(*(c for c in ("report_json", *DETAIL_COLUMNS) if c != f"{part}_json")).first()
    if row is None:
        return recompute(f, now=now, reason="first read")
    reason = row.stale_reason or ("stale" if row.stale else "") or _unsignalled_late_event(row)
    if not reason and not row.ids_stored:
        reason = "details not stored yet"  # stored before the report was split (issue 19)
    if reason:
        return recompute(f, now=now, reason=reason)
    return row


def recompute(f: KpiFilters, *, now: dt.datetime | None = None, reason: str = "") -> QuarterFigures:
    """Compute the closed quarter's figures from the events, store them and append an audit row."""
    now = now or timezone.now()
    if not is_closed(f.quarter, now):
        raise ValueError(f"{f.quarter} has not ended yet: only closed quarters are stored")
    key = filters_key(f)
    marks = watermarks()  # before computing: an event written meanwhile is caught next read
    t0 = time.perf_counter()
    # Split before encoding: each part is encoded once, as it is stored (decoding the whole report
    # first to split plain data cost 0.3 s at 100k campaigns).
    with bulk_rows():  # the encoding builds ~50k row arrays: no collection meanwhile either
        data, extra = split(_compute(f, now=now))
        report_json, lists_json, ids_json = dumps(data), lists_text(extra["lists"]), dumps(extra["ids"])
    seconds = time.perf_counter() - t0
    last_event = max(
        (
            d
            for d in (
                RequestEvent.objects.filter(id__lte=marks["request"]).aggregate(m=Max("at"))["m"],
                TaskEvent.objects.filter(id__lte=marks["task"]).aggregate(m=Max("at"))["m"],
            )
            if d is not None
        ),
        default=None,
    )
    with transaction.atomic():
        # The old lists and ids are replaced unread (~20 MB at 100k campaigns: 0.1 s on PostgreSQL).
        old = (
            QuarterFigures.objects.select_for_update()
            .filter(quarter=str(f.quarter), filters_key=key)
            .defer(*DETAIL_COLUMNS)
            .first()
        )
        previous = None if old is None else {"request": old.request_event_watermark, "task": old.task_event_watermark}
        values = {
            "filters": filters_payload(f),
            "quarter_end": bounds(f.quarter)[1],
            "report_json": report_json,
            "lists_json": lists_json,
            "ids_json": ids_json,
            "ids_stored": True,
            "computed_at": now if now < timezone.now() else timezone.now(),
            "compute_seconds": round(seconds, 3),
            "request_event_watermark": marks["request"],
            "task_event_watermark": marks["task"],
            "last_event_at": last_event,
            "stale": False,
            "stale_reason": "",
        }
        if old is None:
            row = QuarterFigures.objects.create(quarter=str(f.quarter), filters_key=key, **values)
            changed: dict[str, list] = {}
        else:
            before = old.report.get("summary", {})
            summary = as_stored(data.get("summary", {}))
            changed = {k: [before.get(k), v] for k, v in summary.items() if before.get(k) != v}
            for name, value in values.items():
                setattr(old, name, value)
            old.save()
            row = old
        QuarterFiguresEvent.objects.create(
            quarter=str(f.quarter),
            filters_key=key,
            action="computed" if old is None else "recomputed",
            reason=reason[:200],
            data={
                "seconds": round(seconds, 3),
                "watermarks": marks,
                "previous_watermarks": previous,
                "changed": changed,
            },
        )
    return row


def mark_stale(at: dt.datetime, reason: str) -> int:
    """Mark stored quarters that end after ``at`` stale (their figures, or their trend, include it)."""
    current_start = bounds(Quarter.of(timezone.localdate()))[0]
    if at is None or at >= current_start:
        return 0  # only closed quarters are stored: an event of the running quarter changes none
    return QuarterFigures.objects.filter(quarter_end__gt=at, stale=False).update(stale=True, stale_reason=reason[:200])
