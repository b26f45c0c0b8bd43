"""Role hourly rates and labour cost: MOps, Admins and Approvers only (role x page)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tasks.models import Task, TaskType, WorkRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign_with_task(org, make_request):
    req = make_request(org["alice"], name="単価テスト")
    role = WorkRole.objects.create(slug="web-x", name="Web", hourly_rate=Decimal(7777))
    ttype = TaskType.objects.create(slug="lp-x", name="LP", role=role)
    Task.objects.create(
        number=9001,
        campaign=req,
        task_type=ttype,
        key="RATE-1",
        title="LP",
        estimated_hours=Decimal(10),
        hourly_rate=Decimal(7777),
    )
    return req


@pytest.mark.parametrize(
    "role, sees",
    [("alice", False), ("sam", False), ("charlie", True), ("mona", True), ("root", True)],
)
def test_hourly_rates_and_labour_cost_only_for_roles_that_need_them(client, org, campaign_with_task, role, sees):
    client.force_login(org[role])
    for url in (f"/tasks/campaign/{campaign_with_task.pk}/", f"/requests/{campaign_with_task.pk}/"):
        r = client.get(url)
        if r.status_code != 200:
            continue  # not visible at all to this role
        page = r.content.decode()
        shown = "7,777" in page or "77,770" in page
        if url.startswith("/tasks/"):
            assert shown is sees, (role, url)
        else:  # the request page shows the task card only in some states; never the money to others
            assert not shown or sees, (role, url)
