"""Task visibility written index-friendly (issue 19): who sees what does not change.

A specialist's rule is evaluated as "every task except hidden campaigns' tasks not assigned to
them", and the API counts the visible rows (bounded, config.pagination). Checked here against the
rule spelled out by hand, for each kind of user, with the API's count and rows.
"""

from __future__ import annotations

import itertools

import pytest
from django.db.models import Q

from campaigns.models import CampaignRequest
from governance import roles
from tasks.models import Task
from tasks.selectors import task_list_for, task_mine
from tests.conftest import api_as, make_user

_numbers = itertools.count(700001)


def _task(req, kind, assignee=None) -> Task:
    n = next(_numbers)
    return Task.objects.create(
        campaign=req, task_type=kind, number=n, key=f"MOPS-{n}", title="作業", position=1, assignee=assignee
    )


@pytest.fixture
def board(org, make_request, task_types, osaka):
    """Tokyo and Osaka campaigns, centralised and decentralised, with tasks assigned or not."""
    sam, alice, bob = org["sam"], org["alice"], org["bob"]
    kind = task_types["email"]
    oscar = make_user("oscar", roles.SPECIALIST, osaka)
    reqs = {
        "tokyo-central": make_request(alice),
        "tokyo-dec": make_request(alice),
        "osaka-central": make_request(bob, business_unit=osaka),
        "osaka-dec": make_request(bob, business_unit=osaka),
        "osaka-dec-2": make_request(bob, business_unit=osaka),
    }
    for name in ("tokyo-dec", "osaka-dec", "osaka-dec-2"):
        CampaignRequest.objects.filter(pk=reqs[name].pk).update(governance_model="decentralised")
    tasks = {
        "tokyo-central": _task(reqs["tokyo-central"], kind),
        "tokyo-dec": _task(reqs["tokyo-dec"], kind, oscar),
        "osaka-central": _task(reqs["osaka-central"], kind),
        "osaka-dec": _task(reqs["osaka-dec"], kind),
        "osaka-dec-for-sam": _task(reqs["osaka-dec"], kind, sam),
        "osaka-dec-2": _task(reqs["osaka-dec-2"], kind, oscar),
    }
    return {"oscar": oscar, "tasks": tasks}


EXPECTED = {
    # Tokyo specialist: all but Osaka's decentralised work, except the Osaka task assigned to him.
    "sam": {"tokyo-central", "tokyo-dec", "osaka-central", "osaka-dec-for-sam"},
    # Osaka specialist: all but Tokyo's decentralised work, except the Tokyo task assigned to him.
    "oscar": {"tokyo-central", "tokyo-dec", "osaka-central", "osaka-dec", "osaka-dec-for-sam", "osaka-dec-2"},
    # Requesters: their own campaigns' tasks.
    "alice": {"tokyo-central", "tokyo-dec"},
    "bob": {"osaka-central", "osaka-dec", "osaka-dec-for-sam", "osaka-dec-2"},
    "mona": {"tokyo-central", "tokyo-dec", "osaka-central", "osaka-dec", "osaka-dec-for-sam", "osaka-dec-2"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_user_sees_and_counts_exactly_their_tasks(org, board, who):
    user = board["oscar"] if who == "oscar" else org[who]
    names = {t.pk: name for name, t in board["tasks"].items()}
    assert {names[pk] for pk in task_list_for(user).values_list("pk", flat=True)} == EXPECTED[who]
    body = api_as(user).get("/api/tasks/?page_size=2").json()
    assert body["count"] == len(EXPECTED[who])
    # The count follows the list's filters too (here: one state).
    assert api_as(user).get("/api/tasks/?state=todo").json()["count"] == len(EXPECTED[who])
    assert api_as(user).get("/api/tasks/?state=done").json()["count"] == 0


def test_visible_ids_of_a_short_list_follow_the_list_rules(org, board, django_assert_max_num_queries):
    """The report lists' check (kpis.reviews.restrict_rows) agrees with the list pages, for everyone."""
    from campaigns.selectors import request_ids_visible_to, request_list_for
    from tasks.selectors import task_ids_visible_to

    task_ids = [t.pk for t in board["tasks"].values()] + [999999]  # an unknown id is never visible
    request_ids = sorted({t.campaign_id for t in board["tasks"].values()}) + [999999]
    users = [*org.values(), board["oscar"]]
    for user in users:
        expected_tasks = set(task_list_for(user).filter(pk__in=task_ids).values_list("pk", flat=True))
        expected_requests = set(request_list_for(user).filter(pk__in=request_ids).values_list("pk", flat=True))
        with django_assert_max_num_queries(6):
            assert task_ids_visible_to(user, task_ids) == expected_tasks, user.username
            assert request_ids_visible_to(user, request_ids) == expected_requests, user.username
    assert task_ids_visible_to(org["alice"], task_ids) == {board["tasks"][n].pk for n in EXPECTED["alice"]}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_my_tasks_are_the_visible_tasks_assigned_to_me(org, board, who):
    # task_mine skips the visibility filter (one's own tasks are always visible): same rows.
    user = board["oscar"] if who == "oscar" else org[who]
    visible_mine = set(task_list_for(user).filter(assignee=user).values_list("pk", flat=True))
    assert set(task_mine(user).values_list("pk", flat=True)) == visible_mine
    assert visible_mine == set(Task.objects.filter(assignee=user).values_list("pk", flat=True))


def test_nobody_logged_in_has_no_tasks(board):
    from django.contrib.auth.models import AnonymousUser

    assert not task_mine(AnonymousUser()).exists() and not task_mine(None).exists()


@pytest.mark.parametrize("who", [*sorted(EXPECTED), "charlie"])
def test_own_tasks_are_assigned_or_of_requested_campaigns_and_always_visible(org, board, who, monkeypatch):
    """``task_own_for`` (the calendar's and the feed's deadlines) reads without the visibility
    subquery: it must stay inside ``task_list_for``, under each of its plans."""
    from tasks import selectors

    user = board["oscar"] if who == "oscar" else org[who]
    expected = set(
        Task.objects.filter(pk__in=[t.pk for t in board["tasks"].values()])
        .filter(Q(assignee=user) | Q(campaign__requester=user))
        .values_list("pk", flat=True)
    )
    visible = set(task_list_for(user).values_list("pk", flat=True))
    for listed in (selectors.OWN_CAMPAIGNS_LISTED, 1):  # few campaigns (an id list) and many (a join)
        monkeypatch.setattr(selectors, "OWN_CAMPAIGNS_LISTED", listed)
        own = set(selectors.task_own_for(user).values_list("pk", flat=True))
        assert own == expected and own <= visible
        # Leaving out cancelled campaigns: the joined test (many campaigns) and NOT EXISTS (few)
        # keep the same tasks.
        cancelled = [board["tasks"][name].campaign_id for name in ("tokyo-dec", "osaka-dec-2")]
        before = dict(CampaignRequest.objects.filter(pk__in=cancelled).values_list("pk", "state"))
        CampaignRequest.objects.filter(pk__in=cancelled).update(state="cancelled")
        live = {pk for pk in expected if Task.objects.get(pk=pk).campaign_id not in cancelled}
        hiding = set(selectors.task_own_for(user, hiding_campaign_states=["cancelled"]).values_list("pk", flat=True))
        for pk, state in before.items():
            CampaignRequest.objects.filter(pk=pk).update(state=state)
        assert hiding == live
