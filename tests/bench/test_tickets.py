"""The ticket-generation bench runs, reports, and leaves the database as it was."""

from __future__ import annotations

import pytest

from bench.tickets import run_bench
from campaigns.models import CampaignRequest
from tasks.models import Task


@pytest.mark.django_db
def test_run_bench_small_rolls_back():
    result = run_bench(campaigns=3, tasks_per_campaign=4)
    assert result["campaigns"] == 3
    # half the campaigns one by one (the approval path), half in one bulk batch
    assert result["one_by_one"]["tasks"] + result["bulk"]["tasks"] == 12
    assert result["tasks_per_second"] > 0
    assert not Task.objects.exists() and not CampaignRequest.objects.exists()
