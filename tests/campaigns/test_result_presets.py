"""Results presets: Salesforce, HubSpot and Marketo campaign reports (English and Japanese headers)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from campaigns import history, results
from campaigns.models import CampaignResult, ResultImport
from tests.conftest import api_as as api

from .test_results import launched  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _import(name: str, preset: str, by):
    content = (FIXTURES / name).read_bytes()
    headers, rows = results.read_table(content, name)
    mapping = results.guess_mapping(headers, preset)
    plan = results.results_import_plan(headers=headers, rows=rows, mapping=mapping, by=by, preset=preset)
    return content, mapping, plan


@pytest.mark.parametrize("name", ["salesforce_campaigns_en.csv", "salesforce_campaigns_ja.csv"])
def test_salesforce_report_matches_by_campaign_id_then_name(name, org, launched):  # noqa: F811
    webinar, show = launched("ウェビナーA-社内名"), launched("展示会B")
    history.external_ref_set(request_id=webinar.pk, system="salesforce", key="7015g000000AbCdAAK", by=org["mona"])
    content, mapping, plan = _import(name, "salesforce", org["mona"])
    assert plan.ok, plan.errors
    matched = {r["campaign"].pk for r in plan.rows}
    assert webinar.pk in matched  # by the Salesforce id, although the names differ
    if name.endswith("_en.csv"):
        assert show.pk in matched  # no id recorded: by the exact name
    results.results_import_apply(content=content, filename=name, mapping=mapping, by=org["mona"], preset="salesforce")
    result = CampaignResult.objects.get(request=webinar)
    assert (result.actual_spend, result.leads, result.mqls, result.won_deals, result.won_revenue) == (
        800000,
        300,
        90,
        4,
        6000000,
    )


def test_hubspot_report_matches_by_utm_code(org, launched):  # noqa: F811
    req = launched("秋のウェビナー")
    history.external_ref_set(request_id=req.pk, system="utm", key="webinar-2026-autumn", by=org["alice"])
    content, mapping, plan = _import("hubspot_campaigns.csv", "hubspot", org["mona"])
    assert plan.ok, plan.errors
    assert [r["campaign"].pk for r in plan.rows] == [req.pk]
    assert plan.rows[0]["values"]["sqls"] == 30 and plan.rows[0]["values"]["opportunities"] == 12


def test_marketo_unmatched_rows_are_reported_and_nothing_is_half_imported(org, launched):  # noqa: F811
    req = launched("ウェビナーA")
    history.external_ref_set(request_id=req.pk, system="marketo", key="1042", by=org["mona"])
    content, mapping, plan = _import("marketo_programs.csv", "marketo", org["mona"])
    assert [e["row"] for e in plan.errors] == [3]
    assert "No request matches 1099, 2026-11 Unknown program" in plan.errors[0]["message"]
    with pytest.raises(Exception, match="Row 3"):
        results.results_import_apply(
            content=content, filename="m.csv", mapping=mapping, by=org["mona"], preset="marketo"
        )
    assert CampaignResult.objects.count() == 0 and ResultImport.objects.count() == 0


def test_two_requests_with_the_same_name_are_ambiguous(org, launched):  # noqa: F811
    launched("展示会B"), launched("展示会B")
    _content, _mapping, plan = _import("salesforce_campaigns_en.csv", "salesforce", org["mona"])
    messages = " ".join(e["message"] for e in plan.errors)
    assert "Several requests are named 展示会B" in messages


def test_the_api_takes_a_preset(org, launched):  # noqa: F811
    req = launched("ウェビナーA")
    history.external_ref_set(request_id=req.pk, system="marketo", key="1042", by=org["mona"])
    upload = SimpleUploadedFile("m.csv", (FIXTURES / "marketo_programs.csv").read_bytes())
    response = api(org["mona"]).post("/api/results/import/", {"file": upload, "preset": "marketo"}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["row"] == 3
    bad = SimpleUploadedFile("m.csv", b"a,b\n1,2\n")
    response = api(org["mona"]).post("/api/results/import/", {"file": bad, "preset": "pipedrive"}, format="multipart")
    assert response.status_code == 400 and "preset" in response.json()
    assert CampaignResult.objects.count() == 0


def test_the_page_offers_presets(client, org, launched):  # noqa: F811
    req = launched("ウェビナーA")
    history.external_ref_set(request_id=req.pk, system="utm", key="webinar-2026-autumn", by=org["mona"])
    client.force_login(org["mona"])
    upload = SimpleUploadedFile("h.csv", (FIXTURES / "hubspot_campaigns.csv").read_bytes())
    response = client.post("/requests/results/import/", {"file": upload, "preset": "hubspot", "upload": "1"})
    assert response.status_code == 200 and "HubSpot" in response.content.decode()
    data = {f"map_{k}": v for k, v in response.context["mapping"].items()}
    client.post("/requests/results/import/", {**data, "confirm": "1"})
    assert CampaignResult.objects.get(request=req).leads == 300


def test_the_command_takes_a_preset(org, launched):  # noqa: F811
    req = launched("ウェビナーA")
    history.external_ref_set(request_id=req.pk, system="marketo", key="1042", by=org["mona"])
    path = str(FIXTURES / "marketo_programs.csv")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_results", path, "--preset", "marketo", "--user", "mona", stdout=StringIO())
    assert CampaignResult.objects.count() == 0
    path = str(FIXTURES / "hubspot_campaigns.csv")
    history.external_ref_set(request_id=req.pk, system="utm", key="webinar-2026-autumn", by=org["mona"])
    out = StringIO()
    call_command("import_results", path, "--preset", "hubspot", "--user", "mona", stdout=out)
    assert "1 created" in out.getvalue()
