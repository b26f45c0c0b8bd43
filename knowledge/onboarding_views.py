"""Onboarding pages: my plan with its check questions, and everyone's progress for MOps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import onboarding, selectors
from .models import OnboardingEnrollment, OnboardingPlan, OnboardingStep


@login_required
def my_onboarding(request: HttpRequest) -> HttpResponse:
    enrollment = OnboardingEnrollment.objects.filter(user=request.user).select_related("plan").first()
    plan = enrollment.plan if enrollment else selectors.plan_for(request.user)
    steps = selectors.plan_steps(plan) if plan else []
    progress = selectors.enrollment_progress(enrollment) if enrollment else {}
    rows = [{"step": s, "progress": progress.get(s.pk)} for s in steps]
    passed = sum(1 for r in rows if r["progress"] and r["progress"].passed_at)
    return render(
        request,
        "knowledge/onboarding.html",
        {
            "plan": plan,
            "enrollment": enrollment,
            "rows": rows,
            "passed": passed,
            "total": len(rows),
            "percent": round(100 * passed / len(rows)) if rows else 0,
        },
    )


@login_required
@require_POST
def onboarding_start(request: HttpRequest, plan_id: int) -> HttpResponse:
    get_object_or_404(OnboardingPlan, pk=plan_id)
    try:
        onboarding.enrollment_start(plan_id=plan_id, user=request.user, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:onboarding")


@login_required
@require_POST
def onboarding_answer(request: HttpRequest, step_id: int) -> HttpResponse:
    get_object_or_404(OnboardingStep, pk=step_id)
    try:
        right = onboarding.step_answer(step_id=step_id, choice=request.POST.get("choice"), by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        if right:
            messages.success(request, _("Correct."))
        else:
            messages.error(request, _("Not quite — re-read the article and try again."))
    return redirect("knowledge:onboarding")


@login_required
def onboarding_progress(request: HttpRequest) -> HttpResponse:
    if not selectors.is_editor(request.user):
        raise PermissionDenied
    return render(
        request,
        "knowledge/onboarding_progress.html",
        {
            "rows": selectors.onboarding_overview(),
            "plans": OnboardingPlan.objects.filter(is_active=True),
        },
    )
