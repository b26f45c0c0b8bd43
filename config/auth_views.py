"""The API token endpoint, throttled per client address and per username."""

from __future__ import annotations

import hashlib

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from campaigns.params import BoundedJSONParser


class LoginAddressThrottle(AnonRateThrottle):
    """Token requests per client address (rate ``login``): stops spraying across usernames.

    The address is REMOTE_ADDR unless ``NUM_PROXIES`` says how many proxies to trust, so a
    forged X-Forwarded-For does not give an attacker a fresh bucket.
    """

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        # Counted for every caller: the token endpoint is where credentials are guessed.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(SimpleRateThrottle):
    """Token requests per username (rate ``login_username``): stops one account being sprayed
    from many addresses. The username is case-folded, as people type it either way."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        try:
            username = request.data.get("username")
        except AttributeError:  # a JSON list or scalar body: no username to count
            return None
        if not isinstance(username, str) or not username.strip():
            return None
        # Hashed: a username may hold characters a cache key may not (spaces, NUL, any script).
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenView(ObtainAuthToken):
    """POST username/password -> API token; rate-limited and covered by the login lockout."""

    # ObtainAuthToken sets throttle_classes = (), which silently switched the scope off.
    throttle_classes = (LoginAddressThrottle, LoginUsernameThrottle)
    parser_classes = (FormParser, MultiPartParser, BoundedJSONParser)
