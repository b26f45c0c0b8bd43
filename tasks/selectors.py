"""Reads of tasks, filtered by what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from campaigns.models import CampaignRequest
from campaigns.selectors import request_get_for, request_ids_visible_subquery, request_ids_visible_to, request_list_for
from governance import policy, roles
from governance.names import names_by_username

from .models import OPEN_TASK_STATES, Deliverable, Task, TaskComment, TaskEvent, TaskPause, TaskState


def task_visibility_q(user: Any) -> Q:
    """MOps and Admins: every task. Specialists: the team board, except tasks of requests that ran
    under decentralised governance in a unit they do not belong to (governance.policy.unit_scope_q).
    Requesters: tasks of their own campaigns; approvers: tasks of requests routed to them.
    Anyone: tasks assigned to them."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if policy.is_ops(user):
        return Q()
    seen = Q(campaign_id__in=request_ids_visible_subquery(user))
    if policy.has_role(user, roles.SPECIALIST):
        # The unit scope on the task's campaign row: list pages join it anyway (and walk both
        # tables in campaign order, or look each page row's campaign up), where "not one of the
        # hidden campaigns" first collected every decentralised campaign of the other units: a
        # third of them, read and hashed for every count and page (issue 19).
        return policy.unit_scope_q(user, request_prefix="campaign__", assignee_field="assignee") | seen
    return seen | Q(assignee=user)


def task_viewers(task: Task) -> QuerySet:
    """Active users who may open ``task`` (the inverse of ``task_visibility_q``): those who may
    see its request, its assignee, and specialists unless the request ran decentralised in a
    unit they do not belong to. Mentions and notifications ask this."""

    from governance.models import Membership

    campaign = task.campaign
    q = policy.request_viewers_q(campaign)
    if task.assignee_id:
        q |= Q(pk=task.assignee_id)
    User = get_user_model()
    specialists = User.objects.filter(groups__name=roles.SPECIALIST)
    if campaign.governance_model == policy.DECENTRALISED:
        members = Membership.objects.filter(unit_id=campaign.business_unit_id).values("user_id")
        specialists = specialists.filter(pk__in=members)
    q |= Q(pk__in=specialists.values("pk"))
    return User.objects.filter(is_active=True).filter(q)


def live_sla_q(sla_state: str, now: Any) -> Q:
    """Tasks whose live SLA state (``Task.sla_state_at(now)``) is ``sla_state``, as a database filter.

    Same rule as the model method, so counts on home pages and the board filter agree with the
    badge each row shows: closed and waiting tasks keep the stored state, a clock not started is
    on track, otherwise the stored deadlines decide."""
    from .models import OPEN_TASK_STATES, SlaState, TaskState
    from .planner_hints import Unlikely

    running = [s for s in OPEN_TASK_STATES if s != TaskState.WAITING]
    # The stored value, only in the states that can hold it: completion (and the history import)
    # stores met or missed on every done task; waiting and cancelled tasks keep the live state
    # they had (cancel is from open states only). Named states are index ranges; "not running"
    # read a million done tasks for a breached one, since no index names sla_state (the sweep).
    # (Unlikely: SQLite's hint that each branch of the OR is an index range; see planner_hints.)
    if sla_state in (SlaState.MET, SlaState.MISSED):
        stored = Q(state=TaskState.DONE, sla_state=sla_state)
    else:
        stored = Q(Unlikely(Q(state__in=[TaskState.WAITING, TaskState.CANCELLED])), sla_state=sla_state)
    started = Q(Unlikely(Q(state__in=running)), sla_start_at__isnull=False)
    not_due = Q(due_at__isnull=True) | Q(due_at__gt=now)
    if sla_state == SlaState.BREACHED:
        return stored | (started & Q(due_at__lte=now))
    if sla_state == SlaState.AT_RISK:
        return stored | (started & Q(at_risk_at__lte=now) & not_due)
    if sla_state == SlaState.ON_TRACK:
        not_at_risk = Q(at_risk_at__isnull=True) | Q(at_risk_at__gt=now)
        return stored | Q(state__in=running, sla_start_at__isnull=True) | (started & not_due & not_at_risk)
    return stored


