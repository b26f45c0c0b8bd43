"""SLA at-risk / breach announcements, from the indexed deadlines (no dependency on the sweep's bulk update).

Each (task, state, deadline) is announced once (unique SlaNotice row): a paused-and-resumed
task with a new deadline is announced again when it is at risk of that one.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tasks.models import OPEN_TASK_STATES, SlaState, Task, TaskState

from . import dispatch, recipients
from .events import Event
from .models import SlaNotice
from .payloads import task_data

# Breaches older than this are not announced (e.g. right after installing, or demo history).
LOOKBACK = dt.timedelta(days=7)


def _pending(qs, state: str):
    noticed = SlaNotice.objects.filter(task_id=OuterRef("pk"), state=state, due_at=OuterRef("due_at"))
    return qs.annotate(_noticed=Exists(noticed)).filter(_noticed=False).select_related("campaign", "assignee")


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    # Only tasks whose clock runs: not waiting (paused) and not waiting for predecessors.
    open_tasks = Task.objects.filter(
        state__in=OPEN_TASK_STATES, due_at__isnull=False, sla_start_at__isnull=False
    ).exclude(state=TaskState.WAITING)
    plan = [
        (SlaState.BREACHED, Event.SLA_BREACHED, open_tasks.filter(due_at__lte=now, due_at__gte=now - LOOKBACK)),
        (SlaState.AT_RISK, Event.SLA_AT_RISK, open_tasks.filter(at_risk_at__lte=now, due_at__gt=now)),
    ]
    counts = {}
    for state, event, qs in plan:
        n = 0
        for task in _pending(qs, state.value)[:500]:
            try:
                with transaction.atomic():
                    SlaNotice.objects.create(task=task, state=state.value, due_at=task.due_at, created_at=now)
                    dispatch.emit(
                        event.value,
                        task_data(task, sla_state=state.value),
                        key=f"sla:{task.pk}:{state.value}:{int(task.due_at.timestamp())}",
                        recipients=recipients.sla_ids(task),
                        occurred_at=now,
                    )
            except IntegrityError:
                continue  # another worker announced it
            n += 1
        counts[state.value] = n
    return counts
