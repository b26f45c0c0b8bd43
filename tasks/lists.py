"""Bounded reads for the task lists (board, my tasks): flat from 1k to 100k campaigns (issue 19).

Every query here is positive ("state = X", "completed_at >= cutoff") and ordered along an index
of ``Task.Meta.indexes``, with a LIMIT, so its cost follows the rows shown, not the rows stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from .models import OPEN_TASK_STATES, Task, TaskState

BOARD_COLUMNS = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.WAITING, TaskState.IN_REVIEW, TaskState.DONE]
# The done column shows the last two weeks unless the viewer filters by state.
RECENT_DONE = dt.timedelta(days=14)
MINE_OPEN_LIMIT = 50
MINE_DONE_LIMIT = 20


def board_columns(
    qs: QuerySet[Task], *, states: list[str], now: dt.datetime, limit: int
) -> tuple[list[tuple[str, list[Task]]], bool]:
    """Per board column, its first ``limit`` tasks by due date (done: last completed first), from ``qs``.

    ``states``: the states the viewer asked for (empty: every column, done within two weeks).
    One id query per column (an index range on (state, due_at, ...) or (state, completed_at)), then one
    query for the rows with their prefetches: a constant count whatever the table holds.
    Returns the columns and whether any column was cut at ``limit``.
    """
    wanted = [s for s in BOARD_COLUMNS if not states or s in states]
    ids: dict[str, list[int]] = {}
    truncated = False
    for state in wanted:
        col = qs.filter(state=state)
        order = ["due_at", "position", "id"]
        if state == TaskState.DONE:
            # Most recently completed first, along (state, completed_at): walking the done tasks in
            # due order to find the recent ones read the whole history (12 s at 100k campaigns).
            order = ["-completed_at", "-id"]
            if not states:
                col = col.filter(completed_at__gte=now - RECENT_DONE)
        ids[state] = list(col.order_by(*order).values_list("id", flat=True)[: limit + 1])
        if len(ids[state]) > limit:
            truncated = True
            ids[state] = ids[state][:limit]
    every = [i for col in ids.values() for i in col]
    rows = {t.pk: t for t in qs.filter(pk__in=every)} if every else {}
    columns = [(state, [rows[i] for i in ids.get(state, []) if i in rows]) for state in BOARD_COLUMNS]
    return columns, truncated


def my_task_lists(qs: QuerySet[Task]) -> dict[str, Any]:
    """A person's open tasks by state and due date (at most ``MINE_OPEN_LIMIT``) and their last completed ones.

    ``qs``: the person's visible tasks. Three queries (+ prefetches) whatever their history.
    """
    open_ids = list(
        qs.filter(state__in=OPEN_TASK_STATES)
        .order_by("state", "due_at", "id")
        .values_list("id", flat=True)[: MINE_OPEN_LIMIT + 1]
    )
    more_open = len(open_ids) > MINE_OPEN_LIMIT
    open_ids = open_ids[:MINE_OPEN_LIMIT]
    done_ids = list(
        qs.filter(state=TaskState.DONE)
        .order_by("-completed_at", "-id")
        .values_list("id", flat=True)[: MINE_DONE_LIMIT + 1]
    )
    more_done = len(done_ids) > MINE_DONE_LIMIT
    done_ids = done_ids[:MINE_DONE_LIMIT]
    wanted = open_ids + done_ids
    rows = {t.pk: t for t in qs.filter(pk__in=wanted)} if wanted else {}
    return {
        "open_tasks": [rows[i] for i in open_ids if i in rows],
        "done": [rows[i] for i in done_ids if i in rows],
        "more_open": more_open,
        "more_done": more_done,
    }
