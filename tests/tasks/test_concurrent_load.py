"""15 clients creating, submitting and approving at once on PostgreSQL: no 500, no deadlock.

Every request shares the same campaign type and business unit; a row lock that also took
those rows (``select_for_update().select_related(...)``) made concurrent submissions
deadlock. Each transition must still write exactly one event.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from campaigns.models import CampaignRequest, RequestEvent, State
from governance import roles
from tasks.models import Task, TaskEvent
from tests.conftest import api_as, make_user, requires_postgres

CLIENTS = 15
ROUNDS = 2


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


def payload(name: str) -> dict:
    today = timezone.localdate()
    return {
        "name": name,
        "objective": "新規リード獲得",
        "campaign_type": "webinar",
        "business_unit": "tokyo",
        "launch_date": str(today + dt.timedelta(days=60)),
        "end_date": str(today + dt.timedelta(days=61)),
        "budget": "900000",
        "channels": ["email"],
        "needs_design": True,
        "needs_landing_page": True,
        "needs_email_program": True,
    }


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_fifteen_clients_create_submit_and_approve_without_errors(tokyo, webinar, email_channel, template, people):
    requesters = [make_user(f"req{i}", roles.REQUESTER, tokyo) for i in range(CLIENTS)]
    approver = make_user("cmo-load", roles.APPROVER, tokyo)
    statuses: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(CLIENTS)

    def client(i: int) -> None:
        try:
            mine, cmo = api_as(requesters[i]), api_as(approver)
            barrier.wait()
            for round_ in range(ROUNDS):
                r = mine.post("/api/requests/", payload(f"load {i}-{round_}"), format="json")
                statuses.append(("create", r.status_code))
                rid = r.json()["id"]
                statuses.append(("submit", mine.post(f"/api/requests/{rid}/submit/", {}, format="json").status_code))
                statuses.append(("approve", cmo.post(f"/api/requests/{rid}/approve/", {}, format="json").status_code))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors
    assert [s for s in statuses if s[1] >= 500] == []
    assert {s for s in statuses} == {("create", 201), ("submit", 200), ("approve", 200)}
    requests = CampaignRequest.objects.filter(requester__in=requesters)
    assert requests.count() == CLIENTS * ROUNDS
    assert set(requests.values_list("state", flat=True)) == {State.IN_PRODUCTION}
    for req in requests:
        actions = sorted(RequestEvent.objects.filter(request=req).values_list("action", flat=True))
        assert actions.count("submit") == 1 and actions.count("approve") == 1
        # Tickets were generated once per template entry, each with its one "create" event.
        tasks = Task.objects.filter(campaign=req)
        assert tasks.count() == 5
        assert TaskEvent.objects.filter(task__campaign=req, action="create").count() == 5
    keys = list(Task.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