# What a task's "blocked by" explanation shows of each predecessor (one prefetch query).
PREDECESSOR_FIELDS = Task.objects.select_related("assignee").only(
    "id",
    "key",
    "state",
    "title",
    "due_at",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _base() -> QuerySet[Task]:
    return Task.objects.select_related("campaign", "task_type", "task_type__role", "task_type__sla_policy", "assignee")


def task_ids_visible_to(user: Any, ids: Any) -> set[int]:
    """Which of ``ids`` ``user`` may see (``task_visibility_q``), driven by the ids: for a short
    list of a report, cheap at any size. A task is visible through its campaign or its assignee;
    for specialists the rule's own form (its terms are on the task row)."""
    ids = list(ids)
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if policy.is_ops(user) or policy.has_role(user, roles.SPECIALIST):  # the rule on the rows themselves
        return set(Task.objects.filter(task_visibility_q(user), pk__in=ids).values_list("pk", flat=True))
    rows = list(Task.objects.filter(pk__in=ids).values_list("pk", "campaign_id", "assignee_id"))
    campaigns = request_ids_visible_to(user, {campaign for _, campaign, _ in rows})
    return {pk for pk, campaign, assignee in rows if campaign in campaigns or assignee == user.pk}


def task_list_of(user: Any, ids: Any) -> QuerySet[Task]:
    """The tasks among ``ids`` (a short list) that ``user`` may see, ready for a list page."""
    return (
        _base()
        .filter(pk__in=task_ids_visible_to(user, ids))
        .prefetch_related(Prefetch("depends_on", queryset=PREDECESSOR_FIELDS))
    )


def task_list_for(user: Any) -> QuerySet[Task]:
    """Tasks ``user`` may see, ready for lists (constant query count with the prefetches)."""
    return _base().filter(task_visibility_q(user)).prefetch_related(Prefetch("depends_on", queryset=PREDECESSOR_FIELDS))


# Below this many requested campaigns, "of campaigns they requested" is read through the campaign
# index of tasks; above it, by date through a join (the id list would outgrow the dates' rows).
OWN_CAMPAIGNS_LISTED = 200


def task_own_for(user: Any, *, hiding_campaign_states: Sequence[str] = ()) -> QuerySet[Task]:
    """The tasks that are ``user``'s own: assigned to them, or of campaigns they requested.

    A subset of ``task_list_for(user)`` (everyone sees the tasks assigned to them and those of
    their own requests), so it needs no visibility subquery: the calendar and the feed read a
    person's deadlines by date through it (issue 19). No prefetches; one query to choose the plan.
    ``hiding_campaign_states``: leave out the tasks of campaigns in these states, tested in the
    form that suits the plan (on the joined campaign when there is one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    requested = CampaignRequest.objects.filter(requester=user)
    how_many = requested[:OWN_CAMPAIGNS_LISTED].count()
    if how_many >= OWN_CAMPAIGNS_LISTED:
        qs = Task.objects.filter(own_task_q(user))
        # The campaign row is joined already: its state is read there (request_owner_state_idx
        # holds both columns), not looked up a second time by a NOT EXISTS per task.
        return qs.exclude(campaign__state__in=hiding_campaign_states) if hiding_campaign_states else qs
    if not how_many:  # most people request nothing: one term, read in order from its index
        qs = Task.objects.filter(assignee=user)
    else:
        # Few campaigns: both terms are on the task row and each has an index (an OR of two seeks).
        qs = Task.objects.filter(Q(assignee=user) | Q(campaign_id__in=requested.values("pk")))
    if hiding_campaign_states:
        # NOT EXISTS rather than a join: PostgreSQL answers it by hashing the few hidden campaigns
        # (it hash-joined every campaign for a person's month), and it is no id list that SQLite
        # would build again in each day's slice of the calendar.
        qs = qs.filter(~Exists(campaign_in_states(hiding_campaign_states)))
    return qs


def own_task_q(user: Any) -> Q:
    """A filter on tasks: ``user``'s own, assigned to them or of campaigns they requested (the rule
    of ``task_own_for`` in its joined form; the task filter ``mine`` applies it to any list)."""
    return Q(assignee=user) | Q(campaign__requester=user)


def campaign_in_states(states: Sequence[str]) -> QuerySet[CampaignRequest]:
    """The task's campaign when it is in one of ``states``: ``~Exists(...)`` on tasks leaves them out."""
    return CampaignRequest.objects.filter(pk=OuterRef("campaign_id"), state__in=states)


