"""Decisions a delegate takes for an approver: recorded and shown "on behalf of" the approver,
checked against the delegations of the decision's day; past delegations only for seeding."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import RequestEvent
from governance import services
from governance.models import GovernanceChange
from tests.conftest import api_as as api

from .test_routing import set_model, submit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC), tick=False):
        yield


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached delegations


def test_a_delegate_approves_on_behalf_of_the_delegator_and_the_timeline_says_so(client, gov):
    olivia = gov["olivia"]
    olivia.last_name, olivia.first_name = "中村", "直樹"
    olivia.save()
    set_model(gov, "decentralised")  # Osaka's requests go to its head, olivia
    services.delegation_create(delegator=olivia, delegate=gov["paul"], start=TODAY, end=TODAY, by=olivia)
    req = submit(gov, "bob", "osaka")
    campaign_services.request_approve(request_id=req.pk, by=fresh(gov["paul"]), comment="代理承認")
    event = RequestEvent.objects.get(request=req, action="approve")
    assert event.actor == gov["paul"] and event.data["on_behalf_of"] == ["olivia"]

    client.force_login(gov["bob"])
    body = client.get(reverse("campaigns:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "paul (on behalf of 中村 直樹)" in body
    body = client.get(reverse("campaigns:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "paul (中村直樹 の代理)" in body


def test_an_approvers_own_decision_is_not_on_behalf_of_anyone(gov):
    set_model(gov, "decentralised")
    req = submit(gov, "bob", "osaka")
    campaign_services.request_approve(request_id=req.pk, by=gov["olivia"])
    assert "on_behalf_of" not in RequestEvent.objects.get(request=req, action="approve").data


def test_a_backfilled_decision_is_checked_against_the_delegation_of_its_day(gov):
    olivia, paul = gov["olivia"], gov["paul"]
    set_model(gov, "decentralised")
    start, end = dt.date(2026, 5, 11), dt.date(2026, 5, 15)
    with pytest.raises(ValidationError) as exc:
        services.delegation_create(delegator=olivia, delegate=paul, start=start, end=end, by=olivia)
    assert "end" in exc.value.message_dict
    services.delegation_create(delegator=olivia, delegate=paul, start=start, end=end, by=olivia, allow_past=True)
    change = GovernanceChange.objects.filter(scope="delegation").latest("id")
    assert change.after["backfilled"] is True and change.at.date() == TODAY  # dated when recorded

    req = submit(gov, "bob", "osaka")
    with pytest.raises(PermissionDenied):  # today is outside the window
        campaign_services.request_approve(request_id=req.pk, by=fresh(paul))
    with pytest.raises(PermissionDenied):  # so is the day after it ends
        campaign_services.request_approve(
            request_id=req.pk, by=fresh(paul), at=timezone.make_aware(dt.datetime(2026, 5, 16, 10))
        )
    campaign_services.request_approve(
        request_id=req.pk, by=fresh(paul), at=timezone.make_aware(dt.datetime(2026, 5, 13, 10))
    )
    assert RequestEvent.objects.get(request=req, action="approve").data["on_behalf_of"] == ["olivia"]


def test_the_api_cannot_create_a_past_delegation(gov):
    r = api(gov["olivia"]).post(
        "/api/delegations/",
        {"delegate": "paul", "start": "2026-05-01", "end": "2026-05-02", "allow_past": True},
        format="json",
    )
    assert r.status_code == 400 and "end" in r.json()
    assert not GovernanceChange.objects.filter(scope="delegation").exists()
