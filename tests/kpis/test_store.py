"""Stored quarter figures, late events, drill-downs from their own rows, streaming exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignResult, RequestEvent
from campaigns.quarters import Quarter
from kpis import drill, figures, reviews, store
from kpis import tables as kpi_tables
from kpis.data import KpiFilters, trend_quarters
from kpis.models import QuarterFigures, QuarterFiguresEvent
from kpis.views import DRILL
from tasks.models import TaskEvent
from tests.conftest import api_as as api

from .conftest import NOW, jst

pytestmark = pytest.mark.django_db
Q3 = KpiFilters(Quarter.parse("2026Q3"))


def served(report: dict) -> dict:
    """A fresh computation as the store serves it (row lists cut, see kpis.store.split)."""
    return store.split(store.as_stored(report))[0]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_stored_figures_equal_a_fresh_computation(quarter_data, frozen):
    row = store.stored(Q3)
    assert store.comparable(row.report) == store.comparable(served(figures.compute(Q3)))
    assert row.report["summary"]["lead_time_bd_median"] == 7.22 and not row.stale
    assert row.request_event_watermark == RequestEvent.objects.order_by("-id").first().pk
    # Read again: served as stored, nothing recomputed (one "computed" audit row).
    assert store.stored(Q3).computed_at == row.computed_at
    assert list(QuarterFiguresEvent.objects.values_list("quarter", "action")) == [("2026Q3", "computed")]
    # Another filter set is another stored row; the running quarter is never stored.
    store.report(KpiFilters(Quarter.parse("2026Q3"), unit="osaka"))
    store.report(KpiFilters(Quarter.parse("2026Q4")))
    assert sorted(QuarterFigures.objects.values_list("quarter", flat=True)) == ["2026Q3", "2026Q3"]


def test_trend_reads_the_stored_earlier_quarters(quarter_data, frozen):
    for q in trend_quarters(Q3.quarter)[:-1]:
        store.stored(KpiFilters(q))
    row = store.recompute(Q3, reason="test")
    assert store.comparable(row.report) == store.comparable(served(figures.compute(Q3)))
    assert [t["quarter"] for t in row.report["lead_time"]["trend"]][0] == "2024Q4"
    assert row.report["governance"]["trend"][-2]["model"] == "decentralised"  # E, launched in Q2
    # The points really come from the store: a stored Q2 point shows in Q3's trend as stored.
    q2 = QuarterFigures.objects.get(quarter="2026Q2")
    report = q2.report
    report["lead_time"]["trend"][-1]["n"] = 999
    q2.report_json = json.dumps(report)
    q2.save()
    assert store.recompute(Q3, reason="test").report["lead_time"]["trend"][-2]["n"] == 999


def test_late_event_marks_the_quarter_stale_and_the_recompute_is_audited(quarter_data, frozen):
    store.stored(Q3)
    previous = store.stored(KpiFilters(Quarter.parse("2026Q2")))
    # An event of the running quarter changes no closed quarter.
    TaskEvent.objects.create(task=quarter_data["T4"], action="comment", from_state="todo", to_state="todo", at=NOW)
    assert not QuarterFigures.objects.filter(stale=True).exists()
    # A late one (dated in Q3, written now): Q3 is stale, Q2 (ended before it) is not.
    d = quarter_data["D"]
    late = RequestEvent.objects.create(
        request=d, action="mark_ready", from_state="in_production", to_state="ready_for_launch", at=jst(9, 30, 10)
    )
    row = QuarterFigures.objects.get(quarter="2026Q3")
    assert row.stale and row.stale_reason == f"late request event #{late.pk}"
    assert not QuarterFigures.objects.get(quarter="2026Q2").stale and previous.quarter == "2026Q2"
    # The next read recomputes it from the events, appends an audit row with the change.
    fresh = store.report(Q3)
    row.refresh_from_db()
    assert not row.stale and row.request_event_watermark == late.pk
    assert store.comparable(fresh) == store.comparable(served(figures.compute(Q3)))
    event = QuarterFiguresEvent.objects.filter(quarter="2026Q3").last()
    assert (event.action, event.reason) == ("recomputed", f"late request event #{late.pk}")
    assert event.data["previous_watermarks"]["request"] < late.pk == event.data["watermarks"]["request"]
    with pytest.raises(PermissionError):
        event.delete()


def test_results_and_unsignalled_events_also_refresh_a_stored_quarter(quarter_data, frozen):
    roi = store.report(Q3)["summary"]["roi"]
    result = CampaignResult.objects.get(request=quarter_data["A"])
    result.won_revenue = 9_000_000
    result.save()  # results arrive after the quarter: ROI of the launch quarter changes
    assert QuarterFigures.objects.get(quarter="2026Q3").stale
    assert store.report(Q3)["summary"]["roi"] > roi
    # bulk_create sends no signal: the watermark check on read still sees the late event.
    [late] = RequestEvent.objects.bulk_create(
        [
            RequestEvent(
                request=quarter_data["D"],
                action="comment",
                from_state="in_production",
                to_state="in_production",
                at=jst(9, 1, 10),
            )
        ]
    )
    assert not QuarterFigures.objects.get(quarter="2026Q3").stale
    store.report(Q3)
    assert QuarterFiguresEvent.objects.last().reason.startswith("late request event #")
    assert QuarterFigures.objects.get(quarter="2026Q3").request_event_watermark >= (late.pk or 0)


def test_drill_downs_return_the_same_rows_as_the_full_report(quarter_data, frozen):
    full = figures.compute(Q3, include_ids=True)
    checked = 0
    for _name, (path, field, _kind) in DRILL.items():
        node = full
        for part in path:
            node = node[part]
        rows = [node] if field is None else node
        for row in rows:
            key = "" if field is None else str(row[field])
            assert drill.ids(Q3, path, field, key) == row.get("ids", []), (path, key)
            checked += 1
    assert checked >= 8
    assert drill.ids(Q3, ("sla", "by_task_type"), "key", "nope") is None


def test_exports_stream_the_same_content(client, org, quarter_data, frozen):
    client.force_login(org["mona"])
    report = reviews.restrict_rows(figures.compute(Q3, include_data=True), org["mona"])
    tables = kpi_tables.tables(report)
    for name in ("return_by_type", "data_tasks", "data_campaigns", "sla_breaches"):
        r = client.get(f"/kpis/export.csv?quarter=2026Q3&table={name}")
        assert r.streaming and r["Content-Type"].startswith("text/csv")
        body = b"".join(r.streaming_content).decode("utf-8")
        assert body == "\ufeff" + kpi_tables.table_csv(tables[name])
    r = client.get("/kpis/export.csv?quarter=2026Q3")
    body = b"".join(r.streaming_content).decode("utf-8-sig")
    assert body == kpi_tables.figures_csv(reviews.restrict_rows(served(figures.compute(Q3)), org["mona"]))
    assert list(csv.reader(io.StringIO(body)))[0] == ["name", "value"]


def test_dashboard_query_count_is_constant_with_stored_quarters(client, org, quarter_data, frozen, make_request):
    client.force_login(org["mona"])
    urls = ["/kpis/?quarter=2026Q3", "/api/kpis/?quarter=2026Q3"]

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    [count(u) for u in urls]  # computes and stores Q3
    warm = [count(u) for u in urls]
    for i in range(5):  # new requests of the running quarter: the stored Q3 stays valid
        make_request(org["alice"], name=f"more {i}", actions=["submit"])
    assert [count(u) for u in urls] == warm
    with CaptureQueriesContext(connection) as ctx:
        figures.compute(Q3)
    assert warm[1] < len(ctx.captured_queries)  # the API's stored read runs none of the KPI queries
    assert QuarterFiguresEvent.objects.count() == 1


def test_kpi_recompute_command_fills_verifies_and_refreshes(quarter_data, frozen):
    out = io.StringIO()
    call_command("kpi_recompute", "--quarter", "2026Q3", "--since", "2026Q1", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("2026Q1 recomputed")
    assert sorted(QuarterFigures.objects.values_list("quarter", flat=True)) == ["2026Q1", "2026Q2", "2026Q3"]
    call_command("kpi_recompute", "--verify", stdout=io.StringIO())  # every stored quarter equals a fresh one
    broken = {"report_json": '{"summary": {}}', "stale": True, "stale_reason": "test"}
    QuarterFigures.objects.filter(quarter="2026Q3").update(**broken)
    with pytest.raises(CommandError, match="2026Q3"):
        call_command("kpi_recompute", "--verify", stdout=io.StringIO())
    call_command("kpi_recompute", "--stale", stdout=io.StringIO())
    call_command("kpi_recompute", "--verify", stdout=io.StringIO())
    assert QuarterFiguresEvent.objects.filter(quarter="2026Q3", reason="test").exists()
    with pytest.raises(CommandError):
        call_command("kpi_recompute", "--quarter", "2026Q4", stdout=io.StringIO())  # not ended yet


def test_long_row_lists_are_cut_in_the_served_report_and_whole_in_the_exports(
    client, org, quarter_data, frozen, monkeypatch
):
    """The pages and the API get the first rows of each per-campaign / per-task list with the
    list's length; a table export and the drill-downs still have every row (issue 19)."""
    monkeypatch.setattr(store, "LIST_ROWS", 1)
    full = figures.compute(Q3, include_ids=True)
    assert len(full["lead_time"]["campaigns"]) == 2 and len(full["sla"]["breaches"]) == 3
    served_report = store.report(Q3)
    assert served_report["lead_time"]["campaigns"] == store.as_stored(full)["lead_time"]["campaigns"][:1]
    assert served_report["meta"]["rows"] == {"lead_time.campaigns": 2, "return.campaigns": 2, "sla.breaches": 3}
    # The API says how long each list is; the first row is the worst (the longest lead time).
    body = api(org["mona"]).get("/api/kpis/?quarter=2026Q3").json()
    names = {f["name"]: f["value"] for f in body["figures"]}
    assert names["meta.rows.sla.breaches"] == 3
    assert sum(n.startswith("sla.breaches[") and n.endswith(".task_id") for n in names) == 1
    # The dashboard counts what the export adds; the export has every row.
    client.force_login(org["mona"])
    page = client.get("/kpis/?quarter=2026Q3", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 more rows in the CSV/Excel export." in page
    assert "Figures as of 2026-10-01 00:00" in page  # when they were computed (NOW, Tokyo time)
    body = b"".join(client.get("/kpis/export.csv?quarter=2026Q3&table=sla_breaches").streaming_content)
    assert body.decode("utf-8-sig") == kpi_tables.table_csv(kpi_tables.tables(full)["sla_breaches"])
    # Drill-downs read the ids kept beside the report, whole.
    assert drill.ids(Q3, ("sla",), None, "") == full["sla"]["ids"]
    # An approver sees only the rows they may open: how many of the cut rows those are is not
    # counted on the page (it says the list is cut instead of a number).
    restricted = reviews.restrict_rows(store.report(Q3), org["charlie"])
    assert restricted["meta"]["rows"]["sla.breaches"] is None


def test_a_row_stored_before_the_split_is_recomputed_with_its_details(quarter_data, frozen):
    row = store.stored(Q3)
    QuarterFigures.objects.filter(pk=row.pk).update(ids_stored=False, ids_json="", lists_json="")
    assert drill.ids(Q3, ("sla",), None, "") == figures.compute(Q3, include_ids=True)["sla"]["ids"]
    assert QuarterFiguresEvent.objects.last().reason == "details not stored yet"
    assert QuarterFigures.objects.get(pk=row.pk).ids_stored


def test_running_quarter_is_served_while_a_job_recomputes_it(quarter_data, frozen, monkeypatch, settings):
    """A new event makes the running quarter's figures old: the page still gets them at once and
    one job recomputes them (at 100k campaigns a computation takes 10-15 s)."""
    from django.core.cache import cache

    from kpis import jobs

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args)))
    q4 = KpiFilters(Quarter.parse("2026Q4"), unit="tokyo", scope=("tokyo",))
    assert store.filters_from_payload(store.filters_payload(q4)) == q4
    first = store.report(q4)  # nothing cached yet: computed in the request
    assert queued == []
    TaskEvent.objects.create(task=quarter_data["T4"], action="comment", from_state="todo", to_state="todo", at=NOW)
    assert store.report(q4) == first and store.details(q4, "ids") is not None
    assert [func for func, _ in queued] == ["kpis.jobs.refresh_running_figures"]  # one job for all reads
    assert jobs.refresh_running_figures(*queued[0][1]) == "computed 2026Q4"
    base, key = store._running_keys(q4)
    assert cache.get(f"{base}:latest")["key"] == key
    with CaptureQueriesContext(connection) as fresh_read:
        store.report(q4)
    assert len(queued) == 1  # fresh: no job
    later = NOW + dt.timedelta(seconds=settings.MOPS_KPI_RUNNING_TTL + 1)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as stale_read:
        assert store.report(q4) == first  # old by time alone (open waits grow): served, refreshed
    assert len(queued) == 2
    assert len(stale_read) == len(fresh_read)  # serving the old figures reads no more than fresh ones


