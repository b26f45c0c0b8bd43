"""The server-rendered pages: the marketer's form, the approver's inbox, the detail page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignRequest, RequestEvent, State


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "name": "ウェビナー: データ活用",
        "objective": "商談創出",
        "campaign_type": "",
        "business_unit": "",
        "launch_date": str(today + dt.timedelta(days=30)),
        "end_date": str(today + dt.timedelta(days=30)),
        "budget": "500000",
        "target_leads": "200",
        "target_mqls": "50",
        "target_sqls": "10",
        "target_pipeline": "0",
        "target_revenue": "0",
        "icp_fit": "high",
        "needs_landing_page": "on",
    }
    data.update(overrides)
    return data


def test_marketer_submits_and_cmo_sends_back_then_approves_through_pages(client, org, tokyo, webinar, email_channel):
    client.force_login(org["alice"])
    r = client.post(
        reverse("campaigns:new"),
        form_data(campaign_type=webinar.pk, business_unit=tokyo.pk, channels=[email_channel.pk], submit="1"),
    )
    req = CampaignRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("campaigns:detail", args=[req.pk])
    assert req.state == State.SUBMITTED and req.needs_landing_page and list(req.channels.all()) == [email_channel]
    assert "ウェビナー: データ活用" in client.get(reverse("campaigns:mine")).content.decode()

    client.force_login(org["charlie"])
    inbox = client.get(reverse("campaigns:inbox")).content.decode()
    assert "ウェビナー: データ活用" in inbox
    page = client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()
    assert f"/requests/{req.pk}/approve/" in page and f"/requests/{req.pk}/edit/" not in page
    client.post(
        reverse("campaigns:action", args=[req.pk, "request_changes"]),
        {"comment": "KPIの根拠を追記", "expected_state": "submitted"},
    )
    assert CampaignRequest.objects.get().state == State.CHANGES_REQUESTED

    client.force_login(org["alice"])
    r = client.post(
        reverse("campaigns:edit", args=[req.pk]),
        form_data(campaign_type=webinar.pk, business_unit=tokyo.pk, budget="650000"),
    )
    assert r.status_code == 302
    client.post(reverse("campaigns:action", args=[req.pk, "resubmit"]), {"expected_state": "changes_requested"})

    client.force_login(org["charlie"])
    page = client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()
    assert "前回提出からの変更" in page and "¥500,000" in page and "¥650,000" in page and "KPIの根拠を追記" in page
    client.post(reverse("campaigns:action", args=[req.pk, "approve"]), {"expected_state": "submitted"})
    assert CampaignRequest.objects.get().state in (State.APPROVED, State.IN_PRODUCTION)
    assert RequestEvent.objects.filter(request=req).count() >= 4


def test_form_shows_field_errors_and_writes_nothing(client, org, tokyo, webinar):
    client.force_login(org["alice"])
    r = client.post(
        reverse("campaigns:new"),
        form_data(
            campaign_type=webinar.pk,
            business_unit=tokyo.pk,
            launch_date="2020-01-01",
            end_date="2019-12-31",
            budget="-5",
        ),
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert {"launch_date", "budget"} <= set(form.errors)
    assert "errorlist" in r.content.decode()
    r = client.post(
        reverse("campaigns:new"), form_data(campaign_type=webinar.pk, business_unit=tokyo.pk, end_date="2000-01-01")
    )
    assert "end_date" in r.context["form"].errors
    r = client.post(reverse("campaigns:new"), form_data(campaign_type="999", business_unit=tokyo.pk, name=""))
    assert {"campaign_type", "name"} <= set(r.context["form"].errors)
    assert CampaignRequest.objects.count() == 0


def test_stale_page_action_says_reload(client, org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    client.force_login(org["charlie"])
    client.post(reverse("campaigns:action", args=[req.pk, "approve"]), {"expected_state": "submitted"})
    r = client.post(
        reverse("campaigns:action", args=[req.pk, "reject"]),
        {"comment": "no", "expected_state": "submitted"},
        follow=True,
    )
    assert "再読み込み" in r.content.decode()  # "reload" in the user's language
    assert RequestEvent.objects.filter(request=req, action="reject").count() == 0


def test_reject_without_reason_shows_a_message(client, org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    client.force_login(org["charlie"])
    r = client.post(reverse("campaigns:action", args=[req.pk, "reject"]), {"comment": ""}, follow=True)
    assert "理由を入力してください" in r.content.decode()
    assert CampaignRequest.objects.get(pk=req.pk).state == State.SUBMITTED


def test_list_page_filters_and_paginates(client, org, make_request):
    for i in range(30):
        make_request(org["alice"], name=f"campaign {i:02d}", actions=["submit"] if i % 2 else [])
    client.force_login(org["mona"])
    r = client.get(reverse("campaigns:list"), {"state": "submitted"})
    assert r.context["page"].paginator.count == 15
    r = client.get(reverse("campaigns:list"), {"page": 2})
    assert len(r.context["page"].object_list) == 5
    r = client.get(reverse("campaigns:list"), {"q": "campaign 07"})
    assert [x.name for x in r.context["page"]] == ["campaign 07"]


def test_login_page_and_logout(client, org):
    assert client.get(reverse("login")).status_code == 200
    r = client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests"})
    assert r.status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("campaigns:list")).status_code == 302


def test_the_detail_page_names_the_governance_model_and_target_kpis_in_the_readers_language(client, org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    assert req.governance_model == "centralised"
    client.force_login(org["alice"])
    url = reverse("campaigns:detail", args=[req.pk])
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ja = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()  # last: the language stays active
    assert "中央集権型" in ja and "centralised" not in ja
    assert "リード 300" in ja and "パイプライン ¥0" in ja and "Pipeline" not in ja
    assert "Centralised" in en and "Leads 300" in en and "Pipeline ¥0" in en
