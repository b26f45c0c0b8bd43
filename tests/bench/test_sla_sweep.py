"""The SLA sweep bench runs and reports (no timing assertions: machines differ)."""

from __future__ import annotations

import pytest

from bench.sla_sweep import run_bench
from tasks.models import SlaNotification, TaskEvent
from tasks.sla_sweep import SLA_EVENT_ACTION


@pytest.mark.django_db
def test_run_bench_small():
    result = run_bench(n=400)
    assert result["n"] == 400 and result["steady_sweep_seconds"] >= 0
    assert result["cold_changed"] > 0 and result["breached"] > 0
    # The set-based sweep still audits every change and queues every notice.
    events = TaskEvent.objects.filter(action=SLA_EVENT_ACTION).count()
    assert events == result["cold_changed"] + result["steady_changed"]
    assert SlaNotification.objects.count() == result["cold_notifications"] + result["steady_notifications"] > 0
