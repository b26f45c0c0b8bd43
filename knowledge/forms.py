from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.forms import CampaignTypeRefField
from campaigns.models import CampaignRequest, CampaignType
from campaigns.params import BoundedIntegerField, IdFilter
from governance.models import BusinessUnit
from tasks.models import TaskType

from .models import (
    BODY_MAX,
    TITLE_MAX,
    Article,
    Category,
    ReadReceipt,
    Status,
    Tag,
    Tool,
    ToolCategory,
    ToolStatus,
    Visibility,
)


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 22, "style": "max-width:100%;font-family:monospace"}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    tags = forms.CharField(label=_("Tags (comma-separated)"), required=False, max_length=500)
    campaign_types = forms.ModelMultipleChoiceField(
        label=_("Campaign types"),
        required=False,
        queryset=CampaignType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    task_types = forms.ModelMultipleChoiceField(
        label=_("Task types"),
        required=False,
        queryset=TaskType.objects.all(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    review_by = forms.DateField(label=_("Review by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, initial=Visibility.EVERYONE)
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=BusinessUnit.objects.all())
    major = forms.BooleanField(label=_("Major change (asks readers to re-read)"), required=False)
    comment = forms.CharField(label=_("Change note"), required=False, max_length=300)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(article: Article) -> dict:
        return {
            "title": article.title,
            "body": article.body,
            "category": article.category,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "campaign_types": list(article.campaign_types.all()),
            "task_types": list(article.task_types.all()),
            "review_by": article.review_by,
            "visibility": article.visibility,
            "unit": article.unit,
            "expected_version": article.version_number,
        }

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("、", ",").split(",") if t.strip()]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "body": d["body"],
            "category": d["category"],
            "review_by": d["review_by"],
            "visibility": d["visibility"],
            "unit": d["unit"],
            "tags": self.tag_names(),
            "campaign_types": list(d["campaign_types"]),
            "task_types": list(d["task_types"]),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (image or PDF)"))


class RequirementForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", "—"),
            ("Requester", "Requester"),
            ("Approver", "Approver"),
            ("MOps", "MOps"),
            ("Specialist", "Specialist"),
            ("Admin", "Admin"),
        ],
    )
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=BusinessUnit.objects.all())


class RetrospectiveForm(forms.Form):
    what_worked = forms.CharField(label=_("What worked"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5}))
    what_did_not = forms.CharField(
        label=_("What did not work"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    what_to_change = forms.CharField(
        label=_("What to change"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ToolForm(forms.ModelForm):
    class Meta:
        model = Tool
        fields = [
            "name",
            "vendor",
            "category",
            "owner",
            "seats",
            "annual_cost",
            "renewal_date",
            "status",
            "notes",
            "users",
            "articles",
        ]
        widgets = {"renewal_date": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 3})}


class ArticleFilter(django_filters.FilterSet):
    """Filters of the article list page, the search page and the API."""

    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", to_field_name="name", queryset=Tag.objects.all(), label=_("Tag")
    )
    campaign_type = django_filters.ModelChoiceFilter(
        field_name="campaign_types", to_field_name="slug", queryset=CampaignType.objects.all(), label=_("Campaign type")
    )
    task_type = django_filters.ModelChoiceFilter(
        field_name="task_types", to_field_name="slug", queryset=TaskType.objects.all(), label=_("Task type")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    owner = django_filters.CharFilter(field_name="owner__username", label=_("Owner"))
    stale = django_filters.BooleanFilter(method="filter_stale", label=_("Past review"))

    class Meta:
        model = Article
        fields = ["category", "tag", "campaign_type", "task_type", "status", "owner", "stale"]

    def filter_stale(self, queryset, name, value):
        from django.utils import timezone

        if value is None:
            return queryset
        q = {"review_by__lt": timezone.localdate()}
        return queryset.filter(**q) if value else queryset.exclude(**q)


class ToolFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=ToolCategory.choices)
    status = django_filters.ChoiceFilter(choices=ToolStatus.choices)

    class Meta:
        model = Tool
        fields = ["category", "status"]


def launched_campaigns_for(user):
    from governance import policy

    from .retrospectives import RETRO_STATES

    qs = CampaignRequest.objects.filter(state__in=RETRO_STATES).select_related("campaign_type")
    return qs if policy.is_ops(user) else qs.filter(requester=user)


class DiffParams(forms.Form):
    """``?a=&b=`` version numbers of the article diff (page and API)."""

    a = BoundedIntegerField(required=False, min_value=0, max_value=1_000_000)
    b = BoundedIntegerField(required=False, min_value=0, max_value=1_000_000)


class PlaybookParams(forms.Form):
    """``?campaign_type=<slug or id>`` of the request form's playbook fragment."""

    campaign_type = CampaignTypeRefField(required=False)


class ReceiptFilter(django_filters.FilterSet):
    """``?article=<id>&user=<username>`` of the read-receipt API."""

    article = IdFilter(field_name="article_id")
    user = django_filters.CharFilter(field_name="user__username", max_length=150)

    class Meta:
        model = ReadReceipt
        fields = ["article", "user"]
