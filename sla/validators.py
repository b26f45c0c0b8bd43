"""Field validators for the calendar models (messages in Japanese / English)."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import available_timezones

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    """Refuse names that are not IANA time zones."""
    if value not in _zones():
        raise ValidationError(_("Unknown time zone: %(value)s") % {"value": value})


def validate_country(value: str) -> None:
    """Refuse country codes the ``holidays`` package does not know (blank is allowed)."""
    if value and value.upper() not in holidays_lib.utils.list_supported_countries():
        raise ValidationError(_("Unsupported holiday country: %(value)s") % {"value": value})


def validate_workdays(value: str) -> None:
    """Comma-separated distinct weekday numbers 0-6, at least one."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and 0 <= int(p) <= 6 for p in parts) or len(set(parts)) != len(parts):
        raise ValidationError(_("Comma-separated weekday numbers 0-6."))


def validate_month_day(month: int | None, day: int | None) -> None:
    """Refuse impossible month/day pairs (02-29 is allowed: it exists in leap years)."""
    if month is None or day is None:
        return
    try:
        dt.date(2000, month, day)
    except ValueError as exc:
        raise ValidationError(_("Invalid date: %(month)s/%(day)s") % {"month": month, "day": day}) from exc
