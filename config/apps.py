from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    label = "mops_config"
    verbose_name = "MOps Desk"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from .joblog import log_job

        post_execute.connect(log_job, dispatch_uid="mops-job-log")
