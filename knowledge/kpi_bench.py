"""Benchmark of the quarterly KPI review (``make bench``): times, never asserts.

``run_bench(campaigns=100_000, tasks=1_000_000)`` builds a throw-away database (a temporary
SQLite file, or ``mops_kpi_bench`` on PostgreSQL when DATABASE_URL points there) with Django's
test-database machinery, so db.sqlite3 is never touched. It bulk-inserts campaigns spread over
eight quarters, their audit events, results, tasks and task events (printing progress), then
reports for the last quarter:

- ``fetch_seconds``: running every query the KPIs read (``kpi_data.querysets``) into lists;
- ``compute_seconds``: the full ``kpis.compute`` (the same fetch + DataFrames + every KPI);
- ``ratio`` = compute / fetch (target <= 1.5) and ``pdf_seconds`` (target < 10 s).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

import numpy as np

BATCH = 5000


def _progress(label: str, done: int, total: int) -> None:
    sys.stdout.write(f"\r  {label}: {done:,}/{total:,} ({done * 100 // max(total, 1)}%)")
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def generate(*, campaigns: int, tasks: int, quarter: str = "2026Q3", seed: int = 7) -> dict[str, Any]:
    """Bulk-insert the benchmark data into the current default database."""
    from django.contrib.auth import get_user_model

    from campaigns.models import CampaignRequest, CampaignResult, CampaignType, Channel, RequestEvent
    from campaigns.quarters import Quarter
    from governance.models import BusinessUnit
    from tasks.models import Person, Task, TaskEvent, TaskType, WorkRole

    from .kpi_data import bounds, trend_quarters

    rng = np.random.default_rng(seed)
    User = get_user_model()
    units = [BusinessUnit.objects.create(slug=f"u{i}", name=f"事業部{i}") for i in range(4)]
    types = [CampaignType.objects.create(slug=f"t{i}", name=f"種別{i}") for i in range(5)]
    channels = [Channel.objects.create(slug=f"c{i}", name=f"チャネル{i}") for i in range(4)]
    role = WorkRole.objects.create(slug="bench", name="Bench", hourly_rate=Decimal(6000))
    ttypes = [TaskType.objects.create(slug=f"tt{i}", name=f"タスク{i}", role=role) for i in range(6)]
    requester = User.objects.create(username="bench-requester")
    approver = User.objects.create(username="bench-approver")
    people = [User.objects.create(username=f"bench-p{i}") for i in range(20)]
    Person.objects.bulk_create([Person(user=u, weekly_hours=Decimal(40)) for u in people])

    q = Quarter.parse(quarter)
    first, _ = bounds(trend_quarters(q)[0])
    _, last = bounds(q)
    span = last.timestamp() - first.timestamp()
    tz = dt.timezone.utc
    per_campaign = max(tasks // max(campaigns, 1), 1)
    models = ["centralised", "hybrid", "decentralised"]

    def ts(x: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(float(x), tz)

    t_id = ev_id = rev_id = 0
    made_tasks = 0
    for start in range(0, campaigns, BATCH // 5):
        n = min(BATCH // 5, campaigns - start)
        launched = first.timestamp() + rng.random(n) * span
        lead = (5 + rng.random(n) * 35) * 86400
        submitted = launched - lead
        reqs, rev, results, links = [], [], [], []
        for i in range(n):
            cid = start + i + 1
            reqs.append(CampaignRequest(
                id=cid, name=f"Campaign {cid}", objective="bench", campaign_type=types[cid % 5], business_unit=units[cid % 4],
                requester=requester, launch_date=ts(launched[i]).date(), end_date=ts(launched[i]).date(),
                budget=Decimal(1_000_000), state="launched", governance_model=models[(cid // 7) % 3],
                submitted_at=ts(submitted[i]), launched_at=ts(launched[i]), target_leads=100, expected_roi=Decimal(120)))
            s = submitted[i]
            steps = [("submit", "draft", "submitted", s), ("approve", "submitted", "approved", s + lead[i] * 0.15),
                     ("start_production", "approved", "in_production", s + lead[i] * 0.2),
                     ("mark_ready", "in_production", "ready_for_launch", s + lead[i] * 0.9),
                     ("launch", "ready_for_launch", "launched", launched[i])]
            for action, frm, to, at in steps:
                rev_id += 1
                rev.append(RequestEvent(id=rev_id, request_id=cid, action=action, from_state=frm, to_state=to,
                                        actor=approver if action == "approve" else requester, at=ts(at)))
            if cid % 10:
                results.append(CampaignResult(request_id=cid, actual_spend=Decimal(int(rng.integers(100_000, 2_000_000))),
                                              leads=int(rng.integers(50, 500)), mqls=40, sqls=10, opportunities=5, won_deals=2,
                                              won_revenue=Decimal(int(rng.integers(0, 8_000_000))),
                                              retained_revenue_12m=Decimal(1_000_000) if cid % 3 else None))
            links.append(CampaignRequest.channels.through(campaignrequest_id=cid, channel_id=channels[cid % 4].pk))
        CampaignRequest.objects.bulk_create(reqs, batch_size=BATCH)
        RequestEvent.objects.bulk_create(rev, batch_size=BATCH)
        CampaignResult.objects.bulk_create(results, batch_size=BATCH)
        CampaignRequest.channels.through.objects.bulk_create(links, batch_size=BATCH)
        task_rows, task_events = [], []
        for i in range(n):
            cid = start + i + 1
            prod_start = submitted[i] + lead[i] * 0.2
            prod_end = submitted[i] + lead[i] * 0.9
            k = min(per_campaign, tasks - made_tasks)
            for j in range(k):
                t_id += 1
                created = prod_start
                started = created + rng.random() * (prod_end - created) * 0.3
                done = started + rng.random() * (prod_end - started)
                due = created + (prod_end - created) * (0.6 + rng.random() * 0.5)
                task_rows.append(Task(
                    id=t_id, number=t_id, key=f"B-{t_id}", campaign_id=cid, task_type=ttypes[j % 6], title=f"Task {t_id}",
                    assignee=people[(cid + j) % 20], state="done", estimated_hours=Decimal(4 + j % 5), actual_hours=Decimal(5),
                    hourly_rate=Decimal(6000), created_at=ts(created), started_at=ts(started), completed_at=ts(done),
                    due_at=ts(due), sla_state="met" if done <= due else "missed", sla_start_at=ts(created)))
                for action, frm, to, at in (("create", "todo", "todo", created), ("start", "todo", "in_progress", started),
                                            ("complete", "in_progress", "done", done)):
                    ev_id += 1
                    task_events.append(TaskEvent(id=ev_id, task_id=t_id, action=action, from_state=frm, to_state=to, at=ts(at)))
            made_tasks += k
        Task.objects.bulk_create(task_rows, batch_size=BATCH)
        TaskEvent.objects.bulk_create(task_events, batch_size=BATCH)
        _progress("campaigns", start + n, campaigns)
    return {"campaigns": campaigns, "tasks": made_tasks, "task_events": ev_id, "request_events": rev_id}


def _measure(quarter: str) -> dict[str, Any]:
    from campaigns.quarters import Quarter

    from . import kpi_data, kpis
    from .review_pdf import render_pdf

    f = kpi_data.KpiFilters(Quarter.parse(quarter))
    now = dt.datetime.combine(f.quarter.next().start, dt.time(9), tzinfo=dt.timezone.utc)
    kpis.compute(f, now=now)  # warm-up: calendar row, imports, database caches
    t0 = time.perf_counter()
    rows = {name: len(list(qs)) for name, (qs, _) in kpi_data.querysets(f).items()}
    fetch = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = kpis.compute(f, now=now)
    compute = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = render_pdf(report)
    pdf_seconds = time.perf_counter() - t0
    return {"quarter": quarter, "rows_fetched": rows, "fetch_seconds": round(fetch, 3), "compute_seconds": round(compute, 3),
            "ratio": round(compute / fetch, 3) if fetch else None, "pdf_seconds": round(pdf_seconds, 3), "pdf_bytes": len(pdf),
            "launched_in_quarter": report["lead_time"]["n"], "sla_tasks": report["sla"]["tasks"]}


def run_bench(campaigns: int = 100_000, tasks: int = 1_000_000, *, quarter: str = "2026Q3") -> dict[str, Any]:
    """Generate the data in a throw-away database, time fetch vs compute and the PDF; print and return."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
    from django.db import connection

    tmpdir = tempfile.mkdtemp(prefix="mops-kpi-bench-")
    sqlite = connection.vendor == "sqlite"
    connection.settings_dict.setdefault("TEST", {})
    connection.settings_dict["TEST"]["NAME"] = os.path.join(tmpdir, "bench.sqlite3") if sqlite else "mops_kpi_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"KPI bench database: {connection.settings_dict['NAME']} (db.sqlite3 untouched)")
    try:
        t0 = time.perf_counter()
        counts = generate(campaigns=campaigns, tasks=tasks, quarter=quarter)
        gen = time.perf_counter() - t0
        if sqlite:
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        result = {**counts, "generate_seconds": round(gen, 1), **_measure(quarter)}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"  fetch {result['fetch_seconds']} s · compute {result['compute_seconds']} s · ratio {result['ratio']} (target <= 1.5)"
          f" · PDF {result['pdf_seconds']} s (target < 10)")
    return result


if __name__ == "__main__":  # python -m knowledge.kpi_bench [campaigns tasks]
    args = [int(a.replace("_", "")) for a in sys.argv[1:3]]
    print(run_bench(*args))
