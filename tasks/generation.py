"""Generating a campaign's tasks from its type's template, and reacting to the approval flow.

Generation is idempotent: the campaign row is locked, existing generated tasks are returned
unchanged, and a unique constraint on (campaign, template entry) backs it up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest
from campaigns.models import State as CampaignState
from campaigns.services import requests_transition_locked
from governance import policy

from . import anchors
from .dag import topological_order
from .deadlines import DeadlineResolver
from .models import (
    OPEN_TASK_STATES,
    Task,
    TaskDependency,
    TaskEvent,
    TaskKind,
    TaskPause,
    TaskState,
    TaskTemplate,
    TaskType,
    TemplateEntry,
)
from .rawinsert import bulk_rows, insert_objects, insert_rows, instance_maker
from .services import KEY_PREFIX, TaskConflict, assign_locked, check_executor, is_eligible, next_numbers
from .sla_start import initial_start

BRAND_REVIEW_SLUG = "brand-review"
# TaskEvent.data marker of a task that governance added (not from a template entry).
MANDATORY_KEY = "mandatory"

log = logging.getLogger(__name__)
_local = threading.local()


@contextlib.contextmanager
def auto_generation_suppressed():
    """Within this block, approvals do not generate tasks (e.g. while seeding demo history)."""
    previous = getattr(_local, "suppressed", False)
    _local.suppressed = True
    try:
        yield
    finally:
        _local.suppressed = previous


def _templates(campaign_type_id: int, unit_ids: list[int | None]) -> dict[int | None, TaskTemplate]:
    """Active templates of a campaign type for the given units (None: central), by unit id."""
    q = Q(unit__isnull=True) if None in unit_ids else Q(pk__in=[])
    q |= Q(unit_id__in=[u for u in unit_ids if u is not None])
    rows = TaskTemplate.objects.filter(q, campaign_type_id=campaign_type_id, is_active=True).prefetch_related(
        Prefetch(
            "entries",
            queryset=TemplateEntry.objects.select_related(
                "task_type", "task_type__role", "auto_assignee"
            ).prefetch_related("incoming"),
        )
    )
    return {t.unit_id: t for t in rows}


def templates_for(campaign: CampaignRequest) -> list[TaskTemplate]:
    """The templates whose entries a campaign's tasks come from, per its recorded governance.

    Centralised: the central template. Decentralised: the unit's own template, else the central
    one. Hybrid: the central template (mandatory) plus the unit's template as extra entries.
    """
    plan = policy.template_plan(campaign.governance_params or {})
    unit_id = campaign.business_unit_id
    if plan == policy.TEMPLATES_CENTRAL or unit_id is None:
        found = _templates(campaign.campaign_type_id, [None])
        return [found[None]] if None in found else []
    found = _templates(campaign.campaign_type_id, [None, unit_id])
    if plan == policy.TEMPLATES_UNIT_ELSE_CENTRAL:
        chosen = found.get(unit_id) or found.get(None)
        return [chosen] if chosen else []
    if None not in found:  # hybrid: the central template is mandatory
        return []
    return [found[None]] + ([found[unit_id]] if unit_id in found else [])


def brand_review_type() -> TaskType | None:
    """The task type added when hybrid governance requires a brand review the templates lack."""
    types = TaskType.objects.filter(kind=TaskKind.BRAND, is_active=True).select_related("role")
    return types.filter(slug=BRAND_REVIEW_SLUG).first() or types.order_by("slug").first()


def _included_edges(entries: list[TemplateEntry], included: set[int]) -> list[tuple[int, int]]:
    """Edges between included entries; an excluded entry's predecessors pass through to its successors."""
    preds = {e.pk: {d.predecessor_id for d in e.incoming.all()} for e in entries}

    def effective(pk: int, seen: frozenset = frozenset()) -> set[int]:
        out: set[int] = set()
        for p in preds.get(pk, ()):
            if p in seen:
                continue
            if p in included:
                out.add(p)
            else:
                out |= effective(p, seen | {p})
        return out

    return [(p, e) for e in sorted(included) for p in effective(e)]


@transaction.atomic
def tasks_generate(
    *, request_id: int, by, at: dt.datetime | None = None, backfill: bool = False, notify: bool = True
) -> list[Task]:
    """Create a campaign's tasks from its template and move it approved -> in_production.

    ``by`` is a MOps user or None (the system, on approval). Running it again returns the
    tasks generated before and writes nothing. ``backfill`` allows generating for campaigns
    already past production (demo history).
    """
    return tasks_generate_many(request_ids=[request_id], by=by, at=at, backfill=backfill, notify=notify)[request_id]


