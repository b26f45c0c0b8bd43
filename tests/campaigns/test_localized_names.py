"""Configurable names (campaign types, channels, units) show name_en on English pages where set."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.models import CampaignType
from governance.models import BusinessUnit

pytestmark = pytest.mark.django_db


def test_str_follows_the_active_language(webinar):
    bare = CampaignType.objects.create(slug="expo", name="展示会")
    with translation.override("en"):
        assert (str(webinar), str(bare)) == ("Webinar", "展示会")
    with translation.override("ja"):
        assert str(webinar) == "ウェビナー"
    unit = BusinessUnit.objects.create(slug="kansai", name="関西支社", name_en="Kansai")
    with translation.override("en"):
        assert str(unit) == "Kansai"


def test_request_form_select_and_list_in_english(client, org, webinar, make_request):
    make_request(org["alice"], campaign_type=webinar)
    client.force_login(org["alice"])
    form = client.get(reverse("campaigns:new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<option value="{webinar.pk}">Webinar</option>' in form and "ウェビナー" not in form
    listing = client.get(reverse("campaigns:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Webinar" in listing
    ja = client.get(reverse("campaigns:new")).content.decode()
    assert f'<option value="{webinar.pk}">ウェビナー</option>' in ja
