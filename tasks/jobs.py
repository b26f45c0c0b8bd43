"""django-q2 jobs: take ids, load, act; safe to run twice."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone

from .models import OPEN_TASK_STATES, SlaState, Task


def send_assignment_email(task_id: int, assignee_id: int) -> bool:
    """Tell the assignee about a task; skipped when the task moved on to someone else."""
    task = Task.objects.select_related("campaign", "task_type").filter(pk=task_id).first()
    user = get_user_model().objects.filter(pk=assignee_id).first()
    if task is None or user is None or task.assignee_id != assignee_id or not user.email:
        return False
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else "—"
    send_mail(
        subject=f"[MOps Desk] {task.key} {task.title} が割り当てられました / assigned to you",
        message=(f"{user.get_full_name() or user.username} さん\n\n"
                 f"タスク / Task: {task.key} {task.title}\n"
                 f"キャンペーン / Campaign: {task.campaign.name}\n"
                 f"期限 / Due: {due}\n見積 / Estimate: {task.estimated_hours} h\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email], fail_silently=False,
    )
    return True


def sweep_sla(now: dt.datetime | None = None) -> dict[str, int]:
    """Mark open tasks at risk / breached from the indexed deadlines (bulk updates, no loops)."""
    now = now or timezone.now()
    open_tasks = Task.objects.filter(state__in=OPEN_TASK_STATES)
    breached = open_tasks.filter(due_at__lte=now).exclude(sla_state=SlaState.BREACHED).update(sla_state=SlaState.BREACHED)
    at_risk = (open_tasks.filter(at_risk_at__lte=now, due_at__gt=now, sla_state=SlaState.ON_TRACK)
               .update(sla_state=SlaState.AT_RISK))
    return {"breached": breached, "at_risk": at_risk}