def task_list_with_events_for(user: Any) -> QuerySet[Task]:
    return task_list_for(user).prefetch_related(
        Prefetch("events", queryset=TaskEvent.objects.select_related("actor")),
        Prefetch("deliverables", queryset=Deliverable.objects.select_related("submitted_by")),
    )


def task_mine(user: Any) -> QuerySet[Task]:
    """Tasks assigned to ``user``, ready for lists (as ``task_list_for``).

    Every branch of ``task_visibility_q`` lets a person see what is assigned to them, so the
    visibility filter adds nothing here; left in, it built the set of hidden campaigns (tens of
    thousands at 100k campaigns) for every query of the "my tasks" page instead of reading the
    (assignee, state, ...) indexes alone (issue 19)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    return _base().filter(assignee=user).prefetch_related(Prefetch("depends_on", queryset=PREDECESSOR_FIELDS))


def task_get_for(user: Any, task_id: int) -> Task:
    """One task ``user`` may see, with events, comments and pauses, or Http404."""
    qs = task_list_with_events_for(user).prefetch_related(
        Prefetch("comments", queryset=TaskComment.objects.select_related("author")),
        Prefetch("pauses", queryset=TaskPause.objects.all()),
        Prefetch("successors", queryset=Task.objects.only("id", "key", "state", "title")),
    )
    try:
        return qs.get(pk=task_id)
    except Task.DoesNotExist:
        raise Http404("Task not found") from None


def task_visible_or_404(user: Any, task_id: int) -> Task:
    """The bare task row (with its campaign) if ``user`` may see it, or Http404: one query, for
    endpoints that need the task's existence, not its events."""
    task = Task.objects.select_related("campaign").filter(task_visibility_q(user), pk=task_id).first()
    if task is None:
        raise Http404("Task not found")
    return task


def task_comments_for(user: Any, task_id: int) -> QuerySet[TaskComment]:
    """The comments of a task ``user`` may see, oldest first (Http404 otherwise)."""
    task = task_visible_or_404(user, task_id)
    return TaskComment.objects.filter(task=task).select_related("author").order_by("created_at", "id")


def task_comment_get_for(user: Any, task_id: int, comment_id: int) -> TaskComment:
    """One comment of a task ``user`` may see, or Http404 (a comment of another task too)."""
    row = task_comments_for(user, task_id).filter(pk=comment_id).first()
    if row is None:
        raise Http404("Comment not found")
    return row


def deliverable_get_for(user: Any, deliverable_id: int) -> Deliverable:
    """A deliverable of a task ``user`` may see, or Http404."""
    row = Deliverable.objects.filter(pk=deliverable_id, task__in=Task.objects.filter(task_visibility_q(user))).first()
    if row is None:
        raise Http404("Deliverable not found")
    return row


def blocked_by(task: Task) -> list[Task]:
    """The open predecessors that keep ``task`` from starting (none once it has started).

    Reads the prefetched ``depends_on`` (``task_list_for``): no query per task.
    """
    if task.state != TaskState.TODO:
        return []
    return sorted(
        (p for p in task.depends_on.all() if p.state in OPEN_TASK_STATES),
        key=lambda p: (p.due_at is None, p.due_at, p.pk),
    )


