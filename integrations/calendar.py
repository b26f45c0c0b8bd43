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
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from django.db import connection, connections
from django.db.models import Count, Exists, F, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest
from campaigns.models import State as RequestState
from campaigns.selectors import request_rows_few_for
from governance.names import localized_name, person_name
from tasks.models import SlaState, Task, TaskState
from tasks.selectors import campaign_in_states, task_list_for, task_own_for

from . import ical
from .payloads import absolute, base_url

HIDDEN_REQUEST_STATES = [RequestState.DRAFT, RequestState.REJECTED, RequestState.CANCELLED]
MAX_MONTHS_AHEAD = 12
MAX_MONTHS_BACK = 12
# The feed: campaigns the user may see and their own deadlines, from a month back to half a year
# ahead, at most FEED_LIMIT of each kind, the nearest to today first; the feed's description says
# when some were left out (issue 19: a feed of every visible item was 5-18 MB at 100k campaigns).
# 250 each: more bars than a month view can show, and a calendar app re-reads the whole feed every
# hour (500 each made MOps' feed 210 KB and 60 ms of writing at 100k campaigns).
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)
FEED_LIMIT = 250
# Items shown per day on the page (launches, then deadlines, then ends); the rest is "+N more",
# counted in the month view up to MORE_CAP per kind ("+100 or more"): a cell's count need not read
# 40,000 rows.
PER_DAY = 4
MORE_CAP = 100
CAPPED_DAYS = 42  # a month view (six weeks at most); longer views count exactly


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
    more: int = 0  # launches and ends of this day beyond the per-day cap
    more_tasks: int = 0  # deadlines of this day beyond it
    # The count stopped at MORE_CAP: "+N or more".
    more_capped: bool = False
    more_tasks_capped: bool = False
    # The calendar's own filters in the lists' terms (``more_queries``), appended to the links.
    request_query: str = ""
    task_query: str = ""

    @property
    def more_url(self) -> str:
        """The day's launches in the request list, under the calendar's filters (where the rest can be read)."""
        day = self.date.isoformat()
        return f"{reverse('campaigns:list')}?launch_from={day}&launch_to={day}{self.request_query}"

    @property
    def date_label(self) -> str:
        """The list view's date ("2026-11-30 (月)"), written once for the day's rows."""
        return formats.date_format(self.date, "Y-m-d (D)")

    @property
    def more_label(self) -> str:
        """The "+N more" label (or "+N or more" past the count's cap): written here, not by an included
        template per day (a quarter of busy days rendered 180 of them; issue 19)."""
        n = formats.number_format(self.more)
        return gettext("+%(n)s or more") % {"n": n} if self.more_capped else gettext("+%(n)s more") % {"n": n}

    @property
    def more_tasks_label(self) -> str:
        n = formats.number_format(self.more_tasks)
        if self.more_tasks_capped:
            return gettext("+%(n)s or more deadlines") % {"n": n}
        return gettext("+%(n)s more deadlines") % {"n": n}

    @property
    def more_links(self) -> str:
        """The day's "+N more" links (campaigns, then deadlines), for the month grid and the list."""
        links = [(self.more_url, self.more_label)] if self.more else []
        if self.more_tasks:
            links.append((self.more_tasks_url, self.more_tasks_label))
        return format_html_join("", '<a class="cal-more" href="{}">{}</a>', links)

    @property
    def more_tasks_url(self) -> str:
        """The day's deadlines in the task list, the same ones the calendar counts (sortable and paged)."""
        day = self.date.isoformat()
        return f"{reverse('worklists:tasks')}?due_after={day}&due_before={day}{self.task_query}"


