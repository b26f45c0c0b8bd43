"""The marketing calendar: visible campaigns' launch/end dates and tasks' deadlines, as a grid or iCalendar.

Visibility is the pages': ``campaigns.selectors.request_list_for`` and ``tasks.selectors.task_list_for``.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import itertools
import operator
import zoneinfo
from dataclasses import dataclass, field
from functools import reduce
from urllib.parse import urlsplit

import icalendar
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest
from campaigns.models import State as RequestState
from campaigns.selectors import request_list_for, request_rows_for
from governance.names import person_name
from tasks.models import Task, TaskState
from tasks.selectors import task_list_for, task_own_for

from .payloads import absolute, base_url

HIDDEN_REQUEST_STATES = [RequestState.DRAFT, RequestState.REJECTED, RequestState.CANCELLED]
MAX_MONTHS_AHEAD = 12
MAX_MONTHS_BACK = 12
# The feed: the user's own items from a month back to half a year ahead, at most FEED_LIMIT of each kind
# (issue 19: a feed of every visible item was 5-18 MB at 100k campaigns).
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)
FEED_LIMIT = 1000
# Items of one kind shown per day on the page; the rest is a "+N more" link to the day's list.
PER_DAY = 4


@dataclass
class Item:
    kind: str  # launch | end | task
    date: dt.date
    title: str
    state: str
    state_label: str
    url: str
    unit: str = ""
    campaign_type: str = ""
    time: dt.datetime | None = None


@dataclass
class Day:
    date: dt.date
    in_month: bool
    items: list[Item] = field(default_factory=list)
    more: int = 0  # items of this day beyond the per-day cap

    @property
    def more_url(self) -> str:
        """The day's campaigns in the request list (where the rest can be read)."""
        day = self.date.isoformat()
        return f"{reverse('campaigns:list')}?launch_from={day}&launch_to={day}"


@dataclass
class Month:
    first: dt.date
    weeks: list[list[Day]]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def clamp_start(requested: dt.date | None, today: dt.date) -> dt.date:
    this = month_start(today)
    start = month_start(requested) if requested else this
    if months_between(this, start) > MAX_MONTHS_AHEAD:
        return add_months(this, MAX_MONTHS_AHEAD)
    if months_between(start, this) > MAX_MONTHS_BACK:
        return add_months(this, -MAX_MONTHS_BACK)
    return start


def _campaigns(user, unit_id, type_id, include_all: bool):
    """The campaigns ``user`` may see under the page's filters (the rule on the row: the per-day
    slices below each carry it, and an id-list subquery would be built once per slice)."""
    qs = request_rows_for(user)
    if not include_all:
        qs = qs.exclude(state__in=HIDDEN_REQUEST_STATES)
    if unit_id:
        qs = qs.filter(business_unit_id=unit_id)
    if type_id:
        qs = qs.filter(campaign_type_id=type_id)
    return qs


def _tasks(user, unit_id, type_id, include_all: bool, own_tasks: bool):
    # Own tasks are always visible (task_own_for is a subset of task_list_for) and read by date
    # without the visibility subquery; the team's tasks (under a filter) go through task_list_for.
    qs = task_own_for(user) if own_tasks else task_list_for(user).prefetch_related(None).select_related(None)
    if not include_all:
        qs = qs.exclude(state=TaskState.CANCELLED).exclude(campaign__state__in=HIDDEN_REQUEST_STATES)
    if unit_id:
        qs = qs.filter(campaign__business_unit_id=unit_id)
    if type_id:
        qs = qs.filter(campaign__campaign_type_id=type_id)
    return qs


# Stand-ins for one day's bounds while the per-day query is compiled once (no real row is dated
# in the year 1); each day's query is that SQL with the day's bounds in their place.
_SLICE_DATES = (dt.date(1, 1, 2), dt.date(1, 1, 3))
_SLICE_INSTANTS = (dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(1, 1, 3, tzinfo=dt.UTC))


