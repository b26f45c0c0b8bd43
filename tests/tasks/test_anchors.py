"""Anchored template entries: post-launch and post-end work, hand-checked and as properties.

The webinar template of tests/tasks/conftest.py (plan, lp, email, design, qa before the launch)
plus nurture (after the launch, offset 1, 3 days) after qa and report (after the end date,
offset 2, 2 days) after nurture. Calendar: Mon-Fri 09:00-18:00 Asia/Tokyo.
Launch Mon 2026-06-29, end Tue 06-30:
  nurture starts Tue 06-30 09:00 (first working day on/after the launch + 1) -> due Fri 07-03 18:00
  report  anchored Thu 07-02 09:00 (end + 2 working days) but waits for nurture (Fri 07-03 18:00)
          -> received Mon 07-06 -> due Wed 07-08 18:00
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import services as campaign_services
from campaigns.models import State as CampaignState
from sla.calendar import is_working_day
from sla.models import default_calendar
from sla.workcal import closing_instant, opening_instant
from tasks import services
from tasks.anchors import Anchor, anchored_start, before_launch_due
from tasks.feasibility import feasibility
from tasks.generation import tasks_generate
from tasks.models import Task, TaskState, TaskTemplate, TaskType, TemplateDependency, TemplateEntry
from tasks.sla_start import planned_start

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)
LAUNCH = dt.date(2026, 6, 29)
END = dt.date(2026, 6, 30)


def t(day, hour, month=6):
    return dt.datetime(2026, month, day, hour, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anchored(template, work_roles):
    """The conftest template plus nurture (after launch +1) and report (after end +2)."""
    nurture_type = TaskType.objects.create(
        slug="nurture", name="開催後ナーチャリング", role=work_roles["ops"], default_estimated_hours=6, lead_time_days=3
    )
    report_type = TaskType.objects.create(
        slug="report", name="効果測定レポート", role=work_roles["ops"], default_estimated_hours=4, lead_time_days=2
    )
    entries = template.entries_by_slug
    entries["nurture"] = TemplateEntry.objects.create(
        template=template, task_type=nurture_type, order=10, anchor=Anchor.AFTER_LAUNCH, offset_days=1
    )
    entries["report"] = TemplateEntry.objects.create(
        template=template, task_type=report_type, order=11, anchor=Anchor.AFTER_END, offset_days=2
    )
    TemplateDependency.objects.create(predecessor=entries["qa"], entry=entries["nurture"])
    TemplateDependency.objects.create(predecessor=entries["nurture"], entry=entries["report"])
    return template


def test_generated_post_event_work_is_due_after_the_event(anchored, approved, mona):
    req = approved(launch_date=LAUNCH, end_date=END)
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    # Their clocks wait for their predecessors (issue 15); the plan counts from the anchor day.
    assert (planned_start(tasks["nurture"]), tasks["nurture"].due_at) == (t(30, 9), t(3, 18, 7))
    assert (planned_start(tasks["report"]), tasks["report"].due_at) == (t(3, 18, 7), t(8, 18, 7))
    assert tasks["nurture"].sla_start_at is None and tasks["report"].sla_start_at is None
    # Before-launch work is unchanged: it starts at approval and is due before the launch.
    assert tasks["plan"].sla_start_at == NOW
    assert all(tasks[k].due_at < t(29, 0) for k in ("plan", "lp", "email", "design", "qa"))


def test_feasibility_plans_post_event_work_after_the_event(anchored, webinar):
    plan = feasibility(campaign_type=webinar, launch_date=LAUNCH, end_date=END, now=NOW)
    rows = {r["task_type"]: r for r in plan["tasks"]}
    assert (rows["nurture"]["latest_start"], rows["nurture"]["due"]) == (t(30, 9), t(3, 18, 7))
    assert rows["report"]["due"] == t(8, 18, 7)
    assert rows["nurture"]["anchor"] == "after_launch"
    # Post-launch entries neither move the latest approval nor make the launch infeasible.
    assert plan["latest_approval_date"] == dt.date(2026, 6, 11)
    assert plan["feasible"] is True


def test_feasibility_without_an_end_date_counts_post_end_work_from_the_launch(anchored, webinar):
    plan = feasibility(campaign_type=webinar, launch_date=LAUNCH, now=NOW)
    rows = {r["task_type"]: r for r in plan["tasks"]}
    assert rows["report"]["latest_start"] == rows["nurture"]["due"]  # anchor Wed 07-01 < nurture due


def test_before_launch_offset_moves_the_due_date_earlier(template, webinar):
    qa = template.entries_by_slug["qa"]
    qa.offset_days = 2
    qa.save()
    plan = feasibility(campaign_type=webinar, launch_date=LAUNCH, now=NOW)
    rows = {r["task_type"]: r for r in plan["tasks"]}
    assert rows["qa"]["due"] == t(24, 18)  # two working days before Fri 06-26 18:00
    assert plan["latest_approval_date"] == dt.date(2026, 6, 9)


def test_open_post_launch_work_does_not_block_the_launch(anchored, approved, mona, sam, people):
    req = approved(launch_date=LAUNCH, end_date=END)
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    for slug in ("plan", "design", "lp", "email", "qa"):
        services.task_assign(task_id=tasks[slug].pk, assignee=sam, by=mona)
        for action in ("start", "submit_review"):
            services.task_transition(task_id=tasks[slug].pk, action=action, by=sam)
        services.task_transition(task_id=tasks[slug].pk, action="complete", by=sam, actual_hours="1")
    req.refresh_from_db()
    assert req.state == CampaignState.READY_FOR_LAUNCH
    campaign_services.request_transition(request_id=req.pk, action="launch", by=req.requester)
    req.refresh_from_db()
    assert req.state == CampaignState.LAUNCHED
    # The nurture is worked after the launch.
    services.task_assign(task_id=tasks["nurture"].pk, assignee=sam, by=mona)
    services.task_transition(task_id=tasks["nurture"].pk, action="start", by=sam)
    assert Task.objects.get(pk=tasks["nurture"].pk).state == TaskState.IN_PROGRESS


def test_a_before_launch_entry_cannot_follow_post_launch_work(anchored):
    entries = anchored.entries_by_slug
    dep = TemplateDependency(predecessor=entries["nurture"], entry=entries["qa"])
    with pytest.raises(ValidationError, match="開催後ナーチャリング"):  # names the predecessor
        dep.full_clean()
    report_first = TemplateDependency(predecessor=entries["report"], entry=entries["nurture"])
    with pytest.raises(ValidationError):
        report_first.full_clean()


def test_changing_an_anchor_against_its_successors_is_refused(anchored):
    nurture = anchored.entries_by_slug["nurture"]
    nurture.anchor = Anchor.AFTER_END  # report (after end) still follows it: fine
    nurture.full_clean()
    qa = anchored.entries_by_slug["qa"]
    qa.anchor = Anchor.AFTER_END  # nurture (after launch) would come before its predecessor
    with pytest.raises(ValidationError) as exc:
        qa.full_clean()
    assert "anchor" in exc.value.message_dict
    assert TemplateEntry.objects.get(pk=qa.pk).anchor == Anchor.BEFORE_LAUNCH


def test_offsets_are_bounded(anchored):
    nurture = anchored.entries_by_slug["nurture"]
    nurture.offset_days = 400
    with pytest.raises(ValidationError) as exc:
        nurture.full_clean()
    assert "offset_days" in exc.value.message_dict


def test_existing_entries_default_to_before_the_launch(template):
    assert set(TemplateEntry.objects.values_list("anchor", "offset_days")) == {(Anchor.BEFORE_LAUNCH, 0)}


# --- properties --------------------------------------------------------------------------

ANCHORS = [Anchor.BEFORE_LAUNCH, Anchor.AFTER_LAUNCH, Anchor.AFTER_END]


@st.composite
def plans(draw):
    """A random template (DAG in topological order, anchors never decreasing along edges) and campaign."""
    n = draw(st.integers(min_value=1, max_value=7))
    anchors = sorted(draw(st.lists(st.sampled_from(ANCHORS), min_size=n, max_size=n)), key=ANCHORS.index)
    entries = []
    for i in range(n):
        preds = draw(st.lists(st.integers(min_value=0, max_value=max(i - 1, 0)), max_size=3, unique=True)) if i else []
        entries.append(
            {
                "anchor": anchors[i],
                "offset": draw(st.integers(min_value=0, max_value=15)),
                "days": draw(st.integers(min_value=0, max_value=8)),
                "preds": preds,
            }
        )
    launch = dt.date(2026, 6, 1) + dt.timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    end = launch + dt.timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    approval = NOW + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 30)))
    return entries, launch, end, approval


def _in_working_time(cal, instant, *, edge):
    """``instant`` is the opening (edge='open') or closing (edge='close') of a working day."""
    day = instant.astimezone(cal.zone).date()
    if not is_working_day(cal, day):
        return False
    return instant == (opening_instant(cal, day) if edge == "open" else closing_instant(cal, day))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_every_anchored_task_lies_in_working_time_after_its_predecessors(plan, webinar, work_roles, approved, mona):
    entries, launch, end, approval = plan
    cal = default_calendar().to_work_calendar()
    with transaction.atomic():
        template = TaskTemplate.objects.create(campaign_type=webinar, name="prop")
        rows = []
        for i, spec in enumerate(entries):
            tt = TaskType.objects.create(
                slug=f"prop-{i}", name=f"p{i}", role=work_roles["ops"], default_estimated_hours=Decimal(1)
            )
            tt.lead_time_days = spec["days"]
            tt.save()
            rows.append(
                TemplateEntry.objects.create(
                    template=template, task_type=tt, order=i, anchor=spec["anchor"], offset_days=spec["offset"]
                )
            )
            for p in spec["preds"]:
                dep = TemplateDependency(predecessor=rows[p], entry=rows[i])
                dep.full_clean()  # the anchor order the strategy respects is the rule the model checks
                dep.save()
        req = approved(launch_date=launch, end_date=end)
        with time_machine.travel(approval, tick=False):
            tasks = tasks_generate(request_id=req.pk, by=mona, at=approval)
        by_entry = {task.template_entry_id: task for task in tasks}
        for i, spec in enumerate(entries):
            task = by_entry[rows[i].pk]
            start_at = planned_start(task)
            assert _in_working_time(cal, task.due_at, edge="close")
            assert start_at <= task.due_at
            for p in spec["preds"]:
                assert start_at >= by_entry[rows[p].pk].due_at
                assert task.due_at >= by_entry[rows[p].pk].due_at
            if spec["anchor"] != Anchor.BEFORE_LAUNCH:
                start = anchored_start(cal, spec["anchor"], spec["offset"], launch, end)
                assert _in_working_time(cal, start, edge="open")
                assert start_at >= start
                anchor_day = launch if spec["anchor"] == Anchor.AFTER_LAUNCH else end
                assert start_at.astimezone(cal.zone).date() >= anchor_day
                assert task.due_at.astimezone(cal.zone).date() >= anchor_day
        transaction.set_rollback(True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    launch=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)),
    offset=st.integers(min_value=0, max_value=30),
)
def test_anchor_instants_are_working_openings_and_closings(db, launch, offset):
    cal = default_calendar().to_work_calendar()
    due = before_launch_due(cal, offset, launch)
    assert _in_working_time(cal, due, edge="close")
    assert due.astimezone(cal.zone).date() < launch
    for anchor in (Anchor.AFTER_LAUNCH, Anchor.AFTER_END):
        start = anchored_start(cal, anchor, offset, launch, launch + dt.timedelta(days=offset))
        assert _in_working_time(cal, start, edge="open")
        assert start.astimezone(cal.zone).date() >= launch
