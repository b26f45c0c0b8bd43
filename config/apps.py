from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    label = "mops_config"
    verbose_name = "MOps Desk"

    def ready(self) -> None:
        from .logging_filters import install

        install()