def test_split_before_encoding_stores_what_splitting_the_decoded_report_does():
    """recompute splits the computed report before encoding it (lazy labels, numpy numbers and
    tuples still in it): the drill-down keys and every part must be those of the decoded report."""
    import copy

    import numpy as np
    import orjson
    from django.utils.translation import gettext_lazy

    report = {
        "meta": {"quarter": "2026Q3"},
        "sla": {
            "by_unit": [
                {
                    "key": "tokyo",
                    "label": gettext_lazy("Launch"),
                    "n": np.int64(3),
                    "share": np.float64(0.5),
                    "ids": [1, 2],
                },
                {"key": "osaka", "label": "Osaka", "n": 1, "ok": np.bool_(True), "ids": [3]},
            ],
            "pairs": ({"key": "t", "ids": [4]}, {"key": "u"}),
        },
    }
    decoded = store.split(store.as_stored(copy.deepcopy(report)))
    raw = store.split(report)
    assert [orjson.loads(store.dumps(part)) for part in (raw[0], raw[1]["lists"], raw[1]["ids"])] == [
        decoded[0],
        decoded[1]["lists"],
        decoded[1]["ids"],
    ]
    keys = decoded[1]["ids"]["sla"]["by_unit"][0]
    assert keys == {"ids": [1, 2], "key": "tokyo", "label": str(gettext_lazy("Launch")), "n": 3, "share": 0.5}