def more_queries(
    *, unit=None, campaign_type=None, include_all: bool = False, own_tasks: bool = False
) -> tuple[str, str]:
    """The calendar's filters as (request list, task list) query suffixes for the "+N more" links:
    the unit and campaign type; the states the calendar shows (hidden ones only with "all"); and
    the user's own deadlines when the calendar shows only those."""
    common = [("business_unit", unit.slug)] if unit else []
    if campaign_type:
        common.append(("campaign_type", campaign_type.slug))
    states = [] if include_all else [("state", s) for s in RequestState.values if s not in HIDDEN_REQUEST_STATES]
    tasks = [("unit", unit.slug)] if unit else []
    if campaign_type:
        tasks.append(("campaign_type", campaign_type.slug))
    if own_tasks:
        tasks.append(("mine", "on"))
    return tuple("&" + urlencode(pairs) if pairs else "" for pairs in (common + states, tasks))


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
    """The campaigns ``user`` may see under the page's filters: the rule on the row, or the few
    visible ids as a literal list (``request_rows_few_for``); the per-day slices below each carry
    it, where an id-list subquery would be built once per slice."""
    qs = request_rows_few_for(user)
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
    hiding = () if include_all else HIDDEN_REQUEST_STATES
    if own_tasks:
        qs = task_own_for(user, hiding_campaign_states=hiding)
    else:
        qs = task_list_for(user).prefetch_related(None).select_related(None)
        if hiding:
            qs = qs.filter(~Exists(campaign_in_states(hiding)))
    if not include_all:
        qs = qs.exclude(state=TaskState.CANCELLED)
    if unit_id:
        qs = qs.filter(campaign__business_unit_id=unit_id)
    if type_id:
        qs = qs.filter(campaign__campaign_type_id=type_id)
    return qs


# Stand-ins for one day's bounds while the per-day query is compiled once (no real row is dated
# in the year 1); each day's query is that SQL with the day's bounds in their place.
_SLICE_DATES = (dt.date(1, 1, 2), None)
_UNION_GROUP = 400
_SLICE_INSTANTS = (dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(1, 1, 3, tzinfo=dt.UTC))


def _per_day(qs, column: str, day_key, keys: list, spans: list[tuple], order: list[str], per_day, distinct: bool):
    """(a subquery of the ids to show, the total per day) for ``qs`` over the days ``spans``
    (``column`` in [lo, hi) per day, or equal to lo when hi is None), ``day_key`` grouping rows by
    day (``keys[i]`` for day i).

    ``qs`` is not limited to the period: each day's query adds only its day (with the period too,
    SQLite walked the index from the period's start on every day).
    With ``per_day``, over a month at most, the totals are counted per day up to ``per_day +
    MORE_CAP`` (a day's "+N more" reads "+100 or more" past that): each day an index seek with a
    LIMIT, so a month costs the same with 40 or 40,000 deadlines. Otherwise one GROUP BY over the
    indexed date column counts all (for a quarter or a year, a seek per day read as many rows).
    The ids are one UNION ALL: the quiet days (at most ``per_day`` items) in one member, and a
    member of at most ``per_day`` rows for each busy day. Days without items cost nothing."""
    if qs.query.is_empty():  # nothing to count (request_rows_few_for of someone who sees no request)
        return None, {}
    if not _counts_capped(per_day, len(spans)):
        totals = dict(
            qs.filter(
                _span_q(column, spans[0][0], spans[-1][1])
                if spans[0][1]
                else Q(**{f"{column}__range": (spans[0][0], spans[-1][0])})
            )
            .annotate(cal_day=day_key)
            .values_list("cal_day")
            # COUNT(*) unless ids must be told apart: the date indexes do not hold the id, and
            # counting it visited every row of the period (12k campaigns a quarter at 100k).
            .annotate(n=Count("pk", distinct=True) if distinct else Count("*"))
            .order_by()
            .values_list("cal_day", "n")
        )
    else:
        totals = _capped_totals(qs, column, keys, spans, per_day + MORE_CAP, distinct)
    counts = [totals.get(key, 0) for key in keys]
    quiet = [i for i, n in enumerate(counts) if n and (per_day is None or n <= per_day)]
    busy = [i for i, n in enumerate(counts) if per_day is not None and n > per_day]
    busy_days = set(busy)
    parts: list[str] = []
    params: list = []
    if quiet:
        if spans[0][1] is None:
            quiet_q = Q(**{f"{column}__in": [spans[i][0] for i in quiet]})
        else:
            # Runs of days that are not busy as one range each (an empty day has no rows to add).
            runs = [list(run) for is_busy, run in itertools.groupby(range(len(spans)), key=busy_days.__contains__)]
            quiet_q = reduce(
                operator.or_,
                (_span_q(column, spans[run[0]][0], spans[run[-1]][1]) for run in runs if run[0] not in busy_days),
            )
        sql, p = _compiled(qs.filter(quiet_q), order, None, distinct)
        parts.append(sql)
        params.extend(p)
    if busy:
        for sql, p in _each_day(qs, column, [spans[i] for i in busy], order, per_day, distinct):
            parts.append(sql)
            params.extend(p)
    if not parts:
        return None, totals
    return RawSQL(_union([f"SELECT * FROM ({sql}) AS cal_slice_{n}" for n, sql in enumerate(parts)]), params), totals


