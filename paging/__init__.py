"""Paging of long lists, for the HTML pages and the API alike (issue 19).

``DeepPaginator`` is Django's paginator with a bounded count and deep pages read ids first; the
API's page-number paging (``config.pagination``) and the HTML lists use it. No app imports: every
layer may page.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

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
    bound, exact on the last page. ``exact=True`` (the HTML lists, the API's ``?page=last``) counts
    every row.

    ``OFFSET n`` over the list query makes the database build (join, and on SQLite read) every
    skipped row; over the ids alone it walks the ordering index only. One more query, and only
    for pages past ``DEEP_OFFSET`` rows of a plain (not DISTINCT) queryset."""

    count_capped = False

    def __init__(self, *args: Any, exact: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exact = exact

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
