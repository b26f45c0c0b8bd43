"""The marketing calendar shows post-launch work after the launch (anchored template entries)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from integrations.calendar import items_for
from tasks.anchors import Anchor
from tasks.generation import tasks_generate
from tasks.models import TaskType, TemplateDependency, TemplateEntry

TOKYO = ZoneInfo("Asia/Tokyo")


def test_post_event_nurture_is_on_the_calendar_after_the_launch(template, work_roles, approved, mona, people):
    nurture = TaskType.objects.create(
        slug="nurture", name="開催後ナーチャリング", role=work_roles["ops"], lead_time_days=3
    )
    entry = TemplateEntry.objects.create(
        template=template, task_type=nurture, order=10, anchor=Anchor.AFTER_LAUNCH, offset_days=1
    )
    TemplateDependency.objects.create(predecessor=template.entries_by_slug["qa"], entry=entry)
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=TOKYO), tick=False):
        # The case: a webinar on Tue 2027-01-12.
        req = approved(launch_date=dt.date(2027, 1, 12), end_date=dt.date(2027, 1, 12))
        tasks_generate(request_id=req.pk, by=mona)
        items = items_for(mona, dt.date(2027, 1, 1), dt.date(2027, 1, 31), tz=TOKYO)
    by_title = {i.title.split(" ", 1)[1]: i for i in items if i.kind == "task"}  # "MOPS-n title"
    launch = next(i for i in items if i.kind == "launch")
    assert launch.date == dt.date(2027, 1, 12)
    assert by_title["開催後ナーチャリング"].date == dt.date(2027, 1, 18)  # starts Wed 01-13, 3 business days