class _Plan:
    """One template plan applied to one set of included entries: order, edges and predecessors.

    Campaigns of one type, unit and governance share it, so a batch works it out once.
    """

    def __init__(self, entries: list[TemplateEntry], included: set[int]) -> None:
        self.by_pk = {e.pk: e for e in entries}
        self.edges = _included_edges(entries, included)
        self.order = topological_order([e.pk for e in entries if e.pk in included], self.edges)
        self.preds: dict[int, list[int]] = {pk: [] for pk in self.order}
        for p, e in self.edges:
            self.preds[e].append(p)


@transaction.atomic
@bulk_rows()  # a batch builds tens of thousands of objects and no cycles: no collections meanwhile
def tasks_generate_many(
    *, request_ids: list[int], by, at: dt.datetime | None = None, backfill: bool = False, notify: bool = True
) -> dict[int, list[Task]]:
    """Generate the tasks of several campaigns at once (``tasks_generate`` for each, in bulk).

    All or nothing: one campaign that cannot be generated (wrong state, no template) raises and
    nothing is written. The campaigns are locked in id order (no deadlock with a concurrent
    batch), the MOPS-n keys of the whole batch are claimed with one counter update (unique and
    gapless, in campaign id order: each campaign's tasks, then its brand review), and tasks,
    dependencies and creation events are written with one bulk insert each. Deadlines are
    computed once per (task type, start instant) and shared. Returns the tasks by campaign id.
    """
    if by is not None and not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may generate tasks."))
    at = at or timezone.now()
    ids = sorted(set(request_ids))
    campaigns = list(
        CampaignRequest.objects.select_for_update(of=("self",))
        .select_related("campaign_type", "business_unit")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(campaigns) != len(ids):
        raise CampaignRequest.DoesNotExist("CampaignRequest matching query does not exist.")
    existing: dict[int, list[Task]] = {}
    for task in Task.objects.filter(
        Q(template_entry__isnull=False) | Q(events__action="create", events__data__has_key=MANDATORY_KEY),
        campaign_id__in=ids,
    ).distinct():
        existing.setdefault(task.campaign_id, []).append(task)
    allowed = {CampaignState.APPROVED, CampaignState.IN_PRODUCTION}
    if backfill:
        allowed |= {CampaignState.READY_FOR_LAUNCH, CampaignState.LAUNCHED, CampaignState.CLOSED}
    result: dict[int, list[Task]] = {}
    todo: list[CampaignRequest] = []
    for campaign in campaigns:
        if campaign.pk in existing:
            result[campaign.pk] = existing[campaign.pk]
        elif campaign.state not in allowed:
            raise TaskConflict(
                _("Tasks cannot be generated while the campaign is %(state)s.")
                % {"state": campaign.get_state_display()}
            )
        else:
            todo.append(campaign)

    resolver = DeadlineResolver()
    deadlines: dict[tuple[int, dt.datetime], tuple[dt.datetime, dt.datetime]] = {}

    def due(task_type: TaskType, basis: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        # A batch starts most clocks at the same instant: same type and basis, same deadline.
        key = (task_type.pk, basis)
        if key not in deadlines:
            d = resolver.compute(task_type, basis)
            deadlines[key] = (d.due_at, d.at_risk_at)
        return deadlines[key]

    templates: dict[tuple, list[TaskTemplate]] = {}
    plans: dict[tuple, _Plan] = {}
    new_task = instance_maker(Task)
    # Per campaign: (plan, tasks by entry pk, the brand review and its predecessors or None).
    built: list[tuple[CampaignRequest, _Plan, dict[int, Task], tuple[Task, list[Task]] | None]] = []
    for campaign in todo:
        tkey = (
            campaign.campaign_type_id,
            campaign.business_unit_id,
            policy.template_plan(campaign.governance_params or {}),
        )
        if tkey not in templates:
            templates[tkey] = templates_for(campaign)
            resolver.prime_task_types(e.task_type for t in templates[tkey] for e in t.entries.all())
        if not templates[tkey]:
            raise ValidationError(
                _("There is no task template for the campaign type “%(type)s”.") % {"type": campaign.campaign_type}
            )
        entries = [e for template in templates[tkey] for e in template.entries.all()]
        included = frozenset(e.pk for e in entries if e.applies_to(campaign))
        pkey = (tkey, included)
        if pkey not in plans:
            plans[pkey] = _Plan(entries, set(included))
        plan = plans[pkey]
        tasks: dict[int, Task] = {}
        for pk in plan.order:
            entry = plan.by_pk[pk]
            rule = resolver.rule(entry.task_type)
            sla_start, basis = initial_start(at, [tasks[p] for p in plan.preds[pk]], condition=rule.start_condition)
            # After-anchored entries (post-event work, reports) start no earlier than their anchor
            # day: their clock is counted from there even when nothing else holds them back.
            not_before = anchors.entry_not_before(
                entry, resolver.work_calendar(rule.calendar_id), campaign.launch_date, campaign.end_date
            )
            if not_before:
                basis = max(basis, not_before[0])
                sla_start = max(sla_start, not_before[0]) if sla_start is not None else None
            due_at, risk = due(entry.task_type, basis)
            tasks[pk] = new_task(
                campaign=campaign,
                template_entry=entry,
                task_type=entry.task_type,
                title=entry.display_title[:200],
                position=(entry.order or 0) * 10 + 1,
                estimated_hours=entry.estimated_hours
                if entry.estimated_hours is not None
                else entry.task_type.default_estimated_hours,
                hourly_rate=entry.task_type.role.hourly_rate,
                sla_start_at=sla_start,
                due_at=due_at,
                at_risk_at=risk,
                created_at=at,
            )
        extra = _brand_review(
            campaign, [plan.by_pk[pk] for pk in plan.order], tasks, plan.edges, at=at, resolver=resolver, due=due
        )
        built.append((campaign, plan, tasks, extra))

    # One claim of the counter for the whole batch, numbered in the order the tasks are listed.
    ordered = [t for _c, _p, tasks, extra in built for t in [*tasks.values(), *([extra[0]] if extra else [])]]
    for number, task in zip(next_numbers(len(ordered)), ordered, strict=True):
        task.number, task.key = number, f"{KEY_PREFIX}-{number}"
    # Plain executemany inserts (tasks.rawinsert): bulk_create spent half the batch preparing values.
    insert_objects(ordered, key="number")
    dependencies: list[dict] = []
    events: list[dict] = []
    actor_id = by.pk if by is not None else None
    for _campaign, plan, tasks, extra in built:
        dependencies += [{"task_id": tasks[e].pk, "predecessor_id": tasks[p].pk} for p, e in plan.edges]
        events += [
            {
                "task_id": t.pk,
                "action": "create",
                "from_state": TaskState.TODO,
                "to_state": TaskState.TODO,
                "actor_id": actor_id,
                "at": at,
                "comment": "",
                "data": {"template_entry": pk, "depends_on": [tasks[p].key for p in plan.preds[pk]]},
            }
            for pk, t in tasks.items()
        ]
        if extra:
            review, review_preds = extra
            dependencies += [{"task_id": review.pk, "predecessor_id": p.pk} for p in review_preds]
            events.append(
                {
                    "task_id": review.pk,
                    "action": "create",
                    "from_state": TaskState.TODO,
                    "to_state": TaskState.TODO,
                    "actor_id": actor_id,
                    "at": at,
                    "comment": _("Brand review required by hybrid governance"),
                    "data": {MANDATORY_KEY: "brand_review", "depends_on": [p.key for p in review_preds]},
                }
            )
    insert_rows(TaskDependency, dependencies)
    insert_rows(TaskEvent, events)

    made = {c.pk: (plan, tasks, extra) for c, plan, tasks, extra in built}
    starting = [c for c in campaigns if c.state == CampaignState.APPROVED]
    requests_transition_locked(
        requests=starting,
        action="start_production",
        by=by,
        at=at,
        comments={
            pk: str(_("%(n)s tasks generated") % {"n": len(tasks)}) for pk, (_plan, tasks, _extra) in made.items()
        },
        # The count, so pages say it in the reader's language (the comment is in the actor's).
        data={pk: {"tasks_generated": len(tasks)} for pk, (_plan, tasks, _extra) in made.items()},
    )
    pairs: list[tuple[TemplateEntry, Task]] = []
    for campaign in campaigns:
        if campaign.pk in made:
            plan, tasks, extra = made[campaign.pk]
            pairs += [(plan.by_pk[pk], t) for pk, t in tasks.items()]
            result[campaign.pk] = list(tasks.values()) + ([extra[0]] if extra else [])
    _auto_assign(pairs, at=at, notify=notify)
    return result


def _brand_review(
    campaign: CampaignRequest,
    included: list[TemplateEntry],
    tasks: dict[int, Task],
    edges: list[tuple[int, int]],
    *,
    at: dt.datetime,
    resolver: DeadlineResolver,
    due: Callable[[TaskType, dt.datetime], tuple[dt.datetime, dt.datetime]],
) -> tuple[Task, list[Task]] | None:
    """Under hybrid governance, a brand-review task when no included entry is of the brand kind.

    It follows the last tasks of the plan (those nothing else waits for), so the brand
    check sees the finished work. Returns the unsaved, unnumbered task and its predecessors, or
    None. ``due(task_type, basis)`` gives ``(due_at, at_risk_at)``.
    """
    if not policy.brand_review_required(campaign.governance_params or {}):
        return None
    if any(e.task_type.kind == TaskKind.BRAND for e in included):
        return None
    task_type = brand_review_type()
    if task_type is None:
        log.warning("Hybrid governance requires a brand review but no active brand task type exists.")
        return None
    # It reviews the work done for the launch: the last before-launch tasks, not post-event work.
    before = {pk for pk, t in tasks.items() if not anchors.is_after(t.template_entry.anchor)} or set(tasks)
    has_successor = {p for p, e in edges if e in before}
    preds = [t for pk, t in tasks.items() if pk in before and pk not in has_successor]
    sla_start, basis = initial_start(at, preds, condition=resolver.rule(task_type).start_condition)
    due_at, risk = due(task_type, basis)
    position = max([t.position for t in tasks.values()], default=0) + 10
    task = Task(
        campaign=campaign,
        template_entry=None,
        task_type=task_type,
        title=task_type.name[:200],
        position=position,
        estimated_hours=task_type.default_estimated_hours,
        hourly_rate=task_type.role.hourly_rate,
        sla_start_at=sla_start,
        due_at=due_at,
        at_risk_at=risk,
        created_at=at,
    )
    return task, preds


def _fits(user, task: Task) -> bool:
    """``user`` holds the task's role and governance lets them execute it."""
    if not is_eligible(user, task.task_type):
        return False
    try:
        check_executor(user, task)
    except ValidationError:
        return False
    return True


def _auto_assign(pairs: list[tuple[TemplateEntry, Task]], *, at: dt.datetime, notify: bool) -> None:
    from .assignment import suggest_for

    wanted = [(e, t) for e, t in pairs if e.auto_assignee_id or e.auto_assign_suggested]
    if not wanted:
        return
    suggestions = suggest_for([t for e, t in wanted if not e.auto_assignee_id or not _fits(e.auto_assignee, t)], now=at)
    for entry, task in wanted:
        user = entry.auto_assignee if entry.auto_assignee_id and _fits(entry.auto_assignee, task) else None
        if user is None and entry.auto_assign_suggested:
            user = suggestions.get(task.pk)
        if user is not None:
            assign_locked(task, user, by=None, at=at, comment=_("auto-assigned"), notify=notify)


def _auto_generate(request_id: int) -> None:
    try:
        tasks_generate(request_id=request_id, by=None)
    except Exception:  # the approval is committed; MOps can press "generate"
        log.exception("Task generation failed for campaign %s", request_id)


def on_request_transitioned(sender, request, event, by, **kwargs) -> None:
    """Approved -> generate after commit (setting); cancelled -> cancel the open tasks."""
    if event.action == "approve" and event.to_state == CampaignState.APPROVED:  # the last approval step
        if getattr(settings, "MOPS_AUTO_GENERATE_TASKS", True) and not getattr(_local, "suppressed", False):
            transaction.on_commit(lambda: _auto_generate(request.pk))
    elif event.action == "cancel":
        open_tasks = Task.objects.select_for_update(of=("self",)).filter(
            campaign_id=request.pk, state__in=OPEN_TASK_STATES
        )
        for task in open_tasks:
            from_state = task.state
            if from_state == TaskState.WAITING:
                TaskPause.objects.filter(task=task, ended_at__isnull=True).update(ended_at=event.at)
            task.cancel()
            task.save(update_fields=["state", "updated_at"])
            TaskEvent.objects.create(
                task=task,
                action="cancel",
                from_state=from_state,
                to_state=task.state,
                actor=by,
                at=event.at,
                comment=_("campaign cancelled"),
            )


def launch_guard(request: CampaignRequest, action: str) -> str | None:
    """Refuse launch (and mark_ready) while any task of the campaign is open."""
    if action in ("launch", "mark_ready"):
        keys = list(
            Task.objects.filter(anchors.LAUNCH_WORK_Q, campaign_id=request.pk, state__in=OPEN_TASK_STATES)
            .order_by("position", "id")
            .values_list("key", flat=True)[:5]
        )
        if keys:
            return str(_("Open tasks remain: %(keys)s") % {"keys": ", ".join(keys) + (" …" if len(keys) == 5 else "")})
    return None
