from __future__ import annotations

import zoneinfo

from django import forms

from campaigns.models import CampaignType
from governance.models import BusinessUnit

from .events import Event
from .models import Language, NotificationPreference, Webhook

EVENT_CHOICES = Event.choices


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(label="イベント / Events", choices=EVENT_CHOICES,
                                       widget=forms.CheckboxSelectMultiple, required=True)

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "format", "language", "active"]
        widgets = {"url": forms.TextInput(attrs={"placeholder": "https://hooks.example.com/mops"})}


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    first = ["Asia/Tokyo", "UTC"]
    return [(z, z) for z in first] + [(z, z) for z in zones if z not in first]


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label="言語 / Language", choices=Language.choices)
    time_zone = forms.ChoiceField(label="タイムゾーン / Time zone", choices=time_zone_choices)
    email_events = forms.MultipleChoiceField(label="メールで受け取るイベント / E-mail me about", choices=EVENT_CHOICES,
                                             widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = NotificationPreference
        fields = ["language", "time_zone", "email_events", "daily_digest"]


class CalendarFilter(forms.Form):
    VIEWS = [("month", "月 / Month"), ("quarter", "四半期 / Quarter"), ("list", "12か月一覧 / 12 months")]
    view = forms.ChoiceField(label="表示 / View", choices=VIEWS, required=False)
    start = forms.DateField(label="開始月 / From month", required=False, input_formats=["%Y-%m", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    unit = forms.ModelChoiceField(label="事業部 / Unit", queryset=BusinessUnit.objects.all(), required=False,
                                  empty_label="すべて / All")
    campaign_type = forms.ModelChoiceField(label="種別 / Type", queryset=CampaignType.objects.all(), required=False,
                                           empty_label="すべて / All")
    all = forms.BooleanField(label="下書き・却下・取消も表示 / Include draft, rejected, cancelled", required=False)
