"""Retrospective pages: write one for a launched campaign, read it, promote it to a best practice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaigns import selectors as campaign_selectors
from campaigns.forms import add_errors
from campaigns.services import Conflict

from . import retrospectives, selectors
from .forms import RetrospectiveForm, launched_campaigns_for
from .models import Retrospective


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
    return render(
        request,
        "knowledge/retro_form.html",
        {
            "form": form,
            "campaign": campaign,
            "numbers": retrospectives.campaign_numbers(campaign),
            "launched": campaign.state in retrospectives.RETRO_STATES,
        },
    )


@login_required
def retro_detail(request: HttpRequest, pk: int) -> HttpResponse:
    retro = selectors.retrospective_list_for(request.user).filter(pk=pk).first()
    if retro is None:
        raise Http404
    return render(
        request,
        "knowledge/retro_detail.html",
        {
            "retro": retro,
            "numbers": retrospectives.campaign_numbers(retro.campaign),
            "can_edit": retrospectives.can_write(request.user, retro.campaign),
            "can_promote": selectors.is_editor(request.user) and not retro.promoted_article_id,
        },
    )


@login_required
@require_POST
def retro_promote(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.retrospective_list_for(request.user).filter(pk=pk).first() is None:
        raise Http404
    try:
        article = retrospectives.retrospective_promote(
            retrospective_id=pk, by=request.user, title=request.POST.get("title", "")[:200]
        )
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("knowledge:retro_detail", pk=pk)
    messages.success(request, _("Best-practice draft created."))
    return redirect("knowledge:edit", pk=article.pk)