def who_may_start(task: Task) -> dict[str, Any]:
    """Who may start ``task`` once its predecessors are done: its assignee or MOps (an
    unassigned task must be assigned by MOps first). Mirrors ``Task.start``'s permission and
    the assignee check in ``tasks.services.task_transition``."""
    assignee = task.assignee if task.assignee_id else None
    return {"assignee": assignee, "ops": True, "needs_assignment": assignee is None}


def campaign_for(user: Any, campaign_id: int) -> CampaignRequest:
    """The campaign whose tasks ``user`` looks at: visible as a request, or through its tasks."""
    try:
        return request_get_for(user, campaign_id, with_events=False)
    except Http404:
        specialist_sees = (
            policy.has_role(user, roles.SPECIALIST)
            and CampaignRequest.objects.filter(policy.unit_scope_q(user), pk=campaign_id).exists()
        )
        if specialist_sees or Task.objects.filter(campaign_id=campaign_id, assignee=user).exists():
            campaign = CampaignRequest.objects.select_related("campaign_type").filter(pk=campaign_id).first()
            if campaign is not None:
                return campaign
        raise


def campaign_tasks_for(user: Any, campaign_id: int) -> list[Task]:
    return list(task_list_for(user).filter(campaign_id=campaign_id).order_by("position", "id"))


REVIEW_STEP_ACTIONS = ("submit_review", "return_review")


def campaign_review_steps_for(user: Any, campaign_id: int) -> list[TaskEvent]:
    """The four-eyes review steps of a campaign's tasks that ``user`` may open, oldest first.

    Submissions, returns and approvals (a "complete" out of review) of tasks whose type has a
    review rule, for the request page's timeline: the requester follows the reviews there
    without opening each task. A task without a rule is completed by its assignee: no review
    to show. One query.
    """
    visible = task_list_for(user).filter(campaign_id=campaign_id).exclude(task_type__review_by="").values("pk")
    return list(
        TaskEvent.objects.filter(task_id__in=visible)
        .filter(Q(action__in=REVIEW_STEP_ACTIONS) | Q(action="complete", from_state=TaskState.IN_REVIEW))
        .select_related("task", "actor")
        .order_by("at", "pk")
    )


def timeline(task: Task) -> list[dict]:
    """Events and comments of a prefetched task, oldest first."""
    events = list(task.events.all())
    _name_assignees(events)
    items = [{"kind": "event", "at": e.at, "obj": e} for e in events]
    items += [{"kind": "comment", "at": c.created_at, "obj": c} for c in task.comments.all()]
    return _fold_replans(sorted(items, key=lambda i: (i["at"], i["kind"] == "comment")))


def _fold_replans(items: list[dict]) -> list[dict]:
    """Consecutive SLA re-plans (one per predecessor that moved) read as one line: the last
    event, with ``replans`` (how many) and ``due_from`` / ``due_to`` across the whole run."""
    out: list[dict] = []
    for item in items:
        e = item["obj"]
        if item["kind"] != "event" or e.action != "sla_replan":
            out.append(item)
            continue
        due = (e.data or {}).get("due_at") or [None, None]
        prev = out[-1]["obj"] if out and out[-1]["kind"] == "event" else None
        if prev is not None and prev.action == "sla_replan":
            e.replans, e.due_from = prev.replans + 1, prev.due_from
            out[-1] = item
        else:
            e.replans, e.due_from = 1, due[0]
            out.append(item)
        e.due_to = due[1]
    return out


def _name_assignees(events: list) -> None:
    """Assignment events store usernames: give them ``assign_from`` / ``assign_to`` display
    names (one query for all of them; a username no longer found stays as stored)."""
    moves = [e for e in events if e.action in ("assign", "unassign")]
    names = names_by_username({(e.data or {}).get(k) for e in moves for k in ("from", "to")})
    for e in moves:
        data = e.data or {}
        e.assign_from = names.get(data.get("from"), data.get("from"))
        e.assign_to = names.get(data.get("to"), data.get("to"))