def _per_day(qs, column: str, day_key, keys: list, spans: list[tuple], order: list[str], per_day, distinct: bool):
    """(a subquery of the ids to show, the total per day) for ``qs`` over the days ``spans``
    (``column`` in [lo, hi) per day), ``day_key`` grouping rows by day (``keys[i]`` for day i).

    Totals come from one GROUP BY over the indexed date column. The ids are one UNION ALL: the
    quiet days (at most ``per_day`` items) in one member, and a member of at most ``per_day`` rows
    for each busy day, an index seek with a LIMIT. The ORM refuses a limited member in a compound
    query on SQLite and compiling one query per day costs more than running it, so the day's query
    is compiled once and repeated with each day's bounds; each member is wrapped in its own SELECT,
    which both databases accept. Days without items cost nothing."""
    totals = dict(
        qs.annotate(cal_day=day_key)
        .values_list("cal_day")
        .annotate(n=Count("pk", distinct=distinct))
        .order_by()
        .values_list("cal_day", "n")
    )
    counts = [totals.get(key, 0) for key in keys]
    quiet = [i for i, n in enumerate(counts) if n and (per_day is None or n <= per_day)]
    busy = [i for i, n in enumerate(counts) if per_day is not None and n > per_day]
    parts: list[str] = []
    params: list = []

    def member(queryset, limit=None) -> tuple[str, list]:
        queryset = queryset.order_by(*order).values("pk")
        if distinct:
            queryset = queryset.distinct()
        if limit is not None:
            queryset = queryset[:limit]
        return queryset.query.get_compiler(using=queryset.db).as_sql()

    if quiet:
        sql, p = member(qs.filter(reduce(operator.or_, (_span_q(column, *spans[i]) for i in quiet))))
        parts.append(sql)
        params.extend(p)
    if busy:
        field = qs.model._meta.get_field(column)
        stand_in = _SLICE_INSTANTS if isinstance(spans[0][0], dt.datetime) else _SLICE_DATES
        sql, p = member(qs.filter(_span_q(column, *stand_in)), per_day)
        prep = [field.get_db_prep_value(v, connection, prepared=False) for v in stand_in]
        at = [[k for k, v in enumerate(p) if v == stand] for stand in prep]
        assert all(len(found) == 1 for found in at), "the stand-in bounds must each appear once"
        for i in busy:
            day_params = list(p)
            for k, value in zip((at[0][0], at[1][0]), spans[i], strict=True):
                day_params[k] = field.get_db_prep_value(value, connection, prepared=False)
            parts.append(sql)
            params.extend(day_params)
    if not parts:
        return None, totals
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS cal_slice_{n}" for n, sql in enumerate(parts))
    return RawSQL(union, params), totals


def _span_q(column: str, lo, hi) -> Q:
    return Q(**{f"{column}__gte": lo, f"{column}__lt": hi})


def _day_index(column: str, spans: list[tuple]) -> Case:
    """The index of the day each row falls on (rows are already within the spans): comparisons of
    the stored value, so the database neither converts time zones nor calls a function per row."""
    return Case(
        *(When(**{f"{column}__lt": hi, "then": Value(i)}) for i, (_lo, hi) in enumerate(spans[:-1])),
        default=Value(len(spans) - 1),
        output_field=IntegerField(),
    )


def items_for(
    user,
    first: dt.date,
    last: dt.date,
    *,
    tz: zoneinfo.ZoneInfo,
    unit_id=None,
    type_id=None,
    include_all: bool = False,
    per_day: int | None = None,
    own_tasks: bool = False,
    more: dict[dt.date, int] | None = None,
) -> list[Item]:
    """Everything ``user`` may see dated within [first, last] (task deadlines in ``tz``).

    ``per_day``: at most this many launches, ends and tasks per day (the count of the rest is added
    to ``more``); ``own_tasks``: only tasks assigned to ``user`` or of campaigns they requested.
    Issue 19: the work is bounded by what is shown, not by what exists. Per kind, one GROUP BY counts
    each day's items over an indexed date column and one query reads the first ``per_day`` of each
    day by index seeks; no window over every row of the period, no model object per hidden item.
    """
    items: list[Item] = []
    more = more if more is not None else {}
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    date_spans = [(d, d + dt.timedelta(days=1)) for d in dates]
    campaigns = _campaigns(user, unit_id, type_id, include_all)
    distinct = bool(campaigns.query.alias_map.keys() - {CampaignRequest._meta.db_table})  # a join may repeat a row
    launches = campaigns.filter(launch_date__range=(first, last))
    ends = campaigns.filter(end_date__range=(first, last)).exclude(end_date=F("launch_date"))
    for kind, rows, column in (("launch", launches, "launch_date"), ("end", ends, "end_date")):
        ids, by_date = _per_day(rows, column, F(column), dates, date_spans, ["id"], per_day, distinct)
        for d, n in by_date.items():
            if per_day is not None and n > per_day:
                more[d] = more.get(d, 0) + n - per_day
        if ids is None:
            continue
        shown = (
            CampaignRequest.objects.filter(pk__in=ids)
            .select_related("business_unit", "campaign_type")
            .only("id", "name", "state", "launch_date", "end_date", "business_unit", "campaign_type")
        )
        for req in shown:
            items.append(
                Item(
                    kind=kind,
                    date=getattr(req, column),
                    title=req.name,
                    state=req.state,
                    state_label=req.get_state_display(),
                    url=reverse("campaigns:detail", args=[req.pk]),
                    unit=str(req.business_unit),
                    campaign_type=str(req.campaign_type),
                )
            )
    # Task deadlines by local day: the day's bounds in ``tz`` are computed here, so the database
    # compares stored instants (an index range) instead of converting each row's time zone.
    bounds = [dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in [*dates, last + dt.timedelta(days=1)]]
    tasks = _tasks(user, unit_id, type_id, include_all, own_tasks).filter(due_at__gte=bounds[0], due_at__lt=bounds[-1])
    spans = list(itertools.pairwise(bounds))
    index = list(range(len(dates)))
    ids, totals = _per_day(tasks, "due_at", _day_index("due_at", spans), index, spans, ["due_at", "id"], per_day, False)
    for i, n in totals.items():
        if per_day is not None and n > per_day:
            more[dates[i]] = more.get(dates[i], 0) + n - per_day
    if ids is not None:
        rows = (
            Task.objects.filter(pk__in=ids)
            .select_related("campaign__business_unit", "campaign__campaign_type")
            .only(
                "id",
                "key",
                "title",
                "state",
                "due_at",
                "campaign__state",  # read by the task model (state labels of a finished campaign)
                "campaign__business_unit",
                "campaign__campaign_type",
            )
        )
        for task in rows:
            local = task.due_at.astimezone(tz)
            items.append(
                Item(
                    kind="task",
                    date=local.date(),
                    time=local,
                    title=f"{task.key} {task.title}",
                    state=task.state,
                    state_label=task.get_state_display(),
                    url=reverse("tasks:detail", args=[task.pk]),
                    unit=str(task.campaign.business_unit),
                    campaign_type=str(task.campaign.campaign_type),
                )
            )
    order = {"launch": 0, "task": 1, "end": 2}
    items.sort(key=lambda i: (i.date, order[i.kind], i.time or dt.datetime.min.replace(tzinfo=dt.UTC), i.title))
    return items


