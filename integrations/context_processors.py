"""The header bell's unread count (templates/includes/notification_bell.html)."""

from __future__ import annotations

import functools

from django.http import HttpRequest

from .inbox import unread_count


def notifications(request: HttpRequest) -> dict:
    """``notification_unread`` for signed-in users, nothing for others.

    A cached callable (templates call it): the COUNT runs once, and only when a page renders
    the bell, not for API responses or mails."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache
    def count() -> int:
        return unread_count(user)

    return {"notification_unread": count}
