from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin
from governance import policy

from .models import (
    CampaignRequest,
    CampaignResult,
    CampaignType,
    Channel,
    RequestAttachment,
    RequestComment,
    RequestEvent,
    ResultImport,
    Survey,
    SurveyResponse,
)
from .surveys import QUESTION_FIELDS, free_text_visible


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
    """Answers, read-only. For an anonymous survey the respondent is never shown (anyone with
    view permission, e.g. the CMO, saw names next to free text), and below the free-text
    threshold the text is hidden too, as on the results page."""

    model = SurveyResponse
    extra = 0
    can_delete = False
    show_change_link = False

    def _survey_fields(self, obj) -> list[str]:
        fields = list(QUESTION_FIELDS)
        anonymous = obj is None or obj.anonymous
        if obj is not None and (not anonymous or free_text_visible(obj.responses.count())):
            fields += ["strengthen", "unclear"]
        return fields if anonymous else ["respondent", *fields]

    def get_fields(self, request, obj=None):
        return self._survey_fields(obj)

    def get_readonly_fields(self, request, obj=None):
        return self._survey_fields(obj)

    def get_queryset(self, request):
        # Text order, not answer order: the sequence of answers is itself a clue to who wrote them.
        return super().get_queryset(request).order_by("strengthen", "unclear", "q_overall")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["quarter", "anonymous", "opened_at", "closed_at"]
    inlines = [SurveyResponseInline]


@admin.register(RequestComment)
class RequestCommentAdmin(admin.ModelAdmin):
    """Read-only: comments are written on the request page or the API (audited there)."""

    list_display = ["created_at", "request", "author", "edited_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["request__name", "author__username", "body"]
    list_select_related = ["request", "author"]
    # A deleted comment keeps its text here (admins only); pages and the API show a tombstone.
    readonly_fields = ["request", "author", "body", "created_at", "edited_at", "deleted_at", "deleted_by"]
    exclude = ["body_html"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RequestAttachment)
class RequestAttachmentAdmin(admin.ModelAdmin):
    """Read-only: files are attached on the request page or the API (type-checked and audited)."""

    list_display = ["created_at", "request", "original_name", "content_type", "size", "uploaded_by"]
    search_fields = ["request__name", "original_name"]
    list_select_related = ["request", "uploaded_by"]
    readonly_fields = ["request", "file", "original_name", "content_type", "size", "uploaded_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
