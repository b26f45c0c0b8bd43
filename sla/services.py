"""Writes for the sla app.

Calendars and policies are configuration edited in the admin; the only programmatic write so
far is creating the default calendar, which lives next to its model and is re-exported here.
"""

from __future__ import annotations

from .models import DEFAULT_CALENDAR_SLUG, default_calendar

__all__ = ["DEFAULT_CALENDAR_SLUG", "default_calendar"]
