"""Editing and deleting task comments: the request comments' rules (``campaigns.comments``) with
``comment_edit`` / ``comment_delete`` task events; API matrix, bad input, the task page.

Everyone but bob may open the generated campaign's tasks; sam (specialist) wrote the comment.
"""

from __future__ import annotations

import re

import pytest

from integrations.models import Notification
from tasks import services
from tasks.models import TaskComment, TaskEvent
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

SEE = {"alice", "charlie", "mona", "root", "sam"}
DELETERS = {"sam", "mona", "root"}


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


@pytest.fixture
def plan(generated):
    return generated[1]["plan"]


@pytest.fixture
def comment(org, plan):
    return services.task_comment_add(task_id=plan.pk, body="素材は *金曜* に届きます", by=org["sam"])


def url(task, c):
    return f"/api/tasks/{task.pk}/comments/{c.pk}/"


@pytest.mark.parametrize("who", sorted(SEE | {"bob", "anonymous"}))
def test_patch_permission_matrix(org, plan, comment, who):
    r = api_as(org.get(who)).patch(url(plan, comment), {"body": "素材は月曜に届きます"}, format="json")
    expected = 200 if who == "sam" else (404 if who == "bob" else 403)
    assert r.status_code == expected, r.content[:200]
    assert r["Content-Type"].startswith("application/json")
    comment.refresh_from_db()
    assert (comment.body == "素材は月曜に届きます") is (expected == 200)
    assert TaskEvent.objects.filter(action="comment_edit").count() == (1 if expected == 200 else 0)
    if expected == 200:
        assert r.json()["body_html"] == "<p>素材は月曜に届きます</p>" and r.json()["edited_at"]


@pytest.mark.parametrize("who", sorted(SEE | {"bob", "anonymous"}))
def test_delete_permission_matrix(org, plan, comment, who):
    r = api_as(org.get(who)).delete(url(plan, comment))
    expected = 204 if who in DELETERS else (404 if who == "bob" else 403)
    assert r.status_code == expected, r.content[:200]
    comment.refresh_from_db()
    assert comment.is_deleted is (expected == 204)
    events = TaskEvent.objects.filter(action="comment_delete")
    assert events.count() == (1 if expected == 204 else 0)
    if expected == 204:
        assert events.get().data == {"comment_id": comment.pk, "author": "sam"}


@pytest.mark.parametrize(
    "payload,text",
    [({"body": ""}, None), ({}, None), ({"body": "x" * 4001}, "4000"), ({"body": "@bob 見て"}, "@bob")],
)
def test_bad_edits_are_400_and_change_nothing(org, plan, comment, payload, text):
    r = api_as(org["sam"]).patch(url(plan, comment), payload, format="json")
    assert r.status_code == 400 and "body" in r.json()
    if text:
        assert text in r.json()["body"][0]
    assert plan.key not in r.content.decode()
    comment.refresh_from_db()
    assert comment.edited_at is None and not TaskEvent.objects.filter(action="comment_edit").exists()


def test_a_comment_of_another_task_is_not_found(org, generated, comment):
    other = generated[1]["qa"]
    client = api_as(org["sam"])
    assert client.patch(url(other, comment), {"body": "x"}, format="json").status_code == 404
    assert client.delete(url(other, comment)).status_code == 404
    assert not TaskComment.objects.get(pk=comment.pk).is_deleted


def test_wrong_methods(org, plan, comment):
    client = api_as(org["sam"])
    assert client.put(url(plan, comment), {"body": "x"}, format="json").status_code == 405
    assert client.get(url(plan, comment)).status_code == 405


def test_edit_notifies_only_new_mentions(org, plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = services.task_comment_add(task_id=plan.pk, body="@mona 確認を", by=org["sam"])
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(org["sam"]).patch(url(plan, c), {"body": "@mona @alice 確認を"}, format="json")
    assert r.status_code == 200
    assert Notification.objects.filter(user=org["mona"], event="comment.mentioned").count() == 1
    assert Notification.objects.filter(user=org["alice"], event="comment.mentioned").count() == 1


def test_tombstone_in_the_api_and_on_the_page(client, org, plan, comment):
    assert api_as(org["mona"]).delete(url(plan, comment)).status_code == 204
    (row,) = api_as(org["alice"]).get(f"/api/tasks/{plan.pk}/comments/").json()["results"]
    assert row["body"] is None and row["body_html"] is None and row["deleted_at"]
    assert api_as(org["sam"]).patch(url(plan, comment), {"body": "x"}, format="json").status_code == 409
    client.force_login(org["alice"])
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert "金曜" not in html and 'class="muted tombstone"' in html
    assert f'id="task-comment-{comment.pk}"' in html


def test_page_controls_edit_and_delete(client, org, plan, comment):
    edit = f"/tasks/{plan.pk}/comments/{comment.pk}/edit/"
    delete = f"/tasks/{plan.pk}/comments/{comment.pk}/delete/"
    client.force_login(org["sam"])
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert edit in html and delete in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert client.get(edit).status_code == 200
    r = client.post(edit, {"body": "素材は月曜です"})
    assert r.status_code == 302 and r["Location"].endswith(f"#task-comment-{comment.pk}")
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert "素材は月曜です" in html and 'class="edited"' in html
    assert client.post(edit, {"body": ""}).status_code == 400
    client.force_login(org["alice"])
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert edit not in html and delete not in html
    assert client.post(edit, {"body": "x"}).status_code == 403
    assert client.post(delete).status_code == 403
    client.force_login(org["bob"])
    assert client.post(delete).status_code == 404
    client.force_login(org["mona"])
    assert client.post(delete).status_code == 302
    assert TaskComment.objects.get(pk=comment.pk).is_deleted
    html = client.get(f"/tasks/{plan.pk}/").content.decode()
    assert "comment_delete" not in html  # the event shows its label, not its key


def test_admin_shows_task_comments_read_only(client, org, plan, comment):
    services.task_comment_delete(task_id=plan.pk, comment_id=comment.pk, by=org["sam"])
    client.force_login(org["root"])
    r = client.get(f"/admin/tasks/taskcomment/{comment.pk}/change/")
    assert r.status_code == 200 and "金曜" in r.content.decode()
    assert client.post(f"/admin/tasks/taskcomment/{comment.pk}/change/", {"body": "x"}).status_code == 403
    assert client.get("/admin/tasks/taskcomment/add/").status_code == 403
