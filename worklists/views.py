"""Working-list pages: global search, the task list, bulk actions and saved views (thin views)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.bulk import requests_bulk_transition
from campaigns.forms import add_errors
from campaigns.sorting import parse_sort
from paging import DeepPaginator
from tasks import selectors as task_selectors
from tasks.bulk import tasks_bulk
from tasks.forms import TaskFilter
from tasks.models import TaskState

from . import search, selectors, services
from .forms import RenameViewForm, RequestBulkForm, SaveViewForm, SearchForm, TaskBulkForm
from .models import Page

TASK_PAGE_SIZE = 50


def _safe_next(request: HttpRequest, fallback: str) -> str:
    nxt = request.POST.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else fallback


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Results grouped by type (requests, tasks, articles) among what the user may open."""
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    problem = search.query_problem(q) if "q" in request.GET else None
    groups = search.search_all(request.user, q) if q and not problem else []
    return render(
        request,
        "worklists/search.html",
        {"form": form, "q": q, "problem": problem, "groups": groups, "searched": bool(q) and not problem},
    )


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Tasks as a sortable table with filters and bulk actions (the board's list twin)."""
    qs = task_selectors.task_list_for(request.user).exclude(state=TaskState.CANCELLED)
    if not request.GET.get("state"):  # as on the board: done work of the last two weeks only
        qs = qs.exclude(state=TaskState.DONE, completed_at__lt=timezone.now() - dt.timedelta(days=14))
    filterset = TaskFilter(request.GET, queryset=qs, request=request)
    sort = parse_sort(request.GET.get("sort"), task_selectors.TASK_SORTS)
    # Exact counts (the page shows "page X of Y"); a deep page reads its ids first (issue 19).
    tasks = task_selectors.task_sorted(filterset.qs, sort)
    page = DeepPaginator(tasks, TASK_PAGE_SIZE, exact=True).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "worklists/tasks.html",
        {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "sort_columns": task_selectors.TASK_SORTS,
            "query": query.urlencode(),
            "now": timezone.now(),
            "bulk_form": TaskBulkForm(),
        },
    )


def _bulk_result(request: HttpRequest, results, back: str, title: str) -> HttpResponse:
    done = sum(1 for r in results if r.ok)
    return render(
        request,
        "worklists/bulk_result.html",
        {"results": results, "back": back, "title": title, "done": done, "failed": len(results) - done},
    )


@login_required
@require_POST
def bulk_tasks(request: HttpRequest) -> HttpResponse:
    """Assign or move the ticked tasks; each row succeeds or fails on its own, shown per row."""
    back = _safe_next(request, selectors.page_url(Page.TASKS))
    form = TaskBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    d = form.cleaned_data
    try:
        results = tasks_bulk(
            task_ids=d["ids"],
            action=d["action"],
            by=request.user,
            assignee=d["assignee"] or None,
            comment=d["comment"],
            actual_hours=d["actual_hours"],
            due_date=d["due_date"],
        )
    except ValidationError as exc:
        # Something every row needs is missing (the new date, the reason): nothing was written.
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    return _bulk_result(request, results, back, _("Bulk action on tasks"))


@login_required
@require_POST
def bulk_requests(request: HttpRequest) -> HttpResponse:
    """Move the ticked requests; each row succeeds or fails on its own, shown per row."""
    back = _safe_next(request, selectors.page_url(Page.REQUESTS))
    form = RequestBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    d = form.cleaned_data
    results = requests_bulk_transition(request_ids=d["ids"], action=d["action"], by=request.user, comment=d["comment"])
    return _bulk_result(request, results, back, _("Bulk action on requests"))


@login_required
def saved_views(request: HttpRequest) -> HttpResponse:
    """The user's views on every list: open, rename, delete."""
    views = [
        {"view": v, "url": selectors.page_url(v.page, v.query), "form": RenameViewForm(initial={"name": v.name})}
        for v in selectors.saved_view_list_for(request.user)
    ]
    defaults = [(label, selectors.default_url_for(request.user, page)) for page, label in Page.choices]
    return render(request, "worklists/views.html", {"views": views, "defaults": defaults})


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    fallback = selectors.page_url(Page.REQUESTS)
    if form.is_valid():
        try:
            view = services.saved_view_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
            return redirect(selectors.page_url(view.page, view.query))
        fallback = selectors.page_url(form.cleaned_data["page"], form.cleaned_data.get("query", ""))
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(fallback)


@login_required
@require_POST
def saved_view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    form = RenameViewForm(request.POST)
    if form.is_valid():
        try:
            services.saved_view_rename(view_id=pk, name=form.cleaned_data["name"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("View renamed."))
    else:
        selectors.saved_view_get_for(request.user, pk)  # someone else's view: 404, not a form error
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("worklists:views")


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.saved_view_delete(view_id=pk, by=request.user)
    messages.success(request, _("View deleted."))
    return redirect("worklists:views")
