"""Martech stack catalogue pages: tools with cost per category, renewals and the roadmap."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.forms import add_errors

from . import selectors, stack
from .forms import ToolForm
from .models import RoadmapEntry, Tool


@login_required
def tool_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    tools = selectors.tool_list()
    status = request.GET.get("status")
    if status:
        tools = tools.filter(status=status)
    return render(
        request,
        "knowledge/tools.html",
        {
            "tools": tools,
            "costs": stack.cost_per_category(),
            "total": stack.total_cost(),
            "renewals": Tool.objects.filter(
                renewal_date__gte=today, renewal_date__lte=today + dt.timedelta(days=stack.RENEWAL_NOTICE_DAYS)
            )
            .exclude(status="retired")
            .order_by("renewal_date"),
            "roadmap": RoadmapEntry.objects.select_related("tool", "owner"),
            "is_editor": selectors.is_editor(request.user),
            "status": status,
        },
    )


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
            messages.success(request, _("%(name)s: saved.") % {"name": saved.name})
            return redirect("knowledge:tools")
    return render(request, "knowledge/tool_form.html", {"form": form, "tool": tool})
