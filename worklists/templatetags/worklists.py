"""Template tags of the working lists: sortable headers, the saved-views bar, bulk forms."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from ..forms import RequestBulkForm, SaveViewForm
from ..selectors import clean_query, default_url_for, page_url, saved_view_list_for

register = template.Library()
ARROWS = {"ascending": "▲", "descending": "▼", "none": "↕"}


@register.simple_tag(takes_context=True)
def sort_th(context, column: str, label: str, css: str = "") -> str:
    """A column header that sorts the list by ``column`` (aria-sort says the current order).

    Without a ``sort_columns`` whitelist in the context (inbox, my requests) a plain header.
    """
    columns = context.get("sort_columns")
    if not columns or column not in columns:
        return format_html('<th scope="col" class="{}">{}</th>', css, label)
    sort = context.get("sort")
    query = context["request"].GET.copy()
    query.pop("page", None)
    if sort is not None and sort.key == column and not sort.descending:
        query["sort"] = f"-{column}"
    else:
        query["sort"] = column
    aria = sort.aria(column) if sort is not None else "none"
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}">'
        '<a class="sort" href="?{}">{}<span aria-hidden="true"> {}</span></a></th>',
        css,
        aria,
        query.urlencode(),
        label,
        ARROWS[aria],
    )


@register.inclusion_tag("worklists/_views_bar.html", takes_context=True)
def saved_views_bar(context, page: str) -> dict:
    """The user's views of ``page``, the role's default view and a form saving the current filters."""
    request = context["request"]
    query = clean_query(page, request.GET.urlencode())
    views = [(v, page_url(v.page, v.query)) for v in saved_view_list_for(request.user, page)]
    return {
        "views": views,
        "current": query,
        "default_url": default_url_for(request.user, page),
        "form": SaveViewForm(initial={"page": page, "query": query}),
        "share_url": request.build_absolute_uri(page_url(page, query)),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def request_bulk_form() -> RequestBulkForm:
    return RequestBulkForm()
