"""A fresh demo fills every KPI section, with an SLA attainment below 100 %."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.quarters import Quarter
from kpis import figures
from kpis.data import KpiFilters

pytestmark = pytest.mark.django_db


def test_demo_fills_every_kpi_section():
    call_command("seed_demo", "--seed", "5")
    quarter = Quarter.of(timezone.localdate()).previous()  # a finished quarter
    r = figures.compute(KpiFilters(quarter))
    assert r["lead_time"]["n"] > 0 and r["lead_time"]["process_business_days"]["median"] is not None
    assert r["stall"]["requests"] and r["stall"]["tasks"] and r["stall"]["approvers"]
    assert r["workload"]["people"] and r["workload"]["cv"] is not None
    assert r["sla"]["tasks"] > 0 and r["sla"]["share_met"] < 1
    totals = r["return"]["totals"]
    assert totals["roi"] is not None and totals["good_roi_known"] is not None and totals["good_revenue_share"]
    assert r["return"]["by_channel"] and r["return"]["by_type"]
    assert r["satisfaction"]["responses"] > 0 and r["satisfaction"]["comments"]
    assert r["satisfaction"]["previous_overall"] is not None
    assert r["martech"]["annual_cost"] is not None and r["martech"]["previous_annual_cost"] is not None
    assert r["maturity"]["level"] is not None and r["governance"]["by_model"]
