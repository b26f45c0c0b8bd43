"""API list pagination: page numbers by default, keyset ("cursor") paging on request.

Page numbers (``?page=``) answer with ``count`` and ``count_capped`` and read ``OFFSET (page - 1)
* size`` rows, so a deep page costs as much as all the rows before it. The count is bounded: exact
up to ``COUNT_LIMIT`` rows, past it ``count_capped`` is true and ``count`` a lower bound ("10,000+").
``?paging=cursor`` (or any ``?cursor=`` the answer links to) switches to DRF's keyset paging:
no count, and each page starts where the previous one ended through the list's ordering index,
whatever its depth. Current clients keep the page-number answers; integrations that walk a
whole list should follow ``next`` with ``paging=cursor`` (issue 19).
"""

from __future__ import annotations

import json
from math import ceil
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

CURSOR_MODE = "cursor"


class KeysetPagination(CursorPagination):
    """Keyset paging over the list's own ordering (the one its index serves).

    DRF's ``CursorPagination`` keys on the first ordering column and counts an offset through rows
    that tie on it (bulk-created rows share ``created_at``: the offset grows with the tie). Here the
    cursor holds the values of every ordering column, ending with the primary key, and a page is
    the rows after that key in lexicographic order: ``a >= x AND (a > x OR (a = x AND ...))``,
    which the ordering index answers as a range.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = tuple(queryset.query.order_by or queryset.model._meta.ordering or ())
        if ordering and ordering[-1].lstrip("-") not in ("id", "pk"):
            ordering = (*ordering, "id")
        opts = queryset.model._meta
        for term in ordering:
            # Plain non-null columns of the row only: a NULL has no place in a key comparison.
            name = term.lstrip("-") if isinstance(term, str) else ""
            try:
                field = opts.pk if name == "pk" else opts.get_field(name.removesuffix("_id"))
            except Exception:
                field = None
            if field is None or field.null or "__" in name or getattr(field, "many_to_many", False):
                raise ValidationError({"paging": [_("Cursor paging is not available with this sort.")]})
        return ordering

    @staticmethod
    def _key(instance: Any, ordering: tuple[str, ...]) -> str:
        values = []
        for term in ordering:
            value = getattr(instance, "pk" if term.lstrip("-") == "pk" else term.lstrip("-"))
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return json.dumps(values, default=str)

    @staticmethod
    def _after(ordering: tuple[str, ...], values: list, *, reverse: bool) -> Q:
        """Rows strictly after ``values`` in ``ordering`` (before them when ``reverse``)."""
        q = None
        for i in reversed(range(len(ordering))):
            name = ordering[i].lstrip("-")
            descending = ordering[i].startswith("-") != reverse
            step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
            q = step if q is None else step | (Q(**{name: values[i]}) & q)
        first = ordering[0].lstrip("-")
        bound = "lte" if ordering[0].startswith("-") != reverse else "gte"
        return Q(**{f"{first}__{bound}": values[0]}) & q

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self.cursor.position if self.cursor else None
        queryset = queryset.order_by(*(_reverse(self.ordering) if reverse else self.ordering))
        if position is not None:
            try:
                values = json.loads(position)
                if not isinstance(values, list) or len(values) != len(self.ordering):
                    raise ValueError
                queryset = queryset.filter(self._after(self.ordering, values, reverse=reverse))
            except (ValueError, DjangoValidationError):
                raise NotFound(self.invalid_cursor_message) from None
        rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = position is not None if not reverse else more
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self._key(self.page[-1], self.ordering)))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self._key(self.page[0], self.ordering)))


def _reverse(ordering: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(o[1:] if o.startswith("-") else f"-{o}" for o in ordering)


# From this row on, a page-number page first reads the page's ids alone (see DeepPaginator).
DEEP_OFFSET = 200
# Page-number answers count matching rows up to this many; past it ``count`` is a lower bound and
# ``count_capped`` is true ("10,000+", as GitLab and GitHub search answer).
COUNT_LIMIT = 10_000
MAX_OFFSET = 2**62  # an OFFSET must stay a 64-bit integer on both databases


class DeepPaginator(DjangoPaginator):
    """Django's paginator with a bounded count; a deep page reads its ids first, then its rows by id.

    The count reads at most ``COUNT_LIMIT + 1`` rows: counting every visible row cost as much as the
    whole list (a specialist sees nearly every task). Past the limit ``count`` is ``COUNT_LIMIT``
    and ``count_capped`` is set; a page whose rows lie past the limit is not counted at all: it
    reads its ids plus one (is there a next page?) and reports the rows up to its end as the lower
    bound, exact on the last page. ``exact = True`` (``?page=last``) counts every row.

    ``OFFSET n`` over the list query makes the database build (join, and on SQLite read) every
    skipped row; over the ids alone it walks the ordering index only. One more query, and only
    for pages past ``DEEP_OFFSET`` rows of a plain (not DISTINCT) queryset."""

    exact = False
    count_capped = False

    @cached_property
    def count(self) -> int:
        if self.exact:
            return super().count
        rows = self.object_list
        if hasattr(rows, "query") and hasattr(rows, "order_by"):
            # SELECT COUNT(*) FROM (... LIMIT n): the database stops at the limit.
            counted = rows.order_by()[: COUNT_LIMIT + 1].count()
        else:
            counted = len(rows[: COUNT_LIMIT + 1])
        if counted > COUNT_LIMIT:
            self.count_capped = True
            return COUNT_LIMIT
        return counted

    @cached_property
    def num_pages(self) -> int:
        count = self.count  # sets count_capped
        if self.count_capped:
            # A lower bound: one page more than counted, so the last counted page links on.
            return ceil((count + 1) / self.per_page)
        return super().num_pages

    def page(self, number: Any) -> Any:
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own PageNotAnInteger
        bottom = (number - 1) * self.per_page
        if self.exact or number < 1 or bottom + self.per_page < COUNT_LIMIT:
            return self._page(self.validate_number(number))
        return self._uncounted_page(number, bottom)

    def _page(self, number: int) -> Any:
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count and not self.count_capped:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _uncounted_page(self, number: int, bottom: int) -> Any:
        """A page past the counted rows: its ids and one more, no count (see the class docstring)."""
        if bottom > MAX_OFFSET:
            raise EmptyPage(_("That page contains no results"))  # past any table, and past SQL's integers
        found = list(self._rows(bottom, bottom + self.per_page + 1))  # one more: is there a next page?
        if not found:
            raise EmptyPage(_("That page contains no results"))
        more = len(found) > self.per_page
        found = found[: self.per_page]
        self.__dict__["count"] = bottom + len(found)
        self.count_capped = more
        self.__dict__["num_pages"] = number + 1 if more else number
        return self._get_page(found, number, self)

    @staticmethod
    def _by_ids(rows: Any) -> bool:
        query = getattr(rows, "query", None)
        return query is not None and not query.distinct and hasattr(rows, "values_list")

    def _rows(self, bottom: int, top: int) -> Any:
        rows = self.object_list
        if bottom < DEEP_OFFSET or not self._by_ids(rows):
            return rows[bottom:top]
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        by_id = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
        return [by_id[pk] for pk in ids if pk in by_id]


class Pagination(PageNumberPagination):
    """Page numbers with a client-chosen size (``?page_size=``), capped to protect the server;
    keyset paging with ``?paging=cursor`` (see the module docstring)."""

    django_paginator_class = DeepPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def __init__(self) -> None:
        self.keyset: KeysetPagination | None = None

    @staticmethod
    def wants_cursor(request: Any) -> bool:
        params = request.query_params
        return params.get("paging") == CURSOR_MODE or "cursor" in params

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        if self.wants_cursor(request):
            self.keyset = KeysetPagination()
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            paginator.exact = True  # the last page is asked for by its position: count every row
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data: Any) -> Any:
        if self.keyset is not None:
            return self.keyset.get_paginated_response(data)
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.count_capped
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        out = super().get_paginated_response_schema(schema)
        out["required"] = ["results"]
        out["properties"]["count"]["description"] = (
            f"Page-number paging only (absent with paging=cursor). Exact up to {COUNT_LIMIT:,} rows; "
            "when `count_capped` is true it is a lower bound: at least this many rows match, and more."
        )
        out["properties"]["count_capped"] = {
            "type": "boolean",
            "description": (
                f"Page-number paging only. True when more rows match than were counted: `count` is "
                f"{COUNT_LIMIT:,} (or, on a page past that row, the rows up to the page's end) and "
                "`next` leads on. `?page=last` counts every row."
            ),
            "example": False,
        }
        return out

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "paging",
                "required": False,
                "in": "query",
                "description": (
                    "'cursor': keyset paging for deep lists. The answer has no count; follow `next` "
                    "(it carries `cursor`). Page numbers stay the default; deep page numbers read every "
                    "row before the page."
                ),
                "schema": {"type": "string", "enum": [CURSOR_MODE]},
            },
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "The position of a keyset page, as given in `next` / `previous`.",
                "schema": {"type": "string"},
            },
        ]
