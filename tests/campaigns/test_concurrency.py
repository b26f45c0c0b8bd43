"""Two people acting on one request at once: one transition, one event, the other a 409."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from campaigns import services
from campaigns.models import RequestEvent, State
from governance import roles
from tests.conftest import make_user, request_fields


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_reject_yield_one_transition(tokyo, webinar):
    alice = make_user("alice", roles.REQUESTER, tokyo)
    cmo1 = make_user("cmo1", roles.APPROVER, tokyo)
    cmo2 = make_user("cmo2", roles.APPROVER, tokyo)
    outcomes: list[str] = []
    for round_ in range(5):
        req = services.request_create(by=alice, **request_fields(name=f"race {round_}"))
        services.request_submit(request_id=req.pk, by=alice)
        barrier = threading.Barrier(2)

        def act(user, action, barrier=barrier, req=req):
            try:
                barrier.wait()
                services.request_transition(request_id=req.pk, action=action, by=user, comment="reason")
                outcomes.append("ok")
            except services.Conflict:
                outcomes.append("conflict")
            finally:
                close_old_connections()
                connection.close()

        threads = [
            threading.Thread(target=act, args=(cmo1, "approve")),
            threading.Thread(target=act, args=(cmo2, "reject")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        req.refresh_from_db()
        assert req.state in (State.APPROVED, State.REJECTED, State.IN_PRODUCTION)
        decisions = RequestEvent.objects.filter(request=req, from_state=State.SUBMITTED)
        assert decisions.count() == 1
    assert outcomes.count("ok") == 5 and outcomes.count("conflict") == 5
