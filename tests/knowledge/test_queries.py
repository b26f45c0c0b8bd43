"""List pages and API lists keep the same query count as data grows (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance import roles
from knowledge import services
from knowledge.models import Article


def grow_to(n, org, webinar):
    mona = org["mona"]
    while Article.objects.count() < n:
        i = Article.objects.count()
        a = services.article_create(
            by=mona,
            title=f"ウェビナー集客ノウハウ {i}",
            body=f"ウェビナーの集客 {i}",
            tags=[f"t{i % 4}", "共通"],
            campaign_types=[webinar],
            publish=True,
        )
        if i % 3 == 0:
            services.requirement_add(article_id=a.pk, by=mona, role=roles.REQUESTER)
        if i % 2:
            services.receipt_record(article_id=a.pk, by=org["alice"])


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("role", ["alice", "mona"])
def test_list_query_counts_are_constant(role, org, webinar):
    page = Client()
    page.force_login(org[role])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org[role]).key}")
    calls = {
        "list page": lambda: page.get("/kb/"),
        "search page": lambda: page.get("/kb/search/?q=集客"),
        "required page": lambda: page.get("/kb/required/"),
        "type page": lambda: page.get("/kb/types/webinar/"),
        "api list": lambda: api.get("/api/knowledge/articles/?page_size=500"),
        "api search": lambda: api.get("/api/knowledge/search?q=ウェビナー&page_size=100"),
        "api required": lambda: api.get("/api/knowledge/articles/required/"),
        "api receipts": lambda: api.get("/api/knowledge/receipts/?page_size=500"),
    }
    grow_to(5, org, webinar)
    small = {k: count(f) for k, f in calls.items()}
    grow_to(40, org, webinar)
    large = {k: count(f) for k, f in calls.items()}
    assert small == large
