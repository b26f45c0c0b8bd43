"""Deployment system checks of our own (run by ``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# The development key as settings.py ships it; kept here too so a check still fires when a
# deployment copies the value into its environment.
DEV_SECRET_KEY = "dev-insecure-mops-desk-key-change-me-in-production-0123456789"


@register(Tags.security, deploy=True)
def check_secret_key_is_not_the_development_key(app_configs=None, **kwargs) -> list[Error]:
    """The built-in key is public (it is in the repository), so sessions, password-reset tokens
    and webhook secrets signed with it can be forged. Django's own check only asks that a key
    be long and varied, which ours is, so it passed."""
    keys = [getattr(settings, "SECRET_KEY", "")] + list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    dev = {DEV_SECRET_KEY, getattr(settings, "DEV_SECRET_KEY", DEV_SECRET_KEY)}
    if any(key in dev for key in keys):
        return [
            Error(
                "SECRET_KEY (or a SECRET_KEY_FALLBACKS entry) is the built-in development key.",
                hint="Set the SECRET_KEY environment variable to a long random value, e.g. "
                "python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'.",
                id="mops.E001",
            )
        ]
    return []
