from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignType
from campaigns.models import State as CampaignState
from campaigns.params import BoundedIntegerField, IdFilter
from governance.forms import PersonChoiceField
from governance.models import BusinessUnit

from .models import SlaState, Task, TaskState, TaskType


class TaskFilter(django_filters.FilterSet):
    """Filters of the board, the task list API and "my tasks"."""

    campaign = IdFilter(field_name="campaign_id", label=_("Campaign id"))
    # A username or "none" (the querystring and the API speak usernames); the page shows names.
    assignee = django_filters.CharFilter(method="filter_assignee", label=_("Assignee"), widget=forms.Select)
    # A column of the row itself: no join, no duplicates. The default DISTINCT made the count a
    # SELECT DISTINCT over every column (a sort of the whole filtered set, issue 19).
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices, label=_("State"), distinct=False)
    unit = django_filters.ModelChoiceFilter(
        field_name="campaign__business_unit",
        to_field_name="slug",
        queryset=BusinessUnit.objects.all(),
        label=_("Unit"),
    )
    task_type = django_filters.ModelChoiceFilter(
        field_name="task_type", to_field_name="slug", queryset=TaskType.objects.all(), label=_("Type")
    )
    campaign_type = django_filters.ModelChoiceFilter(
        field_name="campaign__campaign_type",
        to_field_name="slug",
        queryset=CampaignType.objects.all(),
        label=_("Campaign type"),
    )
    # The calendar's deadlines: assigned to the user or of campaigns they requested (its "+N more").
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Mine (assigned to me or of my requests)"), widget=forms.CheckboxInput
    )
    due_after = django_filters.DateFilter(
        field_name="due_at",
        lookup_expr="date__gte",
        label=_("Due from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_before = django_filters.DateFilter(
        field_name="due_at", lookup_expr="date__lte", label=_("Due by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sla_state = django_filters.ChoiceFilter(
        field_name="sla_state", choices=SlaState.choices, label=_("SLA state"), method="filter_sla_state"
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from governance.people import worker_choices

        self.form.fields["assignee"].widget.choices = [
            ("", "---------"),
            ("none", _("Unassigned")),
            *worker_choices(),
        ]
        self.form.fields["assignee"].widget.attrs["data-picker"] = ""

    def filter_sla_state(self, qs, name, value):
        """The live SLA state (what each row's badge shows), not the last sweep's."""
        from django.utils import timezone

        from .selectors import live_sla_q

        return qs.filter(live_sla_q(value, timezone.now()))

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return qs
        from .selectors import own_task_q

        return qs.filter(own_task_q(user))

    def filter_assignee(self, qs, name, value):
        if value == "none":
            return qs.filter(assignee__isnull=True)
        return qs.filter(assignee__username=value)


class CommentForm(forms.Form):
    body = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))


class DueSetForm(forms.Form):
    """MOps moves one task's due date (``services.task_due_set`` checks the calendar)."""

    due_date = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason (required)"), max_length=4000, widget=forms.TextInput())


class ActionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    actual_hours = forms.DecimalField(required=False, min_value=0, max_digits=6, decimal_places=1)
    expected_state = forms.CharField(required=False, widget=forms.HiddenInput)
    # The deliverable on "submit for review" (checked by tasks.deliverables).
    file = forms.FileField(required=False, allow_empty_file=True, label=_("File"))
    link = forms.CharField(required=False, max_length=2000, label=_("Link"))


class MoveForm(forms.Form):
    """The board's "move to" menu: the target column (plus what the dialog asked for)."""

    to_state = forms.ChoiceField(choices=TaskState.choices, label=_("Move to"))
    comment = forms.CharField(required=False, max_length=4000)
    actual_hours = forms.DecimalField(required=False, min_value=0, max_digits=6, decimal_places=1)
    expected_state = forms.ChoiceField(choices=[("", ""), *TaskState.choices], required=False)


class AssignForm(forms.Form):
    assignee = PersonChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Assignee"), empty_label=_("unassigned —")
    )

    def __init__(self, *args, task_type=None, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .assignment import assignable_users

        if task is not None and task_type is None:
            task_type = task.task_type
        if task_type is not None:
            self.fields["assignee"].queryset = assignable_users(task_type, task)


class AddTaskForm(forms.Form):
    task_type = forms.ModelChoiceField(queryset=TaskType.objects.filter(is_active=True), label=_("Type"))
    title = forms.CharField(required=False, max_length=200, label=_("Title"))
    estimated_hours = forms.DecimalField(
        required=False, min_value=0, max_digits=6, decimal_places=1, label=_("Estimate (h)")
    )
    depends_on = forms.ModelMultipleChoiceField(queryset=Task.objects.none(), required=False, label=_("Predecessors"))

    def __init__(self, *args, campaign_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaign_id is not None:
            self.fields["depends_on"].queryset = Task.objects.filter(campaign_id=campaign_id).exclude(
                state=TaskState.CANCELLED
            )


class PortfolioForm(forms.Form):
    """The portfolio timeline's period and filters (page and ``/api/timeline/``).

    ``from`` / ``to`` default to this quarter and the next; an inverted period or one over two
    years is a field error.
    """

    from_ = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(
        label=_("Business unit"), queryset=BusinessUnit.objects.all(), to_field_name="slug", required=False
    )
    campaign_type = forms.ModelChoiceField(
        label=_("Campaign type"), queryset=CampaignType.objects.all(), to_field_name="slug", required=False
    )
    state = forms.ChoiceField(label=_("State"), choices=[("", "---------"), *CampaignState.choices], required=False)
    zoom = forms.ChoiceField(
        label=_("Zoom"),
        choices=[("", _("Auto")), ("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter"))],
        required=False,
    )
    # Hidden on the page: the pager's links carry it.
    page = BoundedIntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)

    def __init__(self, data=None, *, today, **kwargs):
        if data is not None and "from" in data:  # "from" is a keyword in Python, not in the query string
            data = data.copy()
            data["from_"] = data.get("from")
        super().__init__(data, **kwargs)
        self.today = today

    def clean(self):
        from .timeline import MAX_PERIOD_DAYS, default_period

        data = super().clean()
        first, last = default_period(self.today)
        data["from_"] = data.get("from_") or first
        data["to"] = data.get("to") or last
        data["page"] = data.get("page") or 1
        if "from_" in self.errors or "to" in self.errors:
            return data
        if data["to"] < data["from_"]:
            self.add_error("to", _("The end of the period must not be before its start."))
        elif (data["to"] - data["from_"]).days > MAX_PERIOD_DAYS:
            self.add_error("to", _("The period may be at most two years."))
        return data

    def api_errors(self) -> dict[str, list[str]]:
        """Field errors with the query's own names (``from``, not ``from_``)."""
        return {("from" if k == "from_" else k): [str(m) for m in v] for k, v in self.errors.items()}


class CapacityForm(forms.Form):
    """How many weeks the capacity forecast covers (page and ``/api/capacity/``)."""

    weeks = forms.IntegerField(label=_("Weeks"), required=False, min_value=1, max_value=52)

    def clean_weeks(self) -> int:
        return self.cleaned_data.get("weeks") or 12


class RescheduleForm(forms.Form):
    """New launch and end dates of a campaign (the drag's fallback, and what the drag fills in)."""

    launch_date = forms.DateField(label=_("Launch date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000)
    dry_run = forms.BooleanField(required=False)


class WorkloadParams(forms.Form):
    """``?weeks=`` of the workload API (history length, 1 to 52 weeks)."""

    weeks = BoundedIntegerField(required=False, min_value=1, max_value=52)
