"""Role homes: for each role, "what do I do next", read through the apps' own selectors.

Every section starts from the selector the list page it links to uses (``request_list_for``,
``request_inbox_for``, ``task_list_for``...), so a home never counts or shows a row its "see
all" page would hide. Each section costs a fixed number of queries (a count and a few rows with
their relations), whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import selectors as campaign_selectors
from campaigns.models import CampaignRequest, CampaignResult, RequestEvent, State
from governance import policy, roles
from governance.names import person_name
from kpis.reviews import can_view as can_view_kpis
from tasks import selectors as task_selectors
from tasks.models import OPEN_TASK_STATES, SlaState, Task, TaskPause, TaskState
from tasks.planner_hints import NotIndexOrdered

ROWS = 5  # rows per section: enough to act on, the "see all" link has the rest
COUNT_CAP = 99  # a section counts this many and shows "99+" beyond

REQUESTER, APPROVER, MOPS, SPECIALIST, LEADERSHIP = "requester", "approver", "mops", "specialist", "leadership"
HOME_LABELS = {
    REQUESTER: gettext_lazy("Requester"),
    APPROVER: gettext_lazy("Approver"),
    MOPS: "MOps",
    SPECIALIST: gettext_lazy("Specialist"),
    LEADERSHIP: gettext_lazy("Leadership"),
}
ACTIVE_STATES = (State.APPROVED, State.IN_PRODUCTION, State.READY_FOR_LAUNCH)


@dataclass
class Row:
    """One line of a section: a link, details under it, an optional state badge."""

    title: str
    href: str
    meta: list[str] = field(default_factory=list)
    badge: str = ""
    badge_class: str = ""


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list[Row]
    see_all: str
    empty: str = ""
    tone: str = ""  # "bad" / "warn" draws attention to a non-empty section

    @property
    def count_label(self) -> str:
        """The count as the badge shows it: "99+" past ``COUNT_CAP`` (it was counted no further)."""
        if self.count > COUNT_CAP:
            return _("%(count)s+") % {"count": formats.number_format(COUNT_CAP)}
        return formats.number_format(self.count)


@dataclass
class Tile:
    label: str
    value: str
    href: str
    tone: str = ""


# --- who has which home ------------------------------------------------------------------


def homes_for(user: Any) -> list[str]:
    """The homes ``user`` may open, the first one being where the brand link lands."""
    out = []
    if policy.has_role(user, roles.APPROVER):
        out.append(APPROVER)
    if policy.is_ops(user):
        out.append(MOPS)
    if policy.can_create_request(user) and not policy.has_role(user, roles.ADMIN):
        out.append(REQUESTER)
    if policy.has_role(user, roles.SPECIALIST) or policy.has_role(user, roles.MOPS):
        out.append(SPECIALIST)
    if can_view_kpis(user):
        out.append(LEADERSHIP)
    return out


def may_open(user: Any, home: str) -> bool:
    return home in homes_for(user)


# --- formatting ----------------------------------------------------------------------------


def yen(amount: Any) -> str:
    """¥ with thousands separators (no decimals: budgets are whole yen)."""
    return "¥" + intcomma(int(Decimal(amount or 0)))


def _date(value: dt.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _url(name: str, **params: Any) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def _state_badge(obj: CampaignRequest) -> tuple[str, str]:
    return str(obj.get_state_display()), f"state-{obj.state}"


def _request_row(obj: CampaignRequest, *meta: str) -> Row:
    label, css = _state_badge(obj)
    return Row(
        title=obj.name,
        href=reverse("campaigns:detail", args=[obj.pk]),
        meta=[m for m in meta if m],
        badge=label,
        badge_class=css,
    )


def _task_row(task: Task, now: dt.datetime, *meta: str) -> Row:
    live = task.sla_state_at(now)
    due = (
        _("Due %(when)s") % {"when": formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")}
        if task.due_at
        else _("No due date")
    )
    return Row(
        title=f"{task.key} {task.title}",
        href=reverse("tasks:detail", args=[task.pk]),
        meta=[due, task.campaign.name, *[m for m in meta if m]],
        badge=str(SlaState(live).label),
        badge_class=f"state-{live}",
    )


def _section(key: str, title: str, qs: QuerySet, see_all: str, to_row, *, empty: str, tone: str = "") -> Section:
    """Count plus the first rows of ``qs`` (two queries plus the queryset's prefetches).

    The count stops past ``COUNT_CAP`` ("99+"): a home page is a to-do list, and counting 9,000
    campaigns awaiting results read them all on every visit (the "see all" list has the total)."""
    count = qs.order_by()[: COUNT_CAP + 1].count()
    # The first rows picked by key alone, then loaded with their joins: sorting thousands of
    # matches (5,000 breached tasks) with their campaigns and people joined cost more than the page.
    first = qs.filter(pk__in=qs.values("pk")[:ROWS]) if count else qs.none()
    rows = [to_row(obj) for obj in first]
    return Section(key, title, count, rows, see_all, empty=empty, tone=tone if count else "")


# --- requester -----------------------------------------------------------------------------


def requester_home(user: Any, *, now: dt.datetime) -> list[Section]:
    """My requests grouped by what I do next: answer change requests, launch, enter results,
    and fix plans the team cannot deliver in time."""
    mine = campaign_selectors.request_mine(user)
    today = timezone.localdate(now)
    soon = today + dt.timedelta(days=14)
    sections = [
        _section(
            "changes",
            _("Changes asked"),
            mine.filter(state=State.CHANGES_REQUESTED).order_by(NotIndexOrdered("launch_date"), "id"),
            _url("campaigns:list", state=State.CHANGES_REQUESTED),
            lambda r: _request_row(r, _("Launch %(date)s") % {"date": _date(r.launch_date)}),
            empty=_("Nothing to revise."),
            tone="warn",
        ),
        _section(
            "launch",
            _("Launch due"),
            mine.filter(state__in=ACTIVE_STATES, launch_date__lte=soon).order_by(NotIndexOrdered("launch_date"), "id"),
            _url("campaigns:list", state=list(ACTIVE_STATES)),
            lambda r: _request_row(r, _("Launch %(date)s") % {"date": _date(r.launch_date)}),
            empty=_("No launch in the next two weeks."),
        ),
        _section(
            "results",
            _("Results due"),
            mine.filter(state=State.LAUNCHED, end_date__lt=today)
            # Per row, by the result's index: "not in every result" hashed all 90,000 results first.
            .exclude(Exists(CampaignResult.objects.filter(request_id=OuterRef("pk"))))
            .order_by("end_date", "id"),
            _url("campaigns:list", state=State.LAUNCHED),
            lambda r: Row(
                title=r.name,
                href=reverse("campaigns:result-edit", args=[r.pk]),
                meta=[_("Ended %(date)s") % {"date": _date(r.end_date)}],
                badge=str(r.get_state_display()),
                badge_class=f"state-{r.state}",
            ),
            empty=_("No results to enter."),
            tone="warn",
        ),
    ]
    sections.append(_feasibility_section(mine, now=now))
    return sections


def _feasibility_section(mine: QuerySet, *, now: dt.datetime) -> Section:
    """Plans that cannot be delivered by their launch date: checked on the next few launches only,
    so the cost stays fixed (the feasibility engine reads templates and calendars per request)."""
    upcoming = list(
        mine.filter(state__in=campaign_selectors.FEASIBILITY_STATES, launch_date__gte=timezone.localdate(now)).order_by(
            "launch_date", "id"
        )[: ROWS * 2]
    )
    rows = []
    for r in upcoming:
        result = campaign_selectors.request_feasibility(r, now=now)
        if result is None or result.get("feasible", True):
            continue
        earliest = result.get("earliest_feasible_launch_date")
        rows.append(
            _request_row(
                r,
                _("Launch %(date)s") % {"date": _date(r.launch_date)},
                _("Earliest feasible launch: %(date)s") % {"date": _date(_as_date(earliest))} if earliest else "",
            )
        )
    return Section(
        "feasibility",
        _("Feasibility warnings"),
        len(rows),
        rows[:ROWS],
        reverse("campaigns:mine"),
        empty=_("Every upcoming plan fits its launch date."),
        tone="bad" if rows else "",
    )


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


# --- approver ------------------------------------------------------------------------------


def approver_home(user: Any, *, now: dt.datetime) -> list[Section]:
    """The inbox with how long each request has waited at its step, budget, expected ROI and
    the governance step; then the unit's requests the approver follows."""
    last_event = RequestEvent.objects.filter(request_id=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    inbox = campaign_selectors.request_inbox_for(user).annotate(step_since=Subquery(last_event))

    def inbox_row(r: CampaignRequest) -> Row:
        since = r.step_since or r.submitted_at
        return _request_row(
            r,
            _("Waiting %(time)s") % {"time": timesince(since, now)} if since else "",
            _("Budget %(amount)s") % {"amount": yen(r.budget)},
            _("Expected ROI %(roi)s%%") % {"roi": formats.number_format(r.expected_roi, 1)}
            if r.expected_roi is not None
            else _("Expected ROI not given"),
            _("%(model)s · step %(step)s of %(steps)s")
            % {
                "model": _governance_label(r.governance_model),
                "step": max(r.approval_step, 1),  # 1-based: the step waiting now
                "steps": max(r.approval_steps, r.approval_step, 1),
            },
            person_name(r.requester),
        )

    sections = [
        _section(
            "inbox",
            _("Waiting for your decision"),
            inbox.order_by("step_since", "id"),
            reverse("campaigns:inbox"),
            inbox_row,
            empty=_("Your inbox is empty."),
            tone="warn",
        ),
        _section(
            "active",
            _("Approved, in production"),
            campaign_selectors.request_list_for(user).filter(state__in=ACTIVE_STATES).order_by("launch_date", "id"),
            _url("campaigns:list", state=list(ACTIVE_STATES)),
            lambda r: _request_row(
                r,
                _("Launch %(date)s") % {"date": _date(r.launch_date)},
                _("Budget %(amount)s") % {"amount": yen(r.budget)},
            ),
            empty=_("Nothing in production."),
        ),
    ]
    return sections


def _governance_label(model: str) -> str:
    from governance.models import GovernanceModel

    try:
        return str(GovernanceModel(model).label)
    except ValueError:
        return _("Governance")


# --- MOps ----------------------------------------------------------------------------------


def _open_tasks(user: Any) -> QuerySet[Task]:
    return task_selectors.task_list_for(user).filter(state__in=OPEN_TASK_STATES)


def mops_home(user: Any, *, now: dt.datetime) -> list[Section]:
    """Triage: unassigned, at risk, breached, blocked, waiting on requesters, this week's load."""
    tasks = _open_tasks(user).order_by(NotIndexOrdered("due_at"), "id")
    open_pause = Prefetch("pauses", queryset=TaskPause.objects.filter(ended_at__isnull=True), to_attr="open_pauses")
    sections = [
        _section(
            "unassigned",
            _("Unassigned"),
            tasks.filter(assignee__isnull=True),
            _url("tasks:board", assignee="none"),
            lambda t: _task_row(t, now, t.task_type.role.name if t.task_type.role_id else ""),
            empty=_("Every open task has an owner."),
            tone="warn",
        ),
        _section(
            "breached",
            _("Breached"),
            tasks.filter(task_selectors.live_sla_q(SlaState.BREACHED, now)),
            _url("tasks:board", sla_state=SlaState.BREACHED),
            lambda t: _task_row(t, now, person_name(t.assignee) if t.assignee_id else _("unassigned")),
            empty=_("No breached task."),
            tone="bad",
        ),
        _section(
            "at_risk",
            _("At risk"),
            tasks.filter(task_selectors.live_sla_q(SlaState.AT_RISK, now)),
            _url("tasks:board", sla_state=SlaState.AT_RISK),
            lambda t: _task_row(t, now, person_name(t.assignee) if t.assignee_id else _("unassigned")),
            empty=_("No task at risk."),
            tone="warn",
        ),
        _section(
            "blocked",
            _("Blocked"),
            tasks.filter(state=TaskState.WAITING).prefetch_related(open_pause),
            _url("tasks:board", state=TaskState.WAITING),
            lambda t: _task_row(t, now, _blocker(t)),
            empty=_("Nothing is blocked."),
        ),
        _section(
            "requester",
            _("Waiting on requesters"),
            campaign_selectors.request_list_for(user)
            .filter(state=State.CHANGES_REQUESTED)
            .order_by("launch_date", "id"),
            _url("campaigns:list", state=State.CHANGES_REQUESTED),
            lambda r: _request_row(r, person_name(r.requester), _("Launch %(date)s") % {"date": _date(r.launch_date)}),
            empty=_("No request is back with its requester."),
        ),
        _week_load(user, now=now),
    ]
    return sections


def _blocker(task: Task) -> str:
    """Why a task cannot move: the open pause's reason, else its unfinished predecessors."""
    pauses = getattr(task, "open_pauses", None)
    if pauses:
        return _("Waiting: %(reason)s") % {"reason": pauses[0].reason[:120]}
    pending = [d.key for d in task.depends_on.all() if d.state not in (TaskState.DONE, TaskState.CANCELLED)]
    if pending:
        return _("After %(keys)s") % {"keys": ", ".join(pending)}
    return ""


def _week_bounds(now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


def _week_load(user: Any, *, now: dt.datetime) -> Section:
    """Open tasks due this week per person (hours estimated), the busiest first."""
    monday, sunday = _week_bounds(now)
    # The week as an instant range (an index range), not the local date of every open task's
    # deadline (SQLite computed it in Python for each of 40,000 open tasks: 5 s at 100k campaigns).
    week = _open_tasks(user).filter(
        due_at__gte=task_selectors.local_midnight(monday),
        due_at__lt=task_selectors.local_midnight(sunday + dt.timedelta(days=1)),
    )
    per_person = list(
        week.order_by()
        .values("assignee_id")
        .annotate(n=Count("state"), hours=Sum("estimated_hours"))  # not the id: no index holds it
        .order_by("-hours", "-n", "assignee_id")
    )
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.in_bulk([p["assignee_id"] for p in per_person[:ROWS] if p["assignee_id"]])
    rows = [
        Row(
            title=person_name(people[p["assignee_id"]]) if p["assignee_id"] else _("unassigned"),
            href=_url("tasks:board", assignee=people[p["assignee_id"]].username if p["assignee_id"] else "none"),
            meta=[
                _("%(count)s tasks · %(hours)s h")
                % {"count": p["n"], "hours": formats.number_format(p["hours"] or 0, 1)}
            ],
        )
        for p in per_person[:ROWS]
    ]
    return Section(
        "week",
        _("This week's load (%(first)s – %(last)s)") % {"first": _date(monday), "last": _date(sunday)},
        sum(p["n"] for p in per_person),
        rows,
        reverse("tasks:workload") if policy.is_ops(user) else reverse("tasks:board"),
        empty=_("Nothing due this week."),
    )


# --- specialist ----------------------------------------------------------------------------


def specialist_home(user: Any, *, now: dt.datetime) -> list[Section]:
    """My open tasks by due date, and my blocked ones with what blocks them."""
    mine = task_selectors.task_mine(user).filter(state__in=OPEN_TASK_STATES)
    open_pause = Prefetch("pauses", queryset=TaskPause.objects.filter(ended_at__isnull=True), to_attr="open_pauses")
    blocked_q = Q(state=TaskState.WAITING) | Q(
        state=TaskState.TODO,
        depends_on__state__in=[s for s in OPEN_TASK_STATES],
    )
    blocked_ids = mine.filter(blocked_q).values("pk")
    return [
        _section(
            "due",
            _("My tasks by due date"),
            mine.exclude(state=TaskState.WAITING).order_by(NotIndexOrdered("due_at"), "id"),
            reverse("tasks:mine"),
            lambda t: _task_row(t, now, str(t.get_state_display())),
            empty=_("No open task assigned to you."),
        ),
        _section(
            "blocked",
            _("Blocked"),
            task_selectors.task_list_for(user)
            .filter(pk__in=blocked_ids)
            .prefetch_related(open_pause)
            .order_by(NotIndexOrdered("due_at"), "id"),
            _url("tasks:board", assignee=user.get_username(), state=TaskState.WAITING),
            lambda t: _task_row(t, now, _blocker(t)),
            empty=_("Nothing blocks your work."),
            tone="warn",
        ),
    ]


# --- leadership ----------------------------------------------------------------------------


def leadership_tiles(user: Any, *, now: dt.datetime) -> list[Tile]:
    """Headline counts for the KPI page, from the same selectors as the lists (no KPI recompute):
    three aggregate queries whatever the data size."""
    kpis = reverse("kpis:dashboard")
    requests = campaign_selectors.request_list_for(user).order_by()
    since = now - dt.timedelta(days=90)
    r = requests.aggregate(
        waiting=Count("pk", filter=Q(state=State.SUBMITTED), distinct=True),
        active=Count("pk", filter=Q(state__in=ACTIVE_STATES), distinct=True),
        launched=Count("pk", filter=Q(launched_at__gte=since), distinct=True),
        budget=Sum("budget", filter=Q(state__in=[*ACTIVE_STATES, State.LAUNCHED])),
    )
    tasks = task_selectors.task_list_for(user).order_by()
    t = tasks.aggregate(
        breached=Count("pk", filter=Q(state__in=OPEN_TASK_STATES) & task_selectors.live_sla_q(SlaState.BREACHED, now)),
        at_risk=Count("pk", filter=Q(state__in=OPEN_TASK_STATES) & task_selectors.live_sla_q(SlaState.AT_RISK, now)),
        met=Count("pk", filter=Q(completed_at__gte=since, sla_state=SlaState.MET)),
        missed=Count("pk", filter=Q(completed_at__gte=since, sla_state=SlaState.MISSED)),
    )
    closed = t["met"] + t["missed"]
    met_share = f"{formats.number_format(100 * t['met'] / closed, 0)}%" if closed else "—"
    return [
        Tile(_("Waiting for approval"), intcomma(r["waiting"]), kpis),
        Tile(_("In production"), intcomma(r["active"]), kpis),
        Tile(_("Launched (90 days)"), intcomma(r["launched"]), kpis),
        Tile(_("Budget in flight"), yen(r["budget"] or 0), kpis),
        Tile(_("SLA met (90 days)"), met_share, kpis),
        Tile(_("Tasks breached now"), intcomma(t["breached"]), kpis, tone="bad" if t["breached"] else ""),
        Tile(_("Tasks at risk now"), intcomma(t["at_risk"]), kpis, tone="warn" if t["at_risk"] else ""),
    ]


def leadership_home(user: Any, *, now: dt.datetime) -> list[Section]:
    """Under the tiles: what stalls the portfolio (requests longest waiting for a decision)."""
    waiting = campaign_selectors.request_list_for(user).filter(state=State.SUBMITTED).order_by("submitted_at", "id")
    return [
        _section(
            "stalled",
            _("Longest waiting for a decision"),
            waiting,
            _url("campaigns:list", state=State.SUBMITTED),
            lambda r: _request_row(
                r,
                _("Submitted %(time)s ago") % {"time": timesince(r.submitted_at, now)} if r.submitted_at else "",
                _("Budget %(amount)s") % {"amount": yen(r.budget)},
                r.business_unit.name,
            ),
            empty=_("No request is waiting for a decision."),
        )
    ]


BUILDERS = {
    REQUESTER: requester_home,
    APPROVER: approver_home,
    MOPS: mops_home,
    SPECIALIST: specialist_home,
    LEADERSHIP: leadership_home,
}


def home_for(user: Any, home: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Sections (and KPI tiles for leadership) of ``home``; the caller checked ``may_open``."""
    now = now or timezone.now()
    data: dict[str, Any] = {"sections": BUILDERS[home](user, now=now), "tiles": []}
    if home == LEADERSHIP:
        data["tiles"] = leadership_tiles(user, now=now)
    return data
