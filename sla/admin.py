"""Admin for working calendars and SLA policies (configuration, edited by MOps leads)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import (
    WEEKDAY_CHOICES,
    Closure,
    CompanyHoliday,
    SLAPolicy,
    WorkingCalendar,
    WorkingPeriod,
    periods_overlap,
)

# Called as hook(request, obj) after the admin saved or deleted a calendar, policy or one of
# their rules, inside the admin's transaction. A higher app registers them in its
# AppConfig.ready (tasks/: "deadlines are being recomputed" with a link to the progress page);
# sla/ itself imports none of our apps.
admin_change_hooks: list = []


class NotifyHooksMixin:
    """Runs ``admin_change_hooks`` after a save (inlines included) or a delete."""

    def _run_hooks(self, request, obj) -> None:
        for hook in admin_change_hooks:
            hook(request, obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        self._run_hooks(request, form.instance)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        self._run_hooks(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        self._run_hooks(request, None)


class PeriodFormSet(forms.BaseInlineFormSet):
    """Checks overlaps among the submitted rows: model.clean() only sees rows already saved."""

    def clean(self) -> None:
        super().clean()
        seen: dict[int, list[tuple[int, int]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            period = WorkingPeriod(weekday=data["weekday"], start=data["start"], end=data["end"])
            span = period.minutes()
            if any(periods_overlap(span, other) for other in seen.get(period.weekday, [])):
                raise ValidationError(_("Overlapping periods on one weekday."))
            seen.setdefault(period.weekday, []).append(span)


class WorkingPeriodInlineForm(forms.ModelForm):
    class Meta:
        model = WorkingPeriod
        fields = ["weekday", "start", "end"]

    def _post_clean(self) -> None:
        # The formset checks overlaps across the submitted rows; the model's DB check would
        # compare against saved rows that this same submission is changing or deleting.
        self.instance.skip_db_overlap_check = True
        super()._post_clean()


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    form = WorkingPeriodInlineForm
    formset = PeriodFormSet
    extra = 0


class CompanyHolidayInline(admin.TabularInline):
    model = CompanyHoliday
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class WorkingCalendarForm(forms.ModelForm):
    """Edits ``workdays`` as checkboxes instead of a comma-separated string."""

    workdays = forms.TypedMultipleChoiceField(
        label=_("Working weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkingCalendar
        fields = ["slug", "name", "timezone", "country", "workdays", "at_risk_share"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["workdays"] = sorted(self.instance.workday_set)

    def clean_workdays(self) -> str:
        return ",".join(str(d) for d in sorted(set(self.cleaned_data["workdays"])))

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(NotifyHooksMixin, admin.ModelAdmin):
    form = WorkingCalendarForm
    list_display = ["slug", "name", "timezone", "country", "workdays", "at_risk_share"]
    search_fields = ["slug", "name"]
    inlines = [WorkingPeriodInline, CompanyHolidayInline, ClosureInline]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = [
        "slug",
        "name",
        "calendar",
        "unit",
        "duration",
        "at_risk_share",
        "start_condition",
        "pause_limit_days",
    ]
    list_filter = ["unit", "calendar"]
    search_fields = ["slug", "name"]
    list_select_related = ["calendar"]


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["calendar", "weekday", "start", "end"]
    list_filter = ["calendar", "weekday"]


@admin.register(CompanyHoliday)
class CompanyHolidayAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["calendar", "name", "start_month", "start_day", "end_month", "end_day"]
    list_filter = ["calendar"]


@admin.register(Closure)
class ClosureAdmin(NotifyHooksMixin, admin.ModelAdmin):
    list_display = ["calendar", "date", "name"]
    list_filter = ["calendar"]
    date_hierarchy = "date"
