"""Stack catalog: cost per category, renewal reminders 60 days ahead; stale-article flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from knowledge import jobs, stack
from knowledge.models import Article, Tool

from .conftest import api_for


@pytest.fixture
def tools(org):
    mona, today = org["mona"], timezone.localdate()
    return {
        "ma": stack.tool_save(
            by=mona,
            name="Marketo",
            category="ma",
            annual_cost=Decimal(6_000_000),
            owner=mona,
            renewal_date=today + dt.timedelta(days=45),
        ),
        "crm": stack.tool_save(
            by=mona,
            name="Salesforce",
            category="crm",
            annual_cost=Decimal(9_000_000),
            renewal_date=today + dt.timedelta(days=200),
        ),
        "ma2": stack.tool_save(
            by=mona,
            name="HubSpot",
            category="ma",
            annual_cost=Decimal(1_200_000),
            status="evaluating",
            renewal_date=today + dt.timedelta(days=10),
        ),
        "old": stack.tool_save(
            by=mona,
            name="Pardot",
            category="ma",
            annual_cost=Decimal(3_000_000),
            status="retired",
            renewal_date=today + dt.timedelta(days=5),
        ),
    }


def test_cost_per_category(tools):
    rows = {r["category"]: (r["total"], r["tools"], r["evaluating"]) for r in stack.cost_per_category()}
    assert rows == {"crm": (Decimal(9_000_000), 1, 0), "ma": (Decimal(7_200_000), 2, Decimal(1_200_000))}
    assert stack.total_cost() == Decimal(15_000_000)


def test_renewal_reminders_60_days_ahead_once_per_date(tools, org, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_tool_renewals() == 2  # Marketo (45 d) and HubSpot (10 d); not retired, not 200 d
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and "Marketo" in subjects[1]
    assert mail.outbox[0].to or mail.outbox[1].to
    assert jobs.remind_tool_renewals() == 0  # safe to run twice
    stack.tool_save(by=org["mona"], tool_id=tools["ma"].pk, renewal_date=timezone.localdate() + dt.timedelta(days=30))
    assert jobs.remind_tool_renewals() == 1  # a new contract date gets its own reminder


def test_tool_writes_are_for_mops_and_validated(org, tools):
    with pytest.raises(PermissionDenied):
        stack.tool_save(by=org["alice"], name="Canva")
    with pytest.raises(ValidationError) as exc:
        stack.tool_save(by=org["mona"], name="Canva", annual_cost=Decimal(-1))
    assert "annual_cost" in exc.value.message_dict
    assert not Tool.objects.filter(name="Canva").exists()


def test_tools_api(org, tools):
    assert api_for(org["alice"]).get("/api/knowledge/tools/").json()["count"] == 4
    assert api_for(org["alice"]).post("/api/knowledge/tools/", {"name": "Canva"}, format="json").status_code == 403
    res = api_for(org["mona"]).post(
        "/api/knowledge/tools/", {"name": "Canva", "category": "design", "annual_cost": "180000"}, format="json"
    )
    assert res.status_code == 201, res.json()
    res = api_for(org["mona"]).patch(f"/api/knowledge/tools/{res.json()['id']}/", {"annual_cost": "-5"}, format="json")
    assert res.status_code == 400
    res = api_for(org["mona"]).post("/api/knowledge/tools/", {"name": "X", "category": "nope"}, format="json")
    assert res.status_code == 400 and "category" in res.json()
    costs = api_for(org["alice"]).get("/api/knowledge/tools/costs/").json()
    assert costs["total_in_use"] == "15180000" and costs["categories"][0]["category"] == "crm"


def test_stale_articles_are_flagged_to_owners_once(org, make_article, django_capture_on_commit_callbacks):
    old = make_article(org["sam"], "古い手順", "…", review_by=timezone.localdate() - dt.timedelta(days=1))
    make_article(org["sam"], "新しい手順", "…", review_by=timezone.localdate() + dt.timedelta(days=10))
    make_article(org["sam"], "下書き", "…", review_by=timezone.localdate() - dt.timedelta(days=1), publish=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.flag_stale_articles() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.com"] and "古い手順" in mail.outbox[0].body
    assert jobs.flag_stale_articles() == 0
    assert Article.objects.get(pk=old.pk).stale_notified_at is not None


def test_schedules_are_registered():
    from config.schedules import SCHEDULES

    funcs = {v[0] for v in SCHEDULES.values()}
    assert {"knowledge.jobs.flag_stale_articles", "knowledge.jobs.remind_tool_renewals"} <= funcs
