from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from campaigns import services as campaign_services

        from . import generation

        campaign_services.request_transitioned.connect(
            generation.on_request_transitioned, dispatch_uid="tasks.on_request_transitioned"
        )
        if generation.launch_guard not in campaign_services.transition_guards:
            campaign_services.transition_guards.append(generation.launch_guard)

        # Launch feasibility on the request form, the request page and the API (campaigns/
        # calls the providers it is given; it does not import tasks).
        from campaigns import selectors as campaign_selectors

        from . import feasibility

        if feasibility.provider not in campaign_selectors.feasibility_providers:
            campaign_selectors.feasibility_providers.append(feasibility.provider)

        # Calendars / policies changed -> recompute open deadlines in the background.
        from django.db.models.signals import post_delete, post_save

        from sla import admin as sla_admin
        from sla.models import Closure, CompanyHoliday, SLAPolicy, WorkingCalendar, WorkingPeriod

        from . import recompute
        from .models import Person, TaskType

        for model in (WorkingCalendar, WorkingPeriod, CompanyHoliday, Closure, SLAPolicy):
            for signal in (post_save, post_delete):
                signal.connect(
                    recompute.on_sla_config_saved,
                    sender=model,
                    dispatch_uid=f"tasks.recompute.{signal is post_save}.{model.__name__}",
                )
        post_save.connect(recompute.on_task_type_saved, sender=TaskType, dispatch_uid="tasks.recompute.task_type")
        post_save.connect(recompute.on_person_saved, sender=Person, dispatch_uid="tasks.recompute.person")
        from . import sla_views

        if sla_views.admin_recompute_message not in sla_admin.admin_change_hooks:
            sla_admin.admin_change_hooks.append(sla_views.admin_recompute_message)
