"""SLA attainment with due dates MOps moved: judged against the deadline in force (as Jira SM
does), counted as "deadline moved" and quoted in a late task's reasons.

Reuses the live fixture (Q3 2026): R (breached), P (breached after its capped pause) and D (met)
are counted. MOps moved R's and D's due dates (a ``due_set`` event each); Q (not counted) too.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from campaigns.quarters import Quarter
from kpis import figures as kpis
from kpis.data import KpiFilters
from tasks.models import TaskEvent

from .conftest import NOW, jst
from .test_sla_live import live  # noqa: F401

pytestmark = pytest.mark.django_db


def _moved(task, reason):
    TaskEvent.objects.create(
        task=task, action="due_set", from_state=task.state, to_state=task.state, at=jst(8, 4, 9), comment=reason
    )


def test_moved_deadlines_are_counted_and_quoted(live):  # noqa: F811
    _moved(live["R"], "クライアント確認待ち")
    _moved(live["D"], "前倒し")
    _moved(live["Q"], "対象外")
    sla = kpis.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW, include_ids=True)["sla"]
    assert (sla["tasks"], sla["met"], sla["breached"], sla["deadline_moved"]) == (3, 1, 2, 2)
    (r_row,) = [b for b in sla["breaches"] if b["task_id"] == live["R"].pk]
    with translation.override("ja"):
        expected = translation.gettext("deadline moved: %(reason)s") % {"reason": "クライアント確認待ち"}
    assert expected in r_row["reasons"]
    (p_row,) = [b for b in sla["breaches"] if b["task_id"] == live["P"].pk]
    assert not any("クライアント" in r for r in p_row["reasons"])


def test_no_moves_counts_zero(live):  # noqa: F811
    sla = kpis.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW)["sla"]
    assert sla["deadline_moved"] == 0
