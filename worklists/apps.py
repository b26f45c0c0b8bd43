from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    """Working lists across apps: global search, saved views and bulk actions."""

    name = "worklists"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Working lists")
