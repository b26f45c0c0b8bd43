"""Saved views: per user, named querystrings; CRUD on one's own only (others' are 404)."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from worklists.models import SavedView
from worklists.selectors import default_filters_for

pytestmark = pytest.mark.django_db


def test_save_from_the_list_keeps_only_the_filters(client, org):
    client.force_login(org["mona"])
    r = client.post(
        "/work/views/new/",
        {"page": "requests", "name": "東京の制作中", "query": "business_unit=tokyo&state=in_production&page=3&x=1&q="},
    )
    view = SavedView.objects.get(owner=org["mona"])
    assert view.query == "business_unit=tokyo&state=in_production"
    assert r.status_code == 302 and r["Location"] == "/requests/?business_unit=tokyo&state=in_production"
    page = client.get(r["Location"])
    assert "東京の制作中" in page.content.decode()


def test_duplicate_or_empty_name_is_a_message_not_a_500(client, org):
    client.force_login(org["mona"])
    client.post("/work/views/new/", {"page": "board", "name": "mine", "query": "assignee=mona"})
    r = client.post("/work/views/new/", {"page": "board", "name": "mine", "query": ""}, follow=True)
    assert r.status_code == 200
    assert SavedView.objects.count() == 1
    r = client.post("/work/views/new/", {"page": "board", "name": "", "query": ""}, follow=True)
    assert r.status_code == 200 and SavedView.objects.count() == 1


def test_rename_and_delete_own_view_on_the_page(client, org):
    view = SavedView.objects.create(owner=org["mona"], page="tasks", name="old", query="state=todo")
    client.force_login(org["mona"])
    assert client.post(f"/work/views/{view.pk}/rename/", {"name": "新しい名前"}).status_code == 302
    view.refresh_from_db()
    assert view.name == "新しい名前"
    page = client.get("/work/views/")
    assert "新しい名前" in page.content.decode()
    assert client.post(f"/work/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_someone_elses_view_is_404_on_the_page(client, org):
    view = SavedView.objects.create(owner=org["mona"], page="tasks", name="mona's", query="")
    client.force_login(org["sam"])
    assert client.post(f"/work/views/{view.pk}/rename/", {"name": "x"}).status_code == 404
    assert client.post(f"/work/views/{view.pk}/rename/", {"name": ""}).status_code == 404
    assert client.post(f"/work/views/{view.pk}/delete/").status_code == 404
    assert "mona&#x27;s" not in client.get("/work/views/").content.decode()
    assert SavedView.objects.get(pk=view.pk).name == "mona's"


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mona", "sam", "root"])
def test_api_crud_matrix(org, who):
    other = SavedView.objects.create(owner=org["mona" if who != "mona" else "sam"], page="board", name="theirs")
    client = api_as(org[who])
    r = client.post("/api/views/", {"page": "requests", "name": "mine", "query": "state=submitted"}, format="json")
    assert r.status_code == 201
    mine = r.json()
    assert mine["url"] == "/requests/?state=submitted"
    assert [v["id"] for v in client.get("/api/views/").json()] == [mine["id"]]
    assert client.get(f"/api/views/{mine['id']}/").status_code == 200
    assert client.patch(f"/api/views/{mine['id']}/", {"name": "renamed"}, format="json").json()["name"] == "renamed"
    for method in ("get", "put", "patch", "delete"):
        r = getattr(client, method)(f"/api/views/{other.pk}/", {"name": "hijack"}, format="json")
        assert r.status_code == 404, method
    assert client.delete(f"/api/views/{mine['id']}/").status_code == 204
    other.refresh_from_db()
    assert other.name == "theirs"


def test_api_anonymous_and_bad_input(org):
    assert api_as(None).get("/api/views/").status_code in (401, 403)
    client = api_as(org["mona"])
    assert client.post("/api/views/", {"page": "nowhere", "name": "x"}, format="json").status_code == 400
    assert client.post("/api/views/", {"page": "board", "name": ""}, format="json").status_code == 400
    client.post("/api/views/", {"page": "board", "name": "dup"}, format="json")
    r = client.post("/api/views/", {"page": "board", "name": "dup"}, format="json")
    assert r.status_code == 400 and "name" in r.json()


@pytest.mark.parametrize(
    ("who", "page", "expected"),
    [
        ("charlie", "requests", {"state": "submitted", "sort": "launch"}),
        ("mona", "board", {"assignee": "none"}),
        ("sam", "tasks", {"assignee": "sam"}),
        ("alice", "board", {}),
    ],
)
def test_default_filters_per_role(org, who, page, expected):
    assert default_filters_for(org[who], page) == expected
