"""The SLA sweep: at-risk / breached from the indexed deadlines, notifications exactly once.

- Each state move is one conditional ``UPDATE … WHERE sla_state = <old> AND <deadline test>``
  over the ``(sla_state, due_at)`` / ``(sla_state, at_risk_at)`` indexes: only rows that
  change are written, and the number of queries does not depend on the number of tasks.
- The UPDATE also writes a claim token unique to this sweep (``sla_claim``). Two workers
  sweeping at once cannot both change a row (the second one's WHERE no longer matches:
  PostgreSQL re-checks it after the first commits; SQLite serialises writers), so only the
  rows carrying this sweep's token are notified — exactly once per state change.
- Waiting tasks are not swept: their clock is stopped (resume recomputes the deadline); nor
  are tasks whose clock has not started (``sla_start_at`` NULL: waiting for predecessors).
- Notifications are ``SlaNotification`` rows with ``send_after`` = the recipient's next
  working instant on their calendar (now, when they are at work); ``send_due_notifications``
  mails the due ones, claiming each row with a conditional update.

Time is an argument: ``now`` is passed in by the job (tests freeze it).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import roles
from governance.names import person_name
from sla.calendar import next_opening

from .deadlines import DeadlineResolver
from .models import OPEN_TASK_STATES, SlaNotification, SlaState, Task, TaskState
from .signals import sla_state_changed

log = logging.getLogger(__name__)

# The clock runs in these states; WAITING is paused.
SWEPT_STATES = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW]
NOTIFY_BATCH = 500


def moves(now: dt.datetime) -> list[tuple[str, str, Q, bool]]:
    """(old state, new state, deadline test, notify?) — upgrades notify, recoveries do not.

    Run in this order inside one transaction, each test needs one column only, so it is a
    range scan on ``(sla_state, due_at)`` or ``(sla_state, at_risk_at)``
    (``at_risk_at <= due_at`` always): after the first two moves no on_track/at_risk task is
    past its due time, and after the fourth no breached task is before its at-risk time.
    """
    return [
        (SlaState.ON_TRACK, SlaState.BREACHED, Q(due_at__lte=now), True),
        (SlaState.AT_RISK, SlaState.BREACHED, Q(due_at__lte=now), True),
        (SlaState.ON_TRACK, SlaState.AT_RISK, Q(at_risk_at__lte=now), True),
        # Deadlines moved later (resume, recompute after a calendar/policy change):
        (SlaState.BREACHED, SlaState.ON_TRACK, Q(at_risk_at__gt=now), False),
        (SlaState.BREACHED, SlaState.AT_RISK, Q(due_at__gt=now), False),
        (SlaState.AT_RISK, SlaState.ON_TRACK, Q(at_risk_at__gt=now), False),
    ]


def _mops_user_ids() -> list[int]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=roles.MOPS)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _notifications(claimed: list[tuple[Task, str, str]], now: dt.datetime) -> list[SlaNotification]:
    """Rows to mail: at risk -> the assignee (MOps when unassigned); breached -> the assignee
    and an escalation to every MOps member. ``send_after`` follows each recipient's calendar."""
    wanted: list[tuple[Task, str, int, str]] = []
    mops: list[int] | None = None
    for task, _old, new in claimed:
        recipients: list[tuple[int, str]] = []
        if task.assignee_id:
            recipients.append((task.assignee_id, SlaNotification.Role.ASSIGNEE))
        if new == SlaState.BREACHED or not task.assignee_id:
            mops = _mops_user_ids() if mops is None else mops
            recipients += [(uid, SlaNotification.Role.ESCALATION) for uid in mops if uid != task.assignee_id]
        wanted += [(task, new, uid, role) for uid, role in recipients]
    if not wanted:
        return []
    resolver = DeadlineResolver()
    resolver.prime_people({uid for _, _, uid, _ in wanted})
    resolver.prime_calendars(
        {resolver.person_calendar_id(uid) for _, _, uid, _ in wanted} | {resolver.default_calendar_id()}
    )
    openings: dict[int | None, dt.datetime] = {}
    rows = []
    for task, new, uid, role in wanted:
        cal_id = resolver.person_calendar_id(uid)
        if cal_id not in openings:
            openings[cal_id] = next_opening(resolver.user_calendar(uid), now)
        rows.append(
            SlaNotification(
                task_id=task.pk,
                recipient_id=uid,
                kind=new,
                role=role,
                changed_at=now,
                send_after=openings[cal_id],
                created_at=now,
            )
        )
    return rows