# --- SLA attainment (for the KPI work) -----------------------------------------------------

ATTAINMENT_GROUPS = {
    "task_type": ("task_type__slug", "task_type__name"),
    "assignee": ("assignee__username", "assignee__username"),
    "unit": ("campaign__business_unit__slug", "campaign__business_unit__name"),
    "month": ("month", "month"),
}


def sla_attainment(*, start, end, group_by: str = "task_type") -> list[dict[str, Any]]:
    """Share of tasks that met their SLA, for tasks completed in ``[start, end)``.

    ``group_by``: "task_type", "assignee", "unit" (the campaign's business unit) or "month"
    (of completion, in the site's time zone). Returns ``[{"key", "label", "met", "missed",
    "total", "share"}]`` sorted by key; ``share`` is met / total (None when total is 0).
    Cancelled tasks and tasks without a deadline are not counted. One query.
    """
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from .models import SlaState

    if group_by not in ATTAINMENT_GROUPS:
        raise ValueError(f"group_by must be one of {sorted(ATTAINMENT_GROUPS)}")
    key, label = ATTAINMENT_GROUPS[group_by]
    qs = Task.objects.filter(
        completed_at__gte=start,
        completed_at__lt=end,
        due_at__isnull=False,
        sla_state__in=[SlaState.MET, SlaState.MISSED],
    )
    if group_by == "month":
        qs = qs.annotate(month=TruncMonth("completed_at", tzinfo=timezone.get_current_timezone()))
    rows = (
        qs.values(key, label)
        .order_by(key)
        .annotate(
            met=Count("pk", filter=Q(sla_state=SlaState.MET)), missed=Count("pk", filter=Q(sla_state=SlaState.MISSED))
        )
    )
    out = []
    for r in rows:
        k = r[key]
        if group_by == "month" and k is not None:
            k = k.date().isoformat()[:7]
        total = r["met"] + r["missed"]
        out.append(
            {
                "key": k,
                "label": k if group_by == "month" else r[label],
                "met": r["met"],
                "missed": r["missed"],
                "total": total,
                "share": round(r["met"] / total, 4) if total else None,
            }
        )
    return out


# --- timelines ------------------------------------------------------------------------------


def campaign_timeline_tasks_for(user: Any, campaign_id: int) -> list[Task]:
    """A campaign's tasks ``user`` may see, with what the timeline draws (constant query count)."""
    return list(
        task_list_for(user).select_related("template_entry").filter(campaign_id=campaign_id).order_by("position", "id")
    )


