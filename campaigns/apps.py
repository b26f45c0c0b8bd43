from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from governance import services as governance_services

        from .selectors import in_flight_by_unit

        # The governance settings preview counts in-flight requests per unit.
        if in_flight_by_unit not in governance_services.in_flight_counters:
            governance_services.in_flight_counters.append(in_flight_by_unit)