def _counts_capped(per_day: int | None, days: int) -> bool:
    """Whether ``_per_day`` counts each day only up to ``per_day + MORE_CAP`` (a month view)."""
    return per_day is not None and days <= CAPPED_DAYS


def _compiled(queryset, order: list[str], limit: int | None, distinct: bool) -> tuple[str, list]:
    """The SQL of ``queryset``'s ids in ``order`` (at most ``limit``)."""
    queryset = queryset.order_by(*order).values("pk")
    if distinct:
        queryset = queryset.distinct()
    if limit is not None:
        queryset = queryset[:limit]
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _union(members: list[str]) -> str:
    # SQLite allows 500 terms in one compound SELECT (a 12-month list has up to 367): groups of
    # fewer, each its own compound, keep any period well inside it.
    groups = [" UNION ALL ".join(members[k : k + _UNION_GROUP]) for k in range(0, len(members), _UNION_GROUP)]
    if len(groups) > 1:
        groups = [f"SELECT * FROM ({group}) AS cal_group_{k}" for k, group in enumerate(groups)]
    return " UNION ALL ".join(groups)


def _each_day(
    qs, column: str, spans: list[tuple], order: list[str], limit: int, distinct: bool, *, count: bool = False
) -> list[tuple[str, list]]:
    """One day's query of ``qs`` (at most ``limit`` ids in ``order``, or with ``count`` the
    number of those ids as ``(day's position in spans, n)``) for each of ``spans``, as SQL parts to
    join with UNION ALL.

    The ORM refuses a limited member in a compound query on SQLite and compiling one query per
    day costs more than running it, so the day's query is compiled once with stand-in bounds and
    repeated with each day's; on PostgreSQL it is one LATERAL join over the days' bounds instead."""
    field = qs.model._meta.get_field(column)
    stand_in = _SLICE_INSTANTS if isinstance(spans[0][0], dt.datetime) else _SLICE_DATES
    sql, p = _compiled(qs.filter(_span_q(column, *stand_in)), [] if count else order, limit, distinct)
    db = connections[qs.db]  # the connection the SQL was compiled for
    prep = [field.get_db_prep_value(v, db, prepared=False) for v in stand_in if v is not None]
    at = [[k for k, v in enumerate(p) if v == stand] for stand in prep]
    if not all(len(found) == 1 for found in at):  # not an assert: ``python -O`` drops those
        raise RuntimeError("calendar: the stand-in bounds must each appear once in the day's SQL")
    lateral = _lateral_days(sql, p, [found[0] for found in at], field, db, spans, count=count)
    if lateral is not None:
        return [lateral]
    parts = []
    for i, span in enumerate(spans):
        day_params = list(p)
        for found, value in zip(at, span, strict=False):
            day_params[found[0]] = field.get_db_prep_value(value, db, prepared=False)
        parts.append((f"SELECT {i} AS cal_i, COUNT(*) AS n FROM ({sql}) AS cal_ids" if count else sql, day_params))
    return parts


def _capped_totals(qs, column: str, keys: list, spans: list[tuple], cap: int, distinct: bool) -> dict:
    """Each day's number of rows of ``qs`` up to ``cap`` (``keys[i]`` -> n, days with rows only)."""
    parts = _each_day(qs, column, spans, [], cap, distinct, count=True)
    with connections[qs.db].cursor() as cur:
        cur.execute(_union([sql for sql, _ in parts]), [x for _, p in parts for x in p])
        return {keys[i]: n for i, n in cur.fetchall() if n}


