"""Task comments API (``/api/tasks/{id}/comments/``): the request comments' shape and rules
through the same code (``campaigns.comments``): Markdown sanitised, length limit, mentions of
people who may open the task only, 404 for a task you may not see; a role x method matrix and
a constant query count.

On the generated campaign (alice's, routed to charlie, Tokyo, centralised) everyone but bob may
open the tasks; MOps, admins, specialists and the campaign's requester may comment.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import COMMENT_MAX
from integrations.models import Notification
from tasks import services
from tasks.models import TaskComment
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

SEE = {"alice", "charlie", "mona", "root", "sam"}
MAY_POST = {"alice", "mona", "root", "sam"}


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


@pytest.fixture
def plan(generated):
    return generated[1]["plan"]


@pytest.mark.parametrize("who", sorted(SEE | {"bob", "anonymous"}))
def test_list_permission_matrix(org, plan, who):
    services.task_comment_add(task_id=plan.pk, body="最初のコメント", by=org["mona"])
    r = api_as(org.get(who)).get(f"/api/tasks/{plan.pk}/comments/")
    expected = 200 if who in SEE else (404 if who == "bob" else 403)
    assert r.status_code == expected, r.content[:200]
    if expected == 200:
        (row,) = r.json()["results"]
        assert row["body"] == "最初のコメント" and row["author"]["username"] == "mona"
        assert row["body_html"] == "<p>最初のコメント</p>"
        assert row["edited_at"] is None and row["deleted_at"] is None
    else:
        assert "最初のコメント" not in r.content.decode()


@pytest.mark.parametrize("who", sorted(SEE | {"bob", "anonymous"}))
def test_post_permission_matrix(org, plan, who):
    r = api_as(org.get(who)).post(f"/api/tasks/{plan.pk}/comments/", {"body": "**確認**しました"}, format="json")
    expected = 201 if who in MAY_POST else (404 if who == "bob" else 403)
    assert r.status_code == expected, r.content[:200]
    assert r["Content-Type"].startswith("application/json")
    assert TaskComment.objects.filter(task=plan).count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert r.json()["body_html"] == "<p><strong>確認</strong>しました</p>"


def test_markdown_is_sanitised(org, plan):
    r = api_as(org["sam"]).post(
        f"/api/tasks/{plan.pk}/comments/",
        {"body": "<script>alert(1)</script>[x](javascript:alert(1)) <img src=x onerror=alert(1)>"},
        format="json",
    )
    assert r.status_code == 201
    html = r.json()["body_html"]
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


@pytest.mark.parametrize(
    "body,field_text",
    [
        ("", None),
        ("   ", None),
        ("x" * (COMMENT_MAX + 1), str(COMMENT_MAX)),
        ("@nobody_here 見て", "nobody_here"),
        ("@bob 見て", "@bob"),  # exists, may not open the task
    ],
)
def test_bad_bodies_are_400_and_write_nothing(org, plan, body, field_text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(org["mona"]).post(f"/api/tasks/{plan.pk}/comments/", {"body": body}, format="json")
    assert r.status_code == 400 and "body" in r.json()
    if field_text:
        assert field_text in r.json()["body"][0]
    # The refusal names the person, never the task or its campaign.
    assert plan.title not in r.content.decode() and plan.key not in r.content.decode()
    assert not TaskComment.objects.exists() and not Notification.objects.exists()


def test_missing_body_and_wrong_method(org, plan):
    client = api_as(org["mona"])
    assert client.post(f"/api/tasks/{plan.pk}/comments/", {}, format="json").status_code == 400
    assert client.put(f"/api/tasks/{plan.pk}/comments/", {"body": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/tasks/{plan.pk}/comments/").status_code == 405
    assert client.get("/api/tasks/999999/comments/").status_code == 404


def test_mention_notifies_the_person_with_a_link_to_the_task_comment(org, plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(org["mona"]).post(f"/api/tasks/{plan.pk}/comments/", {"body": "@sam お願いします"}, format="json")
    note = Notification.objects.get(user=org["sam"], event="comment.mentioned")
    assert note.data["comment"] == {"id": r.json()["id"], "excerpt": "@sam お願いします", "kind": "task"}
    assert not Notification.objects.filter(user=org["mona"]).exists()


def test_task_page_renders_markdown_comments(client, org, plan):
    services.task_comment_add(task_id=plan.pk, body="**太字** と <b onclick=x>b</b>", by=org["mona"])
    client.force_login(org["alice"])
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert "<strong>太字</strong>" in html and "onclick" not in html


def _grow(task, users, n):
    for i in range(n - TaskComment.objects.filter(task=task).count()):
        services.task_comment_add(task_id=task.pk, body=f"コメント {i}", by=users[i % len(users)])


def test_list_query_count_is_constant(org, plan):
    client = api_as(org["charlie"])
    client.get(f"/api/tasks/{plan.pk}/comments/")  # warm: roles are cached on the user object
    counts = []
    for n in (2, 15):
        _grow(plan, [org["mona"], org["sam"], org["alice"]], n)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/tasks/{plan.pk}/comments/")
        assert r.status_code == 200 and r.json()["count"] == n
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_openapi_schema_documents_the_task_comment_endpoints(org):
    r = api_as(org["mona"]).get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert set(paths["/api/tasks/{id}/comments/"]) >= {"get", "post"}
    assert set(paths["/api/tasks/{id}/comments/{comment_id}/"]) >= {"patch", "delete"}
    assert set(paths["/api/requests/{id}/comments/{comment_id}/"]) >= {"patch", "delete"}


def test_imported_comments_are_served_as_markdown_too(org, plan):
    from django.utils import timezone

    from tasks.history import task_import_comment

    comment, created = task_import_comment(
        task_id=plan.pk, author=org["sam"], body="Jiraから **移行**", at=timezone.now(), by=org["mona"]
    )
    assert created
    (row,) = api_as(org["alice"]).get(f"/api/tasks/{plan.pk}/comments/").json()["results"]
    assert row["body_html"] == "<p>Jiraから <strong>移行</strong></p>"
