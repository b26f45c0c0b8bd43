"""Admin for the knowledge base. Article content is edited on the pages (so every edit writes
a version and is sanitised); here MOps manage metadata, requirements, plans and the catalog."""

from django.contrib import admin

from .models import (
    Article,
    ArticleVersion,
    Attachment,
    OnboardingEnrollment,
    OnboardingPlan,
    OnboardingStep,
    ReadReceipt,
    RequiredReading,
    Retrospective,
    RoadmapEntry,
    StepProgress,
    Tag,
    Tool,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ["number", "major", "minor", "is_major", "title", "author", "comment", "created_at"]
    readonly_fields = fields


class RequiredInline(admin.TabularInline):
    model = RequiredReading
    extra = 0
    fields = ["role", "unit", "created_by"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "category",
        "status",
        "owner",
        "visibility",
        "unit",
        "version_label",
        "review_by",
        "updated_at",
    ]
    list_filter = ["status", "category", "visibility", "unit"]
    search_fields = ["title"]
    list_select_related = ["owner", "unit"]
    readonly_fields = [
        "title",
        "body",
        "version_number",
        "major",
        "minor",
        "created_at",
        "updated_at",
        "published_at",
        "stale_notified_at",
    ]
    filter_horizontal = ["tags", "campaign_types", "task_types"]
    inlines = [RequiredInline, VersionInline]

    def has_add_permission(self, request):
        return False  # create on the pages: that writes version 1.0 and renders safely


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    list_display = ["article", "number", "major", "minor", "is_major", "author", "created_at"]
    list_select_related = ["article", "author"]
    readonly_fields = [f.name for f in ArticleVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "article", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["article", "uploaded_by"]
    readonly_fields = ["article", "file", "original_name", "content_type", "size", "uploaded_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(RequiredReading)
class RequiredReadingAdmin(admin.ModelAdmin):
    list_display = ["article", "role", "unit", "created_by", "created_at"]
    list_select_related = ["article", "unit", "created_by"]


@admin.register(ReadReceipt)
class ReadReceiptAdmin(admin.ModelAdmin):
    list_display = ["user", "article", "major", "version", "read_at"]
    list_filter = ["major"]
    list_select_related = ["user", "article", "version"]
    readonly_fields = ["user", "article", "version", "major", "read_at"]


class StepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0
    fields = ["order", "week", "article", "question", "choices", "correct_choice"]
    raw_id_fields = ["article"]


@admin.register(OnboardingPlan)
class OnboardingPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "is_active"]
    inlines = [StepInline]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    list_display = ["plan", "order", "week", "article", "question"]
    list_select_related = ["plan", "article"]


class ProgressInline(ReadOnlyInline):
    model = StepProgress
    fields = ["step", "attempts", "passed_at"]
    readonly_fields = fields


@admin.register(OnboardingEnrollment)
class OnboardingEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "started_on", "completed_at"]
    list_select_related = ["user", "plan"]
    inlines = [ProgressInline]


@admin.register(StepProgress)
class StepProgressAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "step", "attempts", "passed_at"]


@admin.register(Retrospective)
class RetrospectiveAdmin(admin.ModelAdmin):
    list_display = ["campaign", "author", "created_at", "promoted_article"]
    list_select_related = ["campaign", "author", "promoted_article"]
    raw_id_fields = ["campaign", "promoted_article"]


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "status", "owner", "annual_cost", "renewal_date"]
    list_filter = ["category", "status"]
    search_fields = ["name", "vendor"]
    filter_horizontal = ["users", "articles"]


@admin.register(RoadmapEntry)
class RoadmapEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "action", "horizon", "tool", "target_date", "expected_saving"]
    list_filter = ["horizon", "action"]
