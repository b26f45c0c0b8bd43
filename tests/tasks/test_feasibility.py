"""Launch feasibility, hand-checked on the webinar template (Mon-Fri 09:00-18:00, no June holidays).

plan(3) -> lp(5), plan -> email(3), design(3) -> lp, lp -> qa(1), email -> qa.
Launch Mon 2026-06-29: work due Fri 06-26 18:00.
  qa    latest start Thu 06-25 09:00 (1 day)
  lp    due by Thu 06-25 09:00 -> closes Wed 06-24 -> 5 days back -> Wed 06-17 09:00
  email due by Thu 06-25 09:00 -> Wed 06-24 -> 3 back -> Fri 06-19 09:00
  plan  due by Wed 06-17 09:00 (lp) -> Tue 06-16 -> 3 back -> Thu 06-11 09:00
  design (same as plan) -> Thu 06-11 09:00                 => latest approval Thu 2026-06-11
From now (Mon 06-01 10:00): plan/design Thu 06-04 18:00, lp Fri 06-12 18:00, email Wed 06-10,
qa Tue 06-16 18:00 -> a launch on Wed 06-10 is too early; earliest feasible launch Wed 06-17.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from tasks.feasibility import feasibility

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def t(day, hour, month=6):
    return dt.datetime(2026, month, day, hour, tzinfo=TOKYO)


def test_back_schedule_by_hand(template, webinar):
    plan = feasibility(campaign_type=webinar, launch_date=dt.date(2026, 6, 29), now=NOW)
    rows = {r["task_type"]: r for r in plan["tasks"]}
    assert {k: (r["latest_start"], r["due"]) for k, r in rows.items()} == {
        "qa": (t(25, 9), t(26, 18)),
        "lp": (t(17, 9), t(25, 9)),
        "email": (t(19, 9), t(25, 9)),
        "plan": (t(11, 9), t(17, 9)),
        "design": (t(11, 9), t(17, 9)),
    }
    assert plan["latest_approval_date"] == dt.date(2026, 6, 11)
    assert plan["feasible"] is True and plan["earliest_feasible_launch_date"] is None
    assert rows["qa"]["expected_due"] == t(16, 18)


def test_too_late_gives_the_earliest_feasible_launch_date(template, webinar):
    plan = feasibility(campaign_type=webinar, launch_date=dt.date(2026, 6, 10), now=NOW)
    assert plan["feasible"] is False
    assert plan["earliest_feasible_launch_date"] == dt.date(2026, 6, 17)
    again = feasibility(campaign_type=webinar, launch_date=dt.date(2026, 6, 17), now=NOW)
    assert again["feasible"] is True
    assert feasibility(campaign_type=webinar, launch_date=dt.date(2026, 6, 16), now=NOW)["feasible"] is False


def test_request_needs_switch_conditional_tasks_off(template, webinar, make_request, alice):
    req = make_request(alice, needs_landing_page=False, needs_design=False, launch_date=dt.date(2026, 6, 29))
    plan = feasibility(campaign_type=webinar, launch_date=req.launch_date, now=NOW, request=req)
    assert [r["task_type"] for r in plan["tasks"]] == ["plan", "email", "qa"]
    # without lp: plan is due when email must start (Fri 06-19 09:00): closes Thu 06-18 -> 3 back -> Mon 06-15
    assert plan["latest_approval_date"] == dt.date(2026, 6, 15)


def test_no_template_means_no_answer(webinar):
    assert feasibility(campaign_type=webinar, launch_date=dt.date(2026, 6, 29), now=NOW) is None


def api(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_api_by_type_and_bad_input(template, webinar, alice):
    c = api(alice)
    resp = c.get("/api/feasibility/", {"campaign_type": "webinar", "launch_date": "2026-06-10"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["latest_approval_date"] == "2026-05-25"  # already past for June 10th
    assert body["feasible"] is False and body["earliest_feasible_launch_date"] == "2026-06-17"
    assert {"task_type", "latest_start", "due"} <= set(body["tasks"][0])
    assert body["tasks"][0]["latest_start"].startswith("2026-")
    bad = c.get("/api/feasibility/", {"campaign_type": "nope", "launch_date": "2026-06-10"})
    assert bad.status_code == 400 and "campaign_type" in bad.json()
    bad = c.get("/api/feasibility/", {"campaign_type": "webinar", "launch_date": "2026-13-01"})
    assert bad.status_code == 400 and "launch_date" in bad.json()
    assert c.get("/api/feasibility/", {"campaign_type": "webinar"}).status_code == 400
    assert APIClient().get(
        "/api/feasibility/", {"campaign_type": "webinar", "launch_date": "2026-06-10"}
    ).status_code in (401, 403)


def test_api_for_a_request_follows_visibility(template, make_request, alice, bob, charlie):
    req = make_request(alice, actions=["submit"], launch_date=dt.date(2026, 6, 29))
    resp = api(charlie).get(f"/api/requests/{req.pk}/feasibility/")
    assert resp.status_code == 200 and resp.json()["latest_approval_date"] == "2026-06-11"
    assert api(bob).get(f"/api/requests/{req.pk}/feasibility/").status_code == 404


def test_form_panel_and_approval_page(template, webinar, make_request, alice, charlie, client):
    client.force_login(alice)
    page = client.get("/requests/new/")
    assert b"/tasks/feasibility/panel/" in page.content
    frag = client.get("/tasks/feasibility/panel/", {"campaign_type": webinar.pk, "launch_date": "2026-06-10"})
    assert frag.status_code == 200
    html = frag.content.decode()
    assert "2026-06-17" in html and "間に合いません" in html  # "Not feasible"
    assert (
        "日付の形式が正しくありません"
        in client.get("/tasks/feasibility/panel/", {"campaign_type": webinar.pk, "launch_date": "x"}).content.decode()
    )
    req = make_request(alice, actions=["submit"], launch_date=dt.date(2026, 6, 29))
    client.force_login(charlie)
    detail = client.get(f"/requests/{req.pk}/").content.decode()
    assert "ローンチ実現可能性" in detail and "2026-06-11" in detail  # "Launch feasibility"
