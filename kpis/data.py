"""What the quarterly KPIs read: filters, the querysets (values rows) and their DataFrames.

Every KPI is computed from a fixed set of queries (the count does not grow with the data);
``querysets()`` exposes the raw queries, so a caller can time the fetch apart from the compute.

Cohorts (documented in the review's notes):
- campaigns: launched in the trend window (the quarter and the 7 before it) or submitted in
  the quarter; matching unit / campaign type / channel / governance model.
- tasks: of those filtered campaigns, alive in the quarter (created before its end, not
  finished or cancelled before its start).
- audit events: every event (up to the quarter's end) of the requests / tasks that have at
  least one event in the quarter or were open in it (a wait can span a whole quarter
  without an event); the stall time clips each wait to the quarter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import pandas as pd
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest, CampaignType, Channel, RequestEvent, SurveyResponse
from campaigns.quarters import Quarter
from governance.models import BusinessUnit, Membership
from knowledge.models import RoadmapEntry, Tool
from tasks.models import Person, Task, TaskEvent, TaskPause, TaskState, TaskType
from tasks.rawinsert import bulk_rows

from .models import ToolCostSnapshot

T = TypeVar("T")
TREND_QUARTERS = 8
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{0,50}$")
GOVERNANCE_MODELS = ("centralised", "decentralised", "hybrid")


IMPORTED_CHOICES = ("", "exclude", "only")


@dataclass(frozen=True)
class KpiFilters:
    quarter: Quarter
    unit: str = ""
    campaign_type: str = ""
    channel: str = ""
    governance_model: str = ""
    # Campaigns brought in by a board import: "" counts them, "exclude" leaves them out, "only" shows just them.
    imported: str = ""
    # Units whose campaigns the viewer may see (slugs); None = company-wide. Set by
    # kpis.reviews.filters_for from the viewer, never from query parameters.
    scope: tuple[str, ...] | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, today: dt.date | None = None) -> KpiFilters:
        """Filters from query parameters; ValidationError (field -> message) for bad input."""
        raw = (params.get("quarter") or "").strip()
        quarter = Quarter.parse(raw) if raw else Quarter.of(today or timezone.localdate())
        values = {}
        for name in ("unit", "campaign_type", "channel", "governance_model"):
            value = (params.get(name) or "").strip()
            if not _SLUG.match(value):
                raise ValidationError({name: _("Invalid value: %(value)r") % {"value": value[:60]}})
            values[name] = value
        if values["governance_model"] and values["governance_model"] not in GOVERNANCE_MODELS:
            raise ValidationError(
                {"governance_model": f"centralised / decentralised / hybrid: {values['governance_model']!r}"}
            )
        imported = (params.get("imported") or "").strip()
        if imported not in IMPORTED_CHOICES:
            raise ValidationError({"imported": f"exclude / only: {imported[:60]!r}"})
        return cls(quarter=quarter, imported=imported, **values)

    def as_dict(self) -> dict[str, str]:
        d = asdict(self)
        d.pop("scope")
        d["quarter"] = str(self.quarter)
        return d

    def params(self, **overrides: str) -> dict[str, str]:
        """Query parameters (non-empty only) for links."""
        d = {**self.as_dict(), **overrides}
        return {k: v for k, v in d.items() if v}

    def campaign_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.scope is not None:
            q &= Q(**{f"{prefix}business_unit__slug__in": list(self.scope)})
        if self.unit:
            q &= Q(**{f"{prefix}business_unit__slug": self.unit})
        if self.campaign_type:
            q &= Q(**{f"{prefix}campaign_type__slug": self.campaign_type})
        if self.governance_model:
            q &= Q(**{f"{prefix}governance_model": self.governance_model})
        if self.imported:
            ref = OuterRef(f"{prefix[:-2]}_id" if prefix else "pk")
            was_imported = Exists(RequestEvent.objects.filter(request_id=ref, data__has_key="imported"))
            q &= Q(was_imported) if self.imported == "only" else ~Q(was_imported)
        if self.channel:
            through = CampaignRequest.channels.through
            ref = OuterRef(f"{prefix[:-2]}_id" if prefix else "pk")  # "campaign__" -> "campaign_id"
            q &= Q(Exists(through.objects.filter(campaignrequest_id=ref, channel__slug=self.channel)))
        return q


def bounds(quarter: Quarter) -> tuple[dt.datetime, dt.datetime]:
    """The quarter as aware local instants ``[start, end)``."""
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(quarter.start, dt.time(0), tzinfo=tz),
        dt.datetime.combine(quarter.next().start, dt.time(0), tzinfo=tz),
    )


def trend_quarters(quarter: Quarter) -> list[Quarter]:
    out = [quarter]
    while len(out) < TREND_QUARTERS:
        out.insert(0, out[0].previous())
    return out


def _f(name: str):
    return Cast(F(name), FloatField())


# name -> columns; the order of values_list fields.
CAMPAIGN_COLS = [
    "id",
    "name",
    "state",
    "submitted_at",
    "launched_at",
    "governance_model",
    "unit",
    "campaign_type",
    "budget",
    "expected_roi",
    "target_leads",
    "target_mqls",
    "target_sqls",
    "target_revenue",
    "result_id",
    "spend",
    "leads",
    "mqls",
    "sqls",
    "opportunities",
    "won_deals",
    "revenue",
    "retained",
    "retro_id",
    "via_form",
    "ready_at",
]
TASK_COLS = [
    "id",
    "key",
    "title",
    "campaign_id",
    "unit",
    "governance_model",
    "task_type",
    "assignee",
    "state",
    "estimated_hours",
    "actual_hours",
    "hourly_rate",
    "created_at",
    "started_at",
    "completed_at",
    "due_at",
    "sla_state",
    "sla_start_at",
    "pause_limit_days",
]
REQUEST_EVENT_COLS = ["entity", "id", "action", "from_state", "to_state", "actor", "at"]
# Who acted and the state left are not read for tasks (a visit ends at the next event; approver
# waits are the requests'): 340k values each at 100k campaigns, and a join to the users.
TASK_EVENT_COLS = ["entity", "id", "task_type", "action", "to_state", "at", "comment"]


def querysets(f: KpiFilters, *, trend: bool = True) -> dict[str, tuple[QuerySet, list[str]]]:
    """Every query the KPIs read, as (values_list queryset, column names).

    ``trend=False`` reads the quarter's own campaigns only (not the seven quarters before it):
    enough for every figure but the trends (used by drill-downs)."""
    qs_start, qs_end = bounds(f.quarter)
    trend_start, _ = bounds(trend_quarters(f.quarter)[0] if trend else f.quarter)
    campaign_dims = f.campaign_q()
    campaigns = (
        CampaignRequest.objects.filter(campaign_dims)
        .filter(
            Q(launched_at__gte=trend_start, launched_at__lt=qs_end)
            | Q(submitted_at__gte=qs_start, submitted_at__lt=qs_end)
        )
        .annotate(
            via_form=Exists(RequestEvent.objects.filter(request_id=OuterRef("pk"), action="submit")),
            # The last time it became ready for launch (after any reopen): process time ends here.
            ready_at=Subquery(
                RequestEvent.objects.filter(request_id=OuterRef("pk"), to_state="ready_for_launch")
                .order_by("-at", "-id")
                .values("at")[:1]
            ),
        )
        .order_by()
    )
    campaign_ids = campaigns.values("pk")
    campaign_rows = campaigns.values_list(
        "id",
        "name",
        "state",
        "submitted_at",
        "launched_at",
        "governance_model",
        "business_unit__slug",
        "campaign_type__slug",
        _f("budget"),
        _f("expected_roi"),
        "target_leads",
        "target_mqls",
        "target_sqls",
        _f("target_revenue"),
        "result__id",
        _f("result__actual_spend"),
        "result__leads",
        "result__mqls",
        "result__sqls",
        "result__opportunities",
        "result__won_deals",
        _f("result__won_revenue"),
        _f("result__retained_revenue_12m"),
        "retrospective__id",
        "via_form",
        "ready_at",
    )
    hours = Coalesce(_f("actual_hours"), _f("estimated_hours"))
    labour = (
        Task.objects.filter(campaign_id__in=campaign_ids)
        .exclude(state=TaskState.CANCELLED)
        .order_by()
        .values("campaign_id")
        .annotate(
            labour=Sum(hours * _f("hourly_rate"), output_field=FloatField()),
            hours=Sum(hours, output_field=FloatField()),
        )
        .values_list("campaign_id", "labour", "hours")
    )
    channels = (
        CampaignRequest.channels.through.objects.filter(campaignrequest_id__in=campaign_ids)
        .order_by()
        .values_list("campaignrequest_id", "channel__slug")
    )
    task_base = Task.objects.filter(f.campaign_q("campaign__"))
    # Alive in the quarter: created before its end, not finished or cancelled before its start.
    alive = (
        Q(created_at__lt=qs_end)
        & ~Q(state=TaskState.DONE, completed_at__lt=qs_start)
        & ~Q(state=TaskState.CANCELLED, updated_at__lt=qs_start)
    )
    tasks = task_base.filter(alive).order_by()
    task_rows = tasks.values_list(
        "id",
        "key",
        "title",
        "campaign_id",
        "campaign__business_unit__slug",
        "campaign__governance_model",
        "task_type__slug",
        "assignee__username",
        "state",
        _f("estimated_hours"),
        _f("actual_hours"),
        _f("hourly_rate"),
        "created_at",
        "started_at",
        "completed_at",
        "due_at",
        "sla_state",
        "sla_start_at",
        # The task's own policy's pause limit (NULL without a policy: figures apply the default).
        "task_type__sla_policy__pause_limit_days",
    )
    # The tasks with an event in the quarter, and those alive in it without one (they still wait
    # in some state all quarter), as one subquery: PostgreSQL answers ``IN (a) OR IN (b)`` with a
    # subplan per event row, and once (a) outgrows work_mem (300k rows at 100k campaigns) it
    # scans (a) for each of 3.5M events; a single IN is a semi-join.
    in_quarter = TaskEvent.objects.filter(task_id=OuterRef("pk"), at__gte=qs_start, at__lt=qs_end)
    event_tasks = task_base.filter(alive | Exists(in_quarter)).order_by().values("pk")
    task_events = (
        TaskEvent.objects.filter(task_id__in=event_tasks, at__lt=qs_end)
        .order_by("task_id", "at", "id")
        .values_list(
            "task_id",
            "id",
            "task__task_type__slug",
            "action",
            "to_state",
            "at",
            "comment",
        )
    )
    active_requests = RequestEvent.objects.filter(
        at__gte=qs_start, at__lt=qs_end, request__in=CampaignRequest.objects.filter(campaign_dims)
    ).values("request_id")
    # Requests submitted before the quarter and not launched before it may wait through it
    # without an event (an open wait ends at the quarter's end).
    waiting_requests = (
        CampaignRequest.objects.filter(campaign_dims, submitted_at__lt=qs_end)
        .filter(Q(launched_at__isnull=True) | Q(launched_at__gte=qs_start))
        .values("pk")
    )
    request_events = (
        RequestEvent.objects.filter(
            Q(request_id__in=active_requests) | Q(request_id__in=waiting_requests), at__lt=qs_end
        )
        .order_by("request_id", "at", "id")
        .values_list("request_id", "id", "action", "from_state", "to_state", "actor__username", "at")
    )
    # From the pauses (few) to their task by key: ``task IN (alive tasks ...)`` made SQLite list
    # every alive task of the million first, twice (0.33 s at 100k campaigns, for no pause).
    paused_task = tasks.filter(Q(sla_state__in=["missed", "breached"]) | Q(state="waiting"), pk=OuterRef("task_id"))
    pauses = (
        TaskPause.objects.filter(Exists(paused_task))
        .order_by("task_id", "started_at")
        .values_list("task_id", "reason", "started_at", "ended_at")
    )
    people = Person.objects.filter(is_active=True)
    if f.scope is not None:  # a unit head sees the workload of their units' people only
        people = people.filter(
            Exists(Membership.objects.filter(user_id=OuterRef("user_id"), unit__slug__in=list(f.scope)))
        )
    people = people.order_by().values_list("user__username", _f("weekly_hours"))
    prev = f.quarter.previous()
    survey = SurveyResponse.objects.filter(survey__quarter__in=[str(f.quarter), str(prev)])
    if f.unit:
        survey = survey.filter(Exists(Membership.objects.filter(user_id=OuterRef("respondent_id"), unit__slug=f.unit)))
    if f.scope is not None:
        survey = survey.filter(
            Exists(Membership.objects.filter(user_id=OuterRef("respondent_id"), unit__slug__in=list(f.scope)))
        )
    survey_rows = survey.order_by("id").values_list(
        "survey__quarter", "q_speed", "q_quality", "q_communication", "q_process", "q_overall", "strengthen", "unclear"
    )
    # The martech stack and its costs are company-wide figures: not for a unit-scoped viewer.
    company = f.scope is None
    tools = (Tool.objects.all() if company else Tool.objects.none()).order_by("category", "name")
    tools = tools.values_list("name", "category", "status", _f("annual_cost"))
    snapshots = (ToolCostSnapshot.objects.all() if company else ToolCostSnapshot.objects.none()).filter(
        quarter__in=[str(f.quarter), str(prev)]
    )
    snapshots = snapshots.values_list("quarter", "category", "tools", _f("annual_cost"))
    savings = (
        (RoadmapEntry.objects.all() if company else RoadmapEntry.objects.none())
        .filter(
            target_date__gte=f.quarter.start,
            target_date__lte=f.quarter.end,
            action__in=["retire", "consolidate", "replace"],
        )
        .values_list("title", "action", _f("expected_saving"))
    )
    return {
        "campaigns": (campaign_rows, CAMPAIGN_COLS),
        "labour": (labour, ["campaign_id", "labour", "hours"]),
        "channels": (channels, ["campaign_id", "channel"]),
        "tasks": (task_rows, TASK_COLS),
        "task_events": (task_events, TASK_EVENT_COLS),
        "request_events": (request_events, REQUEST_EVENT_COLS),
        "pauses": (pauses, ["task_id", "reason", "started_at", "ended_at"]),
        "people": (people, ["person", "weekly_hours"]),
        "survey": (
            survey_rows,
            ["quarter", "q_speed", "q_quality", "q_communication", "q_process", "q_overall", "strengthen", "unclear"],
        ),
        "tools": (tools, ["name", "category", "status", "annual_cost"]),
        "snapshots": (snapshots, ["quarter", "category", "tools", "annual_cost"]),
        "savings": (savings, ["title", "action", "expected_saving"]),
        "labels_type": (CampaignType.objects.values_list("slug", "name"), ["slug", "name"]),
        "labels_unit": (BusinessUnit.objects.values_list("slug", "name"), ["slug", "name"]),
        "labels_channel": (Channel.objects.values_list("slug", "name"), ["slug", "name"]),
        "labels_task_type": (TaskType.objects.values_list("slug", "name"), ["slug", "name"]),
    }


DATETIME_COLS = {
    "submitted_at",
    "launched_at",
    "created_at",
    "started_at",
    "completed_at",
    "due_at",
    "at",
    "ended_at",
    "sla_start_at",
    "ready_at",
}


def to_seconds(col: pd.Series) -> pd.Series:
    """Aware datetimes, or the database's own UTC text (SQLite), -> float epoch seconds (NaN when absent)."""
    if len(col) == 0:
        return pd.Series([], dtype="float64", index=col.index)
    first = col.dropna()
    if len(first) and isinstance(first.iloc[0], str):
        # Raw SQLite rows: Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]"; parsed in one pass.
        ts = pd.to_datetime(col, utc=True, format="ISO8601")
    else:
        ts = pd.to_datetime(col, utc=True)
    out = (ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return out.astype("float64")


def frame(rows: list, columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for col in columns:
        if col in DATETIME_COLS or col == "started_at":
            df[col] = to_seconds(df[col])
    return df


def fetch(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list queryset straight from the database cursor.

    Django's per-row converters (aware datetimes, decimals, booleans) cost more than the
    query itself for hundreds of thousands of rows; ``frame`` converts whole columns instead
    (datetimes in one vectorised parse, numbers are CAST to float in SQL, booleans by astype).
    """
    try:
        sql, params = qs.query.get_compiler(qs.db).as_sql()
    except EmptyResultSet:  # .none() or an empty __in list
        return []
    with bulk_rows(), connections[qs.db].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# The slowest query (the task events: a semi-join over the tasks, ~half of the fetch at 100k
# campaigns) runs last, so that work which does not need its rows can overlap it (``load``).
LAST = "task_events"


def load(f: KpiFilters, *, only: tuple[str, ...] | None = None, trend: bool = True) -> dict[str, pd.DataFrame]:
    """Run every query (or those named in ``only``) once; DataFrames with datetimes as epoch seconds.

    The queries run one after the other on this thread's connection; their rows are turned into
    DataFrames on a helper thread (no database access there) while the task events' query runs
    (``load_overlapped``), or as they come when it is not among ``only``."""
    return load_overlapped(f, only=only, trend=trend)[0]


def load_overlapped(
    f: KpiFilters,
    *,
    only: tuple[str, ...] | None = None,
    trend: bool = True,
    meanwhile: Callable[[dict[str, pd.DataFrame]], T] | None = None,
) -> tuple[dict[str, pd.DataFrame], T | None]:
    """``load``, and ``meanwhile(frames)`` run on the helper thread while the last query (``LAST``)
    runs, with every frame but that query's; returns the frames and what ``meanwhile`` returned.

    ``meanwhile`` must not read the database (its thread has no connection of the caller's: in a
    transaction it would not see the caller's rows); it runs with the caller's language and time
    zone active (both are per thread in Django). An exception in it reaches the caller."""
    queries = [(name, *query) for name, query in querysets(f, trend=trend).items() if only is None or name in only]
    order = [name for name, _qs, _cols in queries]
    queries.sort(key=lambda q: q[0] == LAST)  # a stable sort: the others keep their order
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def early(ready: dict[str, Future]) -> T:
        frames = {name: future.result() for name, future in ready.items()}  # done: one worker, in order
        with translation.override(language), timezone.override(zone):
            return meanwhile(frames)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-frames") as convert, bulk_rows():
        # Rows read before the last query are held and converted while it runs. Converting them
        # during the queries before made those slower: SQLite hands its rows over one at a time,
        # each waiting for the GIL while the helper holds it (the last query sorts before its first
        # row, a long wait without the GIL; PostgreSQL answers each query whole). Without it
        # (``only``), there is no such wait: rows are converted as they come.
        hold = LAST in order
        held: dict[str, tuple[list, list[str]]] = {}
        frames: dict[str, Future] = {}
        result = None
        for name, qs, cols in queries:
            if name == LAST:
                frames.update({n: convert.submit(frame, *rows_cols) for n, rows_cols in held.items()})
                if meanwhile is not None:
                    result = convert.submit(early, dict(frames))
            if hold and name != LAST:
                held[name] = (fetch(qs), cols)
            else:
                frames[name] = convert.submit(frame, fetch(qs), cols)
        if meanwhile is not None and result is None:  # no LAST query among ``only``
            result = convert.submit(early, dict(frames))
        done = {name: frames[name].result() for name in order}
        return done, None if result is None else result.result()
