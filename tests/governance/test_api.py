"""GET/PUT /api/governance/, delegations API and the settings page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from governance.models import GovernanceChange, OrganisationGovernance
from tests.conftest import api_as as api


@pytest.mark.parametrize(
    "role,get,put", [("alice", 200, 403), ("charlie", 200, 403), ("mona", 200, 403), ("root", 200, 200)]
)
def test_governance_api_permissions(gov, role, get, put):
    client = api(gov[role])
    assert client.get("/api/governance/").status_code == get
    r = client.put(
        "/api/governance/",
        {"model": "hybrid", "hybrid_threshold": "2000000", "units": [{"unit": "apac", "model": "decentralised"}]},
        format="json",
    )
    assert r.status_code == put
    if put == 200:
        body = r.json()
        assert body["model"] == "hybrid" and body["effective"]["apac"]["model"] == "decentralised"
        assert body["effective"]["osaka"] == {
            "model": "hybrid",
            "hybrid_threshold": "2000000",
            "source": "organisation",
        }


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"model": "hybrid", "hybrid_threshold": "-1"}, "hybrid_threshold"),
        ({"model": "nope", "hybrid_threshold": "1"}, "model"),
        ({"model": "hybrid", "hybrid_threshold": "1", "units": [{"unit": "mars", "model": "hybrid"}]}, "units"),
    ],
)
def test_governance_api_bad_input(gov, payload, field):
    r = api(gov["root"]).put("/api/governance/", payload, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not GovernanceChange.objects.exists()
    assert OrganisationGovernance.objects.filter(model="hybrid").count() == 0


def test_anonymous_gets_nothing():
    assert APIClient().get("/api/governance/").status_code == 403


def test_delegation_api(gov):
    today = timezone.localdate()
    r = api(gov["olivia"]).post(
        "/api/delegations/",
        {"delegate": "paul", "start": str(today), "end": str(today + dt.timedelta(days=2))},
        format="json",
    )
    assert r.status_code == 201, r.json()
    did = r.json()["id"]
    r = api(gov["olivia"]).post(
        "/api/delegations/", {"delegate": "alice", "start": str(today), "end": str(today)}, format="json"
    )
    assert r.status_code == 400 and "delegate" in r.json()
    assert api(gov["bob"]).post(f"/api/delegations/{did}/revoke/").status_code == 404
    assert api(gov["paul"]).post(f"/api/delegations/{did}/revoke/").status_code == 403
    assert api(gov["olivia"]).post(f"/api/delegations/{did}/revoke/").json()["revoked_at"]


def test_settings_page_preview_and_save(client, gov, make_request):
    make_request(gov["bob"], actions=["submit"], business_unit=gov["osaka"])
    client.force_login(gov["root"])
    r = client.post(
        reverse("governance:settings"),
        {"model": "decentralised", "hybrid_threshold": "3000000", "unit_apac_model": "hybrid", "preview": "1"},
    )
    assert r.status_code == 200
    text = " ".join(r.context["preview"])
    assert "進行中の依頼 1 件は現在の承認ルートのままです" in text and "olivia" in text
    assert not GovernanceChange.objects.exists()
    r = client.post(
        reverse("governance:settings"),
        {"model": "decentralised", "hybrid_threshold": "3000000", "unit_apac_model": "hybrid", "save": "1"},
    )
    assert r.status_code == 302
    assert OrganisationGovernance.objects.get().model == "decentralised"
    r = client.post(reverse("governance:settings"), {"model": "decentralised", "hybrid_threshold": "-3", "save": "1"})
    assert r.status_code == 200 and r.context["form"].errors
    client.force_login(gov["charlie"])
    assert client.get(reverse("governance:settings")).status_code == 403
