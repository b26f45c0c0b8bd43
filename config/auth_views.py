"""The API token endpoint, throttled per client address and per username."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


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
        return self.cache_format % {"scope": self.scope, "ident": username.strip().casefold()[:150]}


class TokenView(ObtainAuthToken):
    """POST username/password -> API token; rate-limited and covered by the login lockout."""

    # ObtainAuthToken sets throttle_classes = (), which silently switched the scope off.
    throttle_classes = (LoginAddressThrottle, LoginUsernameThrottle)
