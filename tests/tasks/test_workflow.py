"""The task state machine through the services: dependencies, pauses, the campaign's readiness."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import RequestEvent, State
from tasks import services
from tasks.models import SlaState, Task, TaskEvent, TaskPause, TaskState
from tests.conftest import requires_postgres


def finish(task, by, hours=1):
    for action in ("start", "submit_review"):
        services.task_transition(task_id=task.pk, action=action, by=by)
    services.task_complete(task_id=task.pk, by=by, actual_hours=hours)


def assign_all(tasks, mona, sam):
    for t in tasks.values():
        services.task_assign(task_id=t.pk, assignee=sam, by=mona)


def test_start_refused_until_predecessors_done(generated, mona, sam):
    req, tasks = generated
    assign_all(tasks, mona, sam)
    with pytest.raises(services.PredecessorsOpen, match=tasks["plan"].key):
        services.task_start(task_id=tasks["email"].pk, by=sam)
    assert Task.objects.get(pk=tasks["email"].pk).state == TaskState.TODO
    finish(tasks["plan"], sam)
    services.task_start(task_id=tasks["email"].pk, by=sam)
    assert Task.objects.get(pk=tasks["email"].pk).state == TaskState.IN_PROGRESS
    # A cancelled predecessor does not block.
    services.task_cancel(task_id=tasks["design"].pk, by=mona, comment="不要")
    services.task_start(task_id=tasks["lp"].pk, by=sam)


def test_start_needs_an_assignee(generated, mona):
    req, tasks = generated
    with pytest.raises(services.TaskConflict, match="割り当ててから"):
        services.task_start(task_id=tasks["plan"].pk, by=mona)


def test_full_flow_moves_campaign_to_ready_then_launch(generated, mona, sam, alice):
    req, tasks = generated
    assign_all(tasks, mona, sam)
    for slug in ("plan", "design", "email", "lp"):
        finish(tasks[slug], sam, hours=2)
    with pytest.raises(campaign_services.Conflict, match=tasks["qa"].key):
        campaign_services.request_transition(request_id=req.pk, action="mark_ready", by=mona)
    req.refresh_from_db()
    assert req.state == State.IN_PRODUCTION
    finish(tasks["qa"], sam, hours=1.5)
    req.refresh_from_db()
    assert req.state == State.READY_FOR_LAUNCH
    ev = RequestEvent.objects.filter(request=req).order_by("-id").first()
    assert (ev.action, ev.actor) == ("mark_ready", None)
    qa = Task.objects.get(pk=tasks["qa"].pk)
    assert qa.actual_hours == pytest.approx(1.5) and qa.sla_state == SlaState.MET
    assert [e.action for e in TaskEvent.objects.filter(task=qa).exclude(action="sla_replan")] == [
        "create",
        "assign",
        "start",
        "submit_review",
        "complete",
    ]
    campaign_services.request_transition(request_id=req.pk, action="launch", by=alice)
    req.refresh_from_db()
    assert req.state == State.LAUNCHED


def test_reopen_moves_ready_campaign_back_and_launch_is_refused(generated, mona, sam, alice):
    req, tasks = generated
    assign_all(tasks, mona, sam)
    for slug in ("plan", "design", "email", "lp", "qa"):
        finish(tasks[slug], sam)
    with pytest.raises(ValidationError):
        services.task_reopen(task_id=tasks["qa"].pk, by=sam, comment="")
    services.task_reopen(task_id=tasks["qa"].pk, by=sam, comment="リンク切れ")
    req.refresh_from_db()
    assert req.state == State.IN_PRODUCTION
    assert RequestEvent.objects.filter(request=req, action="reopen_production").count() == 1
    before = RequestEvent.objects.count()
    with pytest.raises(campaign_services.Conflict):
        campaign_services.request_transition(request_id=req.pk, action="launch", by=alice)
    assert RequestEvent.objects.count() == before


def test_launch_refused_while_tasks_open_even_from_ready(generated, mona, sam, alice):
    req, tasks = generated
    assign_all(tasks, mona, sam)
    for slug in ("plan", "design", "email", "lp", "qa"):
        finish(tasks[slug], sam)
    # MOps adds a task after readiness: the campaign returns to production; launch is refused.
    services.task_add(campaign_id=req.pk, task_type=tasks["qa"].task_type, title="追加QA", by=mona)
    req.refresh_from_db()
    assert req.state == State.IN_PRODUCTION
    with pytest.raises(campaign_services.Conflict):
        campaign_services.request_transition(request_id=req.pk, action="launch", by=alice)


def test_pause_and_resume_record_pause_and_push_deadline(generated, mona, sam):
    req, tasks = generated
    plan = tasks["plan"]
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona)
    t0 = timezone.now()
    services.task_start(task_id=plan.pk, by=sam, at=t0)
    with pytest.raises(ValidationError):
        services.task_pause(task_id=plan.pk, by=sam, comment=" ")
    services.task_pause(task_id=plan.pk, by=sam, comment="依頼者の回答待ち", at=t0 + dt.timedelta(hours=1))
    pause = TaskPause.objects.get(task=plan)
    assert pause.ended_at is None and pause.reason == "依頼者の回答待ち"
    services.task_resume(task_id=plan.pk, by=sam, at=t0 + dt.timedelta(days=3))
    pause.refresh_from_db()
    assert pause.ended_at == t0 + dt.timedelta(days=3)
    after = Task.objects.get(pk=plan.pk)
    assert after.state == TaskState.IN_PROGRESS
    assert after.due_at > plan.due_at  # the paused working time is added back
    assert [e.action for e in TaskEvent.objects.filter(task=plan)][-2:] == ["pause", "resume"]


def test_complete_needs_non_negative_hours_and_writes_nothing_otherwise(generated, mona, sam):
    req, tasks = generated
    plan = tasks["plan"]
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona)
    services.task_start(task_id=plan.pk, by=sam)
    services.task_submit_review(task_id=plan.pk, by=sam)
    before = TaskEvent.objects.count()
    for bad in (-1, None, "abc"):
        with pytest.raises(ValidationError):
            services.task_complete(task_id=plan.pk, by=sam, actual_hours=bad)
    assert TaskEvent.objects.count() == before
    assert Task.objects.get(pk=plan.pk).state == TaskState.IN_REVIEW


def test_specialist_acts_only_on_own_task(generated, mona, sam, tokyo):
    from governance import roles
    from tests.conftest import make_user

    other = make_user("sue", roles.SPECIALIST, tokyo)
    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=sam, by=mona)
    with pytest.raises(PermissionDenied):
        services.task_start(task_id=tasks["plan"].pk, by=other)
    with pytest.raises(PermissionDenied):
        services.task_assign(task_id=tasks["plan"].pk, assignee=other, by=sam)


def test_assign_requires_the_role(generated, mona, sam, tokyo, alice):
    from governance import roles
    from tests.conftest import make_user

    req, tasks = generated
    unskilled = make_user("sue", roles.SPECIALIST, tokyo)
    for user in (unskilled, alice):
        with pytest.raises(ValidationError, match="ロールを持っていません"):
            services.task_assign(task_id=tasks["lp"].pk, assignee=user, by=mona)
    services.task_assign(task_id=tasks["lp"].pk, assignee=mona, by=mona)  # MOps may take anything
    assert TaskEvent.objects.filter(task=tasks["lp"], action="assign").get().data == {"from": None, "to": "mona"}


def test_cancelled_campaign_cancels_open_tasks(generated, mona, alice):
    req, tasks = generated
    campaign_services.request_cancel(request_id=req.pk, by=alice, comment="中止")
    assert set(Task.objects.filter(campaign=req).values_list("state", flat=True)) == {TaskState.CANCELLED}


def test_events_are_append_only(generated):
    req, tasks = generated
    ev = TaskEvent.objects.first()
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        TaskEvent.objects.all().delete()


def test_assignment_mail_is_sent_after_commit(
    generated, mona, sam, mailoutbox, django_capture_on_commit_callbacks, jobs_inline
):
    req, tasks = generated
    with django_capture_on_commit_callbacks(execute=True):
        services.task_assign(task_id=tasks["lp"].pk, assignee=sam, by=mona)
    assert len(mailoutbox) == 1
    assert tasks["lp"].key in mailoutbox[0].subject and mailoutbox[0].to == ["sam@example.com"]


def test_reorder_and_add(generated, mona, sam):
    req, tasks = generated
    order = [tasks[s].pk for s in ("qa", "plan", "design", "email", "lp")]
    services.tasks_reorder(campaign_id=req.pk, ordered_ids=order, by=mona)
    assert list(Task.objects.filter(campaign=req).order_by("position").values_list("pk", flat=True)) == order
    with pytest.raises(PermissionDenied):
        services.tasks_reorder(campaign_id=req.pk, ordered_ids=order, by=sam)
    extra = services.task_add(campaign_id=req.pk, task_type=tasks["qa"].task_type, by=mona, depends_on=[tasks["qa"].pk])
    assert list(extra.depends_on.all()) == [tasks["qa"]]
    with pytest.raises(ValidationError, match="循環"):
        services.task_set_dependencies(task_id=tasks["plan"].pk, depends_on=[extra.pk], by=mona)


@requires_postgres
def test_events_are_append_only_in_the_database(generated):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE tasks_taskevent SET comment = 'x'")


def test_sla_sweep_marks_at_risk_and_breached(generated):
    from tasks.jobs import sweep_sla

    req, tasks = generated
    plan = Task.objects.get(pk=tasks["plan"].pk)
    # plan and design (no predecessors, 3 business days each) share their deadlines
    result = sweep_sla(plan.at_risk_at)
    assert (result["breached"], result["at_risk"]) == (0, 2)
    assert Task.objects.get(pk=plan.pk).sla_state == SlaState.AT_RISK
    result = sweep_sla(plan.due_at)
    assert result["breached"] == 2 and Task.objects.get(pk=plan.pk).sla_state == SlaState.BREACHED
