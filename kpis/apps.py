from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    """The quarterly MOps KPI review: figures, dashboard, exports, API and the review PDFs."""

    name = "kpis"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("KPI review")

    def ready(self) -> None:
        from . import signals

        signals.connect()
