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
import json
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import CharField, Q
from django.db.models.lookups import In
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import roles
from governance.names import person_name
from sla.calendar import next_opening

from .deadlines import DeadlineResolver
from .models import OPEN_TASK_STATES, SlaNotification, SlaState, Task, TaskEvent, TaskState
from .planner_hints import unindexed
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


def _swept_states() -> Q | In:
    """The swept states as a filter that leaves the index choice to the SLA columns.

    SQLite keeps one average per index prefix, not the few breached or at-risk rows: it read every
    open task with a later deadline through (state, due_at) to find the breached ones whose
    deadline moved (30 ms of each sweep at 100k open tasks). ``+state`` is the same value in an
    expression no index serves; PostgreSQL's statistics already choose the SLA indexes."""
    if connection.vendor == "sqlite":
        return In(unindexed("state", CharField()), SWEPT_STATES)
    return Q(state__in=SWEPT_STATES)


def _move_rows(old: str, test: Q):
    """The tasks one move (see ``moves``) changes: swept, clock started, in ``old``, past ``test``."""
    return Task.objects.filter(_swept_states(), sla_state=old, sla_start_at__isnull=False).filter(test)


def _mops_user_ids() -> list[int]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=roles.MOPS)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# The TaskEvent action written for each SLA state change (from/to in ``data``).
SLA_EVENT_ACTION = "sla_state"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _json_param() -> str:
    # JSONField is jsonb on PostgreSQL and text on SQLite.
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _openings(user_ids: set[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """Each recipient's next working instant (now while they are at work), per their calendar."""
    resolver = DeadlineResolver()
    resolver.prime_people(user_ids)
    resolver.prime_calendars({resolver.person_calendar_id(u) for u in user_ids} | {resolver.default_calendar_id()})
    by_calendar: dict[int | None, dt.datetime] = {}
    out = {}
    for uid in user_ids:
        cal_id = resolver.person_calendar_id(uid)
        if cal_id not in by_calendar:
            by_calendar[cal_id] = next_opening(resolver.user_calendar(uid), now)
        out[uid] = by_calendar[cal_id]
    return out


def _dt(value: dt.datetime):
    # Raw SQL parameters: stored exactly as the ORM stores them (naive UTC text on SQLite).
    return connection.ops.adapt_datetimefield_value(value)


def _send_after_sql(column: str, openings: dict[int, dt.datetime]) -> tuple[str, list]:
    """``CASE`` choosing each recipient's ``send_after``; one branch per distinct instant."""
    by_instant: dict[dt.datetime, list[int]] = {}
    for uid, at in openings.items():
        by_instant.setdefault(at, []).append(uid)
    if len(by_instant) == 1:
        return "%s", [_dt(next(iter(by_instant)))]
    sql, params = ["CASE"], []
    for at, uids in by_instant.items():
        sql.append(f"WHEN {column} IN ({', '.join(str(int(u)) for u in uids)}) THEN %s")
        params.append(_dt(at))
    sql.append("END")
    return " ".join(sql), params


def _insert_events(claim: str, old: str, new: str, now: dt.datetime) -> None:
    """One ``sla_state`` TaskEvent per task this move changed (INSERT … SELECT, no Python rows)."""
    data = json.dumps({"sla_from": old, "sla_to": new, "source": "sweep"})
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_table(TaskEvent)} (task_id, action, actor_id, at, comment, data, from_state, to_state) "
            f"SELECT id, %s, NULL, %s, '', {_json_param()}, state, state FROM {_table(Task)} WHERE sla_claim = %s",
            [SLA_EVENT_ACTION, _dt(now), data, claim],
        )


