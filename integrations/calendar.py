"""The marketing calendar: visible campaigns' launch/end dates and tasks' deadlines, as a grid or iCalendar.

Visibility is the pages': ``campaigns.selectors.request_list_for`` and ``tasks.selectors.task_list_for``.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import icalendar
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import State as RequestState
from campaigns.selectors import request_list_for
from governance.names import person_name
from tasks.models import TaskState
from tasks.selectors import task_list_for

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


def _campaigns(user, first: dt.date, last: dt.date, unit_id, type_id, include_all: bool):
    qs = (
        request_list_for(user)
        .prefetch_related(None)
        .filter(Q(launch_date__range=(first, last)) | Q(end_date__range=(first, last)))
    )
    if not include_all:
        qs = qs.exclude(state__in=HIDDEN_REQUEST_STATES)
    if unit_id:
        qs = qs.filter(business_unit_id=unit_id)
    if type_id:
        qs = qs.filter(campaign_type_id=type_id)
    return qs.order_by("launch_date", "id")


def _tasks(user, start: dt.datetime, end: dt.datetime, unit_id, type_id, include_all: bool):
    qs = task_list_for(user).prefetch_related(None).filter(due_at__gte=start, due_at__lt=end)
    if not include_all:
        qs = qs.exclude(state=TaskState.CANCELLED).exclude(campaign__state__in=HIDDEN_REQUEST_STATES)
    if unit_id:
        qs = qs.filter(campaign__business_unit_id=unit_id)
    if type_id:
        qs = qs.filter(campaign__campaign_type_id=type_id)
    return qs.select_related("campaign__business_unit", "campaign__campaign_type").order_by("due_at", "id")


def _capped(qs, day, order: list, per_day: int | None):
    """``qs`` with, per row, its rank within its day and the day's total; only the first ``per_day``."""
    if per_day is None:
        return qs.order_by(*order)
    qs = qs.annotate(
        day_rank=Window(RowNumber(), partition_by=[day], order_by=[F(o) for o in order]),
        day_total=Window(Count("id"), partition_by=[day]),
    )
    return qs.filter(day_rank__lte=per_day).order_by(*order)


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
    """
    items: list[Item] = []
    more = more if more is not None else {}
    campaigns = _campaigns(user, first, last, unit_id, type_id, include_all).order_by()
    launches = _capped(
        campaigns.filter(launch_date__range=(first, last)), F("launch_date"), ["launch_date", "id"], per_day
    )
    ends = _capped(
        campaigns.filter(end_date__range=(first, last)).exclude(end_date=F("launch_date")),
        F("end_date"),
        ["end_date", "id"],
        per_day,
    )
    for kind, rows in (("launch", launches), ("end", ends)):
        for req in rows:
            date = req.launch_date if kind == "launch" else req.end_date
            if per_day is not None and req.day_rank == 1 and req.day_total > per_day:
                more[date] = more.get(date, 0) + req.day_total - per_day
            items.append(
                Item(
                    kind=kind,
                    date=date,
                    title=req.name,
                    state=req.state,
                    state_label=req.get_state_display(),
                    url=reverse("campaigns:detail", args=[req.pk]),
                    unit=str(req.business_unit),
                    campaign_type=str(req.campaign_type),
                )
            )
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    tasks = _tasks(user, start, end, unit_id, type_id, include_all).order_by()
    if own_tasks:
        tasks = tasks.filter(Q(assignee=user) | Q(campaign__requester=user))
    for task in _capped(tasks, TruncDate("due_at", tzinfo=tz), ["due_at", "id"], per_day):
        local = task.due_at.astimezone(tz)
        if per_day is not None and task.day_rank == 1 and task.day_total > per_day:
            more[local.date()] = more.get(local.date(), 0) + task.day_total - per_day
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
