"""Working lists: sortable columns (whitelist, aria-sort, stable), filters with named pickers,
page permissions and constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignRequest
from tasks.generation import tasks_generate
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sort", ["name", "-name", "budget", "-launch", "requester", "unit", "-id"])
def test_request_list_sorts_by_whitelisted_columns(client, org, make_request, sort):
    for i, budget in enumerate([300, 100, 200]):
        make_request(org["alice"], name=f"案件{i}", budget=budget)
    client.force_login(org["mona"])
    r = client.get("/requests/", {"sort": sort})
    assert r.status_code == 200
    rows = list(r.context["page"])
    key = sort.lstrip("-")
    field = {"id": "pk", "name": "name", "budget": "budget", "launch": "launch_date"}.get(key)
    if field:
        values = [getattr(x, field) for x in rows]
        assert values == sorted(values, reverse=sort.startswith("-"))
    html = r.content.decode()
    assert f'aria-sort="{"descending" if sort.startswith("-") else "ascending"}"' in html


def test_equal_values_keep_a_stable_order(client, org, make_request):
    ids = [make_request(org["alice"], budget=100).pk for _ in range(3)]
    client.force_login(org["mona"])
    asc = [x.pk for x in client.get("/requests/", {"sort": "budget"}).context["page"]]
    desc = [x.pk for x in client.get("/requests/", {"sort": "-budget"}).context["page"]]
    assert asc == sorted(ids) and desc == sorted(ids, reverse=True)


@pytest.mark.parametrize("bad", ["password", "requester__password", "-", "name;drop", "?", "ＩＤ", "\u00b2"])
def test_bad_sort_is_ignored_on_pages_and_400_on_the_api(client, org, make_request, bad):
    make_request(org["alice"])
    client.force_login(org["mona"])
    assert client.get("/requests/", {"sort": bad}).status_code == 200
    assert client.get("/work/tasks/", {"sort": bad}).status_code == 200
    for url in ("/api/requests/", "/api/tasks/"):
        r = api_as(org["mona"]).get(url, {"sort": bad})
        assert r.status_code == 400, url
        assert "sort" in r.json()


def test_api_sort(org, generated):
    req, tasks = generated
    keys = [t["key"] for t in api_as(org["mona"]).get("/api/tasks/", {"sort": "-key"}).json()["results"]]
    assert keys == sorted(keys, key=lambda k: -int(k.split("-")[1]))


def test_filters_are_labelled_and_show_names(client, org, generated):
    org["sam"].first_name, org["sam"].last_name = "花子", "佐藤"
    org["sam"].save()
    client.force_login(org["mona"])
    html = client.get("/tasks/").content.decode()
    assert '<label for="id_assignee">' in html
    assert ">佐藤花子</option>" in html and 'value="sam"' in html
    assert '<label for="id_sla_state">' in html and '<label for="id_unit">' in html
    html = client.get("/requests/").content.decode()
    assert ">佐藤花子</option>" in html


def test_board_and_list_filter_by_assignee_unit_and_due_window(client, org, generated):
    req, tasks = generated
    api_as(org["mona"]).post(
        "/api/tasks/bulk/", {"ids": [tasks["plan"].pk], "action": "assign", "assignee": "sam"}, format="json"
    )
    client.force_login(org["mona"])
    listed = [t.pk for t in client.get("/work/tasks/", {"assignee": "sam"}).context["page"]]
    assert listed == [tasks["plan"].pk]
    assert len(client.get("/work/tasks/", {"assignee": "none"}).context["page"]) == len(tasks) - 1
    assert len(client.get("/work/tasks/", {"unit": "osaka"}).context["page"]) == 0
    board = client.get("/tasks/", {"unit": "tokyo", "due_after": "2000-01-01"})
    assert sum(len(c[2]) for c in board.context["columns"]) == len(tasks)
    assert client.get("/tasks/", {"sla_state": "nonsense"}).status_code == 200
    requests = client.get("/requests/", {"assignee": "sam"}).context["page"]
    assert [r.pk for r in requests] == [req.pk]
    assert list(client.get("/requests/", {"assignee": "mona"}).context["page"]) == []


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mona", "sam", "root"])
@pytest.mark.parametrize("url", ["/search/?q=ウェビナー", "/work/tasks/", "/work/views/", "/requests/", "/tasks/"])
def test_pages_open_for_every_role(client, org, who, url):
    client.force_login(org[who])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/search/?q=abc", "/work/tasks/", "/work/views/"])
def test_pages_need_a_login(client, url):
    r = client.get(url)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_task_list_shows_only_visible_tasks(client, org, generated):
    req, tasks = generated
    client.force_login(org["bob"])
    assert list(client.get("/work/tasks/").context["page"]) == []


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_query_counts_do_not_grow_with_rows(client, org, generated, approved):
    client.force_login(org["mona"])
    urls = ["/requests/?sort=-launch", "/work/tasks/?sort=assignee", "/requests/inbox/", "/tasks/"]
    for url in urls:
        _count(client, url)
    small = {url: _count(client, url) for url in urls}
    for _ in range(4):
        extra = approved()
        tasks_generate(request_id=extra.pk, by=org["mona"])
    assert CampaignRequest.objects.count() >= 5
    large = {url: _count(client, url) for url in urls}
    assert large == small


def test_task_list_headers_say_the_order(client, org, generated):
    client.force_login(org["mona"])
    html = client.get("/work/tasks/", {"sort": "-due"}).content.decode()
    assert 'aria-sort="descending"' in html and 'href="?sort=due"' in html
    assert html.count('aria-sort="none"') == 8
