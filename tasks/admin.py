"""Configuration in the admin. Workflow state and the audit log are read-only here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdminMixin
from governance import policy
from governance.models import BusinessUnit
from sla.admin import NotifyHooksMixin

from .models import (
    DeadlineRecompute,
    Deliverable,
    KeyCounter,
    Person,
    SlaNotification,
    Task,
    TaskComment,
    TaskEvent,
    TaskPause,
    TaskTemplate,
    TaskType,
    TemplateDependency,
    TemplateEntry,
    TimeOff,
    WorkloadSnapshot,
    WorkRole,
)


@admin.register(WorkRole)
class WorkRoleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "hourly_rate"]
    list_editable = ["hourly_rate"]


@admin.register(TaskType)
class TaskTypeAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = [
        "slug",
        "name",
        "name_en",
        "role",
        "kind",
        "default_estimated_hours",
        "lead_time_days",
        "sla_policy",
        "review_by",
        "deliverable",
        "is_active",
    ]
    list_filter = ["role", "kind", "is_active", "sla_policy", "review_by", "deliverable"]
    search_fields = ["slug", "name", "name_en"]


def _may_edit(request, obj) -> bool:
    """governance.policy decides who edits a template: MOps/Admin the central ones, a unit head
    their unit's (unless the unit runs centralised)."""
    return policy.can_edit_template(request.user, template_unit_id=obj.unit_id if obj is not None else None)


def _edits_some_template(request) -> bool:
    user = request.user
    if policy.is_ops(user):
        return True
    return any(
        policy.can_edit_template(user, template_unit_id=pk)
        for pk in BusinessUnit.objects.filter(head=user).values_list("pk", flat=True)
    )


class TemplateEntryInline(admin.TabularInline):
    model = TemplateEntry
    extra = 0
    fields = [
        "order",
        "task_type",
        "title",
        "condition",
        "anchor",
        "offset_days",
        "estimated_hours",
        "auto_assignee",
        "auto_assign_suggested",
    ]
    ordering = ["order", "id"]

    # obj is the parent template: whoever may edit it edits its entries.
    def has_view_permission(self, request, obj=None):
        return obj is None or _may_edit(request, obj) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return _edits_some_template(request) if obj is None else _may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return _edits_some_template(request) if obj is None else _may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _edits_some_template(request) if obj is None else _may_edit(request, obj)


class TaskTemplateForm(forms.ModelForm):
    class Meta:
        model = TaskTemplate
        fields = "__all__"  # noqa: DJ007 (the admin edits every field of a template)

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        user = getattr(self, "current_user", None)
        if user is not None and not policy.can_edit_template(user, template_unit_id=unit.pk if unit else None):
            raise forms.ValidationError(
                _("You may not edit central templates or templates of this unit under its governance model.")
            )
        return data


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    """Central templates: MOps/Admin. A unit's templates: its head too, unless the unit is
    centralised (governance.policy.can_edit_template)."""

    form = TaskTemplateForm
    list_display = ["__str__", "campaign_type", "unit", "is_active"]
    list_filter = ["unit", "is_active"]
    list_select_related = ["campaign_type", "unit"]
    inlines = [TemplateEntryInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if policy.is_ops(request.user):
            return qs
        return qs.filter(unit__head=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and not policy.is_ops(request.user):
            kwargs["queryset"] = BusinessUnit.objects.filter(head=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or _edits_some_template(request)

    def has_view_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return _edits_some_template(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return _edits_some_template(request)
        return _may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return _edits_some_template(request)
        return _may_edit(request, obj)


class TemplateDependencyInline(admin.TabularInline):
    """Predecessors of an entry; TemplateDependency.clean() refuses cycles with a clear error."""

    model = TemplateDependency
    fk_name = "entry"
    extra = 1
    verbose_name = _("Predecessor")
    verbose_name_plural = _("Predecessors (must be done first)")


@admin.register(TemplateEntry)
class TemplateEntryAdmin(admin.ModelAdmin):
    list_display = ["template", "order", "task_type", "title", "condition", "anchor", "offset_days", "auto_assignee"]
    list_filter = ["template", "condition", "anchor"]
    inlines = [TemplateDependencyInline]


@admin.register(TemplateDependency)
class TemplateDependencyAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "entry"]
    list_filter = ["entry__template"]


class TaskEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TaskEvent
    extra = 0
    fields = ["at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields


class DeliverableInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Deliverable versions (append-only: read-only here)."""

    model = Deliverable
    extra = 0
    fields = ["version", "original_name", "url", "note", "submitted_by", "created_at"]
    readonly_fields = fields


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """Tasks change through the board and API (audited); the admin edits descriptive fields only."""

    list_display = ["key", "title", "campaign", "task_type", "assignee", "state", "due_at", "sla_state"]
    list_filter = ["state", "sla_state", "task_type"]
    search_fields = ["key", "title", "campaign__name"]
    list_select_related = ["campaign", "task_type", "assignee"]
    readonly_fields = [
        "key",
        "number",
        "campaign",
        "template_entry",
        "task_type",
        "assignee",
        "state",
        "actual_hours",
        "hourly_rate",
        "sla_start_at",
        "due_at",
        "at_risk_at",
        "sla_state",
        "started_at",
        "completed_at",
        "created_at",
    ]
    fields = [
        "key",
        "campaign",
        "task_type",
        "template_entry",
        "title",
        "description",
        "position",
        "estimated_hours",
        *readonly_fields[5:],
    ]
    inlines = [TaskEventInline, DeliverableInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskEvent)
class TaskEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "task", "action", "from_state", "to_state", "actor"]
    list_filter = ["action"]
    list_select_related = ["task", "actor"]


@admin.register(TaskPause)
class TaskPauseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task", "started_at", "ended_at", "reason"]


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):
    """Read-only: comments are written, edited and deleted on the task page or the API (audited
    there); a deleted comment keeps its text here for admins only."""

    list_display = ["task", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["task__key", "author__username", "body"]
    list_select_related = ["task", "author"]
    readonly_fields = ["task", "author", "body", "created_at", "edited_at", "deleted_at", "deleted_by"]
    exclude = ["body_html"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["user", "weekly_hours", "is_active"]
    filter_horizontal = ["roles"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["user", "start", "end", "note"]


@admin.register(KeyCounter)
class KeyCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "value"]


@admin.register(SlaNotification)
class SlaNotificationAdmin(admin.ModelAdmin):
    list_display = ["task", "recipient", "kind", "role", "changed_at", "send_after", "sent_at"]
    list_filter = ["kind", "role"]
    list_select_related = ["task", "recipient"]
    readonly_fields = [
        "task",
        "recipient",
        "kind",
        "role",
        "changed_at",
        "send_after",
        "sent_at",
        "claim",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DeadlineRecompute)
class DeadlineRecomputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "reason", "total", "done", "changed", "started_by", "created_at", "finished_at"]
    readonly_fields = [
        "status",
        "reason",
        "total",
        "done",
        "changed",
        "error",
        "started_by",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WorkloadSnapshot)
class WorkloadSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived rows: read-only; deleting some makes the next hourly run replay those weeks."""

    list_display = ["at", "computed_at", "people"]
    date_hierarchy = "at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
