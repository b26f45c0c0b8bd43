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


def test_pause_cap_is_each_tasks_own_policy_limit(live, org, tokyo, webinar):
    """Two policies with different pause limits (3 and 60 business days), besides the default 10.

    S  policy "short" (3 days): due Fri 18 Sep 18:00, paused since Mon 7 Sep 09:00. At the quarter's
       end its due date has been past for 5 business days (24, 25, 28, 29, 30 Sep; 21-23 Sep are
       holidays) and the pause may move it by 3 at most                  -> breached
       (with the old constant 10 the pause still covered it: not counted)
    L  policy "long" (60 days): due Fri 7 Aug 18:00, paused since Thu 6 Aug 09:00. Its pause so
       far (about 36 business days) stays under 60 and covers the whole overrun   -> not counted
       (with the old constant 10 it was breached)
    With R, P and D of the fixture: 4 counted, 1 met, 3 breached.
    """
    from sla.models import SLAPolicy, default_calendar

    cal = default_calendar()
    role = WorkRole.objects.create(slug="ops", name="Ops")
    short = SLAPolicy.objects.create(slug="short", name="Short", calendar=cal, duration=3, pause_limit_days=3)
    long_ = SLAPolicy.objects.create(slug="long", name="Long", calendar=cal, duration=3, pause_limit_days=60)
    t_short = TaskType.objects.create(slug="short", name="Short", role=role, sla_policy=short)
    t_long = TaskType.objects.create(slug="long", name="Long", role=role, sla_policy=long_)
    c = live["R"].campaign
    sam = org["sam"]
    s = _task(
        c, t_short, sam, state="waiting", est=4, rate=0, created=jst(9, 14, 9), started=jst(9, 14, 9),
        due=jst(9, 18, 18), sla_state="on_track",
    )  # fmt: skip
    TaskPause.objects.create(task=s, started_at=jst(9, 7, 9), reason="承認待ち")
    long_task = _task(
        c, t_long, sam, state="waiting", est=4, rate=0, created=jst(8, 3, 9), started=jst(8, 3, 9),
        due=jst(8, 7, 18), sla_state="on_track",
    )  # fmt: skip
    TaskPause.objects.create(task=long_task, started_at=jst(8, 6, 9), reason="法務確認")

    sla = kpis.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW, include_ids=True)["sla"]
    assert (sla["tasks"], sla["met"], sla["missed"], sla["breached"]) == (4, 1, 0, 3)
    assert sla["ids"] == sorted([live["R"].pk, live["P"].pk, live["D"].pk, s.pk])
    by_type = {r["key"]: r for r in sla["by_task_type"]}
    assert by_type["short"]["breached"] == 1
    assert "long" not in by_type
