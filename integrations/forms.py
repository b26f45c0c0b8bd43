from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignType
from governance.models import BusinessUnit
from tasks.models import TaskType

from .events import WEBHOOK_EVENT_CHOICES, Event
from .models import Language, NotificationPreference, Webhook

EVENT_CHOICES = Event.choices


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WEBHOOK_EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "format", "language", "active"]
        widgets = {"url": forms.TextInput(attrs={"placeholder": "https://hooks.example.com/mops"})}


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    first = ["Asia/Tokyo", "UTC"]
    return [(z, z) for z in first] + [(z, z) for z in zones if z not in first]


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    email_events = forms.MultipleChoiceField(
        label=_("E-mail me about"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    in_app_events = forms.MultipleChoiceField(
        label=_("Show in the app"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    digest_events = forms.MultipleChoiceField(
        label=_("Put in the daily digest"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    # Rendered as one table: a row per event, a column per channel (templates/integrations/preferences.html).
    CHANNEL_FIELDS = ("in_app_events", "email_events", "digest_events")

    class Meta:
        model = NotificationPreference
        fields = ["language", "time_zone", "daily_digest", "in_app_events", "email_events", "digest_events"]

    def channel_rows(self) -> list[dict]:
        """One row per event: its label and the three checkboxes (in-app, e-mail, digest)."""
        rows = []
        for value, text in EVENT_CHOICES:
            cells = []
            for name in self.CHANNEL_FIELDS:
                bound = self[name]
                checked = {str(v) for v in (bound.value() or [])}
                cells.append(
                    {
                        "name": bound.html_name,
                        "value": value,
                        "checked": value in checked,
                        "id": f"id_{name}_{value}",
                        "label": bound.label,
                    }
                )
            rows.append({"event": value, "label": text, "cells": cells})
        return rows


class CalendarFilter(forms.Form):
    VIEWS = [("month", _("Month")), ("quarter", _("Quarter")), ("list", _("12 months"))]
    view = forms.ChoiceField(label=_("View"), choices=VIEWS, required=False)
    start = forms.DateField(
        label=_("From month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=BusinessUnit.objects.all(), required=False, empty_label=_("All")
    )
    campaign_type = forms.ModelChoiceField(
        label=_("Type"), queryset=CampaignType.objects.all(), required=False, empty_label=_("All")
    )
    all = forms.BooleanField(label=_("Include draft, rejected, cancelled"), required=False)


class BoardImportForm(forms.Form):
    """Upload a Jira or Asana CSV export, with the defaults for what the export does not say."""

    source = forms.ChoiceField(label=_("Exported from"), choices=[("jira", "Jira"), ("asana", "Asana")])
    file = forms.FileField(label=_("CSV export"))
    unit = forms.ModelChoiceField(
        label=_("Business unit"),
        queryset=BusinessUnit.objects.all(),
        required=False,
        help_text=_("For items without a unit label."),
    )
    campaign_type = forms.ModelChoiceField(
        label=_("Campaign type"),
        queryset=CampaignType.objects.all(),
        required=False,
        help_text=_("For items without a campaign type label."),
    )
    task_type = forms.ModelChoiceField(
        label=_("Task type"),
        queryset=TaskType.objects.filter(is_active=True),
        required=False,
        help_text=_("For tasks without a task type label."),
    )
    mapping = forms.FileField(
        label=_("Mapping file (JSON, optional)"),
        required=False,
        help_text=_("Statuses, people, types and the date format, when they differ from the defaults."),
    )


class WikiImportForm(forms.Form):
    """Upload a Notion (Markdown & CSV) or Confluence (HTML) export zip."""

    source = forms.ChoiceField(label=_("Exported from"), choices=[("notion", "Notion"), ("confluence", "Confluence")])
    file = forms.FileField(label=_("Export (.zip)"))
