from rest_framework.authtoken.views import ObtainAuthToken


class TokenView(ObtainAuthToken):
    """POST username/password -> API token; rate-limited and covered by the login lockout."""

    throttle_scope = "login"