def month_grid(first: dt.date, items: list[Item], more: dict[dt.date, int] | None = None) -> Month:
    by_day: dict[dt.date, list[Item]] = {}
    for item in items:
        by_day.setdefault(item.date, []).append(item)
    more = more or {}
    weeks = [
        [Day(d, d.month == first.month, by_day.get(d, []), more.get(d, 0)) for d in week]
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    return Month(first=first, weeks=weeks)


def view_months(view: str, start: dt.date) -> list[dt.date]:
    """The months a view shows: 1 (month), the quarter containing ``start``, or 12 (agenda)."""
    if view == "quarter":
        q_first = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        return [add_months(q_first, i) for i in range(3)]
    if view == "list":
        return [add_months(start, i) for i in range(12)]
    return [start]


# --- iCalendar -------------------------------------------------------------------------------


def _uid_domain() -> str:
    return urlsplit(base_url()).hostname or "mops-desk"


def feed_ics(user, *, now: dt.datetime | None = None, tz_name: str = "Asia/Tokyo") -> bytes:
    """The user's iCalendar feed: campaigns they may see (all-day, launch → end) and their own task
    deadlines, from ``FEED_PAST`` back to ``FEED_AHEAD`` ahead, at most ``FEED_LIMIT`` of each."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    domain = _uid_domain()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//MOps Desk//Marketing calendar//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Marketing calendar"))
    cal.add("x-wr-timezone", tz_name)
    cal.add("x-published-ttl", "PT1H")
    first, last = today - FEED_PAST, today + FEED_AHEAD
    requests = (
        request_list_for(user)
        .prefetch_related(None)
        .exclude(state=RequestState.DRAFT)
        .filter(end_date__gte=first, launch_date__lte=last)
        .order_by("launch_date", "id")[:FEED_LIMIT]
    )
    for req in requests:
        ev = icalendar.Event()
        ev.add("uid", f"campaign-{req.pk}@{domain}")
        ev.add("dtstamp", now)
        ev.add("last-modified", req.updated_at)
        ev.add("summary", f"{req.name} [{req.campaign_type}]")
        ev.add("dtstart", req.launch_date)
        ev.add("dtend", req.end_date + dt.timedelta(days=1))
        ev.add(
            "description",
            f"{req.get_state_display()} · {req.business_unit} · {req.campaign_type}\n"
            + str(
                _("Launch %(launch)s – end %(end)s")
                % {"launch": f"{req.launch_date:%Y-%m-%d}", "end": f"{req.end_date:%Y-%m-%d}"}
            ),
        )
        ev.add("url", absolute("campaigns:detail", req.pk))
        ev.add("categories", ["campaign", req.state])
        ev.add(
            "status",
            "CANCELLED"
            if req.state in (RequestState.CANCELLED, RequestState.REJECTED)
            else "TENTATIVE"
            if req.state in (RequestState.SUBMITTED, RequestState.CHANGES_REQUESTED)
            else "CONFIRMED",
        )
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC)
    # The user's own deadlines: assigned to them, or of campaigns they requested.
    tasks = (
        task_list_for(user)
        .prefetch_related(None)
        .filter(Q(assignee=user) | Q(campaign__requester=user), due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "id")[:FEED_LIMIT]
    )
    for task in tasks:
        ev = icalendar.Event()
        ev.add("uid", f"task-{task.pk}@{domain}")
        ev.add("dtstamp", now)
        ev.add("last-modified", task.updated_at)
        ev.add("summary", _("Due: %(key)s %(title)s") % {"key": task.key, "title": task.title})
        ev.add("dtstart", task.due_at.astimezone(dt.UTC))  # no DTEND: a deadline is an instant
        assignee = person_name(task.assignee) if task.assignee_id else "—"
        ev.add(
            "description",
            f"{task.campaign.name}\n{task.get_state_display()} · SLA {task.get_sla_state_display()} · {assignee}",
        )
        ev.add("url", absolute("tasks:detail", task.pk))
        ev.add("categories", ["task", task.state])
        ev.add("status", "CANCELLED" if task.state == TaskState.CANCELLED else "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()
