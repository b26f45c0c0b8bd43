"""A small, hand-checkable quarter (2026Q3, Asia/Tokyo, default calendar Mon-Fri 09-18, JP holidays).

Rows are written directly (not through the services) so every timestamp is exact. The
arithmetic behind each expected figure is in the comments of test_figures.py.

Campaigns
  A  tokyo/webinar/email, centralised, sent back twice, launched Mon 13 Jul 14:00 (results + retro)
  B  osaka/tradeshow/events+email, hybrid, launched Tue 14 Jul 09:00 (results, no retained revenue)
  C  tokyo/webinar, centralised, submitted 1 Sep, launched 5 Oct 2026 (next quarter)
  D  tokyo/webinar, centralised, submitted 3 Aug, still in production (its task T4 is breached)
  E  tokyo/webinar, decentralised, launched 15 Jun 2026 (previous quarter), no events
Tasks
  T1 A lp    sam  est 10 act 12 @7000 met
  T2 A email mona est 6  act 6  @8000 completed, reopened, completed again late -> missed
  T3 B lp    sam  est 20 act 20 @7000 paused (waiting for assets) -> missed
  T4 D email mona est 8        @8000 open, breached
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import (
    CampaignRequest,
    CampaignResult,
    CampaignType,
    Channel,
    RequestEvent,
    Survey,
    SurveyResponse,
)
from knowledge.models import RoadmapEntry, Tool
from kpis.models import ToolCostSnapshot
from tasks.models import Person, Task, TaskEvent, TaskPause, TaskType, WorkRole

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 10, 1, 0, 0, tzinfo=JST)


def jst(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JST)


def _campaign(name, requester, unit, ctype, model, *, state, submitted=None, launched=None, channels=(), **extra):
    fields = dict(
        name=name,
        objective="目的",
        campaign_type=ctype,
        business_unit=unit,
        requester=requester,
        launch_date=dt.date(2026, 7, 13),
        end_date=dt.date(2026, 12, 31),
        budget=Decimal(1_000_000),
        state=state,
        governance_model=model,
        submitted_at=submitted,
        launched_at=launched,
    )
    fields.update(extra)
    req = CampaignRequest.objects.create(**fields)
    req.channels.set(channels)
    return req


def _events(req, actor_by_action, steps):
    for action, frm, to, at in steps:
        RequestEvent.objects.create(
            request=req, action=action, from_state=frm, to_state=to, actor=actor_by_action.get(action), at=at
        )


_counter = iter(range(1, 10_000))


def _task(
    campaign,
    ttype,
    assignee,
    *,
    state,
    est,
    act=None,
    rate,
    created,
    started=None,
    completed=None,
    due,
    sla_state,
    title=None,
):
    n = next(_counter) + 1000 * (Task.objects.count() + 1)
    return Task.objects.create(
        number=n,
        key=f"KPI-{n}",
        campaign=campaign,
        task_type=ttype,
        title=title or ttype.name,
        assignee=assignee,
        state=state,
        estimated_hours=Decimal(est),
        actual_hours=None if act is None else Decimal(act),
        hourly_rate=Decimal(rate),
        created_at=created,
        started_at=started,
        completed_at=completed,
        due_at=due,
        sla_state=sla_state,
        sla_start_at=created,
    )


def _task_events(task, actor, steps):
    for action, frm, to, at, *comment in steps:
        TaskEvent.objects.create(
            task=task,
            action=action,
            from_state=frm,
            to_state=to,
            actor=actor,
            at=at,
            comment=comment[0] if comment else "",
        )


@pytest.fixture
def quarter_data(org, tokyo, osaka, webinar, email_channel):
    alice, bob, charlie, mona, sam = (org[k] for k in ("alice", "bob", "charlie", "mona", "sam"))
    tradeshow = CampaignType.objects.create(slug="tradeshow", name="展示会")
    events_ch = Channel.objects.create(slug="events", name="イベント")
    web = WorkRole.objects.create(slug="web", name="Web", hourly_rate=Decimal(7000))
    ops = WorkRole.objects.create(slug="ops", name="Ops", hourly_rate=Decimal(8000))
    lp = TaskType.objects.create(slug="lp", name="LP制作", role=web)
    email = TaskType.objects.create(slug="email", name="メール作成", role=ops)
    Person.objects.create(user=sam, weekly_hours=Decimal(40))
    Person.objects.create(user=mona, weekly_hours=Decimal(20))
    actors = {
        "approve": charlie,
        "request_changes": charlie,
        "submit": alice,
        "resubmit": alice,
        "start_production": mona,
        "mark_ready": None,
        "launch": alice,
    }

    a = _campaign(
        "A ウェビナー",
        alice,
        tokyo,
        webinar,
        "centralised",
        state="launched",
        submitted=jst(7, 6, 10),
        launched=jst(7, 13, 14),
        channels=[email_channel],
        target_leads=300,
        expected_roi=Decimal(150),
    )
    _events(
        a,
        actors,
        [
            ("submit", "draft", "submitted", jst(7, 6, 10)),
            ("request_changes", "submitted", "changes_requested", jst(7, 7, 10)),
            ("resubmit", "changes_requested", "submitted", jst(7, 7, 16)),
            ("request_changes", "submitted", "changes_requested", jst(7, 8, 10)),
            ("resubmit", "changes_requested", "submitted", jst(7, 8, 12)),
            ("approve", "submitted", "approved", jst(7, 9, 10)),
            ("start_production", "approved", "in_production", jst(7, 9, 11)),
            ("mark_ready", "in_production", "ready_for_launch", jst(7, 13, 10)),
            ("launch", "ready_for_launch", "launched", jst(7, 13, 14)),
        ],
    )
    b_actors = {**actors, "submit": bob, "launch": bob}
    b = _campaign(
        "B 展示会",
        bob,
        osaka,
        tradeshow,
        "hybrid",
        state="launched",
        submitted=jst(7, 1, 9),
        launched=jst(7, 14, 9),
        channels=[events_ch, email_channel],
    )
    _events(
        b,
        b_actors,
        [
            ("submit", "draft", "submitted", jst(7, 1, 9)),
            ("approve", "submitted", "approved", jst(7, 2, 9)),
            ("start_production", "approved", "in_production", jst(7, 2, 9)),
            ("mark_ready", "in_production", "ready_for_launch", jst(7, 10, 9)),
            ("launch", "ready_for_launch", "launched", jst(7, 14, 9)),
        ],
    )
    c = _campaign(
        "C 次四半期ローンチ",
        alice,
        tokyo,
        webinar,
        "centralised",
        state="launched",
        submitted=jst(9, 1, 10),
        launched=jst(10, 5, 10),
        target_leads=100,
    )
    _events(
        c,
        actors,
        [
            ("submit", "draft", "submitted", jst(9, 1, 10)),
            ("approve", "submitted", "approved", jst(9, 2, 10)),
            ("start_production", "approved", "in_production", jst(9, 2, 10)),
            ("mark_ready", "in_production", "ready_for_launch", jst(10, 1, 10)),
            ("launch", "ready_for_launch", "launched", jst(10, 5, 10)),
        ],
    )
    d = _campaign("D 制作中", alice, tokyo, webinar, "centralised", state="in_production", submitted=jst(8, 3, 10))
    _events(
        d,
        actors,
        [
            ("submit", "draft", "submitted", jst(8, 3, 10)),
            ("approve", "submitted", "approved", jst(8, 3, 15)),
            ("start_production", "approved", "in_production", jst(8, 3, 15)),
        ],
    )
    e = _campaign(
        "E 前四半期",
        alice,
        tokyo,
        webinar,
        "decentralised",
        state="launched",
        submitted=jst(6, 1, 10),
        launched=jst(6, 15, 10),
    )

    CampaignResult.objects.create(
        request=a,
        actual_spend=500_000,
        leads=200,
        mqls=50,
        sqls=20,
        opportunities=8,
        won_deals=4,
        won_revenue=3_000_000,
        retained_revenue_12m=2_000_000,
    )
    CampaignResult.objects.create(
        request=b,
        actual_spend=1_000_000,
        leads=100,
        mqls=40,
        sqls=10,
        opportunities=3,
        won_deals=1,
        won_revenue=900_000,
        retained_revenue_12m=None,
    )
    from knowledge.models import Retrospective

    Retrospective.objects.create(campaign=a, author=alice, what_worked="事例が刺さった")

    t1 = _task(
        a,
        lp,
        sam,
        state="done",
        est=10,
        act=12,
        rate=7000,
        created=jst(7, 9, 11),
        started=jst(7, 9, 13),
        completed=jst(7, 10, 15),
        due=jst(7, 10, 18),
        sla_state="met",
    )
    _task_events(
        t1,
        mona,
        [
            ("create", "todo", "todo", jst(7, 9, 11)),
            ("assign", "todo", "todo", jst(7, 9, 12)),
            ("start", "todo", "in_progress", jst(7, 9, 13)),
            ("submit_review", "in_progress", "in_review", jst(7, 10, 11)),
            ("complete", "in_review", "done", jst(7, 10, 15)),
        ],
    )
    t2 = _task(
        a,
        email,
        mona,
        state="done",
        est=6,
        act=6,
        rate=8000,
        created=jst(7, 9, 11),
        started=jst(7, 9, 11),
        completed=jst(7, 10, 17),
        due=jst(7, 10, 12),
        sla_state="missed",
    )
    _task_events(
        t2,
        mona,
        [
            ("create", "todo", "todo", jst(7, 9, 11)),
            ("start", "todo", "in_progress", jst(7, 9, 11)),
            ("submit_review", "in_progress", "in_review", jst(7, 9, 15)),
            ("complete", "in_review", "done", jst(7, 9, 17)),
            ("reopen", "done", "in_progress", jst(7, 10, 9), "誤字あり"),
            ("submit_review", "in_progress", "in_review", jst(7, 10, 13)),
            ("complete", "in_review", "done", jst(7, 10, 17)),
        ],
    )
    t3 = _task(
        b,
        lp,
        sam,
        state="done",
        est=20,
        act=20,
        rate=7000,
        created=jst(7, 2, 9),
        started=jst(7, 2, 9),
        completed=jst(7, 8, 18),
        due=jst(7, 7, 18),
        sla_state="missed",
    )
    _task_events(
        t3,
        mona,
        [
            ("create", "todo", "todo", jst(7, 2, 9)),
            ("start", "todo", "in_progress", jst(7, 2, 9)),
            ("pause", "in_progress", "waiting", jst(7, 3, 9), "素材待ち"),
            ("resume", "waiting", "in_progress", jst(7, 6, 9)),
            ("submit_review", "in_progress", "in_review", jst(7, 8, 9)),
            ("complete", "in_review", "done", jst(7, 8, 18)),
        ],
    )
    TaskPause.objects.create(task=t3, started_at=jst(7, 3, 9), ended_at=jst(7, 6, 9), reason="素材待ち")
    t4 = _task(
        d,
        email,
        mona,
        state="in_progress",
        est=8,
        rate=8000,
        created=jst(8, 3, 15),
        started=jst(8, 4, 9),
        due=jst(8, 5, 18),
        sla_state="breached",
    )
    _task_events(t4, mona, [("create", "todo", "todo", jst(8, 3, 15)), ("start", "todo", "in_progress", jst(8, 4, 9))])

    s3 = Survey.objects.create(quarter="2026Q3", anonymous=True)
    SurveyResponse.objects.create(
        survey=s3,
        respondent=alice,
        q_speed=5,
        q_quality=4,
        q_communication=3,
        q_process=4,
        q_overall=5,
        strengthen="テンプレートを増やしてほしい",
    )
    SurveyResponse.objects.create(
        survey=s3,
        respondent=bob,
        q_speed=3,
        q_quality=4,
        q_communication=5,
        q_process=2,
        q_overall=3,
        unclear="承認の流れ",
    )
    s2 = Survey.objects.create(quarter="2026Q2", anonymous=True)
    SurveyResponse.objects.create(
        survey=s2, respondent=alice, q_speed=3, q_quality=3, q_communication=3, q_process=3, q_overall=3
    )

    Tool.objects.create(name="Marketo", category="ma", annual_cost=1_200_000, status="in_use")
    Tool.objects.create(name="Salesforce", category="crm", annual_cost=2_400_000, status="in_use")
    old = Tool.objects.create(name="OldMA", category="ma", annual_cost=600_000, status="retired")
    ToolCostSnapshot.objects.create(quarter="2026Q2", category="ma", tools=2, annual_cost=1_800_000)
    ToolCostSnapshot.objects.create(quarter="2026Q2", category="crm", tools=1, annual_cost=2_400_000)
    RoadmapEntry.objects.create(
        title="OldMA廃止", action="retire", tool=old, target_date=dt.date(2026, 8, 31), expected_saving=600_000
    )
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "T1": t1, "T2": t2, "T3": t3, "T4": t4}
