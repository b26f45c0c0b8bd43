"""Portfolio timeline at scale: pages of 50 by end date, tasks folded by the database, a constant
query count whatever the number of campaigns, and who counts as "in the period"."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignRequest
from tasks.models import Task, TaskState
from tasks.timeline import PORTFOLIO_PAGE_SIZE
from tests.conftest import PASSWORD, api_as

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)  # default period: 2026-04-01 .. 2026-09-30
_numbers = count(50_000)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _clones(req: CampaignRequest, n: int, *, launch: dt.date, end: dt.date, due: list[dt.datetime] = ()) -> list:
    """``n`` copies of ``req`` (same state, unit, type) running ``launch``..``end``, each with tasks due at ``due``."""
    made = []
    for i in range(n):
        c = copy.copy(req)
        c.pk = c.id = None
        c._state = copy.copy(req._state)
        c._state.adding = True
        c.name, c.launch_date, c.end_date = f"clone {launch} {i}", launch, end
        made.append(c)
    made = CampaignRequest.objects.bulk_create(made)
    task_type = Task.objects.filter(campaign=req).first().task_type
    Task.objects.bulk_create(
        Task(
            number=(num := next(_numbers)),
            key=f"MOPS-{num}",
            campaign=c,
            task_type=task_type,
            title="bulk",
            position=j,
            estimated_hours=Decimal(1),
            state=TaskState.TODO,
            due_at=when,
        )
        for c in made
        for j, when in enumerate(due)
    )
    return made


def _ids(client, query: str = "") -> list[int]:
    return [r["id"] for r in client.get(f"/api/timeline/?{query}").json()["campaigns"]]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_page_and_api_cost_the_same_queries_at_two_sizes(campaign, client, mona):
    req, _ = campaign
    due = [dt.datetime(2026, 6, 20, 18, tzinfo=TOKYO), dt.datetime(2026, 6, 25, 18, tzinfo=TOKYO)]
    _clones(req, 3, launch=dt.date(2026, 7, 1), end=dt.date(2026, 7, 2), due=due)
    api = api_as(mona)
    client.login(username="mona", password=PASSWORD)
    small = (_queries(api, "/api/timeline/"), _queries(client, reverse("tasks:portfolio")))
    _clones(req, 2 * PORTFOLIO_PAGE_SIZE, launch=dt.date(2026, 8, 1), end=dt.date(2026, 8, 2), due=due)
    large = (_queries(api, "/api/timeline/"), _queries(client, reverse("tasks:portfolio")))
    assert large == small
    assert len(api.get("/api/timeline/").json()["campaigns"]) == PORTFOLIO_PAGE_SIZE


def test_pages_cover_every_campaign_once_and_say_when_more_follow(campaign, mona):
    req, _ = campaign
    extra = _clones(req, PORTFOLIO_PAGE_SIZE + 5, launch=dt.date(2026, 5, 10), end=dt.date(2026, 5, 11))
    api = api_as(mona)
    first = api.get("/api/timeline/").json()
    second = api.get("/api/timeline/?page=2").json()
    assert (first["page"], first["has_more"], second["page"], second["has_more"]) == (1, True, 2, False)
    seen = [r["id"] for r in first["campaigns"]] + [r["id"] for r in second["campaigns"]]
    assert sorted(seen) == sorted([req.pk] + [c.pk for c in extra])
    # Earliest-ending first across pages: the fixture campaign (ends 06-30) comes last.
    assert second["campaigns"][-1]["id"] == req.pk
    # Within a page the rows read by launch date.
    launches = [r["launch_date"] for r in first["campaigns"]]
    assert launches == sorted(launches)
    assert api.get("/api/timeline/?page=3").json()["campaigns"] == []


@pytest.mark.parametrize("page", ["0", "abc", "-1", "99999"])
def test_a_bad_page_is_a_field_error(campaign, mona, page):
    response = api_as(mona).get(f"/api/timeline/?page={page}")
    assert response.status_code == 400
    assert "page" in response.json()


def test_folded_rows_match_the_tasks(campaign, mona):
    req, tasks = campaign
    Task.objects.filter(pk=tasks["email"].pk).update(state=TaskState.DONE)
    Task.objects.filter(pk=tasks["qa"].pk).update(state=TaskState.CANCELLED)
    Task.objects.filter(pk=tasks["lp"].pk).update(sla_state="at_risk")
    row = next(r for r in api_as(mona).get("/api/timeline/").json()["campaigns"] if r["id"] == req.pk)
    live = [t for t in Task.objects.filter(campaign=req) if t.state != TaskState.CANCELLED]
    assert row["tasks_total"] == len(live) == len(tasks) - 1
    assert row["tasks_open"] == len(live) - 1
    assert row["sla_state"] == "at_risk"
    assert dt.datetime.fromisoformat(row["work_start"]) == min(t.sla_start_at or t.created_at for t in live)
    assert dt.datetime.fromisoformat(row["work_finish"]) == max(t.due_at for t in live)


def test_who_is_in_the_period(campaign, mona):
    req, _ = campaign
    in_period = dt.datetime(2026, 9, 25, 18, tzinfo=TOKYO)
    (preparing,) = _clones(req, 1, launch=dt.date(2026, 10, 20), end=dt.date(2026, 10, 21), due=[in_period])
    (later,) = _clones(req, 1, launch=dt.date(2027, 1, 10), end=dt.date(2027, 1, 11))
    (spanning,) = _clones(req, 1, launch=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    # Ended before the period: history, even with a late report due in it.
    (ended,) = _clones(req, 1, launch=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2), due=[in_period])
    # Launching after the period, its only work in the period cancelled.
    (dropped,) = _clones(req, 1, launch=dt.date(2026, 10, 20), end=dt.date(2026, 10, 21), due=[in_period])
    Task.objects.filter(campaign=dropped).update(state=TaskState.CANCELLED)
    shown = set(_ids(api_as(mona)))
    assert {req.pk, preparing.pk, spanning.pk} <= shown
    assert not shown & {later.pk, ended.pk, dropped.pk}


def test_the_page_links_to_more_campaigns_keeping_the_filters(campaign, client, mona):
    req, _ = campaign
    _clones(req, PORTFOLIO_PAGE_SIZE, launch=dt.date(2026, 5, 10), end=dt.date(2026, 5, 11))
    client.login(username="mona", password=PASSWORD)
    html = client.get(reverse("tasks:portfolio") + "?unit=tokyo&zoom=month").content.decode()
    assert "unit=tokyo&amp;zoom=month&amp;page=2" in html
    second = client.get(reverse("tasks:portfolio") + "?unit=tokyo&zoom=month&page=2").content.decode()
    assert req.name in second and "page=1" in second and "page=3" not in second
