"""Tasks that could be worked on but whose clock waits for an assignee are forecast from now.

Template and calendar as in test_sla_start.py (Mon-Fri 09:00-18:00 Asia/Tokyo; no holidays in
June 2026). email's policy starts the clock on assignment (3 business days); design, plan 3 and
lp 5 business days and qa 1 without a policy. Generated Mon 1 Jun 10:00 (T0); plan is done Tue
2 Jun 10:00 and email, now actionable, stays unassigned.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.jobs import refresh_forecasts
from tasks.models import TaskEvent
from tasks.reschedule import reschedule_preview
from tasks.timeline import task_rows

from .test_sla_start import T0, _policy, at, finish, reload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def waiting(task_types, template, approved, mona, sam, people):
    from tasks.generation import tasks_generate

    _policy(task_types["email"], "on_assignment")
    req = approved()
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    finish(tasks["plan"], sam, mona, start=at(1, 11), done=at(2, 10))
    return req, tasks


def test_a_task_waiting_for_an_assignee_is_forecast_from_now_and_its_successors_follow(waiting, frozen):
    req, tasks = waiting
    email = reload(tasks["email"])
    # actionable Tue 2 Jun 10:00, no clock: forecast Wed, Thu, Fri -> Fri 5 Jun 18:00
    assert email.sla_start_at is None and email.due_at == at(5, 18)
    # qa waits for lp and email. lp: from design's due Thu 4 Jun 18:00 (received Fri 5) + 5 -> Fri
    # 12 Jun 18:00; qa: from Fri 12 Jun 18:00 (received Mon 15) + 1 -> Tue 16 Jun 18:00
    assert reload(tasks["qa"]).due_at == at(16, 18)

    # Still nobody has it on Wed 10 Jun 12:00: its work cannot start before now.
    frozen.move_to(at(10, 12))
    assert refresh_forecasts(at(10, 12)) == 2
    email, qa = reload(tasks["email"]), reload(tasks["qa"])
    # Thu 11, Fri 12, Mon 15 -> Mon 15 Jun 18:00; still a forecast (no clock, not breached)
    assert email.sla_start_at is None and email.due_at == at(15, 18)
    assert email.live_sla_state == "on_track"
    # qa follows the later of lp and email: Mon 15 Jun 18:00 (received Tue 16) + 1 -> Wed 17 Jun 18:00
    assert qa.due_at == at(17, 18)
    # planned start on the timeline: now
    rows = {r["key"]: r for r in task_rows([email])}
    assert rows[email.key]["planned_start"] == at(10, 12)
    # the hourly refresh writes nothing more in the same hour, and no audit event (a forecast)
    assert refresh_forecasts(at(10, 12)) == 0
    assert not TaskEvent.objects.filter(task=email, action="sla_replan", at=at(10, 12)).exists()


def test_the_forecast_feeds_the_feasibility_warning(waiting, frozen, mona):
    req, tasks = waiting
    frozen.move_to(at(10, 12))
    launch = dt.date(2026, 6, 12)
    before = reschedule_preview(campaign=req, launch_date=launch, end_date=launch, user=mona, now=at(10, 12))
    assert tasks["email"].key not in {t["key"] for t in before["infeasible_tasks"]}  # Fri 5 Jun: fits
    refresh_forecasts(at(10, 12))
    after = reschedule_preview(campaign=req, launch_date=launch, end_date=launch, user=mona, now=at(10, 12))
    late = {t["key"]: t for t in after["infeasible_tasks"]}
    assert late[tasks["email"].key]["due"] == at(15, 18)


def test_the_task_page_and_board_show_a_forecast_not_a_deadline(waiting, client, mona):
    req, tasks = waiting
    email = reload(tasks["email"])
    client.force_login(mona)
    page = client.get(reverse("tasks:detail", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Forecast due" in page and "a forecast, not a deadline" in page
    page = client.get(reverse("tasks:detail", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "予測期限" in page
    plan = reload(tasks["plan"])
    assert plan.due_is_forecast is False  # a real deadline (closed, its clock ran)
    board = client.get(reverse("tasks:board"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "forecast due" in board


def test_the_api_says_which_due_dates_are_forecasts(waiting, mona):
    from tests.conftest import api_as

    req, tasks = waiting
    client = api_as(mona)
    email = client.get(f"/api/tasks/{tasks['email'].pk}/").json()
    plan = client.get(f"/api/tasks/{tasks['plan'].pk}/").json()
    assert email["due_at"] and email["due_is_forecast"] is True
    assert plan["due_is_forecast"] is False
    listed = {t["id"]: t["due_is_forecast"] for t in client.get("/api/tasks/", {"campaign": req.pk}).json()["results"]}
    assert listed[tasks["email"].pk] is True and listed[tasks["plan"].pk] is False
