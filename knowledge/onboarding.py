"""Onboarding plans: a newcomer reads a sequence of articles and answers a check question each.

A right answer passes the step and records a read receipt for the article; a wrong answer
counts an attempt. MOps sees everyone's progress (selectors.onboarding_overview).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import policy

from .models import OnboardingEnrollment, OnboardingPlan, OnboardingStep, Status, StepProgress
from .selectors import is_editor
from .services import receipt_record


@transaction.atomic
def enrollment_start(*, plan_id: int, user, by, started_on: dt.date | None = None) -> OnboardingEnrollment:
    """Enroll ``user`` in a plan: MOps for anyone, a person for a plan of their own role."""
    plan = OnboardingPlan.objects.get(pk=plan_id)
    if not is_editor(by) and not (by.pk == user.pk and policy.has_role(user, plan.role)):
        raise PermissionDenied(_("You may not join this plan."))
    enrollment, _created = OnboardingEnrollment.objects.get_or_create(
        plan=plan, user=user, defaults={"started_on": started_on or timezone.localdate()}
    )
    return enrollment


@transaction.atomic
def step_answer(*, step_id: int, choice: Any, by, at: dt.datetime | None = None) -> bool:
    """Answer a step's check question; True when right (the step is then passed)."""
    step = OnboardingStep.objects.select_related("plan", "article").get(pk=step_id)
    try:
        enrollment = OnboardingEnrollment.objects.select_for_update(of=("self",)).get(plan=step.plan, user=by)
    except OnboardingEnrollment.DoesNotExist:
        raise PermissionDenied(_("You are not enrolled in this plan.")) from None
    try:
        choice = int(choice)
    except (TypeError, ValueError):
        raise ValidationError({"choice": _("Choose an answer.")}) from None
    if not 0 <= choice < len(step.choices):
        raise ValidationError({"choice": _("Choose an answer.")})
    progress, _created = StepProgress.objects.get_or_create(enrollment=enrollment, step=step)
    if progress.passed_at:
        return True
    progress.attempts += 1
    right = choice == step.correct_choice
    now = at or timezone.now()
    if right:
        progress.passed_at = now
        if step.article.status == Status.PUBLISHED:
            receipt_record(article_id=step.article_id, by=by, at=now)
    progress.save()
    if right and enrollment.completed_at is None:
        total = step.plan.steps.count()
        passed = enrollment.progress.filter(passed_at__isnull=False).count()
        if passed >= total:
            enrollment.completed_at = now
            enrollment.save(update_fields=["completed_at"])
    return right
