from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from .setup import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="governance.ensure_roles")
