"""Permission matrix: drafts only for editors and the owner; unit-private articles only for the
unit's members (and editors); role x endpoint -> status."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledge import services
from knowledge.selectors import article_list_for

from .conftest import api_for

ROLES = ["anonymous", "alice", "bob", "charlie", "mona", "sam", "root"]


@pytest.fixture
def world(org, make_article, tokyo):
    mona, alice = org["mona"], org["alice"]
    return {
        "published": make_article(mona, "公開記事"),
        "draft": make_article(mona, "MOpsの下書き", publish=False),
        "alice_draft": make_article(alice, "aliceの下書き", publish=False),
        "archived": services.article_archive(article_id=make_article(mona, "古い記事").pk, by=mona),
        "tokyo_only": make_article(mona, "東京本社限定", visibility="unit", unit=tokyo),
    }


# what each role sees on the detail page / API detail
SEES = {
    "anonymous": set(),
    "alice": {"published", "alice_draft", "archived", "tokyo_only"},  # tokyo member, owner of her draft
    "bob": {"published", "archived"},  # osaka: no drafts, no tokyo-only
    "charlie": {"published", "archived", "tokyo_only"},
    "mona": {"published", "draft", "alice_draft", "archived", "tokyo_only"},
    "sam": {"published", "archived", "tokyo_only"},
    "root": {"published", "draft", "alice_draft", "archived", "tokyo_only"},
}


def clients(role, org):
    page = Client()
    if role != "anonymous":
        page.force_login(org[role])
    return page, api_for(None if role == "anonymous" else org[role])


@pytest.mark.parametrize("role", ROLES)
def test_detail_visibility(role, org, world):
    page, api = clients(role, org)
    for key, article in world.items():
        seen = key in SEES[role]
        r = page.get(f"/kb/{article.pk}/")
        assert r.status_code == (200 if seen else 302 if role == "anonymous" else 404), (role, key)
        r = api.get(f"/api/knowledge/articles/{article.pk}/")
        assert r.status_code == (200 if seen else 403 if role == "anonymous" else 404), (role, key)
        r = page.get(f"/kb/{article.pk}/history/")
        assert r.status_code == (200 if seen else 302 if role == "anonymous" else 404), (role, key)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_lists_leave_out_archived_and_invisible(role, org, world):
    expected = {world[k].pk for k in SEES[role] if k != "archived"}
    assert {a.pk for a in article_list_for(org[role])} == expected
    _, api = clients(role, org)
    assert {r["id"] for r in api.get("/api/knowledge/articles/").json()["results"]} == expected
    archived = api.get("/api/knowledge/articles/?status=archived").json()["results"]
    assert [r["id"] for r in archived] == [world["archived"].pk]


# role -> (create, edit mona's published, publish, delete)
WRITES = {
    "anonymous": (403, 403, 403, 403),
    "alice": (201, 403, 403, 403),
    "bob": (201, 403, 403, 403),
    "charlie": (201, 403, 403, 403),
    "mona": (201, 200, 200, 204),
    "sam": (201, 403, 403, 403),
    "root": (201, 200, 200, 204),
}


@pytest.mark.parametrize("role", ROLES)
def test_write_endpoints(role, org, world):
    _, api = clients(role, org)
    create, edit, publish, delete = WRITES[role]
    assert (
        api.post("/api/knowledge/articles/", {"title": "新しい記事", "body": "x"}, format="json").status_code == create
    )
    assert (
        api.patch(f"/api/knowledge/articles/{world['published'].pk}/", {"body": "改訂"}, format="json").status_code
        == edit
    )
    assert api.post(f"/api/knowledge/articles/{world['draft'].pk}/publish/").status_code == (
        publish if "draft" in SEES[role] or role == "anonymous" else 404
    )
    assert api.delete(f"/api/knowledge/articles/{world['published'].pk}/").status_code == delete


def test_owner_edits_own_draft_but_cannot_publish(org, world):
    api = api_for(org["alice"])
    r = api.patch(f"/api/knowledge/articles/{world['alice_draft'].pk}/", {"body": "更新"}, format="json")
    assert r.status_code == 200 and r.json()["version"] == "1.1"
    assert api.post(f"/api/knowledge/articles/{world['alice_draft'].pk}/publish/").status_code == 403


def test_edit_page_permissions(org, world):
    bob = Client()
    bob.force_login(org["bob"])
    assert bob.get(f"/kb/{world['published'].pk}/edit/").status_code == 403
    assert bob.post(f"/kb/{world['published'].pk}/archive/").status_code == 403
    alice = Client()
    alice.force_login(org["alice"])
    assert alice.get(f"/kb/{world['alice_draft'].pk}/edit/").status_code == 200


def test_search_respects_visibility(org, world):
    from knowledge.search import search_articles

    assert {h.article.title for h in search_articles(org["bob"], "記事")[0]} == {"公開記事"}
    assert "東京本社限定" in {h.article.title for h in search_articles(org["alice"], "限定")[0]}
    assert search_articles(org["bob"], "限定")[1] == 0
