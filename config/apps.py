from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    label = "mops_config"
    verbose_name = "MOps Desk"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deploy checks)
            lookups,
        )

        lookups.register()
        # <id:pk> in every URLconf (registered here, before the first URLconf is loaded).
        from django.urls import register_converter

        from campaigns.params import IdConverter

        register_converter(IdConverter, "id")

        from django_q.signals import post_execute

        from .joblog import log_job

        post_execute.connect(log_job, dispatch_uid="mops-job-log")

        from .logging_filters import install

        install()
