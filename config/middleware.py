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


class RejectNulMiddleware:
    """Answer 400 to a NUL character in the path, query string or form fields.

    No field of ours may hold one, and PostgreSQL refuses it in any text parameter
    ("A string literal cannot contain NUL"), which surfaced as a 500 from e.g. a search query.
    JSON bodies are checked by the API's parser (campaigns.params.BoundedJSONParser).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext

            message = gettext("Text may not contain NUL characters.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
                    return True
        return False
