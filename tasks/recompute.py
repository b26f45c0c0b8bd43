"""Recomputing open deadlines after a calendar, policy, task type or profile change.

``request_recompute`` is called by the model-signal listeners registered in
``tasks.apps`` (sla/ imports nothing upward, so it cannot call us). Within one transaction all
changes (an admin save of a calendar and its inline periods, closures …) share one
``DeadlineRecompute`` row; the django-q2 job is queued when the transaction commits. The job
walks the open tasks in chunks, recomputes each from its original SLA start with its recorded
pauses (``DeadlineResolver`` builds each calendar once), writes only rows whose deadline
moved with ``bulk_update``, records progress after each chunk, and finally runs the sweep with its recoveries
(``recover=True``) so states follow the new deadlines, later ones included (new at-risk/breach
states are notified once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from .deadlines import DeadlineResolver
from .models import OPEN_TASK_STATES, DeadlineRecompute, Task, TaskPause, TaskType

log = logging.getLogger(__name__)
CHUNK = 1000


def open_tasks():
    return Task.objects.filter(state__in=OPEN_TASK_STATES, sla_start_at__isnull=False)


class _Starter:
    """The on_commit callback of one transaction's recomputation (found again to merge)."""

    def __init__(self, recompute: DeadlineRecompute) -> None:
        self.recompute = recompute
        self.reasons: list[str] = [recompute.reason]
        self.fired = False

    def __call__(self) -> None:
        from django_q.tasks import async_task

        self.fired = True

        reason = "; ".join(dict.fromkeys(r for r in self.reasons if r))[:200]
        if reason != self.recompute.reason:
            DeadlineRecompute.objects.filter(pk=self.recompute.pk).update(reason=reason)
        async_task("tasks.jobs.recompute_deadlines", self.recompute.pk, task_name=f"sla-recompute-{self.recompute.pk}")


def pending_recompute() -> DeadlineRecompute | None:
    """The recomputation the current transaction will start on commit, if any."""
    if not connection.in_atomic_block:
        return None
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Starter) and not func.fired:
            return func.recompute
    return None


def request_recompute(*, reason: str, by=None, force: bool = False) -> DeadlineRecompute | None:
    """Start (after commit) a recomputation of all open deadlines; one per transaction.

    Nothing is started when no open task has a deadline (e.g. while configuring calendars).
    """
    if connection.in_atomic_block:
        for entry in connection.run_on_commit:
            func = entry[1]
            if isinstance(func, _Starter) and not func.fired:
                func.reasons.append(reason)
                if by is not None and func.recompute.started_by_id is None:
                    func.recompute.started_by = by
                    DeadlineRecompute.objects.filter(pk=func.recompute.pk).update(started_by=by)
                return func.recompute
    if not force and not open_tasks().exists():
        return None
    row = DeadlineRecompute.objects.create(reason=reason[:200], started_by=by)
    transaction.on_commit(_Starter(row))
    return row


def _closed_pauses(task_ids: list[int]) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    out: dict[int, list] = defaultdict(list)
    for task_id, s, e in TaskPause.objects.filter(task_id__in=task_ids, ended_at__isnull=False).values_list(
        "task_id", "started_at", "ended_at"
    ):
        out[task_id].append((s, e))
    return out


def _recompute_chunk(ids: list[int], resolver: DeadlineResolver, types: dict[int, TaskType]) -> int:
    """Recompute one chunk under row locks (a concurrent resume waits); returns rows changed."""
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, state__in=OPEN_TASK_STATES, sla_start_at__isnull=False)
            .order_by("pk")
            .only(
                "pk",
                "state",
                "task_type_id",
                "assignee_id",
                "sla_start_at",
                "due_at",
                "at_risk_at",
                "sla_paused_seconds",
                "due_moved_to",
                "due_moved_at",
            )
        )
        pauses = _closed_pauses([t.pk for t in tasks])
        resolver.prime_people({t.assignee_id for t in tasks})
        # Group by rule so each calendar is built once and rows of one calendar are computed together.
        groups: dict = defaultdict(list)
        for t in tasks:
            groups[resolver.rule(types[t.task_type_id], t.assignee_id)].append(t)
        changed = []
        for _rule, members in groups.items():
            for t in members:
                t.task_type = types[t.task_type_id]
                d = resolver.compute_task(t, pauses.get(t.pk, ()))
                if (d.due_at, d.at_risk_at, d.paused_seconds) != (t.due_at, t.at_risk_at, t.sla_paused_seconds):
                    t.due_at, t.at_risk_at, t.sla_paused_seconds = d.due_at, d.at_risk_at, d.paused_seconds
                    changed.append(t)
        Task.objects.bulk_update(changed, ["due_at", "at_risk_at", "sla_paused_seconds"], batch_size=500)
    return len(changed)


def recompute_open_deadlines(*, progress=None, chunk: int = CHUNK) -> tuple[int, int]:
    """Recompute every open task's deadline; ``progress(done)`` after each chunk. (total, changed).

    Running clocks first, then the forecasts of tasks whose clock waits (issue 15): a forecast is
    counted from its open predecessors' deadlines, so it must follow their new values.
    """
    ids = list(open_tasks().order_by("pk").values_list("pk", flat=True))
    resolver = DeadlineResolver()
    types = {t.pk: t for t in TaskType.objects.all()}
    resolver.prime_task_types(types.values())
    changed = 0
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        changed += _recompute_chunk(part, resolver, types)
        if progress is not None:
            progress(len(part), changed)
    changed += recompute_forecasts(resolver)
    return len(ids), changed


