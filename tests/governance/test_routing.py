"""Governance models switch routing, inboxes and visibility together; the past stays intact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import CampaignRequest, RequestEvent, State
from campaigns.selectors import request_get_for, request_inbox_for, request_list_for
from governance import policy, services
from governance.models import Delegation, GovernanceChange, UnitGovernance

THRESHOLD = Decimal("3000000")


def set_model(gov, model, units=None, threshold=THRESHOLD):
    services.governance_update(model=model, hybrid_threshold=threshold, units=units or [], by=gov["root"])


def submit(gov, who, unit, budget=Decimal("1000000"), make_request=None):
    req = campaign_services.request_create(by=gov[who], **_fields(unit=gov[unit], budget=budget))
    return campaign_services.request_submit(request_id=req.pk, by=gov[who])


def _fields(**kw):
    from tests.conftest import request_fields

    return request_fields(business_unit=kw["unit"], budget=kw["budget"])


def chain(req) -> list[list[str]]:
    req = CampaignRequest.objects.get(pk=req.pk)
    return policy.approval_plan(
        business_unit=req.business_unit, budget=req.budget, params=req.governance_params, requester_id=req.requester_id
    )


# model, requester, unit, budget -> approver chain (usernames per step)
ROUTING = [
    ("centralised", "bob", "osaka", "1000000", [["charlie"]]),
    ("centralised", "bob", "osaka", "9000000", [["charlie"]]),
    ("decentralised", "bob", "osaka", "9000000", [["olivia"]]),
    ("decentralised", "alice", "tokyo", "1000000", [["charlie"]]),  # no head: falls back to the CMO
    ("decentralised", "carol", "apac", "1000000", [["paul"]]),
    ("hybrid", "bob", "osaka", "2999999", [["olivia"]]),
    ("hybrid", "bob", "osaka", "3000000", [["olivia"]]),  # equal to the threshold: the head alone
    ("hybrid", "bob", "osaka", "3000001", [["olivia"], ["charlie"]]),  # one yen above: head, then CMO
    ("hybrid", "alice", "tokyo", "9000000", [["charlie"]]),
]


@pytest.mark.parametrize("model,who,unit,budget,expected", ROUTING)
def test_routing_matrix(gov, model, who, unit, budget, expected):
    set_model(gov, model)
    req = submit(gov, who, unit, Decimal(budget))
    assert [[u.username for u in step] for step in chain(req)] == expected
    first = set(expected[0])
    for approver in ("charlie", "olivia", "paul"):
        inbox = list(request_inbox_for(gov[approver]))
        assert (req in inbox) == (approver in first), approver
    assert req.governance_model == model


def test_two_step_hybrid_then_rejection_at_the_second_step(gov):
    set_model(gov, "hybrid")
    req = submit(gov, "bob", "osaka", Decimal("5000000"))
    with pytest.raises(PermissionDenied):
        campaign_services.request_approve(request_id=req.pk, by=gov["charlie"])  # not yet the CMO's turn
    campaign_services.request_approve(request_id=req.pk, by=gov["olivia"], comment="事業部OK")
    req.refresh_from_db()
    assert req.state == State.SUBMITTED and (req.approval_step, req.approval_steps) == (2, 2)
    assert req not in request_inbox_for(gov["olivia"]) and req in request_inbox_for(gov["charlie"])
    with pytest.raises(PermissionDenied):
        campaign_services.request_approve(request_id=req.pk, by=gov["olivia"])  # step already taken
    campaign_services.request_reject(request_id=req.pk, by=gov["charlie"], comment="予算超過")
    req.refresh_from_db()
    assert req.state == State.REJECTED
    assert list(
        RequestEvent.objects.filter(request=req).values_list("action", "from_state", "to_state", "actor__username")
    ) == [
        ("submit", "draft", "submitted", "bob"),
        ("approve", "submitted", "submitted", "olivia"),
        ("reject", "submitted", "rejected", "charlie"),
    ]
    # olivia still sees what she decided on (read-only)
    assert request_get_for(gov["olivia"], req.pk)


def test_two_step_approval_completes_with_the_cmo(gov):
    set_model(gov, "hybrid")
    req = submit(gov, "bob", "osaka", Decimal("5000000"))
    campaign_services.request_approve(request_id=req.pk, by=gov["olivia"])
    campaign_services.request_approve(request_id=req.pk, by=gov["charlie"])
    assert CampaignRequest.objects.get(pk=req.pk).state in (State.APPROVED, State.IN_PRODUCTION)


def test_model_change_mid_flight_keeps_old_routing(gov):
    set_model(gov, "centralised")
    old = submit(gov, "bob", "osaka")
    campaign_services.request_request_changes(request_id=old.pk, by=gov["charlie"], comment="直して")
    set_model(gov, "decentralised")
    new = submit(gov, "bob", "osaka")
    campaign_services.request_resubmit(request_id=old.pk, by=gov["bob"])
    assert old in request_inbox_for(gov["charlie"]) and old not in request_inbox_for(gov["olivia"])
    assert new in request_inbox_for(gov["olivia"]) and new not in request_inbox_for(gov["charlie"])
    assert CampaignRequest.objects.get(pk=old.pk).governance_model == "centralised"
    assert CampaignRequest.objects.get(pk=new.pk).governance_model == "decentralised"
    # the first call set the default again (no change, no log row); the second is logged
    assert GovernanceChange.objects.filter(scope="organisation").count() == 1


def test_unit_override(gov):
    set_model(gov, "centralised", units=[{"unit": "apac", "model": "decentralised"}])
    assert policy.governance_for_unit(gov["apac"])["model"] == "decentralised"
    assert policy.governance_for_unit(gov["osaka"])["model"] == "centralised"
    assert [u.username for u in chain(submit(gov, "carol", "apac"))[0]] == ["paul"]
    set_model(gov, "centralised", units=[])
    assert not UnitGovernance.objects.exists()


def test_unit_heads_see_their_unit_read_only_and_units_do_not_see_each_other(gov):
    set_model(gov, "centralised")
    osaka_req = submit(gov, "bob", "osaka")
    apac_req = submit(gov, "carol", "apac")
    assert set(request_list_for(gov["olivia"])) == {osaka_req}
    assert set(request_list_for(gov["paul"])) == {apac_req}
    assert campaign_services.allowed_actions(request_get_for(gov["olivia"], osaka_req.pk), gov["olivia"]) == []
    assert set(request_list_for(gov["bob"])) == {osaka_req}


@pytest.mark.parametrize("day,can", [(-1, False), (0, True), (3, True), (4, False)])
def test_delegation_window_edges(gov, day, can):
    set_model(gov, "decentralised")
    start = timezone.localdate() + dt.timedelta(days=1)
    services.delegation_create(
        delegator=gov["olivia"], delegate=gov["paul"], start=start, end=start + dt.timedelta(days=3), by=gov["olivia"]
    )
    req = submit(gov, "bob", "osaka")
    when = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=day), dt.time(12)))
    with time_machine.travel(when, tick=False):
        paul = type(gov["paul"]).objects.get(pk=gov["paul"].pk)  # a fresh user: no cached delegations
        assert (req in request_inbox_for(paul)) == can
        assert (req in request_list_for(paul)) == can
        if can:
            campaign_services.request_approve(request_id=req.pk, by=paul, comment="代理承認")
            assert RequestEvent.objects.get(request=req, action="approve").actor == paul
        else:
            with pytest.raises(PermissionDenied):
                campaign_services.request_approve(request_id=req.pk, by=paul)


def test_revoked_delegation_ends_access_at_once(gov):
    set_model(gov, "decentralised")
    d = services.delegation_create(
        delegator=gov["olivia"],
        delegate=gov["paul"],
        start=timezone.localdate(),
        end=timezone.localdate(),
        by=gov["olivia"],
    )
    req = submit(gov, "bob", "osaka")
    assert req in request_inbox_for(type(gov["paul"]).objects.get(pk=gov["paul"].pk))
    services.delegation_revoke(delegation_id=d.pk, by=gov["olivia"])
    assert req not in request_inbox_for(type(gov["paul"]).objects.get(pk=gov["paul"].pk))


BAD = [
    ("negative threshold", dict(model="hybrid", hybrid_threshold=-1), "hybrid_threshold"),
    ("unknown model", dict(model="anarchy", hybrid_threshold=1), "model"),
    ("unknown unit", dict(model="hybrid", hybrid_threshold=1, units=[{"unit": "mars", "model": "hybrid"}]), "units"),
    (
        "negative unit threshold",
        dict(model="hybrid", hybrid_threshold=1, units=[{"unit": "osaka", "model": "hybrid", "hybrid_threshold": -5}]),
        "units",
    ),
]


@pytest.mark.parametrize("label,kwargs,field", BAD, ids=[b[0] for b in BAD])
def test_bad_settings_write_nothing(gov, label, kwargs, field):
    set_model(gov, "centralised")
    before = GovernanceChange.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.governance_update(by=gov["root"], **kwargs)
    assert field in exc.value.message_dict
    assert GovernanceChange.objects.count() == before
    assert policy.organisation_governance().model == "centralised"


def test_bad_delegations_write_nothing(gov):
    today = timezone.localdate()
    cases = [
        (dict(delegate=gov["paul"], start=today, end=today - dt.timedelta(days=1)), "end"),
        (dict(delegate=gov["alice"], start=today, end=today), "delegate"),
        (dict(delegate=gov["olivia"], start=today, end=today), "delegate"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.delegation_create(delegator=gov["olivia"], by=gov["olivia"], **kwargs)
        assert field in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.delegation_create(
            delegator=gov["olivia"], delegate=gov["paul"], start=today, end=today, by=gov["paul"]
        )
    assert not Delegation.objects.exists()


def test_only_admins_change_the_model(gov):
    for who in ("alice", "charlie", "mona"):
        with pytest.raises(PermissionDenied):
            services.governance_update(model="hybrid", hybrid_threshold=1, by=gov[who])


EXECUTION = [
    ("centralised", "content", None),
    ("centralised", "operations", None),
    ("decentralised", "content", "unit"),
    ("decentralised", "brand", "unit"),
    ("hybrid", "content", "unit"),
    ("hybrid", "operations", None),
    ("hybrid", "brand", None),
]


@pytest.mark.parametrize("model,kind,expected", EXECUTION)
def test_who_executes_which_task(model, kind, expected):
    got = policy.executing_unit_id(params={"model": model}, request_unit_id=7, task_kind=kind)
    assert got == (7 if expected == "unit" else None)