def _lateral_days(
    sql: str, params: list, bounds_at: list[int], field, db, spans: list[tuple], *, count: bool = False
) -> tuple[str, list] | None:
    """PostgreSQL: the days' slices as one LATERAL join over the days' bounds, or None (SQLite,
    or SQL this cannot rewrite: the caller repeats the day's query per day).

    ``sql`` is one day's query with its bounds at the parameters ``bounds_at``; they become columns
    of a VALUES list, so the query is planned once (a UNION of 90 copies, a quarter's busy days, cost
    PostgreSQL 18 ms of planning for 5 ms of work) and still seeks each day's index range. With
    ``count``, the rows are (the day's position in ``spans``, the number of rows of its query)."""
    if db.vendor != "postgresql" or "%%" in sql:
        return None
    pieces = sql.split("%s")
    if len(pieces) != len(params) + 1:
        return None
    names = ["lo", "hi"][: len(bounds_at)]
    columns = [f"cal_days.{name}" for name in names]
    day_params = []
    out = [pieces[0]]
    for k, piece in enumerate(pieces[1:]):
        if k in bounds_at:
            out.append(columns[bounds_at.index(k)])
        else:
            out.append("%s")
            day_params.append(params[k])
        out.append(piece)
    db_type = field.db_type(db)
    width = len(bounds_at)
    values = ", ".join(f"({i}, " + ", ".join([f"CAST(%s AS {db_type})"] * width) + ")" for i, _ in enumerate(spans))
    values_params = [field.get_db_prep_value(v, db, prepared=False) for span in spans for v in span[:width]]
    day = "".join(out)
    if count:
        select, day = "cal_days.i, cal_day_rows.n", f"SELECT COUNT(*) AS n FROM ({day}) AS cal_ids"
    else:
        select = "cal_day_rows.*"
    lateral = (
        f"SELECT {select} FROM (VALUES {values}) AS cal_days(i, {', '.join(names)}) "
        f"CROSS JOIN LATERAL ({day}) AS cal_day_rows"
    )
    return lateral, [*values_params, *day_params]


def _labels(choices: type) -> dict[str, str]:
    """A choices enum's values -> their labels in the active language."""
    return {value: str(label) for value, label in choices.choices}


def _span_q(column: str, lo, hi) -> Q:
    # One date: an equality, so the (date, id) index also gives the order of the day's rows.
    if hi is None:
        return Q(**{column: lo})
    return Q(**{f"{column}__gte": lo, f"{column}__lt": hi})


