"""Configuration in the admin. Workflow state and the audit log are read-only here."""
from __future__ import annotations
from django.utils.translation import gettext_lazy as _

from django.contrib import admin

from sla.admin import NotifyHooksMixin

from .models import (
    DeadlineRecompute, KeyCounter, Person, SlaNotification, Task, TaskComment, TaskEvent, TaskPause, TaskTemplate,
    TaskType, TemplateDependency, TemplateEntry, TimeOff, WorkRole,
)


@admin.register(WorkRole)
class WorkRoleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "hourly_rate"]
    list_editable = ["hourly_rate"]


@admin.register(TaskType)
class TaskTypeAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "role", "kind", "default_estimated_hours", "lead_time_days", "sla_policy",
                    "is_active"]
    list_filter = ["role", "kind", "is_active", "sla_policy"]
    search_fields = ["slug", "name", "name_en"]


class TemplateEntryInline(admin.TabularInline):
    model = TemplateEntry
    extra = 0
    fields = ["order", "task_type", "title", "condition", "estimated_hours", "auto_assignee", "auto_assign_suggested"]
    ordering = ["order", "id"]


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "campaign_type", "is_active"]
    inlines = [TemplateEntryInline]


class TemplateDependencyInline(admin.TabularInline):
    """Predecessors of an entry; TemplateDependency.clean() refuses cycles with a clear error."""

    model = TemplateDependency
    fk_name = "entry"
    extra = 1
    verbose_name = _("Predecessor")
    verbose_name_plural = _("Predecessors (must be done first)")


@admin.register(TemplateEntry)
class TemplateEntryAdmin(admin.ModelAdmin):
    list_display = ["template", "order", "task_type", "title", "condition", "auto_assignee"]
    list_filter = ["template", "condition"]
    inlines = [TemplateDependencyInline]


@admin.register(TemplateDependency)
class TemplateDependencyAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "entry"]
    list_filter = ["entry__template"]


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TaskEventInline(ReadOnlyMixin, admin.TabularInline):
    model = TaskEvent
    extra = 0
    fields = ["at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """Tasks change through the board and API (audited); the admin edits descriptive fields only."""

    list_display = ["key", "title", "campaign", "task_type", "assignee", "state", "due_at", "sla_state"]
    list_filter = ["state", "sla_state", "task_type"]
    search_fields = ["key", "title", "campaign__name"]
    list_select_related = ["campaign", "task_type", "assignee"]
    readonly_fields = ["key", "number", "campaign", "template_entry", "task_type", "assignee", "state", "actual_hours",
                       "hourly_rate", "sla_start_at", "due_at", "at_risk_at", "sla_state", "started_at", "completed_at",
                       "created_at"]
    fields = ["key", "campaign", "task_type", "template_entry", "title", "description", "position", "estimated_hours",
              *readonly_fields[5:]]
    inlines = [TaskEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskEvent)
class TaskEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "task", "action", "from_state", "to_state", "actor"]
    list_filter = ["action"]
    list_select_related = ["task", "actor"]


@admin.register(TaskPause)
class TaskPauseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["task", "started_at", "ended_at", "reason"]


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):
    list_display = ["task", "author", "created_at"]


@admin.register(Person)
class PersonAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["user", "weekly_hours", "is_active"]
    filter_horizontal = ["roles"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["user", "start", "end", "note"]


@admin.register(KeyCounter)
class KeyCounterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "value"]


@admin.register(SlaNotification)
class SlaNotificationAdmin(admin.ModelAdmin):
    list_display = ["task", "recipient", "kind", "role", "changed_at", "send_after", "sent_at"]
    list_filter = ["kind", "role"]
    list_select_related = ["task", "recipient"]
    readonly_fields = ["task", "recipient", "kind", "role", "changed_at", "send_after", "sent_at", "claim", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DeadlineRecompute)
class DeadlineRecomputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "reason", "total", "done", "changed", "started_by", "created_at", "finished_at"]
    readonly_fields = ["status", "reason", "total", "done", "changed", "error", "started_by", "created_at",
                       "started_at", "finished_at"]

    def has_add_permission(self, request) -> bool:
        return False
