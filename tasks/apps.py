from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "タスク / Tasks"

    def ready(self) -> None:
        from campaigns import services as campaign_services

        from . import generation

        campaign_services.request_transitioned.connect(generation.on_request_transitioned,
                                                       dispatch_uid="tasks.on_request_transitioned")
        if generation.launch_guard not in campaign_services.transition_guards:
            campaign_services.transition_guards.append(generation.launch_guard)
