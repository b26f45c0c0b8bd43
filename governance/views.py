"""Governance settings page (Admins) and approvers' delegations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import changelog, policy, roles, services
from .forms import DelegationForm, GovernanceForm
from .models import Delegation, GovernanceChange, UnitGovernance


def _initial() -> dict:
    org = policy.organisation_governance()
    initial = {"model": org.model, "hybrid_threshold": org.hybrid_threshold}
    for override in UnitGovernance.objects.select_related("unit"):
        initial[f"unit_{override.unit.slug}_model"] = override.model
        initial[f"unit_{override.unit.slug}_threshold"] = override.hybrid_threshold
    return initial


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    if not policy.can_configure_governance(request.user):
        raise PermissionDenied(_("Only Admins change the governance model."))
    form = GovernanceForm(request.POST or None, initial=_initial())
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if "preview" in request.POST:
                preview = services.governance_preview(**form.service_kwargs())
            else:
                services.governance_update(by=request.user, **form.service_kwargs())
                messages.success(request, _("Saved; applies to requests submitted from now on."))
                return redirect("governance:settings")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    return render(
        request,
        "governance/settings.html",
        {
            "form": form,
            "preview": preview,
            "changes": changelog.change_rows(GovernanceChange.objects.select_related("actor")[:20]),
            "effective": {
                slug: changelog.effective_label(eff) for slug, eff in services.governance_state()["effective"].items()
            },
        },
    )


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    if not policy.has_role(request.user, roles.APPROVER, roles.ADMIN):
        raise PermissionDenied
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(delegator=request.user, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("governance:delegations")
    qs = Delegation.objects.select_related("delegator", "delegate")
    if not policy.has_role(request.user, roles.ADMIN):
        qs = qs.filter(delegator=request.user) | qs.filter(delegate=request.user)
    return render(request, "governance/delegations.html", {"form": form, "delegations": qs.order_by("-start")})


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.delegation_revoke(delegation_id=pk, by=request.user)
    except Delegation.DoesNotExist:
        from django.http import Http404

        raise Http404 from None
    messages.success(request, _("Delegation revoked."))
    return redirect("governance:delegations")
