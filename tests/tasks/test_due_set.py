"""Moving a task's due date with a reason (MOps): one task on its page, several through the bulk
bar and ``/api/tasks/bulk/``. Working days of the task's SLA calendar only, each row on its own,
a ``due_set`` event with from / to / reason, the live SLA state follows, recomputations keep it.

Time is frozen at Mon 2026-06-01 10:00 JST; the standard calendar works Mon-Fri 09:00-18:00 JST.
The plan task (3 business days, no predecessor) starts its clock at generation and is due
Thu 06-04 18:00 JST (09:00 UTC).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tasks import services
from tasks.models import SlaState, Task, TaskEvent, TaskState
from tasks.recompute import recompute_open_deadlines
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=JST)  # a Monday
FRI = dt.date(2026, 6, 12)
SAT = dt.date(2026, 6, 13)
FRI_CLOSE = dt.datetime(2026, 6, 12, 18, 0, tzinfo=JST)
REASON = "クライアント確認待ちのため延期"


def ja(text: str) -> str:
    """What the pages (Japanese by default) show for ``text``."""
    with translation.override("ja"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(generated):
    _req, tasks = generated
    task = Task.objects.get(pk=tasks["plan"].pk)
    assert task.due_at == dt.datetime(2026, 6, 4, 18, 0, tzinfo=JST)  # the computed SLA deadline
    return task


def test_mops_moves_the_due_date_to_the_closing_time_of_that_day_with_an_event(org, plan):
    services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org["mona"])
    plan.refresh_from_db()
    assert plan.due_at == FRI_CLOSE
    assert (plan.due_moved_to, plan.due_moved_at) == (FRI_CLOSE, T0)
    event = TaskEvent.objects.get(task=plan, action="due_set")
    assert event.actor == org["mona"] and event.comment == REASON
    assert event.data["from"] == "2026-06-04T09:00:00+00:00"
    assert event.data["to"] == "2026-06-12T09:00:00+00:00"
    assert (event.from_state, event.to_state) == (TaskState.TODO, TaskState.TODO)


@pytest.mark.parametrize(
    "day,reason,field",
    [
        (SAT, REASON, "due_at"),  # Saturday
        (dt.date(2026, 7, 20), REASON, "due_at"),  # 海の日 (a national holiday, Monday)
        (dt.date(2026, 5, 29), REASON, "due_at"),  # already over
        (dt.date(2026, 6, 4), REASON, "due_at"),  # the date it is already due
        (FRI, "", "reason"),  # no reason
        (FRI, "x" * 4001, "reason"),  # too long
    ],
)
def test_bad_dates_and_reasons_are_refused_and_write_nothing(org, plan, day, reason, field):
    before = (plan.due_at, plan.at_risk_at, TaskEvent.objects.filter(task=plan).count())
    with pytest.raises(ValidationError) as exc:
        services.task_due_set(task_id=plan.pk, due_at=day, reason=reason, by=org["mona"])
    assert field in exc.value.message_dict
    plan.refresh_from_db()
    assert (plan.due_at, plan.at_risk_at, TaskEvent.objects.filter(task=plan).count()) == before


def test_only_mops_and_admins_move_due_dates(org, plan):
    for who in ("alice", "charlie", "sam"):
        with pytest.raises(PermissionDenied):
            services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org[who])
    services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org["root"])
    assert Task.objects.get(pk=plan.pk).due_at == FRI_CLOSE


def test_live_sla_state_follows_the_new_date(org, plan, frozen):
    # Due today 18:00: 8 working hours from the clock's start (10:00), at risk after 75 % = 16:00.
    services.task_due_set(task_id=plan.pk, due_at=dt.date(2026, 6, 1), reason=REASON, by=org["mona"])
    plan.refresh_from_db()
    assert plan.due_at == dt.datetime(2026, 6, 1, 18, 0, tzinfo=JST)
    assert plan.at_risk_at == dt.datetime(2026, 6, 1, 16, 0, tzinfo=JST)
    assert plan.live_sla_state == SlaState.ON_TRACK
    frozen.move_to(dt.datetime(2026, 6, 1, 16, 30, tzinfo=JST))
    assert plan.live_sla_state == SlaState.AT_RISK
    frozen.move_to(dt.datetime(2026, 6, 1, 18, 30, tzinfo=JST))
    assert plan.live_sla_state == SlaState.BREACHED


def test_moving_a_breached_task_later_puts_it_back_on_track(org, plan, frozen):
    frozen.move_to(dt.datetime(2026, 6, 5, 10, 0, tzinfo=JST))  # past Thu 18:00
    assert Task.objects.get(pk=plan.pk).live_sla_state == SlaState.BREACHED
    services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org["mona"])
    plan.refresh_from_db()
    assert plan.live_sla_state == SlaState.ON_TRACK and plan.sla_state == SlaState.ON_TRACK


def test_recomputing_keeps_the_moved_date_and_a_later_pause_pushes_it(org, plan, frozen):
    services.task_assign(task_id=plan.pk, assignee=org["sam"], by=org["mona"])
    services.task_transition(task_id=plan.pk, action="start", by=org["sam"])
    services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org["mona"])
    task = Task.objects.select_related("task_type").get(pk=plan.pk)
    services.recompute_deadline(task)
    assert task.due_at == FRI_CLOSE  # a new assignee's calendar keeps it
    recompute_open_deadlines()  # the job after a policy or calendar change
    assert Task.objects.get(pk=plan.pk).due_at == FRI_CLOSE
    # One working hour paused (11:00-12:00) pushes Fri 18:00 to the next opening + 1 h: Mon 10:00.
    frozen.move_to(dt.datetime(2026, 6, 1, 11, 0, tzinfo=JST))
    services.task_pause(task_id=plan.pk, by=org["sam"], comment="素材待ち")
    frozen.move_to(dt.datetime(2026, 6, 1, 12, 0, tzinfo=JST))
    services.task_transition(task_id=plan.pk, action="resume", by=org["sam"])
    assert Task.objects.get(pk=plan.pk).due_at == dt.datetime(2026, 6, 15, 10, 0, tzinfo=JST)


def test_completion_is_judged_against_the_moved_date(org, plan, frozen):
    services.task_assign(task_id=plan.pk, assignee=org["sam"], by=org["mona"])
    services.task_transition(task_id=plan.pk, action="start", by=org["sam"])
    services.task_due_set(task_id=plan.pk, due_at=FRI, reason=REASON, by=org["mona"])
    frozen.move_to(dt.datetime(2026, 6, 10, 12, 0, tzinfo=JST))  # after the old date, before the new
    services.task_transition(task_id=plan.pk, action="submit_review", by=org["sam"])
    services.task_transition(task_id=plan.pk, action="complete", by=org["sam"], actual_hours=4)
    assert Task.objects.get(pk=plan.pk).sla_state == SlaState.MET


def test_closed_and_not_started_tasks_are_refused(org, generated):
    _req, tasks = generated
    services.task_cancel(task_id=tasks["email"].pk, by=org["mona"])
    body = (
        api_as(org["mona"])
        .post(
            "/api/tasks/bulk/",
            {
                "ids": [tasks["email"].pk, tasks["qa"].pk, tasks["plan"].pk],
                "action": "set_due",
                "due_date": "2026-06-12",
                "comment": REASON,
            },
            format="json",
        )
        .json()
    )
    assert [r["ok"] for r in body["results"]] == [False, False, True]
    assert tasks["email"].key in body["results"][0]["error"]
    # qa waits for predecessors: its date is a forecast
    assert body["results"][1]["error"] == ja(
        "%(key)s: its SLA clock has not started, so its due date is a forecast that follows its predecessors."
    ) % {"key": tasks["qa"].key}
    assert not TaskEvent.objects.filter(task_id__in=[tasks["email"].pk, tasks["qa"].pk], action="due_set").exists()


def test_bulk_rows_succeed_or_fail_alone_with_the_reason(org, generated):
    _req, tasks = generated
    design = tasks["design"]
    client = api_as(org["mona"])
    body = client.post(
        "/api/tasks/bulk/",
        {
            "ids": [tasks["plan"].pk, design.pk, 999999],
            "action": "set_due",
            "due_date": "2026-06-12",
            "comment": REASON,
        },
        format="json",
    ).json()
    assert [r["ok"] for r in body["results"]] == [True, True, False]
    assert (body["done"], body["failed"]) == (2, 1)
    body = client.post(
        "/api/tasks/bulk/",
        {"ids": [tasks["plan"].pk], "action": "set_due", "due_date": SAT.isoformat(), "comment": REASON},
        format="json",
    ).json()
    assert body["results"][0]["ok"] is False and "2026-06-13" in body["results"][0]["error"]
    assert Task.objects.get(pk=tasks["plan"].pk).due_at == FRI_CLOSE


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"comment": REASON}, "due_date"),
        ({"due_date": "2026-06-12"}, "comment"),
        ({"due_date": "2026-06-12", "comment": "   "}, "comment"),
        ({"due_date": "12/06/2026", "comment": REASON}, "due_date"),
    ],
)
def test_bulk_api_bad_input_is_400_and_writes_nothing(org, plan, payload, field):
    r = api_as(org["mona"]).post("/api/tasks/bulk/", {"ids": [plan.pk], "action": "set_due", **payload}, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not TaskEvent.objects.filter(action="due_set").exists()


@pytest.mark.parametrize(
    "who,ok", [("alice", False), ("charlie", False), ("sam", False), ("bob", False), ("mona", True), ("root", True)]
)
def test_bulk_api_permission_matrix(org, plan, who, ok):
    r = api_as(org[who]).post(
        "/api/tasks/bulk/",
        {"ids": [plan.pk], "action": "set_due", "due_date": "2026-06-12", "comment": REASON},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["results"][0]["ok"] is ok
    assert (Task.objects.get(pk=plan.pk).due_at == FRI_CLOSE) is ok


def test_bulk_api_anonymous_is_refused(plan):
    r = api_as(None).post(
        "/api/tasks/bulk/", {"ids": [plan.pk], "action": "set_due", "due_date": "2026-06-12", "comment": REASON}
    )
    assert r.status_code == 403


def test_bulk_bar_on_the_task_list(client, org, plan):
    client.force_login(org["mona"])
    page = client.get("/work/tasks/")
    assert 'name="due_date"' in page.content.decode()
    r = client.post(
        "/work/bulk/tasks/", {"ids": [plan.pk], "action": "set_due", "due_date": "2026-06-12", "comment": REASON}
    )
    assert r.status_code == 200 and plan.key in r.content.decode()
    assert Task.objects.get(pk=plan.pk).due_at == FRI_CLOSE
    # no reason: the list again with the message, nothing written
    r = client.post("/work/bulk/tasks/", {"ids": [plan.pk], "action": "set_due", "due_date": "2026-06-15"}, follow=True)
    assert r.status_code == 200 and ja("A reason is required.") in r.content.decode()
    assert TaskEvent.objects.filter(task=plan, action="due_set").count() == 1


@pytest.mark.parametrize("who,status", [("mona", 302), ("sam", 302), ("bob", 404), (None, 302)])
def test_single_task_control_on_the_task_page(client, org, plan, who, status):
    if who:
        client.force_login(org[who])
    r = client.post(f"/tasks/{plan.pk}/due/", {"due_date": "2026-06-12", "reason": REASON})
    assert r.status_code == status
    assert (Task.objects.get(pk=plan.pk).due_at == FRI_CLOSE) is (who == "mona")


def test_task_page_shows_the_control_and_the_move_in_the_timeline(client, org, plan):
    client.force_login(org["mona"])
    assert f"tasks/{plan.pk}/due/" in client.get(f"/tasks/{plan.pk}/").content.decode()
    client.post(f"/tasks/{plan.pk}/due/", {"due_date": "2026-06-12", "reason": REASON})
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert ja("Due date moved") in html and REASON in html
    assert "2026-06-04 18:00 → 2026-06-12 18:00" in html
    client.force_login(org["sam"])
    assert f"tasks/{plan.pk}/due/" not in client.get(f"/tasks/{plan.pk}/").content.decode()
