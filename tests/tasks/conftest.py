"""Task fixtures: roles, task types, a webinar template with conditions and a DAG, people."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tasks.anchors import Anchor
from tasks.generation import tasks_generate
from tasks.models import Condition, Person, TaskTemplate, TaskType, TemplateDependency, TemplateEntry, WorkRole


@pytest.fixture
def work_roles(db):
    return {
        slug: WorkRole.objects.create(slug=slug, name=slug, hourly_rate=Decimal(rate))
        for slug, rate in [("ops", 8000), ("web", 7000), ("design", 6000)]
    }


@pytest.fixture
def task_types(work_roles):
    spec = [
        ("plan", "企画書", "ops", 4, 3),
        ("lp", "LP制作", "web", 12, 5),
        ("email", "メール作成", "ops", 6, 3),
        ("design", "デザイン素材", "design", 8, 3),
        ("qa", "QA", "ops", 2, 1),
    ]
    return {
        slug: TaskType.objects.create(
            slug=slug, name=name, role=work_roles[role], default_estimated_hours=Decimal(h), lead_time_days=d
        )
        for slug, name, role, h, d in spec
    }


@pytest.fixture
def template(webinar, task_types):
    """plan -> lp, plan -> email, design -> lp, lp -> qa, email -> qa (lp, email, design conditional)."""
    tpl = TaskTemplate.objects.create(campaign_type=webinar, name="webinar")
    conds = {
        "plan": Condition.ALWAYS,
        "lp": Condition.NEEDS_LANDING_PAGE,
        "email": Condition.NEEDS_EMAIL_PROGRAM,
        "design": Condition.NEEDS_DESIGN,
        "qa": Condition.ALWAYS,
    }
    entries = {
        slug: TemplateEntry.objects.create(template=tpl, task_type=tt, order=i, condition=conds[slug])
        for i, (slug, tt) in enumerate(task_types.items())
    }
    for a, b in [("plan", "lp"), ("plan", "email"), ("design", "lp"), ("lp", "qa"), ("email", "qa")]:
        TemplateDependency.objects.create(predecessor=entries[a], entry=entries[b])
    tpl.entries_by_slug = entries
    return tpl


@pytest.fixture
def people(sam, mona, work_roles):
    sam_p = Person.objects.create(user=sam, weekly_hours=Decimal(40))
    sam_p.roles.set([work_roles["web"], work_roles["design"], work_roles["ops"]])
    mona_p = Person.objects.create(user=mona, weekly_hours=Decimal(20))
    mona_p.roles.set([work_roles["ops"]])
    return {"sam": sam_p, "mona": mona_p}


@pytest.fixture
def approved(alice, charlie, make_request):
    def make(**overrides):
        return make_request(alice, actions=["submit", "approve"], actors={"approve": charlie}, **overrides)

    return make


@pytest.fixture
def generated(approved, template, mona, people):
    """An in-production campaign with its five tasks, keyed by task type slug."""
    req = approved()
    tasks = tasks_generate(request_id=req.pk, by=mona)
    req.refresh_from_db()
    return req, {t.task_type.slug: t for t in tasks}


# A webinar launching Mon 2026-06-29 and ending Tue 06-30 whose template adds a post-event
# nurture (after the launch +1, 3 days): the timeline and reschedule tests share it.
LAUNCH = dt.date(2026, 6, 29)
END = dt.date(2026, 6, 30)


@pytest.fixture
def with_nurture(template, work_roles):
    nurture = TaskType.objects.create(
        slug="nurture", name="開催後ナーチャリング", role=work_roles["ops"], default_estimated_hours=6, lead_time_days=3
    )
    entry = TemplateEntry.objects.create(
        template=template, task_type=nurture, order=10, anchor=Anchor.AFTER_LAUNCH, offset_days=1
    )
    TemplateDependency.objects.create(predecessor=template.entries_by_slug["qa"], entry=entry)
    return template


@pytest.fixture
def campaign(with_nurture, approved, mona, people):
    req = approved(launch_date=LAUNCH, end_date=END)
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    req.refresh_from_db()
    return req, tasks


@pytest.fixture
def mostly_done_team(org, make_request, task_types):
    """A team whose tasks are mostly done (one in ten open, deadlines an hour apart around now), with
    the planner's statistics gathered: what the index choice tests plan against. Returns ``now``."""
    from django.db import connection
    from django.utils import timezone

    from tasks.models import SlaState, Task, TaskState

    now = timezone.now()
    req = make_request(org["alice"])
    running = (TaskState.TODO, TaskState.IN_PROGRESS, TaskState.IN_REVIEW)
    Task.objects.bulk_create(
        Task(
            campaign=req,
            task_type=task_types["email"],
            number=900_000 + i,
            key=f"TEAM-{i}",
            title="作業",
            state=running[i // 10 % 3] if i % 10 == 0 else TaskState.DONE,
            sla_state=SlaState.ON_TRACK if i % 10 == 0 else SlaState.MET,
            sla_start_at=now - dt.timedelta(days=30),
            due_at=now + dt.timedelta(hours=i // 10 - 150),
            at_risk_at=now + dt.timedelta(hours=i // 10 - 160),
        )
        for i in range(3000)
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return now


def explain(sql: str, params) -> str:
    """The database's plan of one statement, as one line (EXPLAIN without ANALYZE runs nothing)."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cur.fetchall())
        cur.execute(f"EXPLAIN {sql}", params)
        return " ".join(row[0] for row in cur.fetchall())
