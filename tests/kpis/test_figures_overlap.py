"""figures.compute overlapped with its last query: the sections that do not read the task events
are computed on the helper thread while that query runs (issue 19), with the same figures."""

from __future__ import annotations

import threading

import pytest

from campaigns.quarters import Quarter
from kpis import data as kpi_data
from kpis import figures
from kpis.data import KpiFilters

from .conftest import NOW, jst


@pytest.mark.django_db
def test_the_overlapped_computation_reads_the_database_on_the_callers_thread_only(quarter_data):
    """The sections computed while the task events are read must not query: the helper thread's
    connection is not the caller's (in a transaction it would not see the caller's rows)."""
    from django.db import connection

    threads = set()

    def record(execute, sql, params, many, context):
        threads.add(threading.current_thread().name)
        return execute(sql, params, many, context)

    f = KpiFilters(Quarter.parse("2026Q3"))
    with connection.execute_wrapper(record):
        overlapped = figures.compute(f, now=NOW, include_ids=True, include_data=True)
    assert threads == {threading.current_thread().name}
    # The same report as computed from frames loaded first (no overlap).
    frames = kpi_data.load(f)
    assert overlapped == figures.compute(f, now=NOW, include_ids=True, include_data=True, frames=frames)


@pytest.mark.django_db
def test_task_events_outside_the_other_rows_span_recompute_the_early_sections(quarter_data, monkeypatch):
    """The early sections use a work clock over the rows they have; when a task's events reach
    further back (an old task with a late comment), they are computed again on the whole span."""
    from tasks.models import Task, TaskEvent

    old = Task.objects.order_by("id").first()
    TaskEvent.objects.create(task=old, action="comment", from_state="done", to_state="done", at=jst(8, 1))
    TaskEvent.objects.create(
        task=old, action="create", from_state="", to_state="todo", at=jst(1, 5, year=2022), comment=""
    )
    calls, real = [], figures._before_events
    monkeypatch.setattr(figures, "_before_events", lambda *a, **k: calls.append(1) or real(*a, **k))
    f = KpiFilters(Quarter.parse("2026Q3"))
    report = figures.compute(f, now=NOW, include_ids=True)
    assert len(calls) == 2
    calls.clear()
    assert report == figures.compute(f, now=NOW, include_ids=True, frames=kpi_data.load(f))
    assert len(calls) == 1
