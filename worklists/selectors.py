"""Reads for working lists: a user's saved views and the default filters of each role."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse

from governance import policy, roles
from tasks.forms import TaskFilter

from .models import Page, SavedView

PAGE_URLS = {Page.REQUESTS: "campaigns:list", Page.BOARD: "tasks:board", Page.TASKS: "worklists:tasks"}
# Querystring keys a view may keep per page (filters and sort); anything else is dropped.
TASK_FILTER_KEYS = set(TaskFilter.base_filters)  # the board's and the list's filters
PAGE_KEYS = {
    Page.REQUESTS: {"state", "campaign_type", "business_unit", "launch_from", "launch_to", "q", "assignee", "sort"},
    Page.BOARD: TASK_FILTER_KEYS,
    Page.TASKS: TASK_FILTER_KEYS | {"sort"},
}


def clean_query(page: str, query: str) -> str:
    """``query`` with only the page's filter keys, empty values dropped (what a view stores)."""
    data = QueryDict(query or "")
    keep = PAGE_KEYS.get(page, set())
    pairs = [(k, v) for k in data for v in data.getlist(k) if k in keep and v.strip()]
    return urlencode(pairs)


def page_url(page: str, query: str = "") -> str:
    """The list page with ``query`` applied: the shareable URL of a view."""
    url = reverse(PAGE_URLS[page])
    return f"{url}?{query}" if query else url


def saved_view_list_for(user: Any, page: str | None = None) -> QuerySet[SavedView]:
    """``user``'s own views (views are private; share one by its URL)."""
    qs = SavedView.objects.filter(owner_id=getattr(user, "pk", None))
    return qs.filter(page=page) if page else qs


def saved_view_get_for(user: Any, view_id: int) -> SavedView:
    """One of ``user``'s own views, or Http404 (someone else's view does not exist for them)."""
    view = saved_view_list_for(user).filter(pk=view_id).first()
    if view is None:
        raise Http404("Saved view not found")
    return view


def default_filters_for(user: Any, page: str) -> dict[str, str]:
    """The filters a role starts from on ``page`` (its home queue; the role-home work links it).

    Approvers: requests waiting for a decision. Requesters: their units' requests. MOps: open
    work, unassigned first on the task lists. Specialists: their own tasks.
    """
    if page == Page.REQUESTS:
        if policy.is_ops(user):
            return {"state": "in_production", "sort": "launch"}
        if policy.has_role(user, roles.APPROVER):
            return {"state": "submitted", "sort": "launch"}
        return {"sort": "-id"}
    if policy.is_ops(user):
        return {"assignee": "none"}
    if policy.has_role(user, roles.SPECIALIST):
        return {"assignee": user.username}
    return {}


def default_url_for(user: Any, page: str) -> str:
    filters = default_filters_for(user, page)
    if page == Page.BOARD:
        filters.pop("sort", None)
    return page_url(page, urlencode(filters))
