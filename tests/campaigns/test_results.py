"""Campaign results: by hand, through the API, and imported all-or-nothing from CSV/Excel."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import services
from campaigns.models import CampaignResult, ResultImport
from tests.conftest import api_as as api

LAUNCH_PATH = ["submit", "approve", "start_production", "mark_ready", "launch"]


@pytest.fixture
def launched(org, make_request):
    actors = {"approve": org["charlie"], "start_production": org["mona"], "mark_ready": org["mona"]}

    def make(name):
        req = make_request(org["alice"], name=name, actions=["submit", "approve"], actors=actors)
        # tasks/ may already have moved the campaign on: walk whatever is left
        for action in ("start_production", "mark_ready", "launch"):
            req.refresh_from_db()
            wanted = {"start_production": "approved", "mark_ready": "in_production", "launch": "ready_for_launch"}[
                action
            ]
            if req.state == wanted:
                services.request_transition(request_id=req.pk, action=action, by=actors.get(action, org["alice"]))
        req.refresh_from_db()
        return req

    return make


def csv_file(text: str, name="export.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_requester_enters_results_on_the_page(client, org, launched):
    req = launched("ウェビナーA")
    client.force_login(org["alice"])
    r = client.post(
        reverse("campaigns:result-edit", args=[req.pk]),
        {
            "actual_spend": "800000",
            "leads": "300",
            "mqls": "90",
            "sqls": "30",
            "opportunities": "12",
            "won_deals": "4",
            "won_revenue": "6000000",
            "retained_revenue_12m": "",
        },
    )
    assert r.status_code == 302
    result = CampaignResult.objects.get(request=req)
    assert (result.leads, result.won_revenue, result.retained_revenue_12m) == (300, 6000000, None)
    page = client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()
    assert "¥6,000,000" in page
    client.force_login(org["bob"])
    assert client.get(reverse("campaigns:result-edit", args=[req.pk])).status_code == 404


def test_results_refused_before_launch_and_negative_values(org, make_request, launched):
    draft = make_request(org["alice"])
    r = api(org["alice"]).put(f"/api/requests/{draft.pk}/result/", {"leads": 5}, format="json")
    assert r.status_code == 400 and "state" in r.json()
    req = launched("x")
    r = api(org["alice"]).put(f"/api/requests/{req.pk}/result/", {"won_revenue": "-1"}, format="json")
    assert r.status_code == 400 and "won_revenue" in r.json()
    r = api(org["alice"]).put(f"/api/requests/{req.pk}/result/", {"leads": 10, "won_revenue": "100"}, format="json")
    assert r.status_code == 200 and r.json()["leads"] == 10
    assert api(org["alice"]).get(f"/api/requests/{req.pk}/result/").json()["won_revenue"] == "100"
    assert CampaignResult.objects.count() == 1


def test_csv_import_creates_then_updates_on_reimport(org, launched):
    a, b = launched("A"), launched("B")
    text = (
        "キャンペーンID,費用,リード数,MQL,SQL,商談数,受注数,受注額,継続売上\n"
        f'{a.pk},"1,000,000",400,120,40,10,3,5000000,4000000\n'
        f"{b.pk},500000,100,30,10,2,1,900000,\n"
    )
    r = api(org["mona"]).post("/api/results/import/", {"file": csv_file(text, encoding="cp932")}, format="multipart")
    assert r.status_code == 201, r.json()
    assert (r.json()["created"], r.json()["updated"]) == (2, 0)
    assert CampaignResult.objects.get(request=a).actual_spend == 1000000
    assert CampaignResult.objects.get(request=b).retained_revenue_12m is None
    r = api(org["mona"]).post(
        "/api/results/import/", {"file": csv_file(text.replace("400,120", "450,130"))}, format="multipart"
    )
    assert (r.json()["created"], r.json()["updated"]) == (0, 2)
    assert CampaignResult.objects.count() == 2 and CampaignResult.objects.get(request=a).leads == 450


def test_xlsx_import_with_explicit_mapping(org, launched):
    a = launched("A")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Campaign", "Cost", "L", "M", "S", "O", "W", "Rev"])
    ws.append([a.pk, 700000, 200, 50, 20, 5, 2, 3000000])
    buf = io.BytesIO()
    wb.save(buf)
    mapping = {
        "campaign_id": "Campaign",
        "actual_spend": "Cost",
        "leads": "L",
        "mqls": "M",
        "sqls": "S",
        "opportunities": "O",
        "won_deals": "W",
        "won_revenue": "Rev",
    }
    upload = SimpleUploadedFile("crm.xlsx", buf.getvalue())
    r = api(org["mona"]).post(
        "/api/results/import/", {"file": upload, "mapping": __import__("json").dumps(mapping)}, format="multipart"
    )
    assert r.status_code == 201, r.json()
    assert CampaignResult.objects.get(request=a).won_revenue == 3000000


BAD_FILES = [
    ("wrong columns", "name,foo\nx,1\n", 1),
    ("non-numeric", "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},abc,1,1,1,1,1,1\n", 2),
    ("negative revenue", "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},1,1,1,1,1,1,-5\n", 2),
    (
        "duplicate rows",
        "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},1,1,1,1,1,1,1\n{a},1,1,1,1,1,1,1\n",
        3,
    ),
    (
        "unknown campaign",
        "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},1,1,1,1,1,1,1\n999999,1,1,1,1,1,1,1\n",
        3,
    ),
    ("not launched", "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{draft},1,1,1,1,1,1,1\n", 2),
    (
        "more MQLs than leads in row 3",
        "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},1,10,5,2,1,1,1\n{b},1,180,300,10,5,2,1\n",
        3,
    ),
    (
        "more won deals than SQLs",
        "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a},1,100,50,10,5,12,1\n",
        2,
    ),
    (
        "retained revenue above revenue",
        "campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue,retained\n{a},1,100,50,10,5,2,100,150\n",
        2,
    ),
]


@pytest.mark.parametrize("label,text,bad_row", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_import_nothing_and_name_the_row(org, launched, make_request, label, text, bad_row):
    a, b = launched("A"), launched("B")
    draft = make_request(org["alice"])
    r = api(org["mona"]).post(
        "/api/results/import/", {"file": csv_file(text.format(a=a.pk, b=b.pk, draft=draft.pk))}, format="multipart"
    )
    assert r.status_code == 400
    assert bad_row in [e["row"] for e in r.json()["errors"]]
    assert not CampaignResult.objects.exists() and not ResultImport.objects.exists()


def test_only_mops_imports(org):
    r = api(org["alice"]).post("/api/results/import/", {"file": csv_file("a\n1\n")}, format="multipart")
    assert r.status_code == 403
    r = api(org["mona"]).post("/api/results/import/", {"file": csv_file("a\n1\n", name="x.pdf")}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()


def test_import_page_preview_then_confirm(client, org, launched):
    a = launched("A")
    client.force_login(org["mona"])
    text = f"campaign_id,spend,leads,mqls,sqls,opportunities,won,revenue\n{a.pk},1,7,6,5,4,3,7\n"
    r = client.post(reverse("campaigns:result-import"), {"file": csv_file(text), "upload": "1"})
    assert r.status_code == 200 and r.context["plan"].ok and not CampaignResult.objects.exists()
    data = {f"map_{k}": v for k, v in r.context["mapping"].items()}
    r = client.post(reverse("campaigns:result-import"), {**data, "confirm": "1"})
    assert r.status_code == 302
    assert CampaignResult.objects.get(request=a).won_revenue == 7


def test_an_impossible_funnel_is_refused_on_the_form_and_the_api(client, org, launched):
    req = launched("ウェビナーB")
    client.force_login(org["alice"])
    form = {
        "actual_spend": "800000",
        "leads": "180",
        "mqls": "300",
        "sqls": "30",
        "opportunities": "12",
        "won_deals": "4",
        "won_revenue": "6000000",
        "retained_revenue_12m": "7000000",
    }
    r = client.post(reverse("campaigns:result-edit", args=[req.pk]), form)
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert set(errors) == {"mqls", "retained_revenue_12m"}
    assert "300" in errors["mqls"][0] and "180" in errors["mqls"][0]
    assert not CampaignResult.objects.exists()

    r = api(org["alice"]).put(f"/api/requests/{req.pk}/result/", {"leads": 10, "mqls": 5, "sqls": 6}, format="json")
    assert r.status_code == 400 and "sqls" in r.json()
    r = api(org["alice"]).put(f"/api/requests/{req.pk}/result/", {"actual_spend": "-1"}, format="json")
    assert r.status_code == 400 and "actual_spend" in r.json()
    assert not CampaignResult.objects.exists()
    r = api(org["alice"]).put(
        f"/api/requests/{req.pk}/result/", {"leads": 10, "mqls": 10, "sqls": 3, "won_deals": 3}, format="json"
    )
    assert r.status_code == 200  # equal steps are a (perfect) funnel
