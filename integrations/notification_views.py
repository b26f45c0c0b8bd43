"""The notification centre page: the user's notices (unread / all), mark one or all read."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaigns.params import BoundedIntegerField, parse_params

from . import inbox
from .models import Notification

PAGE_SIZE = 30


class NoticeFilter(forms.Form):
    show = forms.ChoiceField(choices=[("all", _("All")), ("unread", _("Unread"))], required=False)
    page = BoundedIntegerField(required=False, min_value=1, max_value=10_000)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    params = parse_params(NoticeFilter, request.GET)
    data = params.cleaned_data if params.is_valid() else {}
    show = data.get("show") or "all"
    qs = inbox.notification_list_for(request.user, unread=True if show == "unread" else None)
    page = Paginator(qs, PAGE_SIZE).get_page(data.get("page") or 1)
    return render(
        request,
        "integrations/notifications.html",
        {
            "page": page,
            "notices": [inbox.notice_view(n) for n in page.object_list],
            "show": show,
            "unread_total": inbox.unread_count(request.user),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    # Only a path on this site: anything else (a bare word would be taken for a view name) goes
    # back to the list.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return HttpResponseRedirect(target)
    return redirect("integrations:notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        inbox.notification_mark_read(notification_id=pk, by=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = inbox.notification_mark_all_read(by=request.user)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": n})
    return _back(request)


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notice to its object; opening it counts as reading it."""
    try:
        note = inbox.notification_mark_read(notification_id=pk, by=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect(inbox.notice_link(note))
