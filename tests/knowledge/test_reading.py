"""Required reading and read receipts per version: a new major version asks to re-read."""

from __future__ import annotations

import pytest

from governance import roles
from knowledge import services
from knowledge.models import ReadReceipt
from knowledge.selectors import reading_report, required_for, unread_required_for

from .conftest import api_for


@pytest.fixture
def rules(org, make_article):
    article = make_article(org["mona"], "依頼フォーム運用ルール", "すべての施策は依頼フォームから。")
    services.requirement_add(article_id=article.pk, by=org["mona"], role=roles.REQUESTER)
    return article


def test_required_for_role_and_unit(org, rules, make_article, osaka):
    alice, bob, sam, mona = org["alice"], org["bob"], org["sam"], org["mona"]
    osaka_only = make_article(mona, "大阪支社の展示会ルール", "…")
    services.requirement_add(article_id=osaka_only.pk, by=mona, unit=osaka)
    assert [a.title for a in unread_required_for(alice)] == ["依頼フォーム運用ルール"]
    assert {a.title for a in unread_required_for(bob)} == {"依頼フォーム運用ルール", "大阪支社の展示会ルール"}
    assert list(unread_required_for(sam)) == []


def test_receipt_per_version_minor_edit_keeps_it_major_asks_again(org, rules):
    alice, mona = org["alice"], org["mona"]
    receipt = services.receipt_record(article_id=rules.pk, by=alice)
    assert receipt.version.number == 1 and receipt.major == 1
    assert list(unread_required_for(alice)) == []
    # reading twice is one receipt
    assert services.receipt_record(article_id=rules.pk, by=alice).pk == receipt.pk
    services.article_update(article_id=rules.pk, by=mona, body="誤字修正")  # minor: still read
    assert list(unread_required_for(alice)) == []
    services.article_update(article_id=rules.pk, by=mona, body="承認フローが変わりました", major=True)
    assert [a.pk for a in unread_required_for(alice)] == [rules.pk]
    again = services.receipt_record(article_id=rules.pk, by=alice)
    assert (again.major, again.version.number) == (2, 3)
    assert list(unread_required_for(alice)) == []
    assert ReadReceipt.objects.filter(user=alice).count() == 2  # history kept


def test_reading_report_for_mops(org, rules):
    services.receipt_record(article_id=rules.pk, by=org["alice"])
    services.article_update(article_id=rules.pk, by=org["mona"], body="改訂", major=True)
    services.receipt_record(article_id=rules.pk, by=org["bob"])
    rules.refresh_from_db()
    report = {
        row["user"].username: (row["current"], row["receipt"] and row["receipt"].major) for row in reading_report(rules)
    }
    assert report == {"alice": (False, 1), "bob": (True, 2)}


def test_drafts_cannot_be_confirmed(org, make_article):
    draft = make_article(org["mona"], "draft", publish=False)
    with pytest.raises(services.ArticleConflict):
        services.receipt_record(article_id=draft.pk, by=org["mona"])


def test_receipts_api(org, rules):
    alice_api = api_for(org["alice"])
    assert [a["title"] for a in alice_api.get("/api/knowledge/articles/required/?unread=1").json()] == [
        "依頼フォーム運用ルール"
    ]
    res = alice_api.post(f"/api/knowledge/articles/{rules.pk}/read/")
    assert res.status_code == 201 and res.json()["version"] == "1.0"
    assert alice_api.get("/api/knowledge/articles/required/?unread=1").json() == []
    assert alice_api.get("/api/knowledge/articles/required/").json()[0]["is_read"] is True
    services.receipt_record(article_id=rules.pk, by=org["bob"])
    assert [r["user"] for r in alice_api.get("/api/knowledge/receipts/").json()["results"]] == ["alice"]
    mine = api_for(org["mona"]).get(f"/api/knowledge/receipts/?article={rules.pk}").json()
    assert {r["user"] for r in mine["results"]} == {"alice", "bob"}
    assert [a.title for a in required_for(org["alice"])] == ["依頼フォーム運用ルール"]
