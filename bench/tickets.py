"""Benchmark: tasks generated per second for approved campaigns (``make bench``).

Everything runs in one transaction that is rolled back: the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone


class _Rollback(Exception):
    pass


def run_bench(*, campaigns: int = 1000, tasks_per_campaign: int = 15) -> dict:
    """Generate ``tasks_per_campaign`` tasks for each of ``campaigns`` approved campaigns; time it."""
    from campaigns.models import CampaignRequest, CampaignType
    from campaigns.models import State as CampaignState
    from governance.models import BusinessUnit
    from tasks.generation import tasks_generate
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
            before = Task.objects.count()
            started = time.perf_counter()
            for req in reqs:
                tasks_generate(request_id=req.pk, by=None, notify=False)
            elapsed = time.perf_counter() - started
            made = Task.objects.count() - before
            result = {
                "database": connection.vendor,
                "campaigns": campaigns,
                "tasks": made,
                "seconds": round(elapsed, 2),
                "tasks_per_second": round(made / elapsed, 1) if elapsed else None,
                "campaigns_per_second": round(campaigns / elapsed, 1) if elapsed else None,
            }
            raise _Rollback
    except _Rollback:
        pass
    return result


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    print(run_bench())
