"""The SLA sweep: at-risk / breached from the indexed deadlines, notifications exactly once.

- Each state move is one conditional ``UPDATE … WHERE sla_state = <old> AND <deadline test>
  RETURNING id``, a range scan of the open states' ``(state, due_at)`` / ``(state, at_risk_at)``
  indexes: only rows that change are written, and the number of queries does not depend on the
  number of tasks.
- No index names ``sla_state`` or ``sla_changed_at`` (issue 19). On PostgreSQL an UPDATE that
  changes no indexed column is a HOT update: it writes the row again on its own page (the table
  keeps free room, ``fillfactor``) and none of the table's ~18 indexes, so a first sweep that
  moves thousands of tasks writes a row each, not a row and 18 index entries each.
- Two workers sweeping at once cannot both change a row (the second one's WHERE no longer
  matches: PostgreSQL re-checks it after the first commits; SQLite serialises writers), and each
  notifies only the rows its own UPDATE returned — exactly once per state change.
- Waiting tasks are not swept: their clock is stopped (resume recomputes the deadline); nor
  are tasks whose clock has not started (``sla_start_at`` NULL: waiting for predecessors).
- Deadlines that move later put a task back at once where they are written (resume, assignment,
  a due date set by hand, replanning all store the live state); only the recomputation after a
  calendar or policy change leaves that to its closing sweep, ``sweep(now, recover=True)``.
  The five-minute sweep therefore only looks for deadlines that have passed.
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
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import roles
from governance.names import person_name
from sla.calendar import next_opening

from .deadlines import DeadlineResolver
from .models import OPEN_TASK_STATES, SlaNotification, SlaState, Task, TaskEvent, TaskState
from .signals import sla_state_changed

log = logging.getLogger(__name__)

# The clock runs in these states; WAITING is paused.
SWEPT_STATES = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW]
NOTIFY_BATCH = 500
LISTENER_BATCH = 1000


class Move(NamedTuple):
    """One state move of the sweep: tasks in ``old`` whose ``column`` is ``op`` now go to ``new``."""

    old: str
    new: str
    column: str  # due_at or at_risk_at
    op: str  # "<=" (the time has come) or ">" (the deadline moved later)
    loud: bool  # notified (upgrades) or silent (recoveries)


# Run in this order inside one transaction; each test needs one column only, so it is a range
# scan on (state, due_at) or (state, at_risk_at) (``at_risk_at <= due_at`` always): after the
# first two moves no on_track/at_risk task is past its due time.
UPGRADES = (
    Move(SlaState.ON_TRACK, SlaState.BREACHED, "due_at", "<=", True),
    Move(SlaState.AT_RISK, SlaState.BREACHED, "due_at", "<=", True),
    Move(SlaState.ON_TRACK, SlaState.AT_RISK, "at_risk_at", "<=", True),
)
# Deadlines moved later by a recomputation: after the first two no breached task is before its
# due time. These read every open task with a later deadline, so only the recomputation runs them.
RECOVERIES = (
    Move(SlaState.BREACHED, SlaState.ON_TRACK, "at_risk_at", ">", False),
    Move(SlaState.BREACHED, SlaState.AT_RISK, "due_at", ">", False),
    Move(SlaState.AT_RISK, SlaState.ON_TRACK, "at_risk_at", ">", False),
)


def moves(*, recover: bool = False) -> tuple[Move, ...]:
    """The moves one sweep runs, in order: the upgrades, then (``recover``) the recoveries."""
    return UPGRADES + RECOVERIES if recover else UPGRADES


def move_sql(move: Move, now: dt.datetime) -> tuple[str, list]:
    """The move's conditional UPDATE, returning each changed task's id and assignee."""
    states = ", ".join(["%s"] * len(SWEPT_STATES))
    return (
        f"UPDATE {_table(Task)} SET sla_state = %s, sla_changed_at = %s "
        f"WHERE state IN ({states}) AND {move.column} {move.op} %s AND sla_state = %s "
        "AND sla_start_at IS NOT NULL RETURNING id, assignee_id",
        [move.new, _dt(now), *SWEPT_STATES, _dt(now), move.old],
    )


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


def _among(column: str, ids: list[int]) -> tuple[str, list]:
    """``column`` is one of ``ids``, as one parameter whatever their number (an array on
    PostgreSQL, a JSON list on SQLite: a first sweep can move more tasks than SQLite takes
    parameters)."""
    # Written as one text value by hand: psycopg adapts a list of ints element by element in Python.
    listed = ",".join(str(int(i)) for i in ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))", ["{" + listed + "}"]
    return f"{column} IN (SELECT value FROM json_each(%s))", ["[" + listed + "]"]


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


def _insert_events(ids: list[int], move: Move, now: dt.datetime) -> None:
    """One ``sla_state`` TaskEvent per task this move changed (INSERT … SELECT, no Python rows)."""
    data = json.dumps({"sla_from": move.old, "sla_to": move.new, "source": "sweep"})
    among, among_params = _among("id", ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_table(TaskEvent)} (task_id, action, actor_id, at, comment, data, from_state, to_state) "
            f"SELECT id, %s, NULL, %s, '', {_json_param()}, state, state FROM {_table(Task)} WHERE {among}",
            [SLA_EVENT_ACTION, _dt(now), data, *among_params],
        )


def _insert_notifications(moved: dict[int, int | None], now: dt.datetime) -> tuple[int, bool]:
    """Queue the notices of the tasks the loud moves changed (id -> assignee) with INSERT … SELECT.

    At risk -> the assignee (every MOps member when unassigned); breached -> the assignee and
    an escalation to every MOps member. Each notice's kind is the task's new SLA state;
    ``send_after`` follows each recipient's calendar. Returns (rows inserted, whether any is due now).

    Plain inserts (no ``ON CONFLICT``, a third more per row): the rows are distinct by construction
    (only this sweep's own UPDATE returned these tasks; assignee and escalation recipients differ),
    and the unique constraint ``sla_notification_once`` stays as the guard.
    """
    assignees = {a for a in moved.values() if a is not None}
    mops = _mops_user_ids()
    openings = _openings(assignees | set(mops), now)
    if not openings:
        return 0, False
    note, task = _table(SlaNotification), _table(Task)
    columns = "task_id, recipient_id, kind, role, changed_at, send_after, sent_at, claim, created_at"
    among, among_params = _among("t.id", list(moved))
    inserted = 0
    with connection.cursor() as cur:
        if assignees:
            after, after_params = _send_after_sql("t.assignee_id", {u: openings[u] for u in assignees})
            cur.execute(
                f"INSERT INTO {note} ({columns}) "
                f"SELECT t.id, t.assignee_id, t.sla_state, %s, %s, {after}, NULL, '', %s "
                f"FROM {task} t WHERE {among} AND t.assignee_id IS NOT NULL",
                [SlaNotification.Role.ASSIGNEE, _dt(now), *after_params, _dt(now), *among_params],
            )
            inserted += max(cur.rowcount, 0)
        if mops:
            user = connection.ops.quote_name(get_user_model()._meta.db_table)
            after, after_params = _send_after_sql("u.id", {u: openings[u] for u in mops})
            # Escalate breaches (to MOps other than the assignee) and unassigned at-risk tasks.
            cur.execute(
                f"INSERT INTO {note} ({columns}) SELECT t.id, u.id, t.sla_state, %s, %s, {after}, NULL, '', %s "
                f"FROM {task} t CROSS JOIN {user} u WHERE {among} "
                f"AND u.id IN ({', '.join(str(int(u)) for u in mops)}) "
                "AND (t.assignee_id IS NULL OR t.assignee_id <> u.id) "
                "AND (t.assignee_id IS NULL OR t.sla_state = %s)",
                [SlaNotification.Role.ESCALATION, _dt(now), *after_params, _dt(now), *among_params, SlaState.BREACHED],
            )
            inserted += max(cur.rowcount, 0)
    due_now = any(at <= now for at in openings.values())
    return inserted, due_now


def _tell_listeners(changed: dict[int, Move], now: dt.datetime) -> None:
    """``sla_state_changed`` for each changed task (full tasks, loaded only when someone listens)."""
    ids = sorted(changed)
    for i in range(0, len(ids), LISTENER_BATCH):
        part = ids[i : i + LISTENER_BATCH]
        tasks = Task.objects.filter(pk__in=part).select_related("task_type", "assignee", "campaign")
        for task in tasks.order_by("pk"):
            move = changed[task.pk]
            sla_state_changed.send(sender=Task, task=task, old=move.old, new=move.new, at=now, source="sweep")


@transaction.atomic
def sweep(now: dt.datetime, *, notify: bool = True, recover: bool = False) -> dict[str, int]:
    """Move open tasks between on_track / at_risk / breached at ``now``.

    Set-based: per move one conditional UPDATE … RETURNING, one INSERT … SELECT of
    ``sla_state`` TaskEvents (the audit trail of every change), and the notices of all loud
    moves in two INSERT … SELECT statements, so the cost does not grow with Python objects per
    task. ``recover`` also moves back the tasks whose deadline moved later (the recomputation's
    closing sweep; see the module docstring).
    Returns how many tasks this sweep moved to at_risk / breached, recovered, and how many
    notification rows it queued.
    """
    counts = {"at_risk": 0, "breached": 0, "recovered": 0, "notifications": 0}
    changed: dict[int, Move] = {}
    loud: dict[int, int | None] = {}  # task id -> assignee id, of the notified moves
    for move in moves(recover=recover):
        with connection.cursor() as cur:
            cur.execute(*move_sql(move, now))
            rows = cur.fetchall()
        if not rows:
            continue
        counts[move.new if move.loud else "recovered"] += len(rows)
        # A task moves once per sweep: an upgraded task is past the time a recovery needs.
        for task_id, assignee_id in rows:
            changed[task_id] = move
            if move.loud:
                loud[task_id] = assignee_id
        _insert_events([r[0] for r in rows], move, now)
    if not changed:
        return counts
    if sla_state_changed.has_listeners(Task):
        _tell_listeners(changed, now)
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
