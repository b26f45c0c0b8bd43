"""Whitelisted ``?sort=`` ordering for list pages and APIs (shared by requests and tasks).

``sort`` is a column key, ``-key`` for descending. Only keys in the list's whitelist order the
rows; the primary key is always the last ordering term, so pages are stable when values tie.
Missing values (no due date, no assignee) sort last either way.
"""

from __future__ import annotations

import dataclasses

from django.db.models import F, QuerySet


@dataclasses.dataclass(frozen=True)
class Sort:
    key: str  # the column key ("" when the list's default order applies)
    descending: bool

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def aria(self, column: str) -> str:
        """The aria-sort value of ``column``'s header."""
        if column != self.key:
            return "none"
        return "descending" if self.descending else "ascending"

    def toggle(self, column: str) -> str:
        """The ``sort`` value a click on ``column``'s header asks for."""
        return f"-{column}" if column == self.key and not self.descending else column


def parse_sort(value: str | None, whitelist: dict[str, tuple[str, ...]]) -> Sort | None:
    """The Sort ``value`` asks for, or None when it names no whitelisted column."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in whitelist:
        return None
    return Sort(key, descending)


def apply_sort(qs: QuerySet, sort: Sort | None, whitelist: dict[str, tuple[str, ...]], default: tuple[str, ...]):
    """``qs`` ordered by ``sort`` (or ``default``), with the primary key as the tie-breaker."""
    if sort is None:
        return qs.order_by(*default)
    terms = []
    for field in whitelist[sort.key]:
        expr = F(field)
        terms.append(expr.desc(nulls_last=True) if sort.descending else expr.asc(nulls_last=True))
    terms.append(F("pk").desc() if sort.descending else F("pk").asc())
    return qs.order_by(*terms)


def parse_sort_strict(value: str | None, whitelist: dict[str, tuple[str, ...]]) -> Sort | None:
    """For the API: None when ``value`` is empty, a ValidationError (400) when it is not allowed."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not (value or "").strip():
        return None
    sort = parse_sort(value, whitelist)
    if sort is None:
        allowed = ", ".join(sorted(whitelist))
        message = _("Sort by one of: %(fields)s (prefix - for descending).") % {"fields": allowed}
        raise ValidationError({"sort": [message]})
    return sort
