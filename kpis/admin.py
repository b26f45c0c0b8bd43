"""Admin for the KPI review: generated reports and tool-cost snapshots, read-only.

Reports are made by the review job (pages, API, command, schedule) and snapshots by the
quarterly schedule; the admin shows them for support, it never edits them.
"""

from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin

from .models import QuarterFigures, QuarterFiguresEvent, ReviewReport, ToolCostSnapshot


@admin.register(ReviewReport)
class ReviewReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "unit", "status", "progress", "scheduled", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "scheduled", "quarter"]
    list_select_related = ["requested_by"]


@admin.register(ToolCostSnapshot)
class ToolCostSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "category", "tools", "annual_cost", "taken_at"]
    list_filter = ["quarter", "category"]


@admin.register(QuarterFigures)
class QuarterFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "filters", "stale", "stale_reason", "computed_at", "compute_seconds"]
    list_filter = ["stale", "quarter"]
    # The report and its details are large (megabytes at scale); the pages, the API and the
    # exports show them. Not read for the list either.
    exclude = ["report_json", "lists_json", "ids_json"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*self.exclude)


@admin.register(QuarterFiguresEvent)
class QuarterFiguresEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "action", "reason", "at"]
    list_filter = ["action", "quarter"]
