"""The approval state machine through the services: legal paths, illegal ones, the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from campaigns import services
from campaigns.models import CampaignRequest, RequestEvent, State


def events(req):
    return list(
        RequestEvent.objects.filter(request=req).values_list("action", "from_state", "to_state", "actor__username")
    )


def test_submit_send_back_resubmit_approve_records_every_step(alice, charlie, make_request):
    req = make_request(alice)
    assert req.state == State.DRAFT
    services.request_submit(request_id=req.pk, by=alice)
    req.refresh_from_db()
    assert list(req.routed_approvers.all()) == [charlie]
    services.request_request_changes(request_id=req.pk, by=charlie, comment="予算の内訳を追記してください")
    services.request_update(request_id=req.pk, by=alice, budget=900000, name="ウェビナー改")
    services.request_resubmit(request_id=req.pk, by=alice)
    services.request_approve(request_id=req.pk, by=charlie, comment="OK")
    req.refresh_from_db()
    assert req.state == State.APPROVED
    assert events(req) == [
        ("submit", "draft", "submitted", "alice"),
        ("request_changes", "submitted", "changes_requested", "charlie"),
        ("resubmit", "changes_requested", "submitted", "alice"),
        ("approve", "submitted", "approved", "charlie"),
    ]
    resubmit = RequestEvent.objects.get(request=req, action="resubmit")
    assert resubmit.data["changes"]["budget"] == ["1200000", "900000"]
    assert resubmit.data["changes"]["name"] == ["ウェビナー: 生成AI活用", "ウェビナー改"]
    assert "objective" not in resubmit.data["changes"]
    assert RequestEvent.objects.get(request=req, action="request_changes").comment == "予算の内訳を追記してください"


def test_resubmitted_request_reappears_in_the_approvers_inbox(alice, charlie, make_request):
    from campaigns.selectors import request_inbox_for

    req = make_request(alice, actions=["submit"])
    assert list(request_inbox_for(charlie)) == [req]
    services.request_request_changes(request_id=req.pk, by=charlie, comment="x")
    assert list(request_inbox_for(charlie)) == []
    services.request_resubmit(request_id=req.pk, by=alice)
    assert list(request_inbox_for(charlie)) == [req]


def test_full_lifecycle_to_closed(alice, charlie, mona, make_request):
    req = make_request(alice, actions=["submit", "approve"], actors={"approve": charlie})
    for action, by in [("start_production", mona), ("mark_ready", None), ("launch", alice), ("close", mona)]:
        services.request_transition(request_id=req.pk, action=action, by=by)
    req.refresh_from_db()
    assert req.state == State.CLOSED
    assert req.launched_at is not None
    assert RequestEvent.objects.filter(request=req).count() == 6


# (path walked first, action tried) -> Conflict: every action that the state does not allow
ILLEGAL = [
    ([], "approve"),
    ([], "reject"),
    ([], "request_changes"),
    ([], "resubmit"),
    ([], "launch"),
    (["submit"], "submit"),
    (["submit"], "resubmit"),
    (["submit"], "launch"),
    (["submit", "approve"], "approve"),
    (["submit", "approve"], "reject"),
    (["submit", "approve"], "submit"),
    (["submit", "reject"], "approve"),
    (["submit", "reject"], "resubmit"),
    (["submit", "reject"], "cancel"),
    (["submit", "request_changes"], "approve"),
    (["submit", "request_changes"], "submit"),
    (["cancel"], "submit"),
    (["cancel"], "cancel"),
]


@pytest.mark.parametrize("path,action", ILLEGAL)
def test_illegal_transition_is_refused_and_writes_nothing(alice, charlie, make_request, path, action):
    req = make_request(alice, actions=path, actors={"approve": charlie, "reject": charlie, "request_changes": charlie})
    before = RequestEvent.objects.count()
    with pytest.raises(services.Conflict):
        services.request_transition(
            request_id=req.pk,
            action=action,
            by=charlie if action in ("approve", "reject", "request_changes") else alice,
            comment="r",
        )
    assert RequestEvent.objects.count() == before
    assert CampaignRequest.objects.get(pk=req.pk).state == req.state


@pytest.mark.parametrize("action", ["reject", "request_changes"])
def test_reason_is_required(alice, charlie, make_request, action):
    req = make_request(alice, actions=["submit"])
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request_id=req.pk, action=action, by=charlie, comment="   ")
    assert "comment" in exc.value.message_dict
    assert CampaignRequest.objects.get(pk=req.pk).state == State.SUBMITTED


def test_requester_cannot_approve_and_approver_cannot_submit(alice, bob, charlie, make_request):
    req = make_request(alice)
    with pytest.raises(PermissionDenied):
        services.request_submit(request_id=req.pk, by=bob)
    with pytest.raises(PermissionDenied):
        services.request_submit(request_id=req.pk, by=charlie)
    services.request_submit(request_id=req.pk, by=alice)
    with pytest.raises(PermissionDenied):
        services.request_approve(request_id=req.pk, by=alice)
    assert RequestEvent.objects.filter(request=req).count() == 1


def test_approver_who_requested_cannot_approve_own_request(charlie, alice, make_request):
    from django.contrib.auth.models import Group

    charlie.groups.add(Group.objects.get(name="Requester"))
    req = make_request(charlie, actions=["submit"])
    assert list(req.routed_approvers.all()) == []
    with pytest.raises(PermissionDenied):
        services.request_approve(request_id=req.pk, by=charlie)


def test_state_cannot_be_assigned_directly(alice, make_request):
    req = make_request(alice)
    with pytest.raises(AttributeError):
        req.state = State.APPROVED


def test_expected_state_mismatch_is_a_conflict(alice, charlie, make_request):
    req = make_request(alice, actions=["submit"])
    services.request_approve(request_id=req.pk, by=charlie)
    with pytest.raises(services.Conflict):
        services.request_transition(request_id=req.pk, action="cancel", by=alice, expected_state=State.SUBMITTED)


def test_events_equal_transitions(alice, charlie, mona, make_request):
    """Audit completeness: one event per transition, chained from -> to without gaps."""
    paths = [
        ["submit", "request_changes", "resubmit", "request_changes", "resubmit", "approve", "start_production"],
        ["submit", "reject"],
        ["submit", "approve", "cancel"],
        ["cancel"],
    ]
    actors = {"approve": charlie, "reject": charlie, "request_changes": charlie, "start_production": mona}
    for path in paths:
        req = make_request(alice, actions=path, actors=actors)
        evs = list(RequestEvent.objects.filter(request=req).order_by("at", "id"))
        assert [e.action for e in evs] == path
        assert evs[0].from_state == State.DRAFT
        for a, b in zip(evs, evs[1:], strict=False):
            assert a.to_state == b.from_state
        assert evs[-1].to_state == req.state


def test_audit_events_are_append_only_in_the_model_layer(alice, make_request):
    req = make_request(alice, actions=["submit"])
    event = RequestEvent.objects.get(request=req)
    event.comment = "edited"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=event.pk).delete()
    assert RequestEvent.objects.get(pk=event.pk).comment == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger exists on PostgreSQL only")
def test_audit_events_are_append_only_in_postgresql(alice, make_request):
    req = make_request(alice, actions=["submit"])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE campaigns_requestevent SET comment = 'x' WHERE request_id = %s", [req.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM campaigns_requestevent WHERE request_id = %s", [req.pk])
