"""Rescheduling: preview, save (audited, post-launch tasks re-planned), who may, bad dates.

Frozen at Mon 2026-06-01 10:00 Tokyo; the campaign launches Mon 06-29 and ends Tue 06-30 with
the conftest webinar template plus a post-event nurture (after the launch +1, 3 days).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import RequestEvent
from tasks.models import Task, TaskEvent
from tests.conftest import PASSWORD, api_as
from tests.tasks.conftest import END, LAUNCH

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def preview(user, req, launch, end):
    return api_as(user).get(f"/api/requests/{req.pk}/reschedule/?launch_date={launch}&end_date={end}")


def test_preview_names_tasks_that_stop_fitting_and_writes_nothing(campaign, mona):
    req, tasks = campaign
    response = preview(mona, req, "2026-06-10", "2026-06-11")
    assert response.status_code == 200
    body = response.json()
    late = {t["key"] for t in body["infeasible_tasks"]}
    assert tasks["qa"].key in late and tasks["lp"].key in late  # qa is due 06-16, lp 06-12
    assert tasks["plan"].key not in late  # due Thu 06-04, before Tue 06-09 18:00
    assert body["latest_approval_date"] is None  # in production: the approval is history
    assert [t["key"] for t in body["moved_tasks"]] == [tasks["nurture"].key]
    req.refresh_from_db()
    assert req.launch_date == LAUNCH
    assert not RequestEvent.objects.filter(request=req, action="reschedule").exists()


def test_saving_moves_the_dates_audits_and_replans_post_launch_work(campaign, mona):
    req, tasks = campaign
    old_due = tasks["nurture"].due_at
    response = api_as(mona).post(
        f"/api/requests/{req.pk}/reschedule/",
        {"launch_date": "2026-07-06", "end_date": "2026-07-07", "comment": "会場変更"},
        format="json",
    )
    assert response.status_code == 200, response.content
    req.refresh_from_db()
    assert (req.launch_date, req.end_date) == (dt.date(2026, 7, 6), dt.date(2026, 7, 7))
    event = RequestEvent.objects.get(request=req, action="reschedule")
    assert event.actor == mona and event.comment == "会場変更"
    assert event.data["launch_date"] == ["2026-06-29", "2026-07-06"]
    nurture = Task.objects.get(pk=tasks["nurture"].pk)
    assert nurture.due_at == old_due + dt.timedelta(days=7)  # one week later, same weekday
    assert nurture.sla_start_at == dt.datetime(2026, 7, 7, 9, tzinfo=TOKYO)
    assert TaskEvent.objects.filter(task=nurture, action="replan").count() == 1
    # Before-launch work keeps its SLA deadlines.
    assert Task.objects.get(pk=tasks["qa"].pk).due_at == tasks["qa"].due_at


@pytest.mark.parametrize(
    ("launch", "end", "field"),
    [
        ("2026-05-29", "2026-06-30", "launch_date"),  # in the past
        ("2026-07-20", "2026-07-21", "launch_date"),  # Marine Day (national holiday)
        ("2026-07-06", "2026-07-03", "end_date"),  # end before launch
        ("not-a-date", "2026-07-03", "launch_date"),
    ],
)
def test_bad_moves_are_field_errors_and_write_nothing(campaign, mona, launch, end, field):
    req, _ = campaign
    assert preview(mona, req, launch, end).status_code == 400
    response = api_as(mona).post(
        f"/api/requests/{req.pk}/reschedule/", {"launch_date": launch, "end_date": end}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    req.refresh_from_db()
    assert req.launch_date == LAUNCH
    assert not RequestEvent.objects.filter(request=req, action="reschedule").exists()


def test_a_closure_is_refused(campaign, mona):
    from sla.models import Closure, default_calendar

    Closure.objects.create(calendar=default_calendar(), date=dt.date(2026, 7, 10), name="棚卸し")
    req, _ = campaign
    response = preview(mona, req, "2026-07-10", "2026-07-10")
    assert response.status_code == 400 and "launch_date" in response.json()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("alice", 403), ("bob", 404), ("charlie", 403), ("mona", 200), ("root", 200), (None, 403)],
)
def test_who_may_move_an_approved_campaign(campaign, org, who, expected):
    req, _ = campaign
    response = api_as(org[who] if who else None).post(
        f"/api/requests/{req.pk}/reschedule/", {"launch_date": "2026-07-06", "end_date": "2026-07-07"}, format="json"
    )
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("alice", 200), ("charlie", 403), ("mona", 200), ("bob", 404)])
def test_who_may_move_a_submitted_request(with_nurture, make_request, org, who, expected):
    req = make_request(org["alice"], actions=["submit"], launch_date=LAUNCH, end_date=END)
    response = api_as(org[who]).post(
        f"/api/requests/{req.pk}/reschedule/", {"launch_date": "2026-07-06", "end_date": "2026-07-07"}, format="json"
    )
    assert response.status_code == expected


def test_moving_a_submitted_request_gives_the_new_latest_approval_date(with_nurture, make_request, alice):
    req = make_request(alice, actions=["submit"], launch_date=LAUNCH, end_date=END)
    body = preview(alice, req, "2026-07-06", "2026-07-07").json()
    assert body["latest_approval_date"] == "2026-06-18"  # a week after 06-11 (see test_feasibility)
    assert body["feasible"] is True
    too_soon = preview(alice, req, "2026-06-10", "2026-06-11").json()
    assert too_soon["feasible"] is False and too_soon["infeasible_tasks"]
    assert too_soon["earliest_feasible_launch_date"] == "2026-06-17"


def test_a_launched_campaign_cannot_move(with_nurture, make_request, alice, mona, charlie):
    req = make_request(
        alice, actions=["submit", "approve"], actors={"approve": charlie}, launch_date=LAUNCH, end_date=END
    )
    for action in ("start_production", "mark_ready"):
        campaign_services.request_transition(request_id=req.pk, action=action, by=mona)
    campaign_services.request_transition(request_id=req.pk, action="launch", by=alice)
    response = api_as(mona).post(
        f"/api/requests/{req.pk}/reschedule/", {"launch_date": "2026-07-06", "end_date": "2026-07-07"}, format="json"
    )
    assert response.status_code == 409


def test_the_form_fallback_previews_then_saves(campaign, client, mona):
    req, tasks = campaign
    client.login(username="mona", password=PASSWORD)
    url = reverse("tasks:reschedule", args=[req.pk])
    page = client.get(url + "?launch_date=2026-06-10&end_date=2026-06-11").content.decode()
    assert tasks["qa"].key in page and 'name="comment"' in page
    bad = client.post(url, {"launch_date": "2026-07-20", "end_date": "2026-07-21"})
    assert bad.status_code == 200 and 'class="error"' in bad.content.decode()
    req.refresh_from_db()
    assert req.launch_date == LAUNCH
    done = client.post(url, {"launch_date": "2026-07-06", "end_date": "2026-07-07"})
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.launch_date == dt.date(2026, 7, 6)


def test_only_those_who_may_move_get_the_drag_handle(campaign, client):
    req, _ = campaign
    detail = reverse("campaigns:detail", args=[req.pk])
    client.login(username="mona", password=PASSWORD)
    assert "data-drag-api" in client.get(detail).content.decode()
    assert "data-drag-api" in client.get(reverse("tasks:portfolio")).content.decode()
    client.login(username="alice", password=PASSWORD)
    assert "data-drag-api" not in client.get(detail).content.decode()
    assert client.get(reverse("tasks:reschedule", args=[req.pk])).status_code == 200  # shows why not
    client.login(username="charlie", password=PASSWORD)
    assert client.get(reverse("tasks:reschedule", args=[req.pk])).status_code == 403
