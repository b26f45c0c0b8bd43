"""Benchmark: tasks generated per second for approved campaigns (``make bench``).

Two paths are timed on the same data: one ``tasks_generate`` call per campaign (what an approval
does) and ``tasks_generate_many`` over batches of campaigns (a bulk approval, the backlog). The
issue's target (>= 5,000 tasks/s) is for the bulk path. Wall-clock rates are noisy on a shared
machine, so the CPU-time rate of this process is printed too. Everything runs in one
transaction that is rolled back: the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone


class _Rollback(Exception):
    pass


TARGET_TASKS_PER_SECOND = 5000


def run_bench(*, campaigns: int = 1000, tasks_per_campaign: int = 15, batch: int = 250) -> dict:
    """Generate ``tasks_per_campaign`` tasks for each of ``campaigns`` approved campaigns; time it.

    Half the campaigns go through ``tasks_generate`` one by one, the other half through
    ``tasks_generate_many`` in batches of ``batch``.
    """
    from campaigns.models import CampaignRequest, CampaignType
    from campaigns.models import State as CampaignState
    from governance.models import BusinessUnit
    from tasks.generation import tasks_generate, tasks_generate_many
    from tasks.models import Task, TaskTemplate, TaskType, TemplateDependency, TemplateEntry, WorkRole

    result: dict = {}
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=f"bench-{time.time_ns()}")
            unit, _ = BusinessUnit.objects.get_or_create(slug="bench-unit", defaults={"name": "Bench"})
            ctype = CampaignType.objects.create(slug=f"bench-{time.time_ns()}", name="Bench")
            role = WorkRole.objects.create(slug=f"bench-{time.time_ns()}", name="Bench", hourly_rate=Decimal(5000))
            template = TaskTemplate.objects.create(campaign_type=ctype, name="bench")
            entries = []
            for i in range(tasks_per_campaign):
                tt = TaskType.objects.create(
                    slug=f"bench-{time.time_ns()}-{i}",
                    name=f"Bench {i}",
                    role=role,
                    default_estimated_hours=Decimal(4),
                    lead_time_days=1 + i % 5,
                )
                entries.append(TemplateEntry.objects.create(template=template, task_type=tt, order=i))
            # A realistic DAG: each entry after the first depends on one or two earlier ones.
            TemplateDependency.objects.bulk_create(
                [TemplateDependency(entry=entries[i], predecessor=entries[i - 1]) for i in range(1, tasks_per_campaign)]
                + [
                    TemplateDependency(entry=entries[i], predecessor=entries[i - 3])
                    for i in range(3, tasks_per_campaign, 3)
                ]
            )
            today = timezone.localdate()
            reqs = CampaignRequest.objects.bulk_create(
                [
                    CampaignRequest(
                        name=f"bench {i}",
                        objective="bench",
                        campaign_type=ctype,
                        business_unit=unit,
                        requester=user,
                        launch_date=today + dt.timedelta(days=60),
                        end_date=today + dt.timedelta(days=61),
                        budget=Decimal(100000),
                        state=CampaignState.APPROVED,
                    )
                    for i in range(campaigns)
                ]
            )
            half = len(reqs) // 2
            single_ids, bulk_ids = [r.pk for r in reqs[:half]], [r.pk for r in reqs[half:]]

            def timed(generate) -> dict:
                before = Task.objects.count()
                wall, cpu = time.perf_counter(), time.process_time()
                generate()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                made = Task.objects.count() - before
                return {
                    "tasks": made,
                    "seconds": round(wall, 2),
                    "cpu_seconds": round(cpu, 2),
                    "tasks_per_second": round(made / wall, 1) if wall else None,
                    "tasks_per_cpu_second": round(made / cpu, 1) if cpu else None,
                }

            def one_by_one() -> None:
                for pk in single_ids:
                    tasks_generate(request_id=pk, by=None, notify=False)

            def batched() -> None:
                for i in range(0, len(bulk_ids), batch):
                    tasks_generate_many(request_ids=bulk_ids[i : i + batch], by=None, notify=False)

            single, bulk = timed(one_by_one), timed(batched)
            result = {
                "database": connection.vendor,
                "campaigns": campaigns,
                "tasks_per_campaign": tasks_per_campaign,
                "batch": batch,
                "one_by_one": single,
                "bulk": bulk,
                # The figure make bench compares with the target: the bulk path.
                "tasks_per_second": bulk["tasks_per_second"],
                "target_tasks_per_second": TARGET_TASKS_PER_SECOND,
            }
            raise _Rollback
    except _Rollback:
        pass
    return result


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    result = run_bench(campaigns=int(sys.argv[1]) if sys.argv[1:] else 1000)
    for path in ("one_by_one", "bulk"):
        r = result[path]
        print(
            f"{path:<10} {r['tasks']:>6} tasks  {r['tasks_per_second']:>8} tasks/s wall"
            f"  {r['tasks_per_cpu_second']:>8} tasks/s CPU   target >= {TARGET_TASKS_PER_SECOND}"
        )