@transaction.atomic
def sweep(now: dt.datetime, *, notify: bool = True) -> dict[str, int]:
    """Move open tasks between on_track / at_risk / breached at ``now``.

    Returns how many tasks this sweep moved to at_risk / breached, recovered (deadline moved
    later), and how many notification rows it queued.
    """
    token = uuid.uuid4().hex
    counts = {"at_risk": 0, "breached": 0, "recovered": 0, "notifications": 0}
    claims: dict[str, tuple[str, str, bool]] = {}
    for i, (old, new, test, loud) in enumerate(moves(now)):
        claim = f"{token}:{i}"
        changed = (
            Task.objects.filter(state__in=SWEPT_STATES, sla_state=old, sla_start_at__isnull=False)
            .filter(test)
            .update(sla_state=new, sla_changed_at=now, sla_claim=claim)
        )
        counts[new if loud else "recovered"] += changed
        if changed:
            claims[claim] = (old, new, loud)
    if not claims:
        return counts
    tasks = Task.objects.filter(sla_claim__in=list(claims)).order_by("pk")
    listeners = sla_state_changed.has_listeners(Task)
    # Receivers get full tasks; without any, the notices need only the assignee.
    tasks = (
        tasks.select_related("task_type", "assignee", "campaign")
        if listeners
        else tasks.only("pk", "state", "assignee", "sla_claim")
    )
    claimed = [(t, claims[t.sla_claim][0], claims[t.sla_claim][1]) for t in tasks]
    for task, old, new in claimed if listeners else ():
        sla_state_changed.send(sender=Task, task=task, old=old, new=new, at=now, source="sweep")
    if notify:
        rows = _notifications([c for c in claimed if claims[c[0].sla_claim][2]], now)
        SlaNotification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=NOTIFY_BATCH)
        counts["notifications"] = len(rows)
        if any(r.send_after <= now for r in rows):
            _queue_sender(now)
    return counts


def _queue_sender(now: dt.datetime) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("tasks.jobs.send_sla_notifications", now, task_name=f"sla-mail-{now:%Y%m%d%H%M%S%f}")
    )


# --- sending ---------------------------------------------------------------------------------

SUBJECTS = {
    SlaState.AT_RISK: _("SLA at risk"),
    SlaState.BREACHED: _("SLA breached"),
}


def _mail(note: SlaNotification) -> None:
    task, user = note.task, note.recipient
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M %Z") if task.due_at else "—"
    prefix = _("[Escalation]") if note.role == SlaNotification.Role.ESCALATION else ""
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("tasks:detail", args=[task.pk])
    assignee = person_name(task.assignee) if task.assignee else _("unassigned")
    send_mail(
        subject=f"[MOps Desk] {prefix}{SUBJECTS.get(note.kind, note.kind)}: {task.key} {task.title}",
        message=str(
            _(
                "Dear %(name)s,\n\nTask: %(key)s %(title)s\nCampaign: %(campaign)s\nAssignee: %(assignee)s\n"
                "Due: %(due)s\nSLA: %(sla)s\n%(link)s\n"
            )
            % {
                "name": person_name(user),
                "key": task.key,
                "title": task.title,
                "campaign": task.campaign.name,
                "assignee": assignee,
                "due": due,
                "sla": note.get_kind_display(),
                "link": link,
            }
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
        fail_silently=False,
    )


def send_due_notifications(now: dt.datetime) -> dict[str, int]:
    """Mail the notifications due at ``now``; each row is claimed by one sender only."""
    sent = skipped = failed = 0
    while True:
        ids = list(
            SlaNotification.objects.filter(sent_at__isnull=True, send_after__lte=now)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:NOTIFY_BATCH]
        )
        if not ids:
            break
        token = uuid.uuid4().hex
        SlaNotification.objects.filter(pk__in=ids, sent_at__isnull=True).update(sent_at=now, claim=token)
        notes = list(
            SlaNotification.objects.filter(claim=token).select_related(
                "task", "task__campaign", "task__assignee", "recipient"
            )
        )
        for note in notes:
            task = note.task
            if task.state not in OPEN_TASK_STATES or task.sla_state == SlaState.ON_TRACK or not note.recipient.email:
                skipped += 1  # recovered or closed before the recipient's working hours began
                continue
            try:
                _mail(note)
                sent += 1
            except Exception:  # leave it for the next run
                log.exception("SLA notification %s failed", note.pk)
                SlaNotification.objects.filter(pk=note.pk, claim=token).update(sent_at=None, claim="")
                failed += 1
        if failed or len(ids) < NOTIFY_BATCH:
            break
    return {"sent": sent, "skipped": skipped, "failed": failed}
