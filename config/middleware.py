"""Per-user language and time zone, falling back to the browser's language (LocaleMiddleware)."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Activate the signed-in user's chosen language and time zone for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        pref = None
        if user is not None and user.is_authenticated:
            from integrations.models import NotificationPreference

            pref = NotificationPreference.objects.filter(user=user).only("language", "time_zone").first()
        if pref is not None:
            translation.activate(pref.language)
            request.LANGUAGE_CODE = pref.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(pref.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        response = self.get_response(request)
        if pref is not None:
            response.headers.setdefault("Content-Language", pref.language)
            timezone.deactivate()
        return response
