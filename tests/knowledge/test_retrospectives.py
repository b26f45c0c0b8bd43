"""Retrospectives on launched campaigns by the requester or MOps; promotion to best practice."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from knowledge import retrospectives
from knowledge.models import Category, Retrospective, Status
from knowledge.services import ArticleConflict

LAUNCH = ["submit", "approve", "start_production", "mark_ready", "launch"]


@pytest.fixture
def launched(org, make_request):
    return make_request(
        org["alice"],
        actions=LAUNCH,
        actors={"approve": org["charlie"], "start_production": org["mona"], "mark_ready": org["mona"]},
    )


def test_only_launched_campaigns_by_requester_or_mops(org, make_request, launched):
    draft = make_request(org["alice"])
    with pytest.raises(ArticleConflict):
        retrospectives.retrospective_save(campaign_id=draft.pk, by=org["alice"], what_worked="x")
    for outsider in ("bob", "charlie", "sam"):
        with pytest.raises(PermissionDenied):
            retrospectives.retrospective_save(campaign_id=launched.pk, by=org[outsider], what_worked="x")
    with pytest.raises(ValidationError):
        retrospectives.retrospective_save(campaign_id=launched.pk, by=org["alice"], what_worked="  ")
    assert Retrospective.objects.count() == 0
    retro = retrospectives.retrospective_save(
        campaign_id=launched.pk,
        by=org["alice"],
        what_worked="LPのA/Bテスト",
        what_did_not="集客開始が遅れた",
        what_to_change="告知を4週間前に",
    )
    again = retrospectives.retrospective_save(
        campaign_id=launched.pk, by=org["mona"], what_worked="LPのA/Bテストが効いた"
    )
    assert again.pk == retro.pk and Retrospective.objects.count() == 1


def test_promote_to_best_practice_linked_to_campaign_type(org, launched):
    retro = retrospectives.retrospective_save(
        campaign_id=launched.pk, by=org["alice"], what_worked="<script>x</script>事前登録が多い"
    )
    with pytest.raises(PermissionDenied):
        retrospectives.retrospective_promote(retrospective_id=retro.pk, by=org["alice"])
    article = retrospectives.retrospective_promote(retrospective_id=retro.pk, by=org["mona"])
    assert article.category == Category.BEST_PRACTICE and article.status == Status.DRAFT
    assert list(article.campaign_types.all()) == [launched.campaign_type]
    assert "事前登録が多い" in article.body and "<script" not in article.body_html
    with pytest.raises(ArticleConflict):
        retrospectives.retrospective_promote(retrospective_id=retro.pk, by=org["mona"])


def test_pages(org, launched):
    alice = Client()
    alice.force_login(org["alice"])
    assert launched.name in alice.get("/kb/retrospectives/").content.decode()  # pending list
    r = alice.post(
        f"/kb/retrospectives/campaign/{launched.pk}/",
        {"what_worked": "良かった", "what_did_not": "", "what_to_change": ""},
    )
    retro = Retrospective.objects.get()
    assert r.status_code == 302 and r.url == f"/kb/retrospectives/{retro.pk}/"
    assert "良かった" in alice.get(f"/kb/types/{launched.campaign_type.slug}/").content.decode()
    bob = Client()
    bob.force_login(org["bob"])
    assert bob.get(f"/kb/retrospectives/campaign/{launched.pk}/").status_code == 404
    assert bob.get(f"/kb/retrospectives/{retro.pk}/").status_code == 404
    mona = Client()
    mona.force_login(org["mona"])
    r = mona.post(f"/kb/retrospectives/{retro.pk}/promote/")
    assert r.status_code == 302 and "/edit/" in r.url
