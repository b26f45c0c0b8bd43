"""The HTML lists' paginator: exact counts, and deep pages read their ids first (issue 19)."""

from __future__ import annotations

import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

import paging
from campaigns.models import CampaignRequest
from tests.config.test_pagination import _requests

pytestmark = pytest.mark.django_db


def test_every_page_matches_djangos_paginator_with_an_exact_count(org, monkeypatch):
    monkeypatch.setattr(paging, "DEEP_OFFSET", 3)  # pages from the second one read ids first
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)  # exact=True counts past the API's limit
    _requests(17, org["alice"])
    rows = CampaignRequest.objects.select_related("requester").order_by("-created_at", "-id")
    plain, deep = Paginator(rows, 4), paging.DeepPaginator(rows, 4, exact=True)
    assert deep.count == 17 and deep.num_pages == 5 and not deep.count_capped
    for number in range(1, 6):
        assert [r.pk for r in deep.page(number)] == [r.pk for r in plain.page(number)]
    # Django's own answers to bad page numbers stay: the last page, or the first.
    assert deep.get_page(99).number == 5 and deep.get_page("x").number == 1


def test_a_deep_page_of_the_request_list_skips_rows_by_id_only(org, client, monkeypatch):
    monkeypatch.setattr(paging, "DEEP_OFFSET", 0)
    ids = _requests(30, org["alice"])
    client.force_login(org["mona"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/requests/?page=2")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 30 and page.number == 2
    assert [r.pk for r in page] == sorted(ids, reverse=True)[25:]  # one insert: ties broken by -id
    offset = [q["sql"] for q in ctx.captured_queries if re.search(r"OFFSET 25\b", q["sql"])]
    assert len(offset) == 1 and " JOIN " not in offset[0]  # the skipped rows are ids, no joins
