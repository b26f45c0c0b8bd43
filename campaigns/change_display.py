"""The "changed since last submission" table, in the reader's language.

A resubmission event stores raw snapshot values (``{"budget": ["800000", "600000"]}``, slugs,
ISO dates, "True"/"False") so the audit stays exact. This turns them into rows a person reads:
the model field's translated label, ``¥800,000 → ¥600,000``, dates in the locale's format,
choice and table values by their label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from governance.models import BusinessUnit

from .models import CampaignRequest, CampaignType, Channel

# Amount fields in JPY (the form asks for yen); other decimals are plain numbers.
YEN_FIELDS = frozenset({"budget", "target_pipeline", "target_revenue"})
EMPTY = "—"


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: str
    after: str


def _field(name: str) -> models.Field | None:
    try:
        return CampaignRequest._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _names(model: type[models.Model], slugs: set[str]) -> dict[str, str]:
    if not slugs:
        return {}
    return {obj.slug: str(obj) for obj in model.objects.filter(slug__in=slugs)}


def _format(name: str, field: models.Field | None, value: Any, lookups: dict[str, dict[str, str]]) -> str:
    if value in (None, "", []):
        return EMPTY
    if name == "channels":
        return ", ".join(lookups["channels"].get(s, s) for s in value)
    if name in ("campaign_type", "business_unit"):
        return lookups[name].get(value, value)
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if str(value) in ("True", "true", "1") else _("No")
    if isinstance(field, models.DateField):
        try:
            return date_format(dt.date.fromisoformat(str(value)[:10]), "DATE_FORMAT")
        except ValueError:
            return str(value)
    if isinstance(field, (models.DecimalField, models.IntegerField)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if name in YEN_FIELDS:
            return "¥" + intcomma(int(number))
        if isinstance(field, models.DecimalField) and number != number.to_integral_value():
            return number_format(number, decimal_pos=field.decimal_places, force_grouping=True)
        return intcomma(int(number))
    return str(value)


def change_rows(changes: dict[str, list]) -> list[ChangeRow]:
    """Rows for the request page, in the order the form shows the fields (two queries at most)."""
    slugs: dict[str, set[str]] = {"campaign_type": set(), "business_unit": set(), "channels": set()}
    for name in slugs:
        for value in changes.get(name) or []:
            if isinstance(value, list):
                slugs[name].update(value)
            elif value:
                slugs[name].add(value)
    lookups = {
        "campaign_type": _names(CampaignType, slugs["campaign_type"]),
        "business_unit": _names(BusinessUnit, slugs["business_unit"]),
        "channels": _names(Channel, slugs["channels"]),
    }
    rows = []
    for name, pair in changes.items():
        field = _field(name)
        before, after = (list(pair) + [None, None])[:2]
        label = str(field.verbose_name) if field is not None else name
        rows.append(ChangeRow(name, label, _format(name, field, before, lookups), _format(name, field, after, lookups)))
    return rows
