"""The "changed since last submission" table reads as labels and formatted values, per language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns import services
from campaigns.change_display import change_rows
from campaigns.models import CampaignType, Channel
from tests.conftest import ChannelFactory

pytestmark = pytest.mark.django_db


def _changes_table(page: str) -> str:
    start = page.index('<table class="changes">')
    return page[start : page.index("</table>", start)]


@pytest.fixture
def resubmitted(org, make_request):
    """Alice's request sent back by Charlie, then resubmitted with a new budget, date, type and channel."""
    seminar = CampaignType.objects.create(slug="seminar", name="セミナー", name_en="Seminar")
    ads = ChannelFactory(slug="ads", name="広告", name_en="Ads")
    req = make_request(
        org["alice"],
        actions=["submit", "request_changes"],
        actors={"request_changes": org["charlie"]},
        budget=Decimal("800000"),
        launch_date=dt.date(2031, 4, 1),
        end_date=dt.date(2031, 4, 30),
    )
    services.request_update(
        request_id=req.pk,
        by=org["alice"],
        budget=Decimal("600000"),
        launch_date=dt.date(2031, 4, 15),
        campaign_type=seminar,
        needs_design=False,
        channels=[ads, Channel.objects.get(slug="email")],
    )
    services.request_transition(request_id=req.pk, action="resubmit", by=org["alice"])
    return req


def test_page_shows_labels_and_formatted_values_in_japanese(client, org, resubmitted):
    client.force_login(org["charlie"])
    page = _changes_table(client.get(reverse("campaigns:detail", args=[resubmitted.pk])).content.decode())
    for text in ("予算", "¥800,000", "¥600,000", "2031年4月1日", "2031年4月15日", "ウェビナー", "セミナー"):
        assert text in page, text
    # raw keys and raw values stay out of the page
    for raw in ("launch_date", "800000", "2031-04-15", ">seminar<", "needs_design", ">False<"):
        assert raw not in page, raw


def test_page_in_english_uses_english_labels_and_names(client, org, resubmitted):
    client.force_login(org["charlie"])
    response = client.get(reverse("campaigns:detail", args=[resubmitted.pk]), HTTP_ACCEPT_LANGUAGE="en")
    page = _changes_table(response.content.decode())
    for text in ("Budget", "¥800,000", "¥600,000", "April 15, 2031", "Webinar", "Seminar", "Ads, メール"):
        assert text in page, text
    assert "launch_date" not in page and "セミナー" not in page


def test_rows_format_each_kind_of_value(org, webinar):
    changes = {
        "budget": ["800000", "600000"],
        "needs_design": ["True", "False"],
        "icp_fit": ["medium", "high"],
        "target_leads": ["1200", "1500"],
        "expected_roi": ["150", "162.5"],
        "campaign_type": ["webinar", "gone"],
        "end_date": [None, "2031-05-01"],
        "retired_field": ["a", "b"],
    }
    with translation.override("en"):
        rows = {r.field: (r.label, r.before, r.after) for r in change_rows(changes)}
    assert rows["budget"] == ("Budget", "¥800,000", "¥600,000")
    assert rows["needs_design"][1:] == ("Yes", "No")
    assert rows["icp_fit"][1:] == ("Medium", "High")
    assert rows["target_leads"][1:] == ("1,200", "1,500")
    assert rows["expected_roi"][1:] == ("150", "162.5")
    # a type deleted since keeps its slug rather than failing the page
    assert rows["campaign_type"][1:] == ("Webinar", "gone")
    assert rows["end_date"][1:] == ("—", "May 1, 2031")
    assert rows["retired_field"] == ("retired_field", "a", "b")
    with translation.override("ja"):
        ja = {r.field: (r.label, r.before, r.after) for r in change_rows(changes)}
    assert ja["needs_design"][1:] == ("はい", "いいえ")
    assert ja["campaign_type"][1] == "ウェビナー"


def test_rows_cost_constant_queries(org, django_assert_max_num_queries):
    changes = {"campaign_type": ["webinar", "x"], "business_unit": ["tokyo", "osaka"], "channels": [["email"], ["a"]]}
    with django_assert_max_num_queries(3):
        change_rows(changes)