def _day_index(model, column: str, spans: list[tuple]) -> RawSQL:
    """The index of the day each row falls on (rows are already within the spans): comparisons of
    the stored value, so the database neither converts time zones nor calls a function per row.
    A binary tree of CASEs (5 comparisons a row for a month, 9 for a year, where a flat CASE made
    15 or 180); written as SQL, as the ORM's ``Case`` took longer to build for a year than to run."""
    field = model._meta.get_field(column)
    quote = connection.ops.quote_name
    col = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    params: list = []

    def tree(lo: int, hi: int) -> str:  # the index of a row known to fall within days [lo, hi)
        if hi - lo == 1:
            return str(lo)
        mid = (lo + hi) // 2
        params.append(field.get_db_prep_value(spans[mid][0], connection, prepared=False))
        return f"CASE WHEN {col} < %s THEN {tree(lo, mid)} ELSE {tree(mid, hi)} END"

    return RawSQL(tree(0, len(spans)), params, output_field=IntegerField())


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
    more_tasks: dict[dt.date, int] | None = None,
    capped: set[tuple[str, dt.date]] | None = None,
) -> list[Item]:
    """Everything ``user`` may see dated within [first, last] (task deadlines in ``tz``).

    ``per_day``: at most this many items per day, launches first, then task deadlines, then ends
    (the count of the rest is added to ``more`` for campaigns, to ``more_tasks`` for deadlines; a
    day's kind counted only up to ``per_day + MORE_CAP`` is added to ``capped`` as ``("more", day)``
    or ``("tasks", day)``);
    ``own_tasks``: only tasks assigned to ``user`` or of campaigns they requested.
    Issue 19: the work is bounded by what is shown, not by what exists. Per kind, one GROUP BY counts
    each day's items over an indexed date column and one query reads the first ``per_day`` of each
    day by index seeks; no window over every row of the period, no model object per item.
    """
    items: list[Item] = []
    more = more if more is not None else {}
    more_tasks = more_tasks if more_tasks is not None else {}
    capped = capped if capped is not None else set()
    names = _Names()
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    date_spans = [(d, None) for d in dates]
    capping = _counts_capped(per_day, len(dates))
    campaigns = _campaigns(user, unit_id, type_id, include_all)
    distinct = _may_repeat(campaigns)
    launches = campaigns
    ends = campaigns.exclude(end_date=F("launch_date"))
    request_states = _labels(RequestState)
    campaign_url = _url_maker("campaigns:detail", absolute_url=False)
    for kind, rows, column in (("launch", launches, "launch_date"), ("end", ends, "end_date")):
        ids, by_date = _per_day(rows, column, F(column), dates, date_spans, ["id"], per_day, distinct)
        for d, n in by_date.items():
            if per_day is not None and n > per_day:
                more[d] = more.get(d, 0) + n - per_day
                if capping and n >= per_day + MORE_CAP:
                    capped.add(("more", d))
        if ids is None:
            continue
        shown = CampaignRequest.objects.filter(pk__in=ids).values(
            "id", "name", "state", column, *_Names.fields("business_unit"), *_Names.fields("campaign_type")
        )
        for req in shown:
            items.append(
                Item(
                    kind=kind,
                    date=req[column],
                    title=req["name"],
                    state=req["state"],
                    state_label=request_states.get(req["state"], req["state"]),
                    url=campaign_url(req["id"]),
                    unit=names(req, "business_unit"),
                    campaign_type=names(req, "campaign_type"),
                )
            )
    # Task deadlines by local day: the day's bounds in ``tz`` are computed here, so the database
    # compares stored instants (an index range) instead of converting each row's time zone.
    bounds = [dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in [*dates, last + dt.timedelta(days=1)]]
    tasks = _tasks(user, unit_id, type_id, include_all, own_tasks)
    spans = list(itertools.pairwise(bounds))
    index = list(range(len(dates)))
    ids, totals = _per_day(
        tasks, "due_at", _day_index(Task, "due_at", spans), index, spans, ["due_at", "id"], per_day, False
    )
    for i, n in totals.items():
        if per_day is not None and n > per_day:
            more_tasks[dates[i]] = more_tasks.get(dates[i], 0) + n - per_day
            if capping and n >= per_day + MORE_CAP:
                capped.add(("tasks", dates[i]))
    if ids is not None:
        task_states = _labels(TaskState)
        task_url = _url_maker("tasks:detail", absolute_url=False)
        shown = Task.objects.filter(pk__in=ids).values(
            "id",
            "key",
            "title",
            "state",
            "due_at",
            *_Names.fields("campaign__business_unit"),
            *_Names.fields("campaign__campaign_type"),
        )
        for task in shown:
            local = task["due_at"].astimezone(tz)
            items.append(
                Item(
                    kind="task",
                    date=local.date(),
                    time=local,
                    title=f"{task['key']} {task['title']}",
                    state=task["state"],
                    state_label=task_states.get(task["state"], task["state"]),
                    url=task_url(task["id"]),
                    unit=names(task, "campaign__business_unit"),
                    campaign_type=names(task, "campaign__campaign_type"),
                )
            )
    order = {"launch": 0, "task": 1, "end": 2}
    items.sort(key=lambda i: (i.date, order[i.kind], i.time or dt.datetime.min.replace(tzinfo=dt.UTC), i.title))
    if per_day is None:
        return items
    # At most ``per_day`` a day in all (a cell holds what a person can read); the rest joins "+N more".
    kept: list[Item] = []
    for date, day_items in itertools.groupby(items, key=lambda i: i.date):
        day_items = list(day_items)
        kept.extend(day_items[:per_day])
        for item in day_items[per_day:]:
            counter = more_tasks if item.kind == "task" else more
            counter[date] = counter.get(date, 0) + 1
    return kept


