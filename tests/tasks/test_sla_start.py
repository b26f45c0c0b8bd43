"""A successor's SLA clock starts when it can be worked on, and is re-planned when a predecessor moves.

Template (tests/tasks/conftest.py): plan -> email, plan -> lp, design -> lp, lp -> qa, email -> qa.
No policies: plan, email, design 3 business days, lp 5, qa 1, on Mon-Fri 09:00-18:00 Asia/Tokyo;
"n business days from t" ends at 18:00 of the n-th working day after t's day (a start at closing
time counts from the next working day).
Generated at T0 = Mon 1 Jun 2026 10:00 (no holidays in June): plan is due Thu 4 Jun 18:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tasks import services
from tasks.models import SlaState, Task, TaskEvent
from tasks.sla_sweep import sweep

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=TOKYO)


T0 = at(1, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def reload(task) -> Task:
    return Task.objects.get(pk=task.pk)


def finish(task, sam, mona, *, start, done) -> None:
    services.task_assign(task_id=task.pk, assignee=sam, by=mona, at=start, notify=False)
    services.task_transition(task_id=task.pk, action="start", by=sam, at=start)
    services.task_transition(task_id=task.pk, action="submit_review", by=sam, at=start)
    services.task_transition(task_id=task.pk, action="complete", by=sam, actual_hours=1, at=done)


def test_a_successor_waits_for_its_predecessors_with_a_forecast_only(generated, frozen):
    req, tasks = generated
    email = reload(tasks["email"])
    assert email.sla_start_at is None  # the clock has not started
    # forecast: from plan's due date Thu 4 Jun 18:00 (received Fri 5) + 3 business days -> Wed 10 Jun 18:00
    assert email.due_at == at(10, 18)
    # plan is late and still open on Thu 11 Jun: email could not be worked on, so it is not breached
    frozen.move_to(at(11, 12))
    sweep(at(11, 12))
    email = reload(email)
    assert email.sla_state == SlaState.ON_TRACK and email.live_sla_state == SlaState.ON_TRACK
    assert reload(tasks["plan"]).sla_state == SlaState.BREACHED


def test_finishing_a_predecessor_early_starts_the_successor_clock_then(generated, sam, mona):
    req, tasks = generated
    finish(tasks["plan"], sam, mona, start=at(1, 11), done=at(2, 10))
    email = reload(tasks["email"])
    # actionable Tue 2 Jun 10:00: Wed (1), Thu (2), Fri (3) -> Fri 5 Jun 18:00, not the slack-padded Wed 10 Jun
    assert email.sla_start_at == at(2, 10)
    assert email.due_at == at(5, 18)
    event = TaskEvent.objects.get(task=email, action="sla_replan")
    assert event.data["cause"] == tasks["plan"].key and event.data["cause_action"] == "complete"
    assert event.data["due_at"][1] == at(5, 18).isoformat()


def test_finishing_a_predecessor_late_does_not_start_the_successor_already_breached(generated, sam, mona, frozen):
    req, tasks = generated
    frozen.move_to(at(10, 10))
    finish(tasks["plan"], sam, mona, start=at(1, 11), done=at(10, 10))
    email = reload(tasks["email"])
    # actionable Wed 10 Jun 10:00: Thu 11, Fri 12, Mon 15 -> Mon 15 Jun 18:00 (the due-date rule: Wed 10 Jun 18:00)
    assert (email.sla_start_at, email.due_at) == (at(10, 10), at(15, 18))
    assert email.live_sla_state == SlaState.ON_TRACK


def test_a_successor_with_two_predecessors_starts_when_the_last_is_done(generated, sam, mona):
    req, tasks = generated
    finish(tasks["plan"], sam, mona, start=at(1, 11), done=at(2, 10))
    assert reload(tasks["lp"]).sla_start_at is None  # design is still open
    finish(tasks["design"], sam, mona, start=at(1, 11), done=at(3, 15))
    lp = reload(tasks["lp"])
    # Wed 3 Jun 15:00 + 5 business days: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 -> Wed 10 Jun 18:00
    assert (lp.sla_start_at, lp.due_at) == (at(3, 15), at(10, 18))


def test_a_paused_and_resumed_predecessor_moves_the_successor_forecast(generated, sam, mona):
    req, tasks = generated
    plan = tasks["plan"]
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona, at=at(1, 10), notify=False)
    services.task_transition(task_id=plan.pk, action="start", by=sam, at=at(1, 10))
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="素材待ち", at=at(2, 10))
    services.task_transition(task_id=plan.pk, action="resume", by=sam, at=at(3, 10))
    # plan paused 9 working hours: due Thu 4 18:00 -> Fri 5 18:00;
    # email: received Mon 8 -> Tue 9, Wed 10, Thu 11 -> Thu 11 Jun 18:00 (was Wed 10)
    assert reload(plan).due_at == at(5, 18)
    email = reload(tasks["email"])
    assert (email.sla_start_at, email.due_at) == (None, at(11, 18))
    # lp waits for plan (Fri 5) and design (Thu 4): received Mon 8 + 5 -> Mon 15 Jun 18:00;
    # qa waits for lp and email: received Tue 16 + 1 -> Wed 17 Jun 18:00.
    assert reload(tasks["lp"]).due_at == at(15, 18)
    assert reload(tasks["qa"]).due_at == at(17, 18)
    assert TaskEvent.objects.filter(task=email, action="sla_replan", data__cause_action="resume").exists()


def test_reopening_a_predecessor_stops_the_successor_clock_until_it_is_done_again(generated, sam, mona):
    req, tasks = generated
    plan = tasks["plan"]
    finish(plan, sam, mona, start=at(1, 11), done=at(2, 10))
    assert reload(tasks["email"]).sla_start_at == at(2, 10)
    services.task_transition(task_id=plan.pk, action="reopen", by=mona, comment="誤字", at=at(3, 10))
    email = reload(tasks["email"])
    assert email.sla_start_at is None and email.sla_state == SlaState.ON_TRACK
    services.task_transition(task_id=plan.pk, action="submit_review", by=sam, at=at(4, 9))
    services.task_transition(task_id=plan.pk, action="complete", by=sam, actual_hours=1, at=at(4, 10))
    email = reload(tasks["email"])
    # Thu 4 Jun 10:00: Fri 5, Mon 8, Tue 9 -> Tue 9 Jun 18:00
    assert (email.sla_start_at, email.due_at) == (at(4, 10), at(9, 18))


def test_a_running_task_past_its_due_date_is_breached_before_the_sweep_runs(generated, sam, mona, frozen):
    req, tasks = generated
    plan = tasks["plan"]
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona, at=T0, notify=False)
    frozen.move_to(at(5, 9))  # due Thu 4 Jun 18:00; no sweep has run
    assert reload(plan).sla_state == SlaState.ON_TRACK  # stored
    assert reload(plan).live_sla_state == SlaState.BREACHED
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(mona)
    assert client.get(f"/api/tasks/{plan.pk}/").json()["sla_state"] == "breached"


# --- start conditions per policy ---------------------------------------------------------------


def _policy(task_type, condition: str):
    from decimal import Decimal

    from sla.models import SLAPolicy, SLAUnit, default_calendar

    task_type.sla_policy = SLAPolicy.objects.create(
        slug=f"{task_type.slug}-{condition}",
        name=condition,
        unit=SLAUnit.BUSINESS_DAYS,
        duration=Decimal(3),
        calendar=default_calendar(),
        start_condition=condition,
    )
    task_type.save()


def test_start_on_creation_runs_the_clock_even_while_predecessors_are_open(
    task_types, template, approved, mona, people
):
    from tasks.generation import tasks_generate

    _policy(task_types["email"], "on_creation")
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=approved().pk, by=mona)}
    email = reload(tasks["email"])
    # created Mon 1 Jun 10:00: Tue, Wed, Thu -> Thu 4 Jun 18:00, whatever plan does
    assert (email.sla_start_at, email.due_at) == (T0, at(4, 18))


def test_start_on_assignment_waits_for_an_assignee_once_actionable(
    task_types, template, approved, mona, sam, people, frozen
):
    from tasks.generation import tasks_generate

    _policy(task_types["plan"], "on_assignment")
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=approved().pk, by=mona)}
    plan = reload(tasks["plan"])
    assert plan.sla_start_at is None  # actionable, but nobody has it yet
    frozen.move_to(at(2, 14))
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona, at=at(2, 14), notify=False)
    plan = reload(plan)
    # assigned Tue 2 Jun 14:00: Wed, Thu, Fri -> Fri 5 Jun 18:00
    assert (plan.sla_start_at, plan.due_at) == (at(2, 14), at(5, 18))


@pytest.fixture
def jobs_inline(monkeypatch):
    """Run queued jobs in place: django-q2's sync mode does not run them under a frozen clock."""
    from django.utils.module_loading import import_string

    def run(func, *args, **kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k not in ("task_name", "group", "hook", "q_options")}
        return (import_string(func) if isinstance(func, str) else func)(*args, **kwargs)

    monkeypatch.setattr("django_q.tasks.async_task", run)


