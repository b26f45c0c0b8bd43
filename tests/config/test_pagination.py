"""API lists: page numbers by default, keyset paging with ?paging=cursor (deep lists, issue 19)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignRequest
from tests.conftest import api_as, request_fields


def _requests(n: int, by) -> list[int]:
    # One bulk insert: every row gets the same created_at, the ties a keyset must get through.
    rows = CampaignRequest.objects.bulk_create(
        [CampaignRequest(requester=by, **request_fields(name=f"キャンペーン {i}")) for i in range(n)]
    )
    return [r.pk for r in rows]


def _walk(client, url: str) -> tuple[list[int], list[dict]]:
    ids, pages = [], []
    while url:
        body = client.get(url).json()
        pages.append(body)
        ids += [r["id"] for r in body["results"]]
        url = body["next"]
    return ids, pages


def test_page_numbers_stay_the_default(org):
    _requests(7, org["alice"])
    body = api_as(org["mona"]).get("/api/requests/?page_size=3&page=2").json()
    assert body["count"] == 7 and len(body["results"]) == 3 and body["next"] and body["previous"]


def test_keyset_walk_gives_every_row_once_in_list_order_through_ties(org):
    _requests(7, org["alice"])
    client = api_as(org["mona"])
    pages_by_number = [client.get(f"/api/requests/?page_size=3&page={p}").json() for p in (1, 2, 3)]
    numbered = [r["id"] for page in pages_by_number for r in page["results"]]
    ids, pages = _walk(client, "/api/requests/?paging=cursor&page_size=3")
    assert ids == numbered and len(ids) == 7
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert "count" not in pages[0] and pages[0]["previous"] is None and pages[-1]["next"] is None
    # Back from the last page: the page before it, in the same order.
    back = client.get(pages[-1]["previous"]).json()
    assert [r["id"] for r in back["results"]] == ids[3:6]


def test_keyset_pages_filter_and_stay_in_what_the_user_may_see(org):
    _requests(4, org["alice"])
    _requests(3, org["bob"])
    ids, _pages = _walk(api_as(org["alice"]), "/api/requests/?paging=cursor&page_size=2")
    assert len(ids) == 4 and set(CampaignRequest.objects.filter(pk__in=ids).values_list("requester", flat=True)) == {
        org["alice"].pk
    }


def test_keyset_page_costs_the_same_queries_at_any_depth(org):
    _requests(12, org["alice"])
    client = api_as(org["mona"])
    first = client.get("/api/requests/?paging=cursor&page_size=2").json()
    deep = "/api/requests/?paging=cursor&page_size=2"
    for _ in range(4):
        deep = client.get(deep).json()["next"]
    counts = []
    for url in (first["next"], deep):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/requests/?paging=cursor&cursor=not-a-cursor", 404),
        ("/api/requests/?paging=cursor&cursor=cD1bMV0%3D", 404),  # a key of the wrong length
        ("/api/requests/?paging=cursor&sort=launch_date", 400),  # an expression sort: page numbers only
    ],
)
def test_bad_cursor_or_unsupported_sort_is_a_json_error(org, url, status):
    _requests(2, org["alice"])
    response = api_as(org["mona"]).get(url)
    assert response.status_code == status
    assert response.json()


def test_deep_page_numbers_read_ids_first_and_keep_the_order(org):
    """Past DEEP_OFFSET rows a page reads its ids, then its rows: same rows, same order."""
    from paging import DEEP_OFFSET

    _requests(DEEP_OFFSET + 60, org["alice"])
    client = api_as(org["mona"])
    everything = [r["id"] for r in client.get("/api/requests/?page_size=500").json()["results"]]
    page = DEEP_OFFSET // 25 + 1  # starts past DEEP_OFFSET with 25 a page
    body = client.get(f"/api/requests/?page_size=25&page={page}").json()
    assert body["count"] == len(everything)
    assert [r["id"] for r in body["results"]] == everything[(page - 1) * 25 : page * 25]
    with CaptureQueriesContext(connection) as shallow:
        client.get("/api/requests/?page_size=25&page=2")
    with CaptureQueriesContext(connection) as deep:
        client.get(f"/api/requests/?page_size=25&page={page}")
    assert len(deep.captured_queries) == len(shallow.captured_queries) + 1  # the ids


@pytest.fixture
def small_limit(monkeypatch):
    import paging

    monkeypatch.setattr(paging, "COUNT_LIMIT", 10)
    return 10


def test_count_is_exact_up_to_the_limit(org, small_limit):
    _requests(small_limit, org["alice"])
    body = api_as(org["mona"]).get("/api/requests/?page_size=3").json()
    assert body["count"] == small_limit and body["count_capped"] is False


def test_count_past_the_limit_is_a_flagged_lower_bound_and_paging_goes_on(org, small_limit):
    _requests(23, org["alice"])
    client = api_as(org["mona"])
    everything = [r["id"] for r in client.get("/api/requests/?page_size=500").json()["results"]]
    first = client.get("/api/requests/?page_size=3").json()
    assert first["count"] == small_limit and first["count_capped"] is True
    # Walking by page number still gives every row once, in list order, past the counted ones.
    ids, pages = _walk(client, "/api/requests/?page_size=3")
    assert ids == everything and len(ids) == 23
    assert [p["count_capped"] for p in pages] == [True] * 7 + [False]
    assert pages[-1]["count"] == 23 and pages[-1]["next"] is None  # the last page knows the total
    assert pages[4]["count"] == 15  # a page past the limit: rows up to its end, and more
    assert client.get("/api/requests/?page_size=3&page=9").status_code == 404


def test_last_page_counts_every_row(org, small_limit):
    _requests(23, org["alice"])
    body = api_as(org["mona"]).get("/api/requests/?page_size=3&page=last").json()
    assert body["count"] == 23 and body["count_capped"] is False and len(body["results"]) == 2


def test_bounded_count_costs_the_same_queries_as_an_exact_one(org, small_limit):
    _requests(5, org["alice"])
    client = api_as(org["mona"])
    client.get("/api/requests/?page_size=3")
    with CaptureQueriesContext(connection) as exact:
        assert client.get("/api/requests/?page_size=3").json()["count_capped"] is False
    _requests(30, org["alice"])
    with CaptureQueriesContext(connection) as capped:
        assert client.get("/api/requests/?page_size=3").json()["count_capped"] is True
    with CaptureQueriesContext(connection) as deep:
        assert client.get("/api/requests/?page_size=3&page=6").json()["count_capped"] is True
    assert len(capped.captured_queries) == len(exact.captured_queries)
    assert len(deep.captured_queries) <= len(exact.captured_queries)


def test_schema_documents_the_bounded_count(client):
    from paging import COUNT_LIMIT

    schema = client.get("/api/schema/?format=json").json()
    paged = schema["components"]["schemas"]["PaginatedTaskList"]["properties"]
    assert "count_capped" in paged and f"{COUNT_LIMIT:,}" in paged["count"]["description"]


def test_a_page_past_any_table_is_not_found(org, small_limit):
    _requests(3, org["alice"])
    assert api_as(org["mona"]).get(f"/api/requests/?page={10**30}").status_code == 404