def local_midnight(day: Any) -> dt.datetime:
    """The aware instant the local ``day`` starts (a range on it can use the due-date index)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def portfolio_for(
    user: Any,
    *,
    first: Any,
    last: Any,
    unit: Any = None,
    campaign_type: Any = None,
    state: str = "",
    page: int = 1,
    per_page: int | None = None,
) -> dict[str, Any]:
    """One page of the campaigns ``user`` may see that run in ``[first, last]`` or prepare in it.

    A campaign shows when it has not ended before ``first`` and it launches by ``last`` or has
    (non-cancelled) work due in the period; one that ended before the period is history, even
    with a late report due in it. Drafts, rejected and cancelled requests are left out unless
    ``state`` asks for them. Returns ``{"campaigns", "summaries", "page", "has_more"}``: the page's
    campaigns (minimal columns; pages by end date, each page by launch date) and, per campaign id,
    its tasks folded by the database (start of work, last due, totals, open SLA states), so the
    cost stays the same whatever the size of the portfolio.
    """
    from .timeline import PORTFOLIO_HIDDEN_STATES, PORTFOLIO_PAGE_SIZE, SLA_SEVERITY

    per_page = per_page or PORTFOLIO_PAGE_SIZE
    # Work due in the period, probed per campaign through (campaign, state): an aware range, no
    # date() call, so the probe reads a campaign's few tasks and never every task of the period.
    work_due = Task.objects.filter(
        campaign_id=OuterRef("pk"),
        state__in=[s for s in TaskState.values if s != TaskState.CANCELLED],
        due_at__gte=local_midnight(first),
        due_at__lt=local_midnight(last + dt.timedelta(days=1)),
    )
    qs = (
        request_list_for(user)
        .prefetch_related(None)
        .select_related(None)
        .select_related("campaign_type", "business_unit")
    )
    # Still running when the period starts, and launching in it or preparing for a later launch
    # in it. Walked in end-date order (request_end_idx from ``first``), a page reads about its own
    # rows whatever the size of the history before the period.
    qs = qs.filter(Q(end_date__gte=first), Q(launch_date__lte=last) | Q(Exists(work_due)))
    qs = qs.filter(state=state) if state else qs.exclude(state__in=PORTFOLIO_HIDDEN_STATES)
    if unit is not None:
        qs = qs.filter(business_unit=unit)
    if campaign_type is not None:
        qs = qs.filter(campaign_type=campaign_type)
    qs = qs.only(
        "id",
        "name",
        "state",
        "requester_id",
        "launch_date",
        "end_date",
        "business_unit__slug",
        "campaign_type__slug",
    ).order_by("end_date", "id")
    offset = (max(page, 1) - 1) * per_page
    campaigns = list(qs[offset : offset + per_page + 1])  # one more: is there a next page?
    has_more = len(campaigns) > per_page
    # Within a page, the chart reads by launch date.
    campaigns = sorted(campaigns[:per_page], key=lambda c: (c.launch_date, c.pk))
    live = ~Q(state=TaskState.CANCELLED)
    open_ = live & ~Q(state=TaskState.DONE)
    folded = (
        Task.objects.filter(live, campaign_id__in=[c.pk for c in campaigns])
        .values("campaign_id")
        .annotate(
            # A folded row starts with its earliest task; the first tasks of a campaign run their clocks.
            work_start=Min(Coalesce("sla_start_at", "created_at")),
            work_finish=Max("due_at"),
            tasks_total=Count("id"),
            tasks_open=Count("id", filter=open_),
            **{f"sla_{s}": Count("id", filter=open_ & Q(sla_state=s)) for s in SLA_SEVERITY},
        )
        .order_by()
    )
    summaries = {}
    for row in folded:
        worst = next((s for s in SLA_SEVERITY if row[f"sla_{s}"]), None)
        summaries[row["campaign_id"]] = {
            "work_start": row["work_start"],
            "work_finish": row["work_finish"],
            "tasks_total": row["tasks_total"],
            "tasks_open": row["tasks_open"],
            "sla_state": worst,
        }
    return {"campaigns": campaigns, "summaries": summaries, "page": max(page, 1), "has_more": has_more}


# --- working lists: sortable columns --------------------------------------------------------

# Column key -> the fields it orders by (the primary key is always added last).
TASK_SORTS: dict[str, tuple[str, ...]] = {
    "key": ("number",),
    "title": ("title",),
    "campaign": ("campaign__name",),
    "type": ("task_type__name",),
    "assignee": ("assignee__last_name", "assignee__first_name", "assignee__username"),
    "state": ("state",),
    "due": ("due_at",),
    "sla": ("sla_state",),
    "estimate": ("estimated_hours",),
}
TASK_DEFAULT_ORDER = ("due_at", "position", "id")


def task_sorted(qs: QuerySet[Task], sort: Any) -> QuerySet[Task]:
    """``qs`` in the order of a whitelisted ``campaigns.sorting.Sort`` (None: by due date)."""
    from campaigns.sorting import apply_sort

    return apply_sort(qs, sort, TASK_SORTS, TASK_DEFAULT_ORDER)
