"""kpis.data.load: every query's rows as a DataFrame, converted on a helper thread while the next
query runs, with Python's cyclic garbage collector paused meanwhile (issue 19)."""

from __future__ import annotations

import gc
import threading

import pandas as pd
import pytest

from campaigns.quarters import Quarter
from kpis import data as kpi_data
from kpis.data import KpiFilters

pytestmark = pytest.mark.django_db

Q3 = KpiFilters(Quarter.parse("2026Q3"))


def test_load_gives_each_query_its_frame_in_query_order(quarter_data):
    frames = kpi_data.load(Q3, trend=False)
    queries = kpi_data.querysets(Q3, trend=False)
    assert list(frames) == list(queries)
    for name, (qs, cols) in queries.items():
        expected = kpi_data.frame(kpi_data.fetch(qs), cols)
        pd.testing.assert_frame_equal(frames[name], expected, obj=name)
    assert len(frames["tasks"]) > 0 and len(frames["task_events"]) > 0


def test_frames_are_built_off_the_thread_that_reads_the_database(quarter_data, monkeypatch):
    built_on, real_frame = set(), kpi_data.frame

    def spy(rows, columns):
        built_on.add(threading.current_thread().name)
        return real_frame(rows, columns)

    monkeypatch.setattr(kpi_data, "frame", spy)
    kpi_data.load(Q3, only=("tasks", "task_events"))
    assert len(built_on) == 1 and threading.current_thread().name not in built_on


def test_a_conversion_error_reaches_the_caller_and_the_collector_runs_again(quarter_data, monkeypatch):
    def broken(rows, columns):
        raise ValueError("bad column")

    monkeypatch.setattr(kpi_data, "frame", broken)
    assert gc.isenabled()
    with pytest.raises(ValueError, match="bad column"):
        kpi_data.load(Q3, only=("tasks",))
    assert gc.isenabled()


def test_bulk_rows_pauses_the_collector_and_leaves_it_as_it_found_it():
    assert gc.isenabled()
    with kpi_data.bulk_rows():
        assert not gc.isenabled()
        with kpi_data.bulk_rows():  # nested: the inner block does not turn it back on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with kpi_data.bulk_rows():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_the_whole_computation_runs_with_the_collector_paused(quarter_data, monkeypatch):
    from kpis import figures

    seen, real = [], figures.lead_time
    monkeypatch.setattr(figures, "lead_time", lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    figures.compute(Q3)
    assert seen == [False] and gc.isenabled()


def test_meanwhile_runs_on_the_helper_with_every_frame_but_the_task_events(quarter_data, monkeypatch):
    """The slowest query runs last; what does not need its rows is computed while it runs."""
    order, real_fetch, started = [], kpi_data.fetch, threading.Event()

    def fetch(qs):
        order.append(qs.model.__name__)
        if qs.model.__name__ == "TaskEvent":  # meanwhile starts while the task events are being read
            assert started.wait(timeout=30)
        return real_fetch(qs)

    monkeypatch.setattr(kpi_data, "fetch", fetch)
    seen = {}

    def meanwhile(frames):
        started.set()
        seen.update(thread=threading.current_thread().name, names=set(frames))
        return len(frames["tasks"])

    frames, tasks = kpi_data.load_overlapped(Q3, trend=False, meanwhile=meanwhile)
    assert order[-1] == "TaskEvent" and tasks == len(frames["tasks"]) > 0
    assert seen["thread"] != threading.current_thread().name
    assert seen["names"] == set(frames) - {kpi_data.LAST}
    # The frames are those of a plain load, in query order.
    plain = kpi_data.load(Q3, trend=False)
    assert list(frames) == list(plain)
    for name in plain:
        pd.testing.assert_frame_equal(frames[name], plain[name], obj=name)


def test_meanwhile_runs_in_the_callers_language_and_time_zone(quarter_data):
    from django.utils import timezone, translation

    def meanwhile(frames):
        return translation.get_language(), str(timezone.get_current_timezone())

    for language, zone in (("en", "UTC"), ("ja", "Asia/Tokyo")):
        with translation.override(language), timezone.override(zone):
            assert kpi_data.load_overlapped(Q3, only=("tasks",), meanwhile=meanwhile)[1] == (language, zone)


def test_an_error_in_meanwhile_reaches_the_caller(quarter_data):
    def broken(frames):
        raise KeyError("no such column")

    with pytest.raises(KeyError, match="no such column"):
        kpi_data.load_overlapped(Q3, trend=False, meanwhile=broken)
    assert gc.isenabled()
