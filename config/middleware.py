"""Per-user language and time zone (falling back to the browser's language), and the request log line."""

from __future__ import annotations

import logging
import re
import time
import uuid
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

            pref = (
                NotificationPreference.objects.filter(user=user)
                .only("language", "language_chosen", "time_zone")
                .first()
            )
        # A user who never chose a language keeps LocaleMiddleware's answer (the browser's language).
        chosen = pref is not None and pref.language_chosen
        if chosen:
            translation.activate(pref.language)
            request.LANGUAGE_CODE = pref.language
        if pref is not None:
            try:
                timezone.activate(zoneinfo.ZoneInfo(pref.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        response = self.get_response(request)
        if chosen:
            response.headers.setdefault("Content-Language", pref.language)
        if pref is not None:
            timezone.deactivate()
        return response


_request_log = logging.getLogger("mops.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """One log line per request: id, user id, method, path, status, duration (JSON in production).

    The id comes from a sane ``X-Request-ID`` header (set by a proxy) or is made here, and is
    returned in the response so a user's report can be matched to the line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        user = getattr(request, "user", None)
        status = response.status_code
        _request_log.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "request",
            extra={
                "request_id": request.id,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        response.headers["X-Request-ID"] = request.id
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
