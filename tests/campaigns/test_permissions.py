"""Permission matrix: role x page/endpoint -> expected status.

A requester sees only their own requests, an approver what is routed to them, MOps and
admins everything, anonymous users nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import CampaignRequest


@pytest.fixture
def world(org, make_request):
    """alice's draft, alice's submitted request, bob's submitted request."""
    return {
        "draft": make_request(org["alice"], name="alice draft"),
        "submitted": make_request(org["alice"], name="alice submitted", actions=["submit"]),
        "bob": make_request(
            org["bob"], name="bob submitted", actions=["submit"], business_unit=org["bob"].unit_memberships.get().unit
        ),
    }


ROLES = ["anonymous", "alice", "bob", "charlie", "mona", "sam", "root"]

# who sees which request on the detail page / API detail (200) vs 404 (302 for anonymous page)
SEES = {
    "anonymous": set(),
    "alice": {"draft", "submitted"},
    "bob": {"bob"},
    "charlie": {"submitted", "bob"},  # routed to the approver; drafts are not
    "mona": {"draft", "submitted", "bob"},
    "sam": set(),
    "root": {"draft", "submitted", "bob"},
}


def as_role(role, org):
    from django.test import Client

    page, api = Client(), APIClient()
    if role != "anonymous":
        page.force_login(org[role])
        api.force_authenticate(org[role])
    return page, api


@pytest.mark.parametrize("role", ROLES)
def test_detail_and_list_visibility(role, org, world):
    page, api = as_role(role, org)
    for key, req in world.items():
        r = page.get(reverse("campaigns:detail", args=[req.pk]))
        expected = 200 if key in SEES[role] else (302 if role == "anonymous" else 404)
        assert r.status_code == expected, (role, key)
        r = api.get(f"/api/requests/{req.pk}/")
        expected = 200 if key in SEES[role] else (403 if role == "anonymous" else 404)
        assert r.status_code == expected, (role, key)
    if role == "anonymous":
        assert api.get("/api/requests/").status_code == 403
        assert page.get(reverse("campaigns:list")).status_code == 302
    else:
        names = {r["name"] for r in api.get("/api/requests/").json()["results"]}
        assert names == {world[k].name for k in SEES[role]}
        page_names = {r.name for r in page.get(reverse("campaigns:list")).context["page"]}
        assert page_names == names


# role -> (new page, POST /api/requests/)
CREATE = {
    "anonymous": (302, 403),
    "alice": (200, 201),
    "bob": (200, 201),
    "charlie": (403, 403),
    "mona": (403, 403),
    "sam": (403, 403),
    "root": (200, 201),
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_requests(role, org):
    page, api = as_role(role, org)
    assert page.get(reverse("campaigns:new")).status_code == CREATE[role][0]
    payload = {
        "name": "x",
        "objective": "y",
        "campaign_type": "webinar",
        "business_unit": "tokyo",
        "launch_date": "2099-01-01",
        "end_date": "2099-01-02",
        "budget": "1",
    }
    assert api.post("/api/requests/", payload, format="json").status_code == CREATE[role][1]


# (role, action on alice's submitted request) -> API status
DECIDE = {
    "anonymous": 403,
    "alice": 403,
    "bob": 404,
    "charlie": 200,
    "mona": 403,
    "sam": 404,
    "root": 403,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["approve", "reject", "request-changes"])
def test_who_may_decide(role, action, org, world):
    _, api = as_role(role, org)
    req = world["submitted"]
    r = api.post(f"/api/requests/{req.pk}/{action}/", {"comment": "reason"}, format="json")
    assert r.status_code == DECIDE[role], (role, action, r.content)
    expected_state = (
        "submitted"
        if DECIDE[role] != 200
        else {
            "approve": ("approved", "in_production"),
            "reject": ("rejected",),
            "request-changes": ("changes_requested",),
        }[action]
    )
    assert CampaignRequest.objects.get(pk=req.pk).state in expected_state


SUBMIT_DRAFT = {"anonymous": 403, "alice": 200, "bob": 404, "charlie": 404, "mona": 403, "sam": 404, "root": 403}
CANCEL_DRAFT = {"anonymous": 403, "alice": 200, "bob": 404, "charlie": 404, "mona": 200, "sam": 404, "root": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_submit_and_cancel(role, org, world):
    _, api = as_role(role, org)
    assert api.post(f"/api/requests/{world['draft'].pk}/submit/", {}, format="json").status_code == SUBMIT_DRAFT[role]
    other = world["bob"]
    expected = CANCEL_DRAFT[role] if role not in ("alice",) else 404
    if role == "bob":
        expected = 200
    if role == "charlie":
        expected = 403  # charlie sees bob's routed request but may not cancel it
    assert api.post(f"/api/requests/{other.pk}/cancel/", {}, format="json").status_code == expected, role


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 302), ("alice", 302), ("mona", 200), ("root", 200), ("charlie", 200)]
)
def test_admin_access(role, expected, org, world):
    page, _ = as_role(role, org)
    if role == "charlie":
        org["charlie"].is_staff = True
        org["charlie"].save()
        page.force_login(org["charlie"])
    r = page.get("/admin/campaigns/campaignrequest/")
    assert r.status_code == expected
    if expected == 200:
        # the admin list goes through the same visibility policy
        listed = {req.name for req in r.context["cl"].result_list}
        assert listed == {w.name for k, w in world.items() if k in SEES[role]}
        assert page.get("/admin/campaigns/requestevent/add/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_request_rows_for_applies_the_same_rule_as_the_list(role, org, world):
    """``request_rows_for`` (the calendar's and the feed's reads) is ``request_list_for`` without
    the id-list subquery: the same requests, for every role."""
    from django.contrib.auth.models import AnonymousUser

    from campaigns.selectors import request_list_for, request_rows_for

    user = AnonymousUser() if role == "anonymous" else org[role]
    rows = set(request_rows_for(user).values_list("pk", flat=True))
    assert rows == set(request_list_for(user).values_list("pk", flat=True))
    assert rows == {world[key].pk for key in SEES[role]}


@pytest.mark.parametrize("few", [0, 1, 100])
@pytest.mark.parametrize("role", ROLES)
def test_request_rows_few_for_lists_the_same_requests_by_id_when_few(role, few, org, world):
    """``request_rows_few_for`` (the calendar's and the feed's reads): the same requests as the
    rule, as an id list when the user sees at most ``few`` (the rule itself above that)."""
    from django.contrib.auth.models import AnonymousUser

    from campaigns.selectors import request_rows_few_for

    user = AnonymousUser() if role == "anonymous" else org[role]
    rows = request_rows_few_for(user, few)
    assert set(rows.values_list("pk", flat=True)) == {world[key].pk for key in SEES[role]}
    if rows.query.is_empty():
        assert not SEES[role]
        return
    where = str(rows.query).partition(" WHERE ")[2]
    if role in ("mona", "root"):
        assert not where  # MOps and Admins: every request, no rule
    else:
        assert ("requester_id" not in where) == (len(SEES[role]) <= few)  # ids, or the rule
