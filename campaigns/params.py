"""The one way to read untrusted parameters: bounded form fields and a bounded JSON parser.

Views and API views validate query parameters with a ``forms.Form`` (or a serializer) built
from these fields instead of calling ``int()`` / ``date.fromisoformat()`` by hand, so odd
input (huge or negative ids, unicode digits, year 0 or 9999, NUL bytes, deep JSON) is a 400
or an empty result, never a 500. Lives in ``campaigns`` because every app that reads
parameters (tasks, knowledge, kpis, integrations, config) may import it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Ids are positive 64-bit integers (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
# Dates the app can compute with: the business-time maths add and subtract weeks, so year 1
# and year 9999 overflow; nobody plans a campaign outside this window.
MIN_DATE = dt.date(1970, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
# JSON bodies: our deepest payload (results import, webhooks) nests 3 levels.
MAX_JSON_DEPTH = 32


class IdField(forms.IntegerField):
    """A database id: ASCII digits only (``"²"`` and full-width digits are refused), 1..2**63-1."""

    default_error_messages = {"invalid": _("Enter a whole number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.strip()
            if value and not (value.isascii() and value.isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class BoundedIntegerField(IdField):
    """A small count (page, weeks, version number): ASCII digits within ``min_value..max_value``."""


class BoundedDateField(forms.DateField):
    """An ISO date between MIN_DATE and MAX_DATE."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(MinValueValidator(MIN_DATE, message=_("Enter a date on or after %(limit_value)s.")))
        self.validators.append(MaxValueValidator(MAX_DATE, message=_("Enter a date on or before %(limit_value)s.")))


class PageParams(forms.Form):
    """``?page=&page_size=`` of the hand-paginated pages and API views."""

    page = BoundedIntegerField(required=False, min_value=1, max_value=10_000)
    page_size = BoundedIntegerField(required=False, min_value=1, max_value=100)


class IdFilter(django_filters.NumberFilter):
    """A django-filter for an id (``?campaign=12``) with IdField's checks instead of a Decimal."""

    field_class = IdField


def parse_params(form_class: type[forms.Form], data: Any) -> forms.Form:
    """Bind and validate ``data`` (``request.GET`` / ``query_params``); check ``.is_valid()``."""
    form = form_class(data)
    form.is_valid()
    return form


def _check_json(value: Any) -> None:
    """Refuse JSON deeper than MAX_JSON_DEPTH and strings with NUL (PostgreSQL cannot store them)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ParseError(_("JSON is nested too deeply."))
        if isinstance(node, dict):
            for k, v in node.items():
                if "\x00" in k:
                    raise ParseError(_("Text may not contain NUL characters."))
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str) and "\x00" in node:
            raise ParseError(_("Text may not contain NUL characters."))


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a depth limit: a deeply nested body was a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON is nested too deeply.")) from None
        _check_json(data)
        return data


__all__ = ["MAX_ID", "BoundedDateField", "BoundedIntegerField", "BoundedJSONParser", "IdField", "parse_params"]


class IdConverter:
    """URL converter ``<id:pk>``: 1 to 19 ASCII digits within MAX_ID; anything else is a 404
    (``<int:>`` accepts any length, and 99999999999999999999999 reached the database)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("id out of range")  # the resolver treats ValueError as no match
        return number

    def to_url(self, value: Any) -> str:
        return str(value)
