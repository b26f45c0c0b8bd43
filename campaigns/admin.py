from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin
from governance import policy

from .models import (
    CampaignRequest,
    CampaignResult,
    CampaignType,
    Channel,
    RequestEvent,
    ResultImport,
    Survey,
    SurveyResponse,
)


@admin.register(CampaignType)
class CampaignTypeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "is_active"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en"]


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RequestEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "comment"]


@admin.register(CampaignRequest)
class CampaignRequestAdmin(admin.ModelAdmin):
    """Requests are read here; state changes happen only through the workflow (pages/API)."""

    list_display = ["id", "name", "campaign_type", "business_unit", "requester", "state", "launch_date", "budget"]
    list_filter = ["state", "campaign_type", "business_unit"]
    search_fields = ["name", "objective"]
    list_select_related = ["campaign_type", "business_unit", "requester"]
    date_hierarchy = "launch_date"
    readonly_fields = [
        "state",
        "governance_model",
        "governance_params",
        "approval_round",
        "approval_step",
        "approval_steps",
        "submitted_at",
        "decided_at",
        "launched_at",
        "created_at",
    ]
    inlines = [EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(policy.request_visibility_q(request.user)).distinct()

    def has_add_permission(self, request):
        # Requests are created through the form so that validation and the audit log apply.
        return False


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: read-only, append-only."""

    list_display = ["at", "request", "action", "from_state", "to_state", "actor"]
    list_filter = ["action", "to_state"]
    list_select_related = ["request", "actor"]
    search_fields = ["request__name", "comment"]


@admin.register(CampaignResult)
class CampaignResultAdmin(admin.ModelAdmin):
    list_display = [
        "request",
        "actual_spend",
        "leads",
        "mqls",
        "sqls",
        "won_deals",
        "won_revenue",
        "retained_revenue_12m",
        "source",
        "updated_at",
    ]
    list_select_related = ["request"]
    search_fields = ["request__name"]
    raw_id_fields = ["request"]


@admin.register(ResultImport)
class ResultImportAdmin(admin.ModelAdmin):
    list_display = ["at", "filename", "rows", "created", "updated", "by"]
    readonly_fields = ["at", "filename", "sha256", "mapping", "rows", "created", "updated", "by"]

    def has_add_permission(self, request):
        return False


class SurveyResponseInline(admin.TabularInline):
    model = SurveyResponse
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["quarter", "anonymous", "opened_at", "closed_at"]
    inlines = [SurveyResponseInline]
