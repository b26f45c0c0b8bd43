"""SLA pages: deadline recomputation progress, the launch-feasibility panel of the request form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaigns import selectors as campaign_selectors
from campaigns.forms import FeasibilityParams
from campaigns.params import parse_params
from governance import policy

from .models import DeadlineRecompute
from .recompute import pending_recompute


def _can_watch(user) -> bool:
    return policy.is_ops(user) or user.is_staff


def admin_recompute_message(request, obj) -> None:
    """Admin hook (sla.admin.admin_change_hooks and tasks' own admins): link to the progress page."""
    row = pending_recompute()
    if row is None:
        return
    if row.started_by_id is None and getattr(request.user, "pk", None):
        row.started_by = request.user
        DeadlineRecompute.objects.filter(pk=row.pk).update(started_by=request.user)
    url = reverse("tasks:sla-recompute", args=[row.pk])
    if not getattr(request, "_mops_recompute_msg", False):
        request._mops_recompute_msg = True
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Recomputing open deadlines:"),
                url,
                _("progress #%(pk)s") % {"pk": row.pk},
            ),
        )


@login_required
def recompute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not _can_watch(request.user):
        raise PermissionDenied
    row = get_object_or_404(DeadlineRecompute.objects.select_related("started_by"), pk=pk)
    return render(
        request, "tasks/sla_recompute.html", {"row": row, "recent": DeadlineRecompute.objects.exclude(pk=pk)[:10]}
    )


@login_required
def recompute_progress(request: HttpRequest, pk: int) -> JsonResponse:
    if not _can_watch(request.user):
        raise PermissionDenied
    row = get_object_or_404(DeadlineRecompute, pk=pk)
    return JsonResponse(
        {
            "progress": row.progress,
            "done": row.finished,
            "status": row.status,
            "total": row.total,
            "processed": row.done,
            "changed": row.changed,
        }
    )


@login_required
def feasibility_panel(request: HttpRequest) -> HttpResponse:
    """The request form's panel: ``?campaign_type=<id|slug>&launch_date=YYYY-MM-DD`` -> HTML fragment."""
    params = parse_params(FeasibilityParams, request.GET)
    campaign_type = params.cleaned_data.get("campaign_type")
    launch_date = params.cleaned_data.get("launch_date")
    # An inverted end date is reported by the form itself; post-end work is then planned from the launch.
    end_date = params.cleaned_data.get("end_date")
    plan = None
    if campaign_type is not None and launch_date is not None:
        plan = campaign_selectors.launch_feasibility(
            campaign_type=campaign_type, launch_date=launch_date, now=timezone.now(), end_date=end_date
        )
    return render(
        request,
        "tasks/_feasibility_panel.html",
        {
            "feasibility": plan,
            "campaign_type": campaign_type,
            "launch_date": launch_date,
            "bad_date": "launch_date" in params.errors and bool(request.GET.get("launch_date")),
        },
    )
