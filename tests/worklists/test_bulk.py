"""Bulk actions: each row succeeds or fails on its own, with the reason; pages and API agree."""

from __future__ import annotations

import pytest

from campaigns.models import RequestEvent, State
from tasks.models import Task, TaskEvent, TaskState
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_api_assign_mixed_rows_reports_each(org, generated):
    req, tasks = generated
    ids = [tasks["plan"].pk, tasks["lp"].pk, 999999]
    r = api_as(org["mona"]).post("/api/tasks/bulk/", {"ids": ids, "action": "assign", "assignee": "sam"}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert [row["ok"] for row in body["results"]] == [True, True, False]
    assert body["results"][2]["error"]
    assert (body["done"], body["failed"]) == (2, 1)
    assert set(Task.objects.filter(pk__in=ids[:2]).values_list("assignee__username", flat=True)) == {"sam"}


def test_refused_row_does_not_roll_back_the_others_and_is_not_half_applied(org, generated):
    req, tasks = generated
    plan, lp = tasks["plan"], tasks["lp"]
    api_as(org["mona"]).post(
        "/api/tasks/bulk/", {"ids": [plan.pk], "action": "assign", "assignee": "sam"}, format="json"
    )
    before = TaskEvent.objects.filter(task=lp).count()
    # plan has an assignee and no predecessors: starts. lp is unassigned: refused (409 in the single API).
    body = (
        api_as(org["mona"]).post("/api/tasks/bulk/", {"ids": [plan.pk, lp.pk], "action": "start"}, format="json").json()
    )
    assert [row["ok"] for row in body["results"]] == [True, False]
    assert lp.key in body["results"][1]["error"]
    plan.refresh_from_db()
    lp.refresh_from_db()
    assert plan.state == TaskState.IN_PROGRESS
    assert lp.state == TaskState.TODO and lp.started_at is None
    assert TaskEvent.objects.filter(task=lp).count() == before


def test_specialist_may_act_on_own_tasks_only(org, generated):
    req, tasks = generated
    plan, qa = tasks["plan"], tasks["qa"]
    mona = api_as(org["mona"])
    mona.post("/api/tasks/bulk/", {"ids": [plan.pk], "action": "assign", "assignee": "sam"}, format="json")
    mona.post("/api/tasks/bulk/", {"ids": [qa.pk], "action": "assign", "assignee": "mona"}, format="json")
    body = (
        api_as(org["sam"]).post("/api/tasks/bulk/", {"ids": [plan.pk, qa.pk], "action": "start"}, format="json").json()
    )
    assert [row["ok"] for row in body["results"]] == [True, False]
    # and a specialist may not assign at all
    body = (
        api_as(org["sam"])
        .post("/api/tasks/bulk/", {"ids": [plan.pk], "action": "assign", "assignee": "sam"}, format="json")
        .json()
    )
    assert body["results"][0]["ok"] is False


def test_rows_the_user_cannot_see_are_not_found(org, generated):
    req, tasks = generated
    body = (
        api_as(org["bob"])
        .post("/api/tasks/bulk/", {"ids": [tasks["plan"].pk], "action": "cancel"}, format="json")
        .json()
    )
    assert body["results"][0] == {
        "id": tasks["plan"].pk,
        "label": f"#{tasks['plan'].pk}",
        "ok": False,
        "error": body["results"][0]["error"],
    }
    assert Task.objects.get(pk=tasks["plan"].pk).state == TaskState.TODO


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"ids": [], "action": "start"},
        {"ids": [1], "action": "explode"},
        {"ids": ["x"], "action": "start"},
        {"ids": list(range(1, 300)), "action": "start"},
        {"ids": [0], "action": "start"},
    ],
)
def test_bad_payload_is_400_and_writes_nothing(org, generated, payload):
    before = TaskEvent.objects.count()
    r = api_as(org["mona"]).post("/api/tasks/bulk/", payload, format="json")
    assert r.status_code == 400
    assert r.json()
    assert TaskEvent.objects.count() == before


def test_request_bulk_approve_mixed(org, make_request):
    mine = make_request(org["alice"], actions=["submit"])
    other = make_request(org["alice"], actions=["submit", "approve"], actors={"approve": org["charlie"]})
    draft = make_request(org["alice"])
    body = (
        api_as(org["charlie"])
        .post("/api/requests/bulk/", {"ids": [mine.pk, other.pk, draft.pk], "action": "approve"}, format="json")
        .json()
    )
    assert [row["ok"] for row in body["results"]] == [True, False, False]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.state != State.SUBMITTED
    assert other.state != State.SUBMITTED and RequestEvent.objects.filter(request=other, action="approve").count() == 1
    assert not RequestEvent.objects.filter(request=draft, action="approve").exists()


def test_request_bulk_reject_needs_a_reason_per_row(org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    body = (
        api_as(org["charlie"]).post("/api/requests/bulk/", {"ids": [req.pk], "action": "reject"}, format="json").json()
    )
    assert body["results"][0]["ok"] is False and body["results"][0]["error"]
    req.refresh_from_db()
    assert req.state == State.SUBMITTED


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 403), ("alice", 200), ("bob", 200), ("charlie", 200), ("mona", 200), ("sam", 200), ("root", 200)],
)
def test_bulk_api_permission_matrix(org, generated, who, status):
    req, tasks = generated
    client = api_as(org[who] if who else None)
    r1 = client.post("/api/tasks/bulk/", {"ids": [tasks["plan"].pk], "action": "cancel"}, format="json")
    r2 = client.post("/api/requests/bulk/", {"ids": [req.pk], "action": "cancel"}, format="json")
    assert (r1.status_code, r2.status_code) == (status, status) or (who is None and r1.status_code == 401)
    if who in ("mona", "root"):
        assert r1.json()["results"][0]["ok"] is True
    elif who is not None:
        assert r1.json()["results"][0]["ok"] is False  # only MOps cancel tasks


def test_bulk_page_shows_each_row(client, org, generated):
    req, tasks = generated
    client.force_login(org["mona"])
    r = client.post(
        "/work/bulk/tasks/",
        {"ids": [tasks["plan"].pk, tasks["lp"].pk], "action": "start", "next": "/work/tasks/"},
    )
    assert r.status_code == 200
    rows = r.context["results"]
    assert [row.ok for row in rows] == [False, False]  # both unassigned
    assert all(row.error for row in rows)
    assert r.context["back"] == "/work/tasks/"


def test_bulk_page_without_selection_says_so(client, org, generated):
    client.force_login(org["mona"])
    r = client.post("/work/bulk/tasks/", {"action": "start", "next": "//evil.example/"}, follow=False)
    assert r.status_code == 302
    assert r["Location"] == "/work/tasks/"


def test_bulk_request_page(client, org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    client.force_login(org["charlie"])
    r = client.post("/work/bulk/requests/", {"ids": [req.pk], "action": "approve", "next": "/requests/inbox/"})
    assert r.status_code == 200
    assert [row.ok for row in r.context["results"]] == [True]
