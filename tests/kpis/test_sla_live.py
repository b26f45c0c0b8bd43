"""SLA attainment uses the live state: what the stored sweep state says does not matter.

Fixture (Q3 2026, report at 1 Oct 00:00): four open tasks of one campaign, all due Fri 7 Aug 18:00.
  R  running since 3 Aug, stored "on_track" (the sweep never ran)          -> breached
  W  waiting for a predecessor (no clock: sla_start_at NULL), stored "breached" -> not counted
  P  paused since Thu 6 Aug 09:00, stored "on_track": the open pause may move the deadline by at
     most 10 business days (to Fri 21 Aug 18:00), then the clock runs      -> breached
  Q  due Wed 30 Sep 18:00, paused since Tue 29 Sep 09:00: its deadline moves by the pause so far
     (18 working hours), so it is not past due at the quarter's end             -> not counted
  D  done 5 Aug, stored "met"                                              -> met
SLA met = 1 / 3.
"""

from __future__ import annotations

import pytest

from campaigns.quarters import Quarter
from kpis import figures as kpis
from kpis.data import KpiFilters
from tasks.models import TaskPause, TaskType, WorkRole

from .conftest import NOW, _campaign, _task, jst

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(org, tokyo, webinar):
    alice, sam = org["alice"], org["sam"]
    tt = TaskType.objects.create(slug="lp", name="LP", role=WorkRole.objects.create(slug="web", name="Web"))
    c = _campaign("C", alice, tokyo, webinar, "centralised", state="in_production", submitted=jst(8, 3, 9))
    common = dict(est=4, rate=0, created=jst(8, 3, 9), due=jst(8, 7, 18))
    r = _task(c, tt, sam, state="in_progress", started=jst(8, 3, 9), sla_state="on_track", **common)
    w = _task(c, tt, sam, state="todo", sla_state="breached", **common)
    w.sla_start_at = None
    w.save()
    p = _task(c, tt, sam, state="waiting", started=jst(8, 3, 9), sla_state="on_track", **common)
    TaskPause.objects.create(task=p, started_at=jst(8, 6, 9), reason="素材待ち")
    q = _task(
        c, tt, sam, state="waiting", started=jst(8, 3, 9), sla_state="on_track", **{**common, "due": jst(9, 30, 18)}
    )
    TaskPause.objects.create(task=q, started_at=jst(9, 29, 9), reason="回答待ち")
    d = _task(c, tt, sam, state="done", started=jst(8, 3, 9), completed=jst(8, 5, 9), sla_state="met", **common)
    return {"R": r, "W": w, "P": p, "Q": q, "D": d}


def test_sla_attainment_counts_live_breaches_and_capped_pauses(live):
    sla = kpis.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW, include_ids=True)["sla"]
    assert (sla["tasks"], sla["met"], sla["missed"], sla["breached"]) == (3, 1, 0, 2)
    assert sla["share_met"] == round(1 / 3, 4)
    assert sla["ids"] == sorted([live["R"].pk, live["P"].pk, live["D"].pk])
