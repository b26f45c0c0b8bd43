"""A request records its ids in other tools (Jira, Asana, CRM, UTM) and shows them as links."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns import history
from campaigns.models import ExternalRef
from tests.conftest import api_as as api


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def req(org, make_request):
    return make_request(org["alice"], name="秋のウェビナー", actions=["submit"])


def test_detail_page_shows_external_ids_with_links(client, org, req, settings):
    settings.MOPS_EXTERNAL_LINKS = {"jira": "https://acme.atlassian.net/browse/{key}"}
    history.external_ref_set(request_id=req.pk, system="jira", key="MKT-12", by=org["mona"])
    history.external_ref_set(request_id=req.pk, system="asana", key="1205000000000001", by=org["mona"])
    history.external_ref_set(request_id=req.pk, system="utm", key="webinar-2026-autumn", by=org["alice"])
    client.force_login(org["alice"])
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert 'href="https://acme.atlassian.net/browse/MKT-12"' in page
    assert 'href="https://app.asana.com/0/0/1205000000000001"' in page
    assert "webinar-2026-autumn" in page
    body = api(org["alice"]).get(f"/api/requests/{req.pk}/").json()
    assert {"system": "utm", "key": "webinar-2026-autumn", "url": ""} in body["external_ids"]


@pytest.mark.parametrize(
    "who, status", [("alice", 302), ("mona", 302), ("root", 302), ("charlie", 403), ("sam", 404), ("bob", 404)]
)
def test_who_may_record_external_ids(client, org, req, who, status):
    client.force_login(org[who])
    response = client.post(f"/requests/{req.pk}/external-ids/", {"system": "salesforce", "key": "7015g000000AbCd"})
    assert response.status_code == status
    assert ExternalRef.objects.filter(request=req).exists() == (status == 302)


def test_an_id_belongs_to_one_request_and_bad_links_are_refused(client, org, req, make_request):
    other = make_request(org["alice"], name="展示会")
    history.external_ref_set(request_id=other.pk, system="jira", key="MKT-1", by=org["mona"])
    with pytest.raises(ValidationError, match="already belongs"):
        history.external_ref_set(request_id=req.pk, system="jira", key="MKT-1", by=org["mona"])
    client.force_login(org["mona"])
    response = client.post(
        f"/requests/{req.pk}/external-ids/", {"system": "jira", "key": "MKT-2", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 302
    assert not ExternalRef.objects.filter(request=req).exists()
    # Recording a system again re-points it instead of adding a second id.
    history.external_ref_set(request_id=req.pk, system="jira", key="MKT-2", by=org["mona"])
    history.external_ref_set(request_id=req.pk, system="jira", key="MKT-3", by=org["mona"])
    assert list(req.external_refs.values_list("key", flat=True)) == ["MKT-3"]
