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


def test_demo_has_decisions_taken_by_a_delegate_and_counts_them_for_the_delegate(client):
    """The CMO's backfilled business trip: APAC's head decides for the CMO; the timeline says so and
    the approval-wait table counts each such decision once, for the delegate."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from campaigns.models import RequestEvent
    from governance.models import Delegation, GovernanceChange

    call_command("seed_demo", "--seed", "5")
    delegation = Delegation.objects.get(delegator__username="cmo")
    assert delegation.delegate.username == "apac_head" and delegation.end < timezone.localdate()
    assert GovernanceChange.objects.filter(scope="delegation", after__backfilled=True).count() == 1
    delegated = list(RequestEvent.objects.filter(data__has_key="on_behalf_of").select_related("actor"))
    assert delegated and all(e.actor.username == "apac_head" and e.data["on_behalf_of"] == ["cmo"] for e in delegated)
    assert all(delegation.start <= timezone.localdate(e.at) <= delegation.end for e in delegated)

    first = delegated[0]
    # MOps reads the timeline (the delegate's access ended with the delegation)
    client.force_login(get_user_model().objects.get(username="mops"))
    page = client.get(reverse("campaigns:detail", args=[first.request_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "(on behalf of 高橋 誠)" in page.content.decode()

    quarter = Quarter.of(timezone.localdate(first.at))
    r = figures.compute(KpiFilters(quarter))
    row = next(a for a in r["stall"]["approvers"] if a["approver"] == "apac_head")
    decisions = [
        e
        for e in RequestEvent.objects.filter(
            actor__username="apac_head", action__in=["approve", "reject", "request_changes"], from_state="submitted"
        )
        if Quarter.of(timezone.localdate(e.at)) == quarter
    ]
    assert row["decisions"] == len(decisions)