def recompute_forecasts(
    resolver: DeadlineResolver | None = None, *, now: dt.datetime | None = None, waiting_for_assignee: bool = False
) -> int:
    """Recompute the forecast deadline of every open task whose clock has not started.

    Per campaign in dependency order, so a forecast counts from its predecessors' new forecasts;
    the basis is ``sla_start.planned_start`` (open predecessors' deadlines, the anchor day, the
    creation; for a task that waits only for an assignee, ``now`` at the earliest). Only rows
    whose forecast moved are written. ``waiting_for_assignee`` limits the pass to campaigns with
    such a task (the hourly refresh: their forecasts move with the clock). Returns rows changed.
    """
    from .dag import topological_order
    from .models import TaskDependency, TaskState
    from .sla_start import planned_start

    resolver = resolver or DeadlineResolver()
    now = now or timezone.now()
    pending = Task.objects.filter(state=TaskState.TODO, sla_start_at__isnull=True)
    if waiting_for_assignee:
        open_pred = TaskDependency.objects.filter(task=OuterRef("pk"), predecessor__state__in=OPEN_TASK_STATES)
        pending = pending.filter(assignee__isnull=True).exclude(Exists(open_pred))
    campaign_ids = list(pending.order_by().values_list("campaign_id", flat=True).distinct())
    changed_total = 0
    for campaign_id in sorted(campaign_ids):
        with transaction.atomic():
            tasks = {
                t.pk: t
                for t in Task.objects.select_for_update(of=("self",))
                .filter(campaign_id=campaign_id)
                .select_related("task_type", "template_entry", "campaign")
            }
            edges = list(
                TaskDependency.objects.filter(task__campaign_id=campaign_id).values_list("predecessor_id", "task_id")
            )
            preds: dict[int, list[int]] = defaultdict(list)
            for p, t in edges:
                preds[t].append(p)
            resolver.prime_people({t.assignee_id for t in tasks.values() if t.assignee_id})
            changed = []
            for pk in topological_order(list(tasks), edges):
                task = tasks[pk]
                if task.state != TaskState.TODO or task.sla_start_at is not None:
                    continue
                own = [tasks[p] for p in preds.get(pk, ()) if p in tasks]
                basis = planned_start(task, resolver, predecessors=own, now=now)
                d = resolver.compute(task.task_type, basis, (), task.assignee_id)
                if (d.due_at, d.at_risk_at) != (task.due_at, task.at_risk_at):
                    task.due_at, task.at_risk_at = d.due_at, d.at_risk_at
                    changed.append(task)
            Task.objects.bulk_update(changed, ["due_at", "at_risk_at"], batch_size=500)
        changed_total += len(changed)
    return changed_total


def run_recompute(recompute_id: int, *, now: dt.datetime) -> dict[str, int]:
    """The job: claim the row (pending -> running, once), recompute, sweep, record the result."""
    claimed = DeadlineRecompute.objects.filter(pk=recompute_id, status=DeadlineRecompute.Status.PENDING).update(
        status=DeadlineRecompute.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return {"skipped": 1}
    total = open_tasks().count()
    DeadlineRecompute.objects.filter(pk=recompute_id).update(total=total)

    def progress(n: int, changed: int) -> None:
        DeadlineRecompute.objects.filter(pk=recompute_id).update(done=F("done") + n, changed=changed)

    try:
        total, changed = recompute_open_deadlines(progress=progress)
        from .sla_sweep import sweep

        swept = sweep(now, recover=True)
    except Exception as exc:
        log.exception("Deadline recomputation %s failed", recompute_id)
        DeadlineRecompute.objects.filter(pk=recompute_id).update(
            status=DeadlineRecompute.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    DeadlineRecompute.objects.filter(pk=recompute_id).update(
        status=DeadlineRecompute.Status.DONE, total=total, done=total, changed=changed, finished_at=timezone.now()
    )
    return {
        "total": total,
        "changed": changed,
        "state_changes": swept["at_risk"] + swept["breached"] + swept["recovered"],
    }


# --- listeners (connected in tasks.apps) ------------------------------------------------------


def on_sla_config_saved(sender, instance, **kwargs) -> None:
    """post_save / post_delete of a calendar, its periods/holidays/closures, or a policy."""
    if kwargs.get("raw"):
        return  # loaddata
    if sender.__name__ == "WorkingCalendar" and kwargs.get("created"):
        return  # nothing uses a new calendar yet
    verb = "deleted" if "created" not in kwargs else "saved"
    request_recompute(reason=f"{sender._meta.model_name} #{instance.pk} {verb}")


def on_task_type_saved(sender, instance: TaskType, created: bool, **kwargs) -> None:
    if created or kwargs.get("raw"):
        return
    if getattr(instance, "_loaded_sla", None) != (instance.sla_policy_id, instance.lead_time_days):
        instance._loaded_sla = (instance.sla_policy_id, instance.lead_time_days)
        request_recompute(reason=f"task type {instance.slug} SLA changed")


def on_person_saved(sender, instance, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    loaded = getattr(instance, "_loaded_calendar", None if created else instance.calendar_id)
    if loaded != instance.calendar_id:
        instance._loaded_calendar = instance.calendar_id
        request_recompute(reason=f"calendar of person #{instance.pk} changed")