def test_row_lists_are_stored_as_columns_and_read_back_as_rows(quarter_data, frozen):
    """Each row list keeps its column names once (the names on every row were 60 % of it)."""
    row = store.stored(Q3)
    stored = json.loads(QuarterFigures.objects.get(pk=row.pk).lists_json)
    breaches = stored["sla.breaches"]
    assert breaches["columns"][:2] == ["task_id", "key"] and breaches["rows"]
    assert all(len(r) == len(breaches["columns"]) for r in breaches["rows"])
    whole = store.split(store.as_stored(figures.compute(Q3, include_ids=True)))[1]["lists"]
    assert store.details(Q3, "lists") == whole
    # The table export reads them as rows.
    names = [r["key"] for r in whole["sla.breaches"]]
    assert names and all(isinstance(r, dict) for r in store.details(Q3, "lists")["sla.breaches"])


def test_row_lists_stored_whole_are_read_as_they_are():
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    uneven = [{"id": 1}, {"name": "b", "id": 2}]
    text = store.lists_text({"lead_time.campaigns": rows, "sla.breaches": uneven, "return.campaigns": []})
    assert json.loads(text)["sla.breaches"] == uneven  # keys in another order: stored as rows
    assert store.lists_from_text(text) == {"lead_time.campaigns": rows, "sla.breaches": uneven, "return.campaigns": []}
    # Rows stored before the columns (plain lists of dicts), and an empty column.
    assert store.lists_from_text(json.dumps({"sla.breaches": rows})) == {"sla.breaches": rows}
    assert store.lists_from_text("") == {}


def test_recompute_does_not_read_the_old_lists_and_ids(quarter_data, frozen):
    store.stored(Q3)
    with CaptureQueriesContext(connection) as ctx:
        store.recompute(Q3, reason="test")
    sqls = [q["sql"] for q in ctx.captured_queries]
    reads = [sql for sql in sqls if sql.startswith("SELECT") and "kpis_quarterfigures" in sql]
    assert reads and not [sql for sql in reads if "lists_json" in sql or "ids_json" in sql]
    assert store.details(Q3, "ids")["sla"]["ids"] == figures.compute(Q3, include_ids=True)["sla"]["ids"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST compression")
def test_large_figures_columns_are_compressed_with_lz4():
    with connection.cursor() as cur:
        cur.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        if "lz4" not in (cur.fetchone()[0] or []):
            pytest.skip("this PostgreSQL was built without lz4")
        cur.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'kpis_quarterfigures'::regclass"
            " AND attname IN ('report_json', 'lists_json', 'ids_json')"
        )
        assert dict(cur.fetchall()) == {"report_json": "l", "lists_json": "l", "ids_json": "l"}
