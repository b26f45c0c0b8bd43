"""The marketing calendar page and the per-user iCalendar feed."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import calendar as cal
from . import services
from .forms import CalendarFilter
from .notify import preference_for


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    pref = preference_for(request.user)
    tz = pref.tzinfo
    today = timezone.localtime(timezone.now(), tz).date()
    form = CalendarFilter(request.GET or None)
    # Invalid fields are dropped, valid ones kept (cleaned_data holds only what validated).
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    view = data.get("view") or "month"
    start = cal.clamp_start(data.get("start"), today)
    months = cal.view_months(view, start)
    first, last = months[0], cal.add_months(months[-1], 1) - dt.timedelta(days=1)
    unit, ctype = data.get("unit"), data.get("campaign_type")
    more: dict[dt.date, int] = {}
    more_tasks: dict[dt.date, int] = {}
    capped: set[tuple[str, dt.date]] = set()
    # Bounded (issue 19): a few items per day with "+N more", and the team's tasks only under a filter.
    items = cal.items_for(
        request.user,
        first,
        last,
        tz=tz,
        unit_id=unit.pk if unit else None,
        type_id=ctype.pk if ctype else None,
        include_all=bool(data.get("all")),
        per_day=cal.PER_DAY,
        own_tasks=not (unit or ctype),
        more=more,
        more_tasks=more_tasks,
        capped=capped,
    )
    queries = cal.more_queries(
        unit=unit, campaign_type=ctype, include_all=bool(data.get("all")), own_tasks=not (unit or ctype)
    )
    grids = [
        cal.month_grid(
            m,
            [i for i in items if i.date.year == m.year and i.date.month == m.month],
            more,
            more_tasks,
            capped,
            queries,
        )
        for m in months
    ]
    step = {"month": 1, "quarter": 3, "list": 12}[view]
    query = request.GET.copy()
    query.pop("start", None)
    lo, hi = (
        cal.add_months(cal.month_start(today), -cal.MAX_MONTHS_BACK),
        cal.add_months(cal.month_start(today), cal.MAX_MONTHS_AHEAD),
    )
    prev_start, next_start = cal.add_months(start, -step), cal.add_months(start, step)
    return render(
        request,
        "integrations/calendar.html",
        {
            "form": form,
            "view": view,
            "start": start,
            "grids": grids,
            "items": items,
            "today": today,
            "query": query.urlencode(),
            "prev_start": prev_start if prev_start >= lo else None,
            "next_start": next_start if next_start <= hi else None,
            "time_zone": pref.time_zone,
            "has_feed": bool(pref.feed_token_hash),
        },
    )


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/feed/<token>.ics``: no session needed (calendar apps), 404 for a wrong or revoked token."""
    user = services.user_for_feed_token(token)
    if user is None:
        raise Http404("No such feed")
    pref = preference_for(user)
    body = cal.feed_ics(user, tz_name=pref.time_zone)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mops-desk.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
