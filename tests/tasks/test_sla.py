"""SLA in the product: policies, pauses through transitions, recompute, the sweep and its notifications.

Time is frozen at Mon 2026-06-01 10:00 JST (no holidays in June in Japan); the standard
calendar is Mon-Fri 09:00-18:00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import Closure, SLAPolicy, SLAUnit, WorkingCalendar, WorkingPeriod, default_calendar
from tasks import jobs, selectors, services
from tasks.models import DeadlineRecompute, SlaNotification, SlaState, Task, TaskEvent
from tasks.signals import sla_state_changed
from tasks.sla_sweep import sweep

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


T0 = at(1, 10)  # Monday


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def policy(slug: str, unit: str, duration, share=None, calendar=None) -> SLAPolicy:
    return SLAPolicy.objects.create(
        slug=slug,
        name=slug,
        unit=unit,
        duration=Decimal(duration),
        at_risk_share=share,
        calendar=calendar or default_calendar(),
    )


def reload(task) -> Task:
    return Task.objects.get(pk=task.pk)


def started(task, sam, mona, when=T0) -> Task:
    services.task_assign(task_id=task.pk, assignee=sam, by=mona, at=when, notify=False)
    return services.task_transition(task_id=task.pk, action="start", by=sam, at=when)


# --- policies ------------------------------------------------------------------------------


def test_policy_in_business_hours(task_types, template, approved, mona, people):
    from tasks.generation import tasks_generate

    task_types["plan"].sla_policy = policy("plan-8h", SLAUnit.BUSINESS_HOURS, 8)
    task_types["plan"].save()
    req = approved()
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    plan = reload(tasks["plan"])
    assert plan.sla_start_at == T0
    assert plan.due_at == at(1, 18)  # 10:00 + 8 h stays at closing time
    assert plan.at_risk_at == at(1, 16)  # 75 % of 8 h
    # the default rule still applies to the others: design = 3 business days
    assert reload(tasks["design"]).due_at == at(4, 18)


def test_policy_in_business_days_with_its_share(task_types, template, approved, mona, people):
    from tasks.generation import tasks_generate

    task_types["plan"].sla_policy = policy("plan-2d", SLAUnit.BUSINESS_DAYS, 2, share=Decimal("0.5"))
    task_types["plan"].save()
    req = approved()
    plan = next(t for t in tasks_generate(request_id=req.pk, by=mona) if t.task_type.slug == "plan")
    plan = reload(plan)
    assert plan.due_at == at(3, 18)  # received Mon -> Tue (1), Wed (2)
    # budget = Mon 10-18 (8 h) + Tue + Wed (18 h) = 26 h; half = 13 h -> Tue 14:00
    assert plan.at_risk_at == at(2, 14)


def test_standard_calendar_has_the_year_end_closure(task_types, template, approved, mona, people, frozen):
    from tasks.generation import tasks_generate

    frozen.move_to(at(28, 10, month=12))
    req = approved()
    plan = next(t for t in tasks_generate(request_id=req.pk, by=mona) if t.task_type.slug == "plan")
    # Mon 28 Dec + 3 business days: company closure 29 Dec - 3 Jan -> Jan 4, 5, 6 (2027)
    assert reload(plan).due_at == dt.datetime(2027, 1, 6, 18, tzinfo=TOKYO)


def test_assignee_calendar_is_used_when_set(generated, sam, mona, people):
    req, tasks = generated
    lp = reload(tasks["lp"])
    assert lp.due_at == at(12, 18)  # starts when plan/design are due (Thu 18:00): Fri + 5 days
    saturday_crew = WorkingCalendar.objects.create(slug="sat", name="Sat crew", workdays="0,1,2,3,4,5")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=saturday_crew, weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(6)
    )
    people["sam"].calendar = saturday_crew
    people["sam"].save()
    services.task_assign(task_id=lp.pk, assignee=sam, by=mona, notify=False)
    # on sam's Mon-Sat calendar: received Fri 5th -> Sat 6, Mon 8, Tue 9, Wed 10, Thu 11
    assert reload(lp).due_at == at(11, 18)
    services.task_assign(task_id=lp.pk, assignee=mona, by=mona, notify=False)
    assert reload(lp).due_at == at(12, 18)


# --- pauses through transitions --------------------------------------------------------------


def test_pause_across_a_weekend_adds_nothing(generated, sam, mona, task_types):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    due = plan.due_at
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="依頼者の回答待ち", at=at(5, 18))
    plan = services.task_transition(task_id=plan.pk, action="resume", by=sam, at=at(8, 9))
    assert plan.sla_paused_seconds == 0
    assert reload(plan).due_at == due


def test_resume_pushes_due_back_by_the_paused_working_time(generated, sam, mona):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    assert plan.due_at == at(4, 18)
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="素材待ち", at=at(2, 17))
    # 17:00-18:00 Tue + 09:00-11:00 Wed = 3 working hours (the night does not count)
    services.task_transition(task_id=plan.pk, action="resume", by=sam, at=at(3, 11))
    plan = reload(plan)
    assert plan.sla_paused_seconds == 3 * 3600
    assert plan.due_at == at(5, 12)  # Thu 18:00 + 3 working hours = Fri 12:00
    events = list(TaskEvent.objects.filter(task=plan).values_list("action", flat=True))
    assert events[-2:] == ["pause", "resume"]
    assert TaskEvent.objects.filter(task=plan, action="resume").get().data["paused_seconds"] == 10800


def test_waiting_tasks_are_not_swept(generated, sam, mona):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="待ち", at=at(2, 10))
    sweep(at(10, 10))
    assert reload(plan).sla_state == SlaState.ON_TRACK  # the clock is stopped


def test_policy_change_recomputes_from_the_original_start_keeping_pauses(
    generated, sam, mona, task_types, django_capture_on_commit_callbacks, frozen
):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    services.task_transition(task_id=plan.pk, action="pause", by=sam, comment="待ち", at=at(2, 10))
    services.task_transition(task_id=plan.pk, action="resume", by=sam, at=at(2, 13))  # 3 h
    frozen.move_to(at(2, 14))
    with django_capture_on_commit_callbacks(execute=True):
        task_types["plan"].sla_policy = policy("plan-2d", SLAUnit.BUSINESS_DAYS, 2)
        task_types["plan"].save()
    plan = reload(plan)
    # from Mon 10:00: 2 business days -> Wed 18:00, plus 3 paused working hours -> Thu 12:00
    assert plan.due_at == at(4, 12)
    assert plan.sla_paused_seconds == 3 * 3600
    row = DeadlineRecompute.objects.get()
    assert (row.status, row.progress, row.total) == (
        "done",
        100,
        # tasks whose clock runs; successors waiting for predecessors are re-planned when they can start
        Task.objects.filter(state__in=["todo", "in_progress"], sla_start_at__isnull=False).count(),
    )
    # and again in hours: 12 h from Mon 10:00 = Tue 13:00, plus the 3 paused hours -> Tue 16:00
    pol = SLAPolicy.objects.get(slug="plan-2d")
    with django_capture_on_commit_callbacks(execute=True):
        pol.unit, pol.duration = SLAUnit.BUSINESS_HOURS, Decimal(12)
        pol.save()
    assert reload(plan).due_at == at(2, 16)
    assert DeadlineRecompute.objects.count() == 2


def test_completion_sets_met_or_missed(generated, sam, mona):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    services.task_transition(task_id=plan.pk, action="submit_review", by=sam, at=at(3, 10))
    plan = services.task_transition(task_id=plan.pk, action="complete", by=sam, actual_hours=3, at=at(4, 18))
    assert plan.sla_state == SlaState.MET  # exactly at the deadline
    design = started(tasks["design"], sam, mona)
    services.task_transition(task_id=design.pk, action="submit_review", by=sam, at=at(4, 10))
    design = services.task_transition(task_id=design.pk, action="complete", by=sam, actual_hours=3, at=at(5, 9))
    assert design.sla_state == SlaState.MISSED


# --- sweep and notifications ----------------------------------------------------------------


def sla_mails(task) -> list:
    return [m for m in mail.outbox if task.key in m.subject]


def test_sweep_marks_at_risk_then_breached_and_notifies_once(generated, sam, mona, django_capture_on_commit_callbacks):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    seen = []
    sla_state_changed.connect(
        lambda sender, task, old, new, **kw: seen.append((task.pk, old, new)), weak=False, dispatch_uid="test-sla-seen"
    )
    try:
        risk = reload(plan).at_risk_at
        assert risk == at(4, 9, 15)  # 75 % of 35 working hours = 26.25 h
        for _ in range(2):  # run twice: one change, one mail
            with django_capture_on_commit_callbacks(execute=True):
                sweep(risk)
        assert reload(plan).sla_state == SlaState.AT_RISK
        assert [m.to for m in sla_mails(plan)] == [["sam@example.com"]]
        assert "SLAリスク" in sla_mails(plan)[0].subject  # "SLA at risk", in the recipient's language
        assert (plan.pk, "on_track", "at_risk") in seen and seen.count((plan.pk, "on_track", "at_risk")) == 1

        mail.outbox.clear()
        noon = at(4, 17, 59)
        Task.objects.filter(pk=plan.pk).update(due_at=noon)  # breach inside working hours
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                sweep(noon)
        assert reload(plan).sla_state == SlaState.BREACHED
        assert sorted(m.to[0] for m in sla_mails(plan)) == ["mona@example.com", "sam@example.com"]
        assert any("エスカレーション" in m.subject for m in sla_mails(plan))  # "Escalation"
        assert seen.count((plan.pk, "at_risk", "breached")) == 1
    finally:
        sla_state_changed.disconnect(dispatch_uid="test-sla-seen")


def test_notification_outside_working_hours_is_queued_until_the_next_opening(
    generated, sam, mona, django_capture_on_commit_callbacks, frozen
):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    frozen.move_to(at(4, 18))  # Thu 18:00: the deadline, at closing time
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_sla()
    assert reload(plan).sla_state == SlaState.BREACHED
    notes = SlaNotification.objects.filter(task=plan, kind="breached")
    assert {n.send_after for n in notes} == {at(5, 9)}  # Fri opening
    assert sla_mails(plan) == []
    frozen.move_to(at(5, 8, 55))
    jobs.send_sla_notifications()
    assert sla_mails(plan) == []
    frozen.move_to(at(5, 9, 1))
    jobs.send_sla_notifications()
    jobs.send_sla_notifications()  # a second run sends nothing again
    assert sorted(m.to[0] for m in sla_mails(plan)) == ["mona@example.com", "sam@example.com"]
    assert not SlaNotification.objects.filter(sent_at__isnull=True, task=plan).exists()


def test_recipient_calendar_decides_when_they_are_mailed(
    generated, sam, mona, people, django_capture_on_commit_callbacks
):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    late = WorkingCalendar.objects.create(slug="late", name="Late shift")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=late, weekday=d, start=dt.time(13), end=dt.time(22)) for d in range(5)
    )
    people["mona"].calendar = late
    people["mona"].save()
    Task.objects.filter(pk=plan.pk).update(due_at=at(4, 10), at_risk_at=at(4, 9))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(at(4, 10))
    sends = dict(SlaNotification.objects.filter(task=plan).values_list("recipient__username", "send_after"))
    assert sends == {"sam": at(4, 10), "mona": at(4, 13)}
    assert [m.to[0] for m in sla_mails(plan)] == ["sam@example.com"]


def test_a_recomputation_that_moves_deadlines_later_puts_breached_tasks_back_without_mail(
    generated, sam, mona, frozen, django_capture_on_commit_callbacks
):
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    frozen.move_to(at(4, 18, 30))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_sla()
    assert reload(plan).sla_state == SlaState.BREACHED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the recomputation job runs on commit
        Closure.objects.create(calendar=default_calendar(), date=dt.date(2026, 6, 3), name="office move")
    plan = reload(plan)
    assert (plan.due_at, plan.at_risk_at, plan.sla_state) == (at(5, 18), at(5, 9, 15), SlaState.ON_TRACK)
    event = TaskEvent.objects.filter(task=plan, action="sla_state").latest("pk")
    assert event.data == {"sla_from": "breached", "sla_to": "on_track", "source": "sweep"}
    assert sla_mails(plan) == []


def test_the_five_minute_sweep_only_looks_for_deadlines_that_passed(
    generated, sam, mona, django_capture_on_commit_callbacks
):
    """Every path that moves a deadline later stores the live state itself (the due date set by
    hand below; the recomputation sweeps with its recoveries), so the scheduled sweep never reads
    the open tasks whose deadline is ahead."""
    req, tasks = generated
    plan = started(tasks["plan"], sam, mona)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(at(4, 18, 30))
    assert reload(plan).sla_state == SlaState.BREACHED
    services.task_due_set(task_id=plan.pk, due_at=dt.date(2026, 6, 12), reason="延期", by=mona, at=at(4, 18, 30))
    assert reload(plan).sla_state == SlaState.ON_TRACK
    Task.objects.filter(pk=plan.pk).update(sla_state=SlaState.BREACHED)  # as if written behind its back
    assert sweep(at(4, 18, 40))["recovered"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(at(4, 18, 40), recover=True)
    assert result["recovered"] == 1 and reload(plan).sla_state == SlaState.ON_TRACK
    assert result["notifications"] == 0


def test_sweep_query_count_does_not_grow_with_rows(generated, sam, mona):
    req, tasks = generated

    def clone(n: int) -> None:
        base = reload(tasks["qa"])
        last = Task.objects.order_by("-number").first().number
        Task.objects.bulk_create(
            [
                Task(
                    number=last + i + 1,
                    key=f"X-{last + i + 1}",
                    campaign=req,
                    task_type=base.task_type,
                    title="x",
                    assignee=sam if i % 2 else None,
                    sla_start_at=T0,
                    due_at=at(2, 10),
                    at_risk_at=at(1, 17),
                )
                for i in range(n)
            ]
        )

    def count(now) -> int:
        with CaptureQueriesContext(connection) as ctx:
            sweep(now)
        return len(ctx.captured_queries)

    # Only the clones move (on track -> breached), in both runs: the same statements each time.
    sweep(at(2, 11))
    clone(3)
    small = count(at(2, 11))
    clone(60)  # the first three are breached by now: only the new rows change below
    large = count(at(2, 11))
    assert small == large <= 19  # 3 updates, an event insert per move that changed rows, notices


# --- recompute job ----------------------------------------------------------------------------


def test_closure_added_to_a_calendar_moves_open_deadlines(
    generated, sam, mona, client, root, django_capture_on_commit_callbacks
):
    req, tasks = generated
    plan = reload(tasks["plan"])
    assert plan.due_at == at(4, 18)
    with django_capture_on_commit_callbacks(execute=True):
        Closure.objects.create(calendar=default_calendar(), date=dt.date(2026, 6, 3), name="office move")
    assert reload(plan).due_at == at(5, 18)
    row = DeadlineRecompute.objects.get()
    assert row.status == "done" and row.progress == 100 and row.changed >= 2
    client.force_login(root)
    assert client.get(f"/tasks/sla/recompute/{row.pk}/progress/").json()["done"] is True
    page = client.get(f"/tasks/sla/recompute/{row.pk}/")
    assert page.status_code == 200 and b"100%" in page.content


def test_progress_endpoint_while_running(generated, client, mona, root):
    row = DeadlineRecompute.objects.create(status="running", total=200, done=50)
    client.force_login(root)
    assert client.get(f"/tasks/sla/recompute/{row.pk}/progress/").json() == {
        "progress": 25,
        "done": False,
        "status": "running",
        "total": 200,
        "processed": 50,
        "changed": 0,
    }
    assert b"data-progress-url" in client.get(f"/tasks/sla/recompute/{row.pk}/").content
    client.force_login(req_user := Task.objects.first().campaign.requester)
    assert client.get(f"/tasks/sla/recompute/{row.pk}/").status_code == 403
    assert req_user.username == "alice"


def test_one_recompute_per_transaction(generated, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cal = default_calendar()
        Closure.objects.create(calendar=cal, date=dt.date(2026, 6, 3))
        Closure.objects.create(calendar=cal, date=dt.date(2026, 6, 10))
    assert DeadlineRecompute.objects.count() == 1
    assert len(callbacks) >= 1


def test_admin_save_of_a_policy_starts_a_recompute_and_links_to_it(
    generated, client, root, task_types, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pol = policy("plan-3d", SLAUnit.BUSINESS_DAYS, 3)
        task_types["plan"].sla_policy = pol
        task_types["plan"].save()
    DeadlineRecompute.objects.all().delete()
    client.force_login(root)
    resp = client.post(
        f"/admin/sla/slapolicy/{pol.pk}/change/",
        {
            "slug": pol.slug,
            "name": pol.name,
            "calendar": pol.calendar_id,
            "unit": "business_days",
            "duration": "4",
            "at_risk_share": "",
            "start_condition": "when_actionable",
            "pause_limit_days": "10",
        },
        follow=True,
    )
    assert resp.status_code == 200
    row = DeadlineRecompute.objects.get()
    assert row.started_by == root
    assert f"/tasks/sla/recompute/{row.pk}/".encode() in resp.content


# --- attainment -------------------------------------------------------------------------------


def test_sla_attainment_selector(generated, sam, mona):
    req, tasks = generated
    for slug, done_at in [("plan", at(4, 17)), ("design", at(5, 10))]:
        t = started(tasks[slug], sam, mona)
        services.task_transition(task_id=t.pk, action="submit_review", by=sam, at=at(2, 10))
        services.task_transition(task_id=t.pk, action="complete", by=sam, actual_hours=1, at=done_at)
    rows = selectors.sla_attainment(start=at(1, 0), end=at(30, 0), group_by="task_type")
    assert [(r["key"], r["met"], r["missed"], r["share"]) for r in rows] == [("design", 0, 1, 0.0), ("plan", 1, 0, 1.0)]
    by_assignee = selectors.sla_attainment(start=at(1, 0), end=at(30, 0), group_by="assignee")
    assert by_assignee == [{"key": "sam", "label": "sam", "met": 1, "missed": 1, "total": 2, "share": 0.5}]
    assert selectors.sla_attainment(start=at(1, 0), end=at(30, 0), group_by="month")[0]["key"] == "2026-06"
    assert selectors.sla_attainment(start=at(1, 0), end=at(30, 0), group_by="unit")[0]["key"] == "tokyo"
    with pytest.raises(ValueError):
        selectors.sla_attainment(start=at(1, 0), end=at(30, 0), group_by="colour")


def test_a_closure_inside_a_waiting_tasks_forecast_moves_its_forecast(generated, django_capture_on_commit_callbacks):
    """Issue 15: QA waits for LP and e-mail (clock not started); a closure on the last day of its
    forecast window pushes its forecast deadline back, and the planned start follows."""
    from tasks.sla_start import planned_start

    req, tasks = generated
    qa = reload(tasks["qa"])
    assert qa.sla_start_at is None and qa.due_at is not None
    before_due, before_start = qa.due_at, planned_start(qa)
    day = qa.due_at.astimezone(TOKYO).date()
    with django_capture_on_commit_callbacks(execute=True):
        Closure.objects.create(calendar=default_calendar(), date=day, name="office move")
    after = reload(qa)
    assert after.sla_start_at is None
    assert after.due_at > before_due
    assert after.due_at.astimezone(TOKYO).date() != day
    assert planned_start(after) >= before_start
