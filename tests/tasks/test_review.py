"""Deliverables and four-eyes review: required deliverable, versions, reviewer-only approve/return.

The permission matrix covers every review endpoint of the API for every role; the page shows
no approve button to the assignee.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from tasks import services
from tasks.models import Deliverable, DeliverableRule, ReviewBy, Task, TaskEvent, TaskState
from tests.conftest import api_as, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


@pytest.fixture
def review_task(generated, org, tokyo, settings, tmp_path):
    """The plan task, reviewed by the requester (alice) and needing a deliverable, started by sam."""
    settings.MEDIA_ROOT = str(tmp_path)
    org["sue"] = make_user("sue", roles.SPECIALIST, tokyo)
    req, tasks = generated
    task = tasks["plan"]
    task.task_type.review_by = ReviewBy.REQUESTER
    task.task_type.deliverable = DeliverableRule.ANY
    task.task_type.save()
    services.task_assign(task_id=task.pk, assignee=org["sam"], by=org["mona"])
    services.task_transition(task_id=task.pk, action="start", by=org["sam"])
    return task


def submit(task, by, **kw):
    kw.setdefault("actual_hours", 3)
    from tasks.deliverables import deliverable_input

    deliverable = deliverable_input(file=kw.pop("file", None), url=kw.pop("link", ""), note=kw.get("comment", ""))
    return services.task_transition(task_id=task.pk, action="submit_review", by=by, deliverable=deliverable, **kw)


def state_of(task) -> str:
    return Task.objects.values_list("state", flat=True).get(pk=task.pk)


def test_submit_without_the_required_deliverable_is_refused_and_writes_nothing(review_task, org):
    events = TaskEvent.objects.exclude(action="sla_replan").count()
    r = api_as(org["sam"]).post(f"/api/tasks/{review_task.pk}/submit-review/", {"actual_hours": 3}, format="json")
    assert r.status_code == 400
    assert "deliverable" in r.json()
    assert state_of(review_task) == TaskState.IN_PROGRESS
    assert TaskEvent.objects.exclude(action="sla_replan").count() == events and not Deliverable.objects.exists()


def test_submit_with_a_file_stores_version_one_and_records_it_in_the_timeline(review_task, org):
    r = api_as(org["sam"]).post(
        f"/api/tasks/{review_task.pk}/submit-review/",
        {"file": pdf(), "actual_hours": "3", "comment": "初稿です"},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "in_review"
    assert body["deliverables"][0]["version"] == 1
    assert body["deliverables"][0]["original_name"] == "plan.pdf"
    assert body["deliverables"][0]["download_url"].startswith("/tasks/deliverable/")
    event = TaskEvent.objects.filter(task=review_task, action="submit_review").get()
    assert event.data["deliverable"]["version"] == 1
    assert event.comment == "初稿です"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"file": SimpleUploadedFile("plan.pdf", b"<script>alert(1)</script>", "application/pdf")}, "file"),
        ({"file": SimpleUploadedFile("plan.exe", b"MZ\x90\x00", "application/octet-stream")}, "file"),
        ({"link": "javascript:alert(1)"}, "link"),
    ],
)
def test_bad_deliverables_are_field_errors(review_task, org, payload, field):
    r = api_as(org["sam"]).post(
        f"/api/tasks/{review_task.pk}/submit-review/", {**payload, "actual_hours": "3"}, format="multipart"
    )
    assert r.status_code == 400
    assert field in r.json()
    assert state_of(review_task) == TaskState.IN_PROGRESS and not Deliverable.objects.exists()


def test_a_link_rule_refuses_a_file_only_submission(review_task, org):
    review_task.task_type.deliverable = DeliverableRule.LINK
    review_task.task_type.save()
    r = api_as(org["sam"]).post(
        f"/api/tasks/{review_task.pk}/submit-review/", {"file": pdf(), "actual_hours": "3"}, format="multipart"
    )
    assert r.status_code == 400 and "deliverable" in r.json()
    r = api_as(org["sam"]).post(
        f"/api/tasks/{review_task.pk}/submit-review/",
        {"link": "https://drive.example.com/plan", "actual_hours": "3"},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["deliverables"][0]["url"] == "https://drive.example.com/plan"


# endpoint -> (state the task is in, payload)
REVIEW_ENDPOINTS = {
    "submit-review": (TaskState.IN_PROGRESS, {"link": "https://example.com/v1", "actual_hours": "2"}),
    "complete": (TaskState.IN_REVIEW, {}),
    "return-review": (TaskState.IN_REVIEW, {"reason": "見出しを直してください"}),
}
# role x endpoint -> status. alice is the campaign's requester (the reviewer), sam the assignee.
EXPECTED = {
    "sam": {"submit-review": 200, "complete": 403, "return-review": 403},
    "alice": {"submit-review": 403, "complete": 200, "return-review": 200},
    "mona": {"submit-review": 200, "complete": 403, "return-review": 403},
    "root": {"submit-review": 200, "complete": 403, "return-review": 403},
    "charlie": {"submit-review": 403, "complete": 403, "return-review": 403},
    "sue": {"submit-review": 403, "complete": 403, "return-review": 403},
    "bob": {"submit-review": 404, "complete": 404, "return-review": 404},
}


@pytest.mark.parametrize("endpoint", list(REVIEW_ENDPOINTS))
@pytest.mark.parametrize("who", list(EXPECTED))
def test_review_permission_matrix(review_task, org, endpoint, who):
    state, payload = REVIEW_ENDPOINTS[endpoint]
    if state == TaskState.IN_REVIEW:
        submit(review_task, org["sam"], link="https://example.com/v1")
    before = TaskEvent.objects.exclude(action="sla_replan").count()
    r = api_as(org[who]).post(f"/api/tasks/{review_task.pk}/{endpoint}/", payload, format="json")
    assert r.status_code == EXPECTED[who][endpoint], (who, endpoint, r.content)
    if r.status_code == 200:
        assert TaskEvent.objects.exclude(action="sla_replan").count() == before + 1
    else:
        assert TaskEvent.objects.exclude(action="sla_replan").count() == before
        assert "detail" in r.json()


def test_self_review_is_refused_with_a_clear_reason(review_task, org):
    submit(review_task, org["sam"], link="https://example.com/v1")
    r = api_as(org["sam"]).post(f"/api/tasks/{review_task.pk}/complete/", {}, format="json")
    assert r.status_code == 403
    assert "own work" in r.json()["detail"] or "自分" in r.json()["detail"]
    assert state_of(review_task) == TaskState.IN_REVIEW


def test_a_role_reviewer_who_is_also_the_assignee_cannot_approve(review_task, org):
    """MOps review MOps work, but never their own (four-eyes beats the role)."""
    review_task.task_type.review_by = ReviewBy.MOPS
    review_task.task_type.save()
    submit(review_task, org["sam"], link="https://example.com/v1")
    services.task_assign(task_id=review_task.pk, assignee=org["mona"], by=org["mona"])
    assert api_as(org["mona"]).post(f"/api/tasks/{review_task.pk}/complete/", {}, format="json").status_code == 403
    # root (Admin) counts as MOps and is not the assignee: approves.
    assert api_as(org["root"]).post(f"/api/tasks/{review_task.pk}/complete/", {}, format="json").status_code == 200


def test_page_shows_no_approve_button_to_the_assignee_and_one_to_the_reviewer(review_task, org, client):
    submit(review_task, org["sam"], link="https://example.com/v1")
    client.force_login(org["sam"])
    page = client.get(f"/tasks/{review_task.pk}/").content.decode()
    assert f"/tasks/{review_task.pk}/complete/" not in page
    assert f"/tasks/{review_task.pk}/return_review/" not in page
    assert "https://example.com/v1" in page  # the deliverable is listed
    client.force_login(org["alice"])
    page = client.get(f"/tasks/{review_task.pk}/").content.decode()
    assert f"/tasks/{review_task.pk}/complete/" in page
    assert f"/tasks/{review_task.pk}/return_review/" in page
    # the assignee forcing the URL is refused too, and nothing changes
    client.force_login(org["sam"])
    client.post(f"/tasks/{review_task.pk}/complete/", {"expected_state": "in_review"})
    assert state_of(review_task) == TaskState.IN_REVIEW


def test_return_with_comment_goes_back_to_the_assignee_and_versions_are_kept(review_task, org, client):
    submit(review_task, org["sam"], file=pdf("plan-v1.pdf"), comment="v1")
    r = api_as(org["alice"]).post(
        f"/api/tasks/{review_task.pk}/return-review/", {"reason": "目標数値を追記してください"}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["state"] == "in_progress" and r.json()["assignee"] == "sam"
    returned = TaskEvent.objects.get(task=review_task, action="return_review")
    assert returned.comment == "目標数値を追記してください" and returned.actor == org["alice"]
    # the assignee sees the comment in the timeline and can act again
    client.force_login(org["sam"])
    page = client.get(f"/tasks/{review_task.pk}/").content.decode()
    assert "目標数値を追記してください" in page
    assert f"/tasks/{review_task.pk}/submit_review/" in page

    submit(review_task, org["sam"], file=pdf("plan-v2.pdf"), comment="v2", actual_hours=5)
    assert list(Deliverable.objects.filter(task=review_task).values_list("version", "original_name")) == [
        (1, "plan-v1.pdf"),
        (2, "plan-v2.pdf"),
    ]
    r = api_as(org["alice"]).post(f"/api/tasks/{review_task.pk}/complete/", {"comment": "OK"}, format="json")
    assert r.status_code == 200
    review_task.refresh_from_db()
    assert review_task.state == TaskState.DONE and review_task.actual_hours == Decimal(5)
    # version 1 is still there, served as a download with safe headers
    v1 = Deliverable.objects.get(task=review_task, version=1)
    response = client.get(f"/tasks/deliverable/{v1.pk}/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_deliverables_are_append_only(review_task, org):
    submit(review_task, org["sam"], link="https://example.com/v1")
    row = Deliverable.objects.get()
    row.note = "changed"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        Deliverable.objects.all().delete()


def test_deliverable_download_follows_task_visibility(review_task, org, client):
    submit(review_task, org["sam"], file=pdf())
    row = Deliverable.objects.get()
    for who, status in [("alice", 200), ("mona", 200), ("sam", 200), ("bob", 404)]:
        client.force_login(org[who])
        assert client.get(f"/tasks/deliverable/{row.pk}/").status_code == status, who


def test_task_types_without_a_review_rule_keep_working_as_before(generated, org):
    """No rule: the assignee completes with hours, no deliverable needed (existing flows unchanged)."""
    req, tasks = generated
    task = tasks["plan"]
    services.task_assign(task_id=task.pk, assignee=org["sam"], by=org["mona"])
    for action in ("start", "submit_review", "complete"):
        services.task_transition(task_id=task.pk, action=action, by=org["sam"], actual_hours=1)
    assert state_of(task) == TaskState.DONE


def test_task_list_query_count_does_not_grow_with_deliverables(review_task, org, generated):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_as(org["mona"]).get("/api/tasks/").status_code == 200
        return len(ctx)

    submit(review_task, org["sam"], link="https://example.com/v1")
    small = count()
    services.task_transition(task_id=review_task.pk, action="return_review", by=org["alice"], comment="x")
    submit(review_task, org["sam"], link="https://example.com/v2")
    for t in Task.objects.exclude(pk=review_task.pk):
        services.task_assign(task_id=t.pk, assignee=org["sam"], by=org["mona"])
    assert count() == small
