"""@mentions in task comments: only people who may open the task, notified in-app and by their
channel choices; the autocomplete endpoint answers only to people who may see the task."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrations.models import Notification
from tasks import selectors, services
from tasks.models import TaskComment
from tests.conftest import api_as


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


def test_task_viewers_match_the_task_visibility_filter(generated, org):
    _, tasks = generated
    task = next(iter(tasks.values()))
    viewers = set(selectors.task_viewers(task).values_list("username", flat=True))
    for name, user in org.items():
        assert (name in viewers) == selectors.task_list_for(user).filter(pk=task.pk).exists(), name
    assert "bob" not in viewers and {"alice", "sam", "mona"} <= viewers


def test_mention_in_a_task_comment_notifies_the_person(generated, org, django_capture_on_commit_callbacks):
    _, tasks = generated
    task = next(iter(tasks.values()))
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.task_comment_add(task_id=task.pk, body="@sam 素材の差し替えをお願いします", by=org["mona"])
    note = Notification.objects.get(user=org["sam"], event="comment.mentioned")
    assert note.in_app and note.data["task"]["id"] == task.pk and note.data["comment"]["id"] == comment.pk
    [item] = api_as(org["sam"]).get("/api/notifications/").json()["results"]
    assert item["url"] == f"/tasks/{task.pk}/#task-comment-{comment.pk}"


@pytest.mark.parametrize("body", ["@bob 見て", "@ghost 見て"])
def test_unauthorised_or_unknown_mentions_in_task_comments_write_nothing(body, generated, org):
    _, tasks = generated
    task = next(iter(tasks.values()))
    with pytest.raises(ValidationError) as exc:
        services.task_comment_add(task_id=task.pk, body=body, by=org["mona"])
    assert "body" in exc.value.message_dict and task.campaign.name not in str(exc.value)
    assert not TaskComment.objects.exists() and not Notification.objects.exists()


def test_task_page_refuses_the_mention_with_a_message(client, generated, org):
    _, tasks = generated
    task = next(iter(tasks.values()))
    client.force_login(org["mona"])
    r = client.post(f"/tasks/{task.pk}/comment/", {"body": "@bob 見て"}, follow=True)
    assert "閲覧できない" in r.content.decode()
    assert not TaskComment.objects.exists()
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert f'data-mention-url="/api/tasks/{task.pk}/mentionable/"' in page


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 404), ("charlie", 200), ("mona", 200), ("sam", 200), ("root", 200)]
)
def test_task_mentionable_matrix(who, status, generated, org):
    _, tasks = generated
    task = next(iter(tasks.values()))
    r = api_as(org[who]).get(f"/api/tasks/{task.pk}/mentionable/")
    assert r.status_code == status
    if status == 200:
        names = {p["username"] for p in r.json()}
        assert "bob" not in names and "sam" in names
    assert api_as(None).get(f"/api/tasks/{task.pk}/mentionable/").status_code == 403
