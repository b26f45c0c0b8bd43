"""Pages for onboarding, retrospectives and the martech stack catalog."""
from __future__ import annotations
from django.utils.translation import gettext_lazy as _

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns import selectors as campaign_selectors
from campaigns.services import Conflict

from . import onboarding, retrospectives, selectors, stack
from .forms import RetrospectiveForm, ToolForm, launched_campaigns_for
from .models import OnboardingEnrollment, OnboardingPlan, Retrospective, RoadmapEntry, Tool
from .views import add_errors


# --- onboarding ------------------------------------------------------------------------------

@login_required
def my_onboarding(request: HttpRequest) -> HttpResponse:
    enrollment = OnboardingEnrollment.objects.filter(user=request.user).select_related("plan").first()
    plan = enrollment.plan if enrollment else selectors.plan_for(request.user)
    steps = selectors.plan_steps(plan) if plan else []
    progress = selectors.enrollment_progress(enrollment) if enrollment else {}
    rows = [{"step": s, "progress": progress.get(s.pk)} for s in steps]
    passed = sum(1 for r in rows if r["progress"] and r["progress"].passed_at)
    return render(request, "knowledge/onboarding.html", {
        "plan": plan, "enrollment": enrollment, "rows": rows, "passed": passed, "total": len(rows),
        "percent": round(100 * passed / len(rows)) if rows else 0,
    })


@login_required
@require_POST
def onboarding_start(request: HttpRequest, plan_id: int) -> HttpResponse:
    try:
        onboarding.enrollment_start(plan_id=plan_id, user=request.user, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:onboarding")


@login_required
@require_POST
def onboarding_answer(request: HttpRequest, step_id: int) -> HttpResponse:
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
    return render(request, "knowledge/onboarding_progress.html", {
        "rows": selectors.onboarding_overview(), "plans": OnboardingPlan.objects.filter(is_active=True),
    })


# --- retrospectives --------------------------------------------------------------------------

@login_required
def retro_list(request: HttpRequest) -> HttpResponse:
    retros = selectors.retrospective_list_for(request.user)
    done = set(retros.values_list("campaign_id", flat=True))
    pending = [c for c in launched_campaigns_for(request.user).order_by("-launched_at")[:50] if c.pk not in done]
    return render(request, "knowledge/retro_list.html", {"retros": retros[:200], "pending": pending})


@login_required
def retro_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_selectors.request_get_for(request.user, campaign_id, with_events=False)
    if not retrospectives.can_write(request.user, campaign):
        raise PermissionDenied
    existing = Retrospective.objects.filter(campaign=campaign).first()
    initial = {k: getattr(existing, k) for k in ("what_worked", "what_did_not", "what_to_change")} if existing else None
    form = RetrospectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            retro = retrospectives.retrospective_save(campaign_id=campaign.pk, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Retrospective saved."))
            return redirect("knowledge:retro_detail", pk=retro.pk)
    return render(request, "knowledge/retro_form.html", {
        "form": form, "campaign": campaign, "numbers": retrospectives.campaign_numbers(campaign),
        "launched": campaign.state in retrospectives.RETRO_STATES,
    })


@login_required
def retro_detail(request: HttpRequest, pk: int) -> HttpResponse:
    retro = selectors.retrospective_list_for(request.user).filter(pk=pk).first()
    if retro is None:
        raise Http404
    return render(request, "knowledge/retro_detail.html", {
        "retro": retro, "numbers": retrospectives.campaign_numbers(retro.campaign),
        "can_edit": retrospectives.can_write(request.user, retro.campaign),
        "can_promote": selectors.is_editor(request.user) and not retro.promoted_article_id,
    })


@login_required
@require_POST
def retro_promote(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.retrospective_list_for(request.user).filter(pk=pk).first() is None:
        raise Http404
    try:
        article = retrospectives.retrospective_promote(retrospective_id=pk, by=request.user,
                                                       title=request.POST.get("title", "")[:200])
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("knowledge:retro_detail", pk=pk)
    messages.success(request, _("Best-practice draft created."))
    return redirect("knowledge:edit", pk=article.pk)


# --- stack catalog ---------------------------------------------------------------------------

@login_required
def tool_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    tools = selectors.tool_list()
    status = request.GET.get("status")
    if status:
        tools = tools.filter(status=status)
    return render(request, "knowledge/tools.html", {
        "tools": tools, "costs": stack.cost_per_category(), "total": stack.total_cost(),
        "renewals": Tool.objects.filter(renewal_date__gte=today, renewal_date__lte=today + dt.timedelta(days=stack.RENEWAL_NOTICE_DAYS))
                    .exclude(status="retired").order_by("renewal_date"),
        "roadmap": RoadmapEntry.objects.select_related("tool", "owner"),
        "is_editor": selectors.is_editor(request.user), "status": status,
    })


@login_required
def tool_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not selectors.is_editor(request.user):
        raise PermissionDenied
    tool = get_object_or_404(Tool, pk=pk) if pk else None
    form = ToolForm(request.POST or None, instance=tool)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        users, articles = d.pop("users"), d.pop("articles")
        try:
            saved = stack.tool_save(by=request.user, tool_id=pk, users=users, articles=articles, **d)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{saved.name}: 保存しました / Saved.")
            return redirect("knowledge:tools")
    return render(request, "knowledge/tool_form.html", {"form": form, "tool": tool})
