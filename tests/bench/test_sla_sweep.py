"""The SLA sweep bench runs and reports (no timing assertions: machines differ)."""

from __future__ import annotations

import pytest

from bench.sla_sweep import run_bench
from tasks.models import Task


@pytest.mark.django_db
def test_run_bench_small():
    result = run_bench(n=400, cleanup=True)
    assert result["n"] == 400 and result["steady_sweep_seconds"] >= 0
    assert result["cold_changed"] > 0 and result["breached"] > 0
    assert not Task.objects.exists()
