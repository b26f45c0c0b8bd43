"""Global search: grouped results, Japanese and English, never what the user cannot open."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge.models import Article, Status, Visibility
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def _article(owner, title, body, **kw):
    defaults = {"status": Status.PUBLISHED, "visibility": Visibility.EVERYONE}
    defaults.update(kw)
    return Article.objects.create(owner=owner, title=title, body=body, **defaults)


def _ids(data, kind):
    return {r["id"] for r in data["results"] if r["type"] == kind}


def test_api_finds_requests_tasks_and_articles_in_japanese(org, generated):
    req, tasks = generated
    _article(org["mona"], "ウェビナー運営の手引き", "集客と当日の進行")
    data = api_as(org["mona"]).get("/api/search/", {"q": "ウェビナー"}).json()
    assert req.pk in _ids(data, "request")
    assert {r["type"] for r in data["results"]} >= {"request", "article"}
    first = data["results"][0]
    assert set(first) == {"type", "id", "title", "url", "snippet"}
    assert first["url"].startswith("/")


def test_task_key_and_english_title(org, generated):
    req, tasks = generated
    lp = tasks["lp"]
    data = api_as(org["mona"]).get("/api/search/", {"q": lp.key.lower()}).json()
    assert _ids(data, "task") == {lp.pk}
    data = api_as(org["mona"]).get("/api/search/", {"q": lp.key.split("-")[1]}).json()
    assert lp.pk in _ids(data, "task")
    lp.title = "Landing page build"
    lp.save(update_fields=["title"])
    data = api_as(org["mona"]).get("/api/search/", {"q": "landing PAGE"}).json()
    assert _ids(data, "task") == {lp.pk}


def test_request_by_id(org, generated):
    req, _ = generated
    data = api_as(org["mona"]).get("/api/search/", {"q": f"#{req.pk}"}).json()
    assert req.pk in _ids(data, "request")


@pytest.mark.parametrize("q", ["", " ", "a", "\u3000"])
def test_empty_or_short_query_is_400_with_a_message(org, q):
    r = api_as(org["mona"]).get("/api/search/", {"q": q})
    assert r.status_code == 400
    assert r.json()["q"]


def test_short_query_page_shows_a_message(client, org):
    client.force_login(org["alice"])
    r = client.get("/search/", {"q": "a"})
    assert r.status_code == 200
    assert r.context["problem"]
    assert r.context["groups"] == []


def test_anonymous_is_refused(db):
    assert api_as(None).get("/api/search/", {"q": "ウェビナー"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "sees_request", "sees_tasks"),
    [
        ("alice", True, True),  # the requester: her campaign and its tasks
        ("bob", False, False),  # another unit's requester: nothing
        ("charlie", True, True),  # the approver it was routed to
        ("mona", True, True),
        ("sam", False, True),  # specialist: the team board, not the request page
        ("root", True, True),
    ],
)
def test_search_returns_only_what_the_user_may_open(client, org, generated, who, sees_request, sees_tasks):
    req, tasks = generated
    user = org[who]
    data = api_as(user).get("/api/search/", {"q": "ウェビナー"}).json()
    assert (req.pk in _ids(data, "request")) is sees_request
    task_data = api_as(user).get("/api/search/", {"q": tasks["plan"].key}).json()
    assert (tasks["plan"].pk in _ids(task_data, "task")) is sees_tasks
    # whatever search lists, the user can open
    client.force_login(user)
    for r in data["results"] + task_data["results"]:
        assert client.get(r["url"]).status_code == 200, r


def test_private_draft_article_is_not_found_by_others(org):
    _article(org["mona"], "下書きの手順書", "未公開", status=Status.DRAFT)
    _article(org["mona"], "公開の手順書", "公開済み")
    alice = api_as(org["alice"]).get("/api/search/", {"q": "手順書"}).json()
    assert [r["title"] for r in alice["results"] if r["type"] == "article"] == ["公開の手順書"]
    mona = api_as(org["mona"]).get("/api/search/", {"q": "手順書"}).json()
    assert len(_ids(mona, "article")) == 2


def test_results_page_groups_by_type(client, org, generated):
    client.force_login(org["mona"])
    r = client.get("/search/", {"q": "ウェビナー"})
    assert r.status_code == 200
    assert [g.type for g in r.context["groups"]] == ["request", "task", "article"]
    assert "<mark>ウェビナー</mark>" in r.content.decode()


def test_query_count_constant(org, approved, make_request):
    for _ in range(2):
        approved()
    client = api_as(org["mona"])
    client.get("/api/search/", {"q": "ウェビナー"})  # warm the per-process caches
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/search/", {"q": "ウェビナー"}).status_code == 200
    for _ in range(8):
        approved()
    with CaptureQueriesContext(connection) as large:
        data = client.get("/api/search/", {"q": "ウェビナー"}).json()
    assert len(data["results"]) >= 10
    assert len(large) == len(small)
