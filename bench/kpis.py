"""Benchmark of the quarterly KPI review (``make bench``): times, never asserts.

``run_bench(campaigns=100_000, tasks=1_000_000)`` works on a throw-away copy of a cached
benchmark database (SQLite: ``BENCH_KPI_CACHE`` or /work/benchdata/kpis-<n>k.sqlite3, built
by ``generate`` on first use, then copied for each run so the cache never changes), or on a
database built with Django's test machinery (PostgreSQL: ``mops_kpi_bench``). db.sqlite3 is
never touched. It reports for the last quarter, in one run:

- ``fetch_seconds``: every query the KPIs read, rows fetched from the cursor (``kpi_data.fetch``);
  ``django_fetch_seconds``: the same rows through Django's per-row converters (the old path);
- ``full_compute_seconds``: ``figures.compute`` from eight quarters of rows (the verification
  path), ``full_compute_ratio`` = that / ``fetch_seconds`` (medians of ``REPEATS`` interleaved
  pairs, as below);
- ``store_warm_seconds``: filling the store oldest quarter first; ``own_fetch_seconds``: the
  quarter's own rows; ``recompute_seconds``: ``store.recompute`` of the closed quarter (fetch
  + DataFrames + every KPI, trend from the stored quarters, storing); both the median of
  ``REPEATS`` interleaved pairs (each run in ``*_runs``); ``recompute_ratio`` = recompute /
  own fetch (target <= 1.2), ``recompute_cpu_ratio`` the same in CPU time (the recompute
  converts rows on a second thread while its next query runs);
- ``dashboard_seconds`` / ``api_seconds``: /kpis/ and /api/kpis/ served from the warm store
  (target < 1 s); ``drill_seconds``, ``csv_seconds``, ``xlsx_seconds``: a drill-down and the
  exports; ``pdf_seconds``: the quarterly review PDF job (target <= 5 s).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

import numpy as np

BATCH = 5000
REPEATS = 5  # fetch / recompute pairs, interleaved; the ratio is of their medians


def _progress(label: str, done: int, total: int) -> None:
    sys.stdout.write(f"\r  {label}: {done:,}/{total:,} ({done * 100 // max(total, 1)}%)")
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def _insert(model, varying: list[str], rows: list[tuple]) -> None:
    """Bulk INSERT of ready-made rows (executemany): Django's bulk_create spends most of its time
    preparing each value; here constant columns are prepared once and varying ones by the caller."""
    from django.db import connection
    from django.db.models import DateTimeField

    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    # A primary key the caller does not give is left to the database (SQLite fills a NULL id,
    # PostgreSQL refuses it: "null value in column id").
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in varying)]
    template, index = [], {}
    for f in fields:
        if f.attname in varying:
            index[f.attname] = len(template)
            template.append(None)
        elif isinstance(f, DateTimeField) and (f.auto_now or f.auto_now_add or f.has_default()):
            template.append(now)
        else:
            template.append(f.get_db_prep_save(f.get_default(), connection))
    positions = [index[name] for name in varying]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    out = []
    for row in rows:
        values = list(template)
        for pos, value in zip(positions, row, strict=False):
            values[pos] = value
        out.append(values)
    with connection.cursor() as cur:
        for i in range(0, len(out), BATCH):
            cur.executemany(sql, out[i : i + BATCH])


def _instants(seconds: np.ndarray) -> list:
    """Epoch seconds -> values ready for a DateTimeField column of the current backend."""
    from django.db import connection

    if connection.vendor == "sqlite":  # Django's SQLite format: UTC "YYYY-MM-DD HH:MM:SS.ffffff"
        text = np.datetime_as_string((seconds * 1e6).astype("int64").astype("datetime64[us]"), unit="us")
        return [t.replace("T", " ") for t in text.tolist()]
    return [dt.datetime.fromtimestamp(x, dt.UTC) for x in seconds.tolist()]


def generate(*, campaigns: int, tasks: int, quarter: str = "2026Q3", seed: int = 7) -> dict[str, Any]:
    """Bulk-insert the benchmark data into the current default database (campaigns spread over
    the eight quarters up to ``quarter``; ``tasks // campaigns`` tasks each, three events per task)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from campaigns.models import CampaignRequest, CampaignResult, CampaignType, Channel, RequestEvent
    from campaigns.quarters import Quarter
    from governance.models import BusinessUnit
    from kpis.data import bounds, trend_quarters
    from tasks.models import Person, Task, TaskEvent, TaskType, WorkRole

    rng = np.random.default_rng(seed)
    User = get_user_model()
    units = [BusinessUnit.objects.create(slug=f"u{i}", name=f"事業部{i}").pk for i in range(4)]
    types = [CampaignType.objects.create(slug=f"t{i}", name=f"種別{i}").pk for i in range(5)]
    channels = [Channel.objects.create(slug=f"c{i}", name=f"チャネル{i}").pk for i in range(4)]
    role = WorkRole.objects.create(slug="bench", name="Bench", hourly_rate=Decimal(6000))
    ttypes = [TaskType.objects.create(slug=f"tt{i}", name=f"タスク{i}", role=role).pk for i in range(6)]
    requester = User.objects.create(username="bench-requester").pk
    approver = User.objects.create(username="bench-approver").pk
    people = [User.objects.create(username=f"bench-p{i}") for i in range(20)]
    Person.objects.bulk_create([Person(user=u, weekly_hours=Decimal(40)) for u in people])
    people = [u.pk for u in people]

    q = Quarter.parse(quarter)
    first, _ = bounds(trend_quarters(q)[0])
    _, last = bounds(q)
    span = last.timestamp() - first.timestamp()
    per = max(tasks // max(campaigns, 1), 1)
    models = ["centralised", "hybrid", "decentralised"]
    chunk = 2000
    t_id = ev_id = rev_id = 0
    for start in range(0, campaigns, chunk):
        n = min(chunk, campaigns - start)
        cid = np.arange(start + 1, start + n + 1)
        launched = first.timestamp() + rng.random(n) * span
        lead = (5 + rng.random(n) * 35) * 86400
        submitted = launched - lead
        la, su = _instants(launched), _instants(submitted)
        days = [x[:10] for x in (la if isinstance(la[0], str) else [d.isoformat() for d in la])]
        with transaction.atomic():
            _insert(
                CampaignRequest,
                [
                    "id",
                    "name",
                    "objective",
                    "campaign_type_id",
                    "business_unit_id",
                    "requester_id",
                    "launch_date",
                    "end_date",
                    "budget",
                    "state",
                    "governance_model",
                    "submitted_at",
                    "launched_at",
                    "target_leads",
                    "expected_roi",
                ],
                [
                    (
                        int(c),
                        f"Campaign {c}",
                        "bench",
                        types[c % 5],
                        units[c % 4],
                        requester,
                        days[i],
                        days[i],
                        1_000_000,
                        "launched",
                        models[(c // 7) % 3],
                        su[i],
                        la[i],
                        100,
                        120,
                    )
                    for i, c in enumerate(cid.tolist())
                ],
            )
            steps = [
                ("submit", "draft", "submitted", 0.0),
                ("approve", "submitted", "approved", 0.15),
                ("start_production", "approved", "in_production", 0.2),
                ("mark_ready", "in_production", "ready_for_launch", 0.9),
                ("launch", "ready_for_launch", "launched", 1.0),
            ]
            rows = []
            for action, frm, to, share in steps:
                at = _instants(submitted + lead * share)
                for i, c in enumerate(cid.tolist()):
                    rev_id += 1
                    rows.append((rev_id, c, action, frm, to, approver if action == "approve" else requester, at[i]))
            _insert(RequestEvent, ["id", "request_id", "action", "from_state", "to_state", "actor_id", "at"], rows)
            spend = rng.integers(100_000, 2_000_000, n).tolist()
            leads = rng.integers(50, 500, n).tolist()
            revenue = rng.integers(0, 8_000_000, n).tolist()
            _insert(
                CampaignResult,
                [
                    "request_id",
                    "actual_spend",
                    "leads",
                    "mqls",
                    "sqls",
                    "opportunities",
                    "won_deals",
                    "won_revenue",
                    "retained_revenue_12m",
                ],
                [
                    (c, spend[i], leads[i], 40, 10, 5, 2, revenue[i], 1_000_000 if c % 3 else None)
                    for i, c in enumerate(cid.tolist())
                    if c % 10
                ],
            )
            _insert(
                CampaignRequest.channels.through,
                ["campaignrequest_id", "channel_id"],
                [(c, channels[c % 4]) for c in cid.tolist()],
            )
            k = min(per * n, tasks - t_id)
            if k > 0:
                owner = np.repeat(np.arange(n), per)[:k]
                j = np.tile(np.arange(per), n)[:k]
                created = submitted[owner] + lead[owner] * 0.2
                prod_end = submitted[owner] + lead[owner] * 0.9
                started = created + rng.random(k) * (prod_end - created) * 0.3
                done = started + rng.random(k) * (prod_end - started)
                due = created + (prod_end - created) * (0.6 + rng.random(k) * 0.5)
                cr, st, dn, du = _instants(created), _instants(started), _instants(done), _instants(due)
                met = (done <= due).tolist()
                ids = list(range(t_id + 1, t_id + k + 1))
                camp = cid[owner].tolist()
                jl = j.tolist()
                _insert(
                    Task,
                    [
                        "id",
                        "number",
                        "key",
                        "campaign_id",
                        "task_type_id",
                        "title",
                        "assignee_id",
                        "state",
                        "estimated_hours",
                        "actual_hours",
                        "hourly_rate",
                        "created_at",
                        "started_at",
                        "completed_at",
                        "due_at",
                        "sla_state",
                        "sla_start_at",
                    ],
                    [
                        (
                            ids[x],
                            ids[x],
                            f"B-{ids[x]}",
                            camp[x],
                            ttypes[jl[x] % 6],
                            f"Task {ids[x]}",
                            people[(camp[x] + jl[x]) % 20],
                            "done",
                            4 + jl[x] % 5,
                            5,
                            6000,
                            cr[x],
                            st[x],
                            dn[x],
                            du[x],
                            "met" if met[x] else "missed",
                            cr[x],
                        )
                        for x in range(k)
                    ],
                )
                rows = []
                for action, frm, to, col in (
                    ("create", "todo", "todo", cr),
                    ("start", "todo", "in_progress", st),
                    ("complete", "in_progress", "done", dn),
                ):
                    for x in range(k):
                        ev_id += 1
                        rows.append((ev_id, ids[x], action, frm, to, col[x]))
                _insert(TaskEvent, ["id", "task_id", "action", "from_state", "to_state", "at"], rows)
                t_id += k
        _progress("campaigns (+ tasks, events)", start + n, campaigns)
    return {"campaigns": campaigns, "tasks": t_id, "task_events": ev_id, "request_events": rev_id}


def _timed(fn) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t0, 3)


def _measure(quarter: str) -> dict[str, Any]:
    import tempfile as _tempfile

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from campaigns.quarters import Quarter
    from governance import roles
    from kpis import data as kpi_data
    from kpis import figures as kpis
    from kpis import reviews, store
    from kpis.data import trend_quarters
    from kpis.models import ReviewReport

    f = kpi_data.KpiFilters(Quarter.parse(quarter))
    qs = kpi_data.querysets(f)
    kpi_data.fetch(qs["labels_unit"][0])  # warm-up: connection, database caches
    for _name, (q, _cols) in qs.items():  # warm the page cache the same way for both fetches
        kpi_data.fetch(q)
    _, django_fetch = _timed(lambda: [len(list(q)) for q, _ in kpi_data.querysets(f).values()])
    # Eight quarters of rows, trend included (the verification path): like the recompute below,
    # the median of REPEATS interleaved fetch / compute pairs.
    full_fetches, full_computes = [], []
    for _ in range(REPEATS):
        rows, seconds = _timed(lambda: {name: len(kpi_data.fetch(q)) for name, (q, _) in kpi_data.querysets(f).items()})
        full_fetches.append(seconds)
        full_computes.append(_timed(lambda: kpis.compute(f))[1])
    fetch, full_compute = statistics.median(full_fetches), statistics.median(full_computes)

    # Fill the store oldest first (as the quarters close): each quarter then reads the seven
    # before it from the store and fetches its own rows only.
    def warm() -> None:
        q = trend_quarters(trend_quarters(f.quarter)[0])[0]
        while q != f.quarter:
            store.stored(kpi_data.KpiFilters(q))
            q = q.next()

    _, warm_seconds = _timed(warm)
    own = kpi_data.querysets(f, trend=False)
    for q, _cols in own.values():
        kpi_data.fetch(q)
    # The ratio of two 4-6 s timings on a shared machine: a single pair moved by +-10 % from run to
    # run. Five pairs (REPEATS), interleaved (each fetch right before its recompute), and their medians.
    # CPU time too: the recompute converts rows on a second thread while the next query runs
    # (kpi_data.load), so its wall time is less than the work done.
    fetches, recomputes, fetch_cpu, recompute_cpu = [], [], [], []
    for _ in range(REPEATS):
        cpu = time.process_time()
        own_rows, seconds = _timed(
            lambda: {name: len(kpi_data.fetch(q)) for name, (q, _) in kpi_data.querysets(f, trend=False).items()}
        )
        fetches.append(seconds)
        fetch_cpu.append(time.process_time() - cpu)
        cpu = time.process_time()
        row, seconds = _timed(lambda: store.recompute(f, reason="bench"))
        recomputes.append(seconds)
        recompute_cpu.append(time.process_time() - cpu)
    own_fetch, recompute = statistics.median(fetches), statistics.median(recomputes)
    cpu_ratio = statistics.median(recompute_cpu) / statistics.median(fetch_cpu)
    report = row.report

    User = get_user_model()
    ops, _ = User.objects.get_or_create(username="bench-mops")
    ops.groups.add(Group.objects.get_or_create(name=roles.MOPS)[0])
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(ops)
    q = f"quarter={quarter}"

    def get(url: str) -> int:
        r = client.get(url)
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert r.status_code == 200, (url, r.status_code, body[:300])
        return len(body)

    get(f"/kpis/?{q}")  # templates, calendar row
    get(f"/api/kpis/?{q}")  # the API's first request imports its views and serializers (~0.2 s)
    _, dashboard = _timed(lambda: get(f"/kpis/?{q}"))
    _, api = _timed(lambda: get(f"/api/kpis/?{q}"))
    _, drill = _timed(lambda: get(f"/kpis/drill/sla_by_task_type/?{q}&key=tt0"))
    csv_bytes, csv_seconds = _timed(lambda: get(f"/kpis/export.csv?{q}&table=data_tasks"))
    xlsx_bytes, xlsx_seconds = _timed(lambda: get(f"/kpis/export.xlsx?{q}"))
    settings.MEDIA_ROOT = _tempfile.mkdtemp(prefix="mops-kpi-bench-media-")
    review = ReviewReport.objects.create(quarter=quarter, unit="", requested_by=ops)
    built, pdf_seconds = _timed(lambda: reviews.review_build(review.pk))
    return {
        "quarter": quarter,
        "rows_fetched": rows,
        "fetch_seconds": round(fetch, 3),
        "django_fetch_seconds": django_fetch,
        "full_compute_seconds": full_compute,
        "fetch_runs": full_fetches,
        "full_compute_runs": full_computes,
        "full_compute_ratio": round(full_compute / fetch, 3) if fetch else None,
        "store_warm_seconds": warm_seconds,
        "own_rows_fetched": own_rows,
        "own_fetch_seconds": own_fetch,
        "recompute_seconds": recompute,
        "own_fetch_runs": fetches,
        "recompute_runs": recomputes,
        "recompute_ratio": round(recompute / own_fetch, 3) if own_fetch else None,
        "recompute_cpu_ratio": round(cpu_ratio, 3),
        "dashboard_seconds": dashboard,
        "api_seconds": api,
        "drill_seconds": drill,
        "csv_seconds": csv_seconds,
        "csv_bytes": csv_bytes,
        "xlsx_seconds": xlsx_seconds,
        "xlsx_bytes": xlsx_bytes,
        "pdf_seconds": pdf_seconds,
        "pdf_status": built.status if built else None,
        "launched_in_quarter": report["lead_time"]["n"],
        "sla_tasks": report["sla"]["tasks"],
    }


def _cache_path(campaigns: int) -> str:
    return os.environ.get("BENCH_KPI_CACHE") or f"/work/benchdata/kpis-{campaigns // 1000}k.sqlite3"


def run_bench(campaigns: int = 100_000, tasks: int = 1_000_000, *, quarter: str = "2026Q3") -> dict[str, Any]:
    """Time fetch vs recompute, the stored dashboard, drill-down, exports and PDF; print and return."""
    import shutil

    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    from django.core.management import call_command
    from django.db import connection

    tmpdir = tempfile.mkdtemp(prefix="mops-kpi-bench-")
    sqlite = connection.vendor == "sqlite"
    counts: dict[str, Any] = {}
    old_name = None
    if sqlite:
        # Generating 100k campaigns takes many minutes: build once, then measure on a copy.
        cache = _cache_path(campaigns)
        if not os.path.exists(cache):
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            building = cache + ".building"
            connection.close()
            connection.settings_dict["NAME"] = building
            call_command("migrate", verbosity=0)
            t0 = time.perf_counter()
            counts = generate(campaigns=campaigns, tasks=tasks, quarter=quarter)
            counts["generate_seconds"] = round(time.perf_counter() - t0, 1)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            connection.close()
            os.replace(building, cache)
        work = os.path.join(tmpdir, "bench.sqlite3")
        shutil.copyfile(cache, work)
        connection.close()
        connection.settings_dict["NAME"] = work
        call_command("migrate", verbosity=0)  # a cache built before a new migration
        print(f"KPI bench database: copy of {cache} (db.sqlite3 untouched)")
    else:
        connection.settings_dict.setdefault("TEST", {})
        connection.settings_dict["TEST"]["NAME"] = "mops_kpi_bench"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        print(f"KPI bench database: {connection.settings_dict['NAME']} (db.sqlite3 untouched)")
    try:
        if not sqlite:
            t0 = time.perf_counter()
            counts = generate(campaigns=campaigns, tasks=tasks, quarter=quarter)
            counts["generate_seconds"] = round(time.perf_counter() - t0, 1)
        result = {**counts, **_measure(quarter)}
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        else:
            connection.close()
            shutil.rmtree(tmpdir, ignore_errors=True)
    print(
        f"  8-quarter rows: fetch {result['fetch_seconds']} s (Django converters {result['django_fetch_seconds']} s)"
        f" · full compute {result['full_compute_seconds']} s · ratio {result['full_compute_ratio']}\n"
        f"  store filled oldest first in {result['store_warm_seconds']} s; the quarter's own rows:"
        f" fetch {result['own_fetch_seconds']} s · recompute {result['recompute_seconds']} s"
        f" · ratio {result['recompute_ratio']} (target <= 1.2; CPU time of both threads:"
        f" {result['recompute_cpu_ratio']})\n"
        f"  stored dashboard {result['dashboard_seconds']} s · API {result['api_seconds']} s (target < 1)"
        f" · drill-down {result['drill_seconds']} s · CSV {result['csv_seconds']} s"
        f" · XLSX {result['xlsx_seconds']} s · PDF {result['pdf_seconds']} s (target <= 5)"
    )
    return result


if __name__ == "__main__":  # python -m bench.kpis [campaigns tasks]
    args = [int(a.replace("_", "")) for a in sys.argv[1:3]]
    print(run_bench(*args))
