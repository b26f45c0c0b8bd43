"""django-q2 jobs: take ids, load, act; safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.names import person_name

from .models import Task


def send_assignment_email(task_id: int, assignee_id: int) -> bool:
    """Tell the assignee about a task; skipped when the task moved on to someone else."""
    task = Task.objects.select_related("campaign", "task_type").filter(pk=task_id).first()
    user = get_user_model().objects.filter(pk=assignee_id).first()
    if task is None or user is None or task.assignee_id != assignee_id or not user.email:
        return False
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else "—"
    send_mail(
        subject="[MOps Desk] "
        + str(_("%(key)s %(title)s is assigned to you") % {"key": task.key, "title": task.title}),
        message=str(
            _(
                "Dear %(name)s,\n\nTask: %(key)s %(title)s\nCampaign: %(campaign)s\n"
                "Due: %(due)s\nEstimate: %(hours)s h\n"
            )
            % {
                "name": person_name(user),
                "key": task.key,
                "title": task.title,
                "campaign": task.campaign.name,
                "due": due,
                "hours": task.estimated_hours,
            }
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
        fail_silently=False,
    )
    return True


def sweep_sla(now: dt.datetime | None = None, notify: bool = True) -> dict[str, int]:
    """Every 5 minutes: on_track -> at_risk -> breached, from the indexed deadlines with
    conditional bulk updates; notifies each change once. (Deadlines that move later put their
    task back where they are written; see ``tasks.sla_sweep``.)"""
    from .sla_sweep import sweep

    return sweep(now or timezone.now(), notify=notify)


def snapshot_workload_history(weeks: int = 12) -> int:
    """Hourly, and when the workload page or API finds a week missing: replay the task events into
    the balance history's weekly snapshots (``tasks.workload.snapshots_fill``), so the page reads
    them ready instead of replaying thousands of events in a request; prune the snapshots nothing
    reads any more. Returns the weeks replayed."""
    from .workload import snapshots_fill, snapshots_prune

    snapshots_prune()
    return snapshots_fill(weeks=weeks)


def send_sla_notifications(now: dt.datetime | None = None) -> dict[str, int]:
    """Every 5 minutes (and right after a sweep): mail the SLA notifications now due, i.e.
    inside each recipient's working hours."""
    from .sla_sweep import send_due_notifications

    return send_due_notifications(now or timezone.now())


def recompute_deadlines(recompute_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute every open task's deadline (after a calendar or policy change), with progress."""
    from .recompute import run_recompute

    return run_recompute(recompute_id, now=now or timezone.now())


def end_overlong_pauses(now: dt.datetime | None = None) -> list[int]:
    """Hourly: tasks paused past the pause limit resume (the SLA clock runs again); MOps is mailed."""
    from django.db import transaction

    from .sla_start import overlong_pauses_end

    with transaction.atomic():
        return overlong_pauses_end(now=now or timezone.now())


def refresh_forecasts(now: dt.datetime | None = None) -> int:
    """Hourly: tasks that could be worked on but wait for an assignee (their clock starts on
    assignment) are forecast from now, and the tasks after them follow; returns rows changed."""
    from .recompute import recompute_forecasts

    return recompute_forecasts(now=now or timezone.now(), waiting_for_assignee=True)
