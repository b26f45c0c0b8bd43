from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "連携・通知 / Integrations"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
