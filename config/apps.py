from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    label = "mops_config"
    verbose_name = "MOps Desk"
