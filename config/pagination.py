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
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

from paging import COUNT_LIMIT, DeepPaginator

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
