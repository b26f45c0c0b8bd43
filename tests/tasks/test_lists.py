"""Board and "my tasks" stay bounded as tasks pile up (issue 19): constant queries, capped rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks import views
from tasks.lists import MINE_DONE_LIMIT
from tasks.models import Task


def _bulk(campaign, task_type, n, *, start, assignee=None, state="todo", completed_days_ago=None):
    now = timezone.now()
    return Task.objects.bulk_create(
        Task(
            number=start + i,
            key=f"MOPS-{start + i}",
            campaign=campaign,
            task_type=task_type,
            title=f"bulk {start + i}",
            position=100 + i,
            assignee=assignee,
            estimated_hours=Decimal(1),
            state=state,
            due_at=now + dt.timedelta(days=i % 30),
            completed_at=None if completed_days_ago is None else now - dt.timedelta(days=completed_days_ago, minutes=i),
        )
        for i in range(n)
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return r, len(ctx.captured_queries)


def test_board_queries_are_constant_and_columns_capped(client, generated, mona, task_types, monkeypatch):
    req, _ = generated
    monkeypatch.setattr(views, "BOARD_LIMIT", 5)
    client.force_login(mona)
    _get(client, "/tasks/")
    _, small = _get(client, "/tasks/")
    _bulk(req, task_types["lp"], 12, start=1000)
    _bulk(req, task_types["lp"], 12, start=2000, state="done", completed_days_ago=1)
    _bulk(req, task_types["lp"], 12, start=3000, state="done", completed_days_ago=60)
    r, large = _get(client, "/tasks/")
    assert large == small
    cols = {state: tasks for state, _, tasks in r.context["columns"]}
    assert len(cols["todo"]) == 5 and len(cols["done"]) == 5 and r.context["truncated"]
    # Old done work stays off the default board, and comes back when asked for.
    assert all(t.completed_at >= timezone.now() - dt.timedelta(days=14) for t in cols["done"])
    r, asked = _get(client, "/tasks/?state=done")
    assert asked <= large
    done = {state: tasks for state, _, tasks in r.context["columns"]}["done"]
    assert len(done) == 5 and not {state: t for state, _, t in r.context["columns"]}["todo"]
    completed = [t.completed_at for t in done]
    assert completed == sorted(completed, reverse=True)  # the last completed first


def test_my_tasks_shows_open_work_and_recent_done_with_a_link_to_older(client, generated, sam, task_types):
    req, _ = generated
    client.force_login(sam)
    _bulk(req, task_types["lp"], 1, start=900, assignee=sam)
    _get(client, "/tasks/mine/")
    _, small = _get(client, "/tasks/mine/")
    _bulk(req, task_types["lp"], 2, start=1000, assignee=sam)
    _bulk(req, task_types["lp"], MINE_DONE_LIMIT + 15, start=2000, assignee=sam, state="done", completed_days_ago=3)
    r, large = _get(client, "/tasks/mine/")
    assert large == small
    assert len(r.context["open_tasks"]) == 3
    done = r.context["done"]
    assert len(done) == MINE_DONE_LIMIT and r.context["more_done"]
    # The most recently completed first; the older ones through the board's done filter.
    assert [t.completed_at for t in done] == sorted((t.completed_at for t in done), reverse=True)
    assert f"/tasks/?assignee={sam.username}&amp;state=done" in r.content.decode()