def _insert_notifications(loud: dict[str, str], now: dt.datetime) -> tuple[int, bool]:
    """Queue the notices of the loud moves (claim -> new state) with INSERT … SELECT.

    At risk -> the assignee (every MOps member when unassigned); breached -> the assignee and
    an escalation to every MOps member. ``send_after`` follows each recipient's calendar.
    Returns (rows inserted, whether any is due now).
    """
    claims = list(loud)
    marks = ", ".join(["%s"] * len(claims))
    assignees = set(
        Task.objects.filter(sla_claim__in=claims, assignee__isnull=False)
        .order_by()
        .values_list("assignee_id", flat=True)
        .distinct()
    )
    breached = [c for c, new in loud.items() if new == SlaState.BREACHED]
    mops = _mops_user_ids()
    openings = _openings(assignees | set(mops), now)
    if not openings:
        return 0, False
    note, task = _table(SlaNotification), _table(Task)
    columns = "task_id, recipient_id, kind, role, changed_at, send_after, sent_at, claim, created_at"
    kind = "CASE " + " ".join("WHEN t.sla_claim = %s THEN %s" for _ in claims) + " END"
    kind_params = [x for c in claims for x in (c, loud[c])]
    inserted = 0
    with connection.cursor() as cur:
        if assignees:
            after, after_params = _send_after_sql("t.assignee_id", {u: openings[u] for u in assignees})
            cur.execute(
                f"INSERT INTO {note} ({columns}) SELECT t.id, t.assignee_id, {kind}, %s, %s, {after}, NULL, '', %s "
                f"FROM {task} t WHERE t.sla_claim IN ({marks}) AND t.assignee_id IS NOT NULL "
                "ON CONFLICT DO NOTHING",
                [*kind_params, SlaNotification.Role.ASSIGNEE, _dt(now), *after_params, _dt(now), *claims],
            )
            inserted += max(cur.rowcount, 0)
        if mops:
            user = connection.ops.quote_name(get_user_model()._meta.db_table)
            after, after_params = _send_after_sql("u.id", {u: openings[u] for u in mops})
            # Escalate breaches (to MOps other than the assignee) and unassigned at-risk tasks.
            escalate = "t.assignee_id IS NULL"
            if breached:
                escalate += f" OR t.sla_claim IN ({', '.join(['%s'] * len(breached))})"
            cur.execute(
                f"INSERT INTO {note} ({columns}) SELECT t.id, u.id, {kind}, %s, %s, {after}, NULL, '', %s "
                f"FROM {task} t CROSS JOIN {user} u WHERE t.sla_claim IN ({marks}) "
                f"AND u.id IN ({', '.join(str(int(u)) for u in mops)}) "
                f"AND (t.assignee_id IS NULL OR t.assignee_id <> u.id) AND ({escalate}) "
                "ON CONFLICT DO NOTHING",
                [*kind_params, SlaNotification.Role.ESCALATION, _dt(now), *after_params, _dt(now), *claims, *breached],
            )
            inserted += max(cur.rowcount, 0)
    due_now = any(at <= now for at in openings.values())
    return inserted, due_now


@transaction.atomic
def sweep(now: dt.datetime, *, notify: bool = True) -> dict[str, int]:
    """Move open tasks between on_track / at_risk / breached at ``now``.

    Set-based: per move one conditional UPDATE, one INSERT … SELECT of ``sla_state`` TaskEvents
    (the audit trail of every change), and the notices of all loud moves in two INSERT … SELECT
    statements, so the cost does not grow with Python objects per task.
    Returns how many tasks this sweep moved to at_risk / breached, recovered (deadline moved
    later), and how many notification rows it queued.
    """
    token = uuid.uuid4().hex
    counts = {"at_risk": 0, "breached": 0, "recovered": 0, "notifications": 0}
    claims: dict[str, tuple[str, str, bool]] = {}
    for i, (old, new, test, loud) in enumerate(moves(now)):
        claim = f"{token}:{i}"
        changed = _move_rows(old, test).update(sla_state=new, sla_changed_at=now, sla_claim=claim)
        counts[new if loud else "recovered"] += changed
        if changed:
            claims[claim] = (old, new, loud)
            _insert_events(claim, old, new, now)
    if not claims:
        return counts
    if sla_state_changed.has_listeners(Task):
        # Receivers get full tasks (only loaded when someone listens).
        tasks = Task.objects.filter(sla_claim__in=list(claims)).select_related("task_type", "assignee", "campaign")
        for task in tasks.order_by("pk"):
            old, new, _loud = claims[task.sla_claim]
            sla_state_changed.send(sender=Task, task=task, old=old, new=new, at=now, source="sweep")
    loud = {c: new for c, (_old, new, is_loud) in claims.items() if is_loud}
    if notify and loud:
        counts["notifications"], due_now = _insert_notifications(loud, now)
        if due_now and counts["notifications"]:
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
