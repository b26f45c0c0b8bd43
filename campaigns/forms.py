from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from governance.models import BusinessUnit

from .models import SNAPSHOT_FIELDS, CampaignRequest, CampaignType, Channel, ExternalSystem, State
from .params import MAX_ID, BoundedDateField


def add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on ``form``: per field where it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# The form edits exactly the fields a submission snapshots (what the approver compares).
REQUEST_FORM_FIELDS = list(SNAPSHOT_FIELDS)


class CampaignRequestForm(forms.ModelForm):
    """The seed's standard campaign request form."""

    class Meta:
        model = CampaignRequest
        fields = REQUEST_FORM_FIELDS
        widgets = {
            "launch_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "objective": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "channels": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign_type"].queryset = CampaignType.objects.filter(is_active=True)
        self.fields["business_unit"].queryset = BusinessUnit.objects.all()
        self.fields["channels"].queryset = Channel.objects.all()
        self.fields["channels"].required = False

    def clean_launch_date(self):
        from .services import launch_date_error

        value = self.cleaned_data["launch_date"]
        if error := launch_date_error(value):
            raise forms.ValidationError(error)
        return value

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("channels", None)
        return data


class TransitionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    expected_state = forms.CharField(required=False, widget=forms.HiddenInput)


class RequestFilter(django_filters.FilterSet):
    """Filters of the request list page and the API list."""

    # A column of the row itself: no join, no duplicates. The default DISTINCT made the count a
    # SELECT DISTINCT over every column (a sort of the whole filtered set, issue 19).
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label=_("State"), distinct=False)
    campaign_type = django_filters.ModelChoiceFilter(
        field_name="campaign_type", to_field_name="slug", queryset=CampaignType.objects.all(), label=_("Type")
    )
    business_unit = django_filters.ModelChoiceFilter(
        field_name="business_unit", to_field_name="slug", queryset=BusinessUnit.objects.all(), label=_("Unit")
    )
    launch_from = django_filters.DateFilter(
        field_name="launch_date",
        lookup_expr="gte",
        label=_("Launch from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    launch_to = django_filters.DateFilter(
        field_name="launch_date",
        lookup_expr="lte",
        label=_("Launch to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    # A username (the querystring and the API speak usernames); the page shows names.
    assignee = django_filters.CharFilter(method="filter_assignee", label=_("Assignee"), widget=forms.Select)

    class Meta:
        model = CampaignRequest
        fields = ["state", "campaign_type", "business_unit", "launch_from", "launch_to", "q", "assignee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from governance.people import worker_choices

        self.form.fields["assignee"].widget.choices = [("", "---------"), *worker_choices()]
        self.form.fields["assignee"].widget.attrs["data-picker"] = ""

    def filter_assignee(self, qs, name, value):
        """Requests with at least one task assigned to the person (a subquery, no duplicates)."""
        if not value:
            return qs
        with_task = CampaignRequest.objects.filter(tasks__assignee__username=value).values("pk")
        return qs.filter(pk__in=with_task)


class ResultForm(forms.ModelForm):
    class Meta:
        from .models import CampaignResult

        model = CampaignResult
        fields = [
            "actual_spend",
            "leads",
            "mqls",
            "sqls",
            "opportunities",
            "won_deals",
            "won_revenue",
            "retained_revenue_12m",
        ]


PRESET_CHOICES = [
    ("", _("Our columns (campaign id)")),
    ("salesforce", "Salesforce"),
    ("hubspot", "HubSpot"),
    ("marketo", "Marketo"),
]


class ResultImportForm(forms.Form):
    file = forms.FileField(label="CSV / Excel (.xlsx)", required=False)
    preset = forms.ChoiceField(
        label=_("Report from"),
        choices=PRESET_CHOICES,
        required=False,
        help_text=_("A CRM / MA campaign report: rows are matched by its campaign id, the UTM code, then the name."),
    )


class ExternalRefForm(forms.Form):
    """Record an id the campaign has in another tool (Jira key, CRM campaign id, UTM code)."""

    system = forms.ChoiceField(label=_("System"), choices=ExternalSystem.choices)
    key = forms.CharField(label=_("External id"), max_length=100)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")


class CampaignTypeRefField(forms.CharField):
    """A campaign type named by its slug or its id (the request form sends either)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        ctype = CampaignType.objects.filter(slug=value).first()
        if ctype is None and value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            ctype = CampaignType.objects.filter(pk=int(value)).first()
        if ctype is None:
            raise ValidationError(_("Unknown campaign type."), code="invalid_choice")
        return ctype


class FeasibilityParams(forms.Form):
    """``?campaign_type=<slug or id>&launch_date=YYYY-MM-DD`` of the feasibility panel and API."""

    campaign_type = CampaignTypeRefField(required=True)
    launch_date = BoundedDateField(required=True, input_formats=["%Y-%m-%d"])
    end_date = BoundedDateField(required=False, input_formats=["%Y-%m-%d"])

    def clean(self) -> dict:
        data = super().clean()
        launch, end = data.get("launch_date"), data.get("end_date")
        if launch and end and end < launch:
            self.add_error("end_date", _("The end date must not be before the launch date."))
        return data
