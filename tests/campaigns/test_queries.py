"""List pages and API lists keep the same query count as data grows (no N+1)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns import services
from tests.conftest import request_fields


def grow_to(n, org, email_channel):
    from campaigns.models import CampaignRequest

    while CampaignRequest.objects.count() < n:
        i = CampaignRequest.objects.count()
        requester = org["alice"] if i % 2 else org["bob"]
        unit = requester.unit_memberships.get().unit
        req = services.request_create(
            by=requester, channels=[email_channel], **request_fields(name=f"c{i}", business_unit=unit)
        )
        if i % 3:
            services.request_submit(request_id=req.pk, by=requester)


def count_queries(fn) -> int:
    # Each count starts from an empty cache: the approver's "what a yes costs" reads the open tasks'
    # demand from it when nothing changed (tasks.capacity); the count is that of a first look.
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("role", ["mona", "charlie", "alice"])
def test_list_query_counts_are_constant(role, org, email_channel):
    from django.test import Client

    page = Client()
    page.force_login(org[role])
    from rest_framework.authtoken.models import Token

    api = APIClient()  # token auth: the user is loaded per request, as in production
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org[role]).key}")
    calls = {
        "list page": lambda: page.get(reverse("campaigns:list")),
        "mine": lambda: page.get(reverse("campaigns:mine")),
        "inbox": lambda: page.get(reverse("campaigns:inbox")),
        "api list": lambda: api.get("/api/requests/?page_size=500"),
    }
    grow_to(10, org, email_channel)
    small = {k: count_queries(f) for k, f in calls.items()}
    grow_to(200, org, email_channel)
    large = {k: count_queries(f) for k, f in calls.items()}
    assert small == large
