"""Onboarding: a plan per role, check questions that must be answered right, progress for MOps."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from governance import roles
from knowledge import onboarding
from knowledge.models import OnboardingPlan, OnboardingStep, ReadReceipt
from knowledge.selectors import onboarding_overview


@pytest.fixture
def plan(org, make_article):
    mona = org["mona"]
    plan = OnboardingPlan.objects.create(role=roles.REQUESTER, name="マーケター向けオンボーディング")
    for i, title in enumerate(["依頼フォームの書き方", "SLAの考え方", "KPIの定義"]):
        OnboardingStep.objects.create(
            plan=plan,
            article=make_article(mona, title, "…"),
            order=i,
            week=i + 1,
            question=f"{title}: 正しいのは?",
            choices=["A", "B", "C"],
            correct_choice=1,
        )
    return plan


def test_answers_pass_steps_and_complete_the_plan(org, plan):
    alice = org["alice"]
    enrollment = onboarding.enrollment_start(plan_id=plan.pk, user=alice, by=alice)
    steps = list(plan.steps.order_by("order"))
    assert onboarding.step_answer(step_id=steps[0].pk, choice=0, by=alice) is False
    assert onboarding.step_answer(step_id=steps[0].pk, choice="1", by=alice) is True
    progress = enrollment.progress.get(step=steps[0])
    assert progress.attempts == 2 and progress.passed_at is not None
    assert ReadReceipt.objects.filter(user=alice, article=steps[0].article).exists()
    with pytest.raises(ValidationError):
        onboarding.step_answer(step_id=steps[1].pk, choice=7, by=alice)
    for step in steps[1:]:
        onboarding.step_answer(step_id=step.pk, choice=1, by=alice)
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    row = onboarding_overview()[0]
    assert (row["passed"], row["total"], row["percent"]) == (3, 3, 100)


def test_only_own_role_or_mops_enrolls_and_only_enrolled_answer(org, plan):
    with pytest.raises(PermissionDenied):
        onboarding.enrollment_start(plan_id=plan.pk, user=org["sam"], by=org["sam"])  # not a requester
    with pytest.raises(PermissionDenied):
        onboarding.step_answer(step_id=plan.steps.first().pk, choice=1, by=org["bob"])
    onboarding.enrollment_start(plan_id=plan.pk, user=org["bob"], by=org["mona"])
    assert onboarding.step_answer(step_id=plan.steps.first().pk, choice=1, by=org["bob"])


def test_progress_pages(org, plan):
    alice = Client()
    alice.force_login(org["alice"])
    assert "開始" in alice.get("/kb/onboarding/").content.decode()
    alice.post(f"/kb/onboarding/{plan.pk}/start/")
    step = plan.steps.first()
    alice.post(f"/kb/onboarding/steps/{step.pk}/answer/", {"choice": "1"})
    page = alice.get("/kb/onboarding/").content.decode()
    assert "1 / 3" in page
    assert alice.get("/kb/onboarding/progress/").status_code == 403
    mona = Client()
    mona.force_login(org["mona"])
    body = mona.get("/kb/onboarding/progress/").content.decode()
    assert "alice" in body.lower() and "1 / 3" in body
