"""Benchmark: one SLA sweep over 100,000 open tasks (``make bench``; target < 1 s).

**Writes to the current database** (100,000 tasks, committed, so the planner sees real
statistics): run it only against a throw-away database (a temporary SQLite file, a scratch
PostgreSQL database). The sweep's audit events are append-only, so nothing is deleted afterwards.

Two sweeps are timed:

- ``cold``: every task still ``on_track`` (worst case: all overdue / at-risk tasks change at
  once, and each change is notified: assignee rows plus MOps escalations for breaches);
- ``steady``: the sweep five minutes later, as the schedule runs it: only the deadlines that
  passed in those five minutes change.

``python -m bench.sla_sweep [n]`` prints the figures as JSON (needs DJANGO_SETTINGS_MODULE).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone


def run_bench(n: int = 100_000, *, seed: int = 7, batch: int = 5000) -> dict:
    from campaigns.models import CampaignRequest, CampaignType
    from campaigns.models import State as CampaignState
    from governance import roles
    from governance.models import BusinessUnit
    from tasks.models import SlaState, Task, TaskState, TaskType, WorkRole
    from tasks.sla_sweep import sweep

    rng = random.Random(seed)
    stamp = time.time_ns()
    now = timezone.now().replace(microsecond=0)
    User = get_user_model()
    # The standard calendar exists before the clock starts: creating it inside the timed
    # sweep would also time the deadline recompute its creation triggers. Its first opening is
    # asked once too, as a worker that has run any job before has: the first holiday lookup of a
    # process imports the country's module from the holidays package (0.1-0.2 s, once).
    from sla.calendar import next_opening
    from sla.models import default_calendar

    next_opening(default_calendar().to_work_calendar(), timezone.now())
    with transaction.atomic():
        users = [
            User.objects.create_user(username=f"slabench-{stamp}-{i}", email=f"slabench{i}@example.com")
            for i in range(20)
        ]
        mops, _ = Group.objects.get_or_create(name=roles.MOPS)
        users[0].groups.add(mops)
        unit, _ = BusinessUnit.objects.get_or_create(slug="bench-unit", defaults={"name": "Bench"})
        ctype = CampaignType.objects.create(slug=f"slabench-{stamp}", name="SLA bench")
        role = WorkRole.objects.create(slug=f"slabench-{stamp}", name="SLA bench", hourly_rate=Decimal(5000))
        ttype = TaskType.objects.create(slug=f"slabench-{stamp}", name="SLA bench", role=role)
        today = timezone.localdate()
        campaign = CampaignRequest.objects.create(
            name="SLA bench",
            objective="bench",
            campaign_type=ctype,
            business_unit=unit,
            requester=users[1],
            launch_date=today + dt.timedelta(days=60),
            end_date=today + dt.timedelta(days=61),
            budget=Decimal(100000),
            state=CampaignState.IN_PRODUCTION,
        )
    last = Task.objects.order_by("-number").values_list("number", flat=True).first() or 0
    states = [TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW, TaskState.WAITING]
    started = time.perf_counter()
    for lo in range(0, n, batch):
        rows = []
        for i in range(lo, min(n, lo + batch)):
            # deadlines spread from 2 days ago to 30 days ahead; at risk 75 % into a 3-day budget
            due = now + dt.timedelta(minutes=rng.randint(-2 * 24 * 60, 30 * 24 * 60))
            number = last + i + 1
            rows.append(
                Task(
                    number=number,
                    key=f"SB-{stamp % 100000}-{number}",
                    campaign=campaign,
                    task_type=ttype,
                    title="bench",
                    state=rng.choice(states),
                    assignee=rng.choice(users[1:] + [None]),
                    sla_start_at=due - dt.timedelta(days=3),
                    due_at=due,
                    at_risk_at=due - dt.timedelta(hours=18),
                )
            )
        Task.objects.bulk_create(rows, batch_size=batch)
    create_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # What autovacuum does to a live table (statistics, hint bits, the visibility map): the
        # sweep is timed on tasks that exist, not on rows inserted a second ago.
        with connection.cursor() as cur:  # (VACUUM cannot run in a transaction: the test suite's)
            cur.execute("ANALYZE tasks_task" if connection.in_atomic_block else "VACUUM ANALYZE tasks_task")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    mine = Task.objects.filter(campaign=campaign)
    t0 = time.perf_counter()
    cold = sweep(now)
    cold_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    steady = sweep(now + dt.timedelta(minutes=5))
    steady_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweep(now + dt.timedelta(minutes=5))  # nothing left to change: the cost of a sweep with no work
    idle_seconds = time.perf_counter() - t0
    result = {
        "vendor": connection.vendor,
        "n": n,
        "create_seconds": round(create_seconds, 3),
        "cold_sweep_seconds": round(cold_seconds, 3),
        "cold_changed": cold["at_risk"] + cold["breached"],
        "cold_notifications": cold["notifications"],
        "steady_sweep_seconds": round(steady_seconds, 4),
        "steady_changed": steady["at_risk"] + steady["breached"],
        "steady_notifications": steady["notifications"],
        "idle_sweep_seconds": round(idle_seconds, 4),
        "breached": mine.filter(sla_state=SlaState.BREACHED).count(),
    }
    return result


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    import django

    django.setup()
    print(json.dumps(run_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
