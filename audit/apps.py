from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The append-only event base every app's audit log is built on (no tables of its own)."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Audit")
