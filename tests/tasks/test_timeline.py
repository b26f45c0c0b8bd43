"""Campaign and portfolio timelines: data, critical path, pages, permissions, bad periods."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tasks.timeline import critical_path
from tests.conftest import PASSWORD, api_as
from tests.tasks.conftest import END, LAUNCH

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_api_timeline_has_bars_dependencies_markers_and_the_critical_path(campaign, mona):
    req, tasks = campaign
    body = api_as(mona).get(f"/api/requests/{req.pk}/timeline/").json()
    assert body["launch_date"] == "2026-06-29" and body["end_date"] == "2026-06-30"
    assert body["source"] == "tasks"
    rows = {r["key"]: r for r in body["tasks"]}
    nurture = rows[tasks["nurture"].key]
    assert set(nurture) >= {"key", "title", "planned_start", "due", "state", "sla_state", "assignee", "depends_on"}
    assert nurture["depends_on"] == [tasks["qa"].key]
    assert dt.datetime.fromisoformat(nurture["due"]).date() > LAUNCH  # post-event work after the event
    assert dt.datetime.fromisoformat(nurture["planned_start"]) == dt.datetime(2026, 6, 30, 9, tzinfo=TOKYO)
    # plan or design (3 days, tied) -> lp(5) -> qa(1) -> nurture ends last (lp is longer than email).
    path = body["critical_path"]
    assert path[0] in (tasks["plan"].key, tasks["design"].key)
    assert path[1:] == [tasks[s].key for s in ("lp", "qa", "nurture")]
    assert rows[tasks["lp"].key]["critical"] is True and rows[tasks["email"].key]["critical"] is False


def test_a_submitted_request_shows_the_plan_it_would_set_in_motion(with_nurture, make_request, alice):
    req = make_request(alice, actions=["submit"], launch_date=LAUNCH, end_date=END)
    body = api_as(alice).get(f"/api/requests/{req.pk}/timeline/").json()
    assert body["source"] == "plan"
    rows = {r["title"]: r for r in body["tasks"]}
    assert rows["開催後ナーチャリング"]["state"] == "planned"
    assert dt.datetime.fromisoformat(rows["開催後ナーチャリング"]["due"]).date() > LAUNCH
    assert body["critical_path"]


def test_critical_path_follows_the_latest_predecessor():
    day = dt.datetime(2026, 6, 1, tzinfo=TOKYO)
    rows = [
        {"key": "a", "due": day, "depends_on": []},
        {"key": "b", "due": day + dt.timedelta(days=3), "depends_on": ["a"]},
        {"key": "c", "due": day + dt.timedelta(days=1), "depends_on": ["a"]},
        {"key": "d", "due": day + dt.timedelta(days=5), "depends_on": ["b", "c"]},
    ]
    assert critical_path(rows) == ["a", "b", "d"]
    assert critical_path([]) == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [("alice", 200), ("bob", 404), ("charlie", 200), ("mona", 200), ("root", 200), (None, 403)],
)
def test_campaign_timeline_permissions(campaign, org, who, expected):
    req, _ = campaign
    user = org[who] if who else None
    assert api_as(user).get(f"/api/requests/{req.pk}/timeline/").status_code == expected


def test_request_page_draws_the_timeline(campaign, client, alice):
    req, tasks = campaign
    client.login(username="alice", password=PASSWORD)
    html = client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()
    assert 'class="gantt"' in html and "gantt-critical" in html
    assert tasks["nurture"].key in html
    assert "<script" not in html.split('class="gantt-scroll"')[1].split("</svg>")[0]


# --- portfolio -------------------------------------------------------------------------------


def test_portfolio_defaults_to_this_quarter_and_the_next(campaign, mona):
    req, tasks = campaign
    body = api_as(mona).get("/api/timeline/").json()
    assert (body["from"], body["to"]) == ("2026-04-01", "2026-09-30")
    row = next(r for r in body["campaigns"] if r["id"] == req.pk)
    assert row["tasks_total"] == len(tasks) and row["tasks_open"] == len(tasks)
    assert dt.datetime.fromisoformat(row["work_finish"]).date() > LAUNCH


def test_portfolio_filters(campaign, mona, osaka):
    req, _ = campaign
    client = api_as(mona)
    assert [r["id"] for r in client.get("/api/timeline/?unit=tokyo").json()["campaigns"]] == [req.pk]
    assert client.get("/api/timeline/?unit=osaka").json()["campaigns"] == []
    assert client.get("/api/timeline/?state=launched").json()["campaigns"] == []
    assert client.get("/api/timeline/?from=2027-01-01&to=2027-03-31").json()["campaigns"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-09-01&to=2026-08-01", "to"),
        ("from=2026-01-01&to=2028-06-01", "to"),
        ("from=yesterday", "from"),
        ("unit=nowhere", "unit"),
        ("state=flying", "state"),
    ],
)
def test_portfolio_bad_periods_and_filters_are_field_errors(campaign, mona, query, field):
    response = api_as(mona).get(f"/api/timeline/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_portfolio_shows_only_visible_campaigns(campaign, bob):
    assert api_as(bob).get("/api/timeline/").json()["campaigns"] == []
    assert api_as(None).get("/api/timeline/").status_code == 403


def test_portfolio_page(campaign, client, mona):
    req, _ = campaign
    client.login(username="mona", password=PASSWORD)
    html = client.get(reverse("tasks:portfolio") + "?zoom=week").content.decode()
    assert 'class="gantt"' in html and req.name in html
    bad = client.get(reverse("tasks:portfolio") + "?from=2026-09-01&to=2026-08-01")
    assert bad.status_code == 200 and 'class="gantt"' not in bad.content.decode()
    assert 'class="error"' in bad.content.decode()