def test_a_pause_longer_than_the_limit_resumes_the_clock_and_tells_mops(
    generated, sam, mona, frozen, mailoutbox, django_capture_on_commit_callbacks, jobs_inline
):
    from tasks.jobs import end_overlong_pauses

    req, tasks = generated
    plan = tasks["plan"]
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona, at=T0, notify=False)
    services.task_transition(task_id=plan.pk, action="start", by=sam, at=T0)
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="回答待ち", at=at(1, 12))
    # 10 business days from Mon 1 Jun 12:00 end Mon 15 Jun 18:00: not yet on Mon 15 at noon
    frozen.move_to(at(15, 12))
    assert end_overlong_pauses(at(15, 12)) == []
    frozen.move_to(at(16, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert end_overlong_pauses(at(16, 9, 30)) == [plan.pk]
    assert any(plan.key in m.body and "mona@example.com" in m.to for m in mailoutbox)
    plan = reload(plan)
    assert plan.state == "in_progress"
    assert TaskEvent.objects.filter(task=plan, action="resume", actor=None).exists()
    assert end_overlong_pauses(at(16, 10)) == []  # twice: nothing more


def test_the_pause_limit_is_the_policys_and_mops_hears_of_it_in_its_language(
    generated, sam, mona, frozen, mailoutbox, django_capture_on_commit_callbacks, jobs_inline
):
    """A policy with a 3-day pause limit resumes the task after 3 business days (not 10)."""
    from sla.models import SLAPolicy, default_calendar
    from tasks.jobs import end_overlong_pauses
    from tasks.sla_start import PAUSE_LIMIT_KEY

    req, tasks = generated
    plan = tasks["plan"]
    policy = SLAPolicy.objects.create(
        slug="short-pause", name="Short pause", calendar=default_calendar(), duration=3, pause_limit_days=3
    )
    plan.task_type.sla_policy = policy
    plan.task_type.save(update_fields=["sla_policy"])
    services.task_assign(task_id=plan.pk, assignee=sam, by=mona, at=T0, notify=False)
    services.task_transition(task_id=plan.pk, action="start", by=sam, at=T0)
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="回答待ち", at=at(1, 12))
    # 3 business days from Mon 1 Jun 12:00 end Thu 4 Jun 18:00
    frozen.move_to(at(4, 17))
    assert end_overlong_pauses(at(4, 17)) == []
    frozen.move_to(at(5, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert end_overlong_pauses(at(5, 9, 30)) == [plan.pk]
    plan = reload(plan)
    assert plan.state == "in_progress"
    event = TaskEvent.objects.get(task=plan, action="resume", actor=None)
    assert event.data[PAUSE_LIMIT_KEY] == 3 and "3" in event.comment
    mails = [m for m in mailoutbox if plan.key in m.subject and "mona@example.com" in m.to]
    assert len(mails) == 1  # through the notification path: recorded for the digest too
    from integrations.models import Notification

    assert Notification.objects.filter(user=mona, event="task.pause_limit").count() == 1


def test_a_pause_limit_outside_one_to_250_days_is_refused(db):
    from django.core.exceptions import ValidationError

    from sla.models import SLAPolicy, default_calendar

    for days in (0, 251):
        policy = SLAPolicy(slug=f"p{days}", name="p", calendar=default_calendar(), duration=1, pause_limit_days=days)
        with pytest.raises(ValidationError) as err:
            policy.full_clean()
        assert "pause_limit_days" in err.value.message_dict