class _Names:
    """Labels of configurable tables (unit, campaign type) in the page's language, from ``values()``
    rows (``name`` and ``name_en`` of a relation), each pair localised once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}

    @staticmethod
    def fields(prefix: str) -> tuple[str, str]:
        return f"{prefix}__name", f"{prefix}__name_en"

    def __call__(self, row: dict, prefix: str) -> str:
        key = (row[f"{prefix}__name"] or "", row[f"{prefix}__name_en"] or "")
        if key not in self._seen:
            self._seen[key] = localized_name(*key)
        return self._seen[key]


def month_grid(
    first: dt.date,
    items: list[Item],
    more: dict[dt.date, int] | None = None,
    more_tasks: dict[dt.date, int] | None = None,
    capped: set[tuple[str, dt.date]] | None = None,
    queries: tuple[str, str] = ("", ""),
) -> Month:
    by_day: dict[dt.date, list[Item]] = {}
    for item in items:
        by_day.setdefault(item.date, []).append(item)
    more, more_tasks, capped = more or {}, more_tasks or {}, capped or set()
    weeks = [
        [
            Day(
                d,
                d.month == first.month,
                by_day.get(d, []),
                more.get(d, 0),
                more_tasks.get(d, 0),
                ("more", d) in capped,
                ("tasks", d) in capped,
                *queries,
            )
            for d in week
        ]
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


def _url_maker(name: str, *, absolute_url: bool = True):
    """The URL of ``name`` for many pks with one ``reverse`` (a URL per item)."""
    marker = 987654321
    url = absolute(name, marker) if absolute_url else reverse(name, args=[marker])
    head, tail = url.split(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _nearest(upcoming: list, past: list, distance) -> tuple[list, bool]:
    """(the FEED_LIMIT items nearest today of two lists, each read nearest-first with one row beyond
    the cap, whether the cap left any out)."""
    rows = sorted([*upcoming, *past], key=distance)
    return rows[:FEED_LIMIT], len(rows) > FEED_LIMIT


def _feed_campaigns(user, today: dt.date, first: dt.date, last: dt.date) -> tuple[list, bool]:
    """(the FEED_LIMIT campaigns nearest today that ``user`` may see in [first, last], whether some
    were left out): each part an index walk with a LIMIT, nothing counted. Running campaigns are
    nearest (distance 0), then by days to the launch or since the end."""
    visible = request_rows_few_for(user).exclude(state=RequestState.DRAFT)
    # Plain rows, not model objects: building one (state machine included) cost more than writing it.
    rows = visible.values(
        "id",
        "name",
        "state",
        "launch_date",
        "end_date",
        "updated_at",
        *_Names.fields("business_unit"),
        *_Names.fields("campaign_type"),
    )
    if _may_repeat(visible):
        rows = rows.distinct()
    # Coming ones by launch date (a range of the launch index); running and ended ones by end date,
    # latest first (the end index from the top: running ones, then the most recently ended).
    upcoming = list(
        rows.filter(launch_date__gte=today, launch_date__lte=last).order_by("launch_date", "id")[: FEED_LIMIT + 1]
    )
    past = list(rows.filter(launch_date__lt=today, end_date__gte=first).order_by("-end_date", "-id")[: FEED_LIMIT + 1])

    def distance(req: dict) -> int:
        if req["end_date"] < today:
            return (today - req["end_date"]).days
        return max((req["launch_date"] - today).days, 0)

    return _nearest(upcoming, past, distance)


def _feed_tasks(user, now: dt.datetime, start: dt.datetime, end: dt.datetime) -> tuple[list, bool]:
    """(the FEED_LIMIT own deadlines nearest ``now`` in [start, end), whether some were left out)."""
    rows = (
        task_own_for(user)
        .filter(due_at__gte=start, due_at__lt=end)
        .values(
            "id",
            "key",
            "title",
            "state",
            "sla_state",
            "due_at",
            "updated_at",
            "assignee_id",
            "campaign__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
    )
    upcoming = list(rows.filter(due_at__gte=now).order_by("due_at", "id")[: FEED_LIMIT + 1])
    past = list(rows.filter(due_at__lt=now).order_by("-due_at", "-id")[: FEED_LIMIT + 1])
    return _nearest(upcoming, past, lambda task: abs(task["due_at"] - now))


def _may_repeat(qs) -> bool:
    """Whether the filter of ``qs`` joins another table (an approver's routes), so a row may repeat.
    Asked before ``select_related`` adds its joins."""
    query = qs.query
    return any(count for alias, count in query.alias_refcount.items() if alias != query.base_table)


def feed_ics(user, *, now: dt.datetime | None = None, tz_name: str = "Asia/Tokyo") -> bytes:
    """The user's iCalendar feed: campaigns they may see (all-day, launch → end) and their own task
    deadlines, from ``FEED_PAST`` back to ``FEED_AHEAD`` ahead, at most ``FEED_LIMIT`` of each, the
    nearest to today first. When the cap leaves some out, the calendar's description says how many
    and where to see them all (issue 19: a feed of every visible item was 5-18 MB at 100k campaigns).
    Written with ``ical.Writer`` (the icalendar library cost 0.5 ms an event)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first, last = today - FEED_PAST, today + FEED_AHEAD
    campaigns, campaigns_cut = _feed_campaigns(user, today, first, last)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC)
    tasks, tasks_cut = _feed_tasks(user, now, start, end)

    domain = _uid_domain()
    stamp = ical.instant(now)
    out = ical.Writer()
    out.begin("VCALENDAR")
    out.prop("VERSION", "2.0")
    out.prop("PRODID", "-//MOps Desk//Marketing calendar//JA")
    out.prop("CALSCALE", "GREGORIAN")
    out.prop("METHOD", "PUBLISH")
    out.prop("X-WR-CALNAME", ical.text(_("Marketing calendar")))
    out.prop("X-WR-TIMEZONE", ical.text(tz_name))
    out.prop("X-PUBLISHED-TTL", "PT1H")
    notes = []
    if campaigns_cut:
        notes.append(
            _("This feed holds the %(shown)s campaigns nearest today; the calendar shows the rest: %(url)s")
            % {"shown": len(campaigns), "url": absolute("integrations:calendar")}
        )
    if tasks_cut:
        notes.append(
            _("This feed holds your %(shown)s deadlines nearest today; your task list shows the rest: %(url)s")
            % {"shown": len(tasks), "url": absolute("tasks:mine")}
        )
    if notes:
        out.prop("X-WR-CALDESC", ical.text("\n".join(str(n) for n in notes)))

    labels = _labels(RequestState)
    campaign_url = _url_maker("campaigns:detail")
    period = _("Launch %(launch)s – end %(end)s")
    name = _Names()

    for req in campaigns:
        state = req["state"]
        status = (
            "CANCELLED"
            if state in (RequestState.CANCELLED, RequestState.REJECTED)
            else "TENTATIVE"
            if state in (RequestState.SUBMITTED, RequestState.CHANGES_REQUESTED)
            else "CONFIRMED"
        )
        launch, end_date = req["launch_date"], req["end_date"]
        dates = str(period % {"launch": f"{launch:%Y-%m-%d}", "end": f"{end_date:%Y-%m-%d}"})
        ctype, unit = name(req, "campaign_type"), name(req, "business_unit")
        out.begin("VEVENT")
        out.prop("UID", f"campaign-{req['id']}@{domain}")
        out.prop("DTSTAMP", stamp)
        out.prop("LAST-MODIFIED", ical.instant(req["updated_at"]))
        out.prop("SUMMARY", ical.text(f"{req['name']} [{ctype}]"))
        out.prop("DTSTART;VALUE=DATE", ical.date(launch))
        out.prop("DTEND;VALUE=DATE", ical.date(end_date + dt.timedelta(days=1)))
        out.prop("DESCRIPTION", ical.text(f"{labels.get(state, state)} · {unit} · {ctype}\n{dates}"))
        out.prop("URL", campaign_url(req["id"]))
        out.prop("CATEGORIES", f"campaign,{ical.text(state)}")
        out.prop("STATUS", status)
        out.prop("TRANSP", "TRANSPARENT")
        out.end("VEVENT")

    task_labels = _labels(TaskState)
    sla_labels = _labels(SlaState)
    task_url = _url_maker("tasks:detail")
    due = _("Due: %(key)s %(title)s")
    for task in tasks:
        assignee = (
            person_name(
                SimpleNamespace(
                    username=task["assignee__username"],
                    first_name=task["assignee__first_name"],
                    last_name=task["assignee__last_name"],
                )
            )
            if task["assignee_id"]
            else "—"
        )
        state = task["state"]
        sla = sla_labels.get(task["sla_state"], task["sla_state"])
        out.begin("VEVENT")
        out.prop("UID", f"task-{task['id']}@{domain}")
        out.prop("DTSTAMP", stamp)
        out.prop("LAST-MODIFIED", ical.instant(task["updated_at"]))
        out.prop("SUMMARY", ical.text(due % {"key": task["key"], "title": task["title"]}))
        out.prop("DTSTART", ical.instant(task["due_at"]))  # no DTEND: a deadline is an instant
        out.prop(
            "DESCRIPTION",
            ical.text(f"{task['campaign__name']}\n{task_labels.get(state, state)} · SLA {sla} · {assignee}"),
        )
        out.prop("URL", task_url(task["id"]))
        out.prop("CATEGORIES", f"task,{ical.text(state)}")
        out.prop("STATUS", "CANCELLED" if state == TaskState.CANCELLED else "CONFIRMED")
        out.prop("TRANSP", "TRANSPARENT")
        out.end("VEVENT")
    out.end("VCALENDAR")
    return out.to_bytes()
