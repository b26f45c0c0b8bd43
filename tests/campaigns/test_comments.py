"""Editing and deleting request comments (``campaigns.comments``, shared with task comments):
the author edits (re-sanitised, only people newly mentioned are notified, an "edited" mark);
the author, MOps or an admin deletes (a tombstone stays, the body is no longer served); each
writes an audit event in the same transaction. API matrix, bad input, pages.

alice filed the request (Tokyo) and it is routed to charlie; bob and sam may not see it.
"""

from __future__ import annotations

import re

import pytest
import time_machine

from campaigns import discussion
from campaigns.models import COMMENT_MAX, RequestComment, RequestEvent
from integrations.models import Notification
from tests.conftest import api_as

VIEWERS = {"alice", "charlie", "mona", "root"}
OUTSIDERS = {"bob", "sam"}
DELETERS = {"alice", "mona", "root"}


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


@pytest.fixture
def submitted(org, make_request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_request(org["alice"], actions=["submit"])


@pytest.fixture
def comment(org, submitted):
    return discussion.request_comment_add(request_id=submitted.pk, body="予算案 v1 です", by=org["alice"])


def url(req, c):
    return f"/api/requests/{req.pk}/comments/{c.pk}/"


@pytest.mark.parametrize("who", sorted(VIEWERS | OUTSIDERS | {"anonymous"}))
def test_patch_permission_matrix(org, submitted, comment, who):
    r = api_as(org.get(who)).patch(url(submitted, comment), {"body": "予算案 v2 です"}, format="json")
    expected = 200 if who == "alice" else (404 if who in OUTSIDERS else 403)
    assert r.status_code == expected, r.content[:200]
    assert r["Content-Type"].startswith("application/json")
    comment.refresh_from_db()
    assert (comment.body == "予算案 v2 です") is (expected == 200)
    assert RequestEvent.objects.filter(action="comment_edit").count() == (1 if expected == 200 else 0)
    if expected != 200:
        assert "予算案" not in r.content.decode()


@pytest.mark.parametrize("who", sorted(VIEWERS | OUTSIDERS | {"anonymous"}))
def test_delete_permission_matrix(org, submitted, comment, who):
    r = api_as(org.get(who)).delete(url(submitted, comment))
    expected = 204 if who in DELETERS else (404 if who in OUTSIDERS else 403)
    assert r.status_code == expected, r.content[:200]
    comment.refresh_from_db()
    assert comment.is_deleted is (expected == 204)
    assert RequestEvent.objects.filter(action="comment_delete").count() == (1 if expected == 204 else 0)


def test_edit_re_sanitises_marks_the_time_and_audits(org, submitted, comment):
    at = "2026-07-01T03:00:00+00:00"
    with time_machine.travel(at, tick=False):
        r = api_as(org["alice"]).patch(url(submitted, comment), {"body": "**v2** <script>x()</script>"}, format="json")
    body = r.json()
    assert body["body"] == "**v2** <script>x()</script>"
    assert "<strong>v2</strong>" in body["body_html"] and "<script" not in body["body_html"]
    assert body["edited_at"] == "2026-07-01T12:00:00+09:00"
    event = RequestEvent.objects.get(action="comment_edit")
    assert event.actor == org["alice"] and event.data["comment_id"] == comment.pk
    assert "v2" not in event.comment  # the words are not copied into the audit row
    assert event.from_state == event.to_state == submitted.state


def test_edit_notifies_only_people_newly_mentioned(org, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = discussion.request_comment_add(request_id=submitted.pk, body="@mona 確認を", by=org["alice"])
    assert Notification.objects.filter(user=org["mona"]).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api_as(org["alice"]).patch(url(submitted, c), {"body": "@mona @charlie 確認を"}, format="json")
    assert Notification.objects.filter(user=org["mona"]).count() == 1
    assert Notification.objects.filter(user=org["charlie"], event="comment.mentioned").count() == 1
    assert RequestEvent.objects.get(action="comment_edit").data["mentions_added"] == ["charlie"]
    # Editing again without new names notifies nobody.
    with django_capture_on_commit_callbacks(execute=True):
        api_as(org["alice"]).patch(url(submitted, c), {"body": "@charlie @mona 確認を（修正）"}, format="json")
    assert Notification.objects.filter(event="comment.mentioned").count() == 2


@pytest.mark.parametrize(
    "payload,text",
    [
        ({"body": ""}, None),
        ({"body": "   "}, None),
        ({}, None),
        ({"body": "x" * (COMMENT_MAX + 1)}, str(COMMENT_MAX)),
        ({"body": "@ghost_user 見て"}, "ghost_user"),
        ({"body": "@bob 見て"}, "@bob"),  # bob exists, may not see the request
    ],
)
def test_bad_edits_are_400_and_change_nothing(org, submitted, comment, payload, text):
    r = api_as(org["alice"]).patch(url(submitted, comment), payload, format="json")
    assert r.status_code == 400 and "body" in r.json()
    if text:
        assert text in r.json()["body"][0]
    assert submitted.name not in r.content.decode()
    comment.refresh_from_db()
    assert comment.body == "予算案 v1 です" and comment.edited_at is None
    assert not RequestEvent.objects.filter(action="comment_edit").exists()


def test_a_comment_of_another_request_is_not_found(org, submitted, comment, make_request):
    other = make_request(org["alice"], actions=["submit"])
    client = api_as(org["alice"])
    assert (
        client.patch(f"/api/requests/{other.pk}/comments/{comment.pk}/", {"body": "x"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/requests/{other.pk}/comments/{comment.pk}/").status_code == 404
    assert client.delete(f"/api/requests/{submitted.pk}/comments/999999/").status_code == 404
    comment.refresh_from_db()
    assert comment.body == "予算案 v1 です" and not comment.is_deleted


def test_wrong_methods_on_one_comment(org, submitted, comment):
    client = api_as(org["alice"])
    assert client.put(url(submitted, comment), {"body": "x"}, format="json").status_code == 405
    assert client.post(url(submitted, comment), {"body": "x"}, format="json").status_code == 405


def test_a_deleted_comment_is_a_tombstone_everywhere(client, org, submitted, comment):
    assert api_as(org["mona"]).delete(url(submitted, comment)).status_code == 204
    api = api_as(org["charlie"])
    (row,) = api.get(f"/api/requests/{submitted.pk}/comments/").json()["results"]
    assert row["id"] == comment.pk and row["body"] is None and row["body_html"] is None and row["deleted_at"]
    detail = api.get(f"/api/requests/{submitted.pk}/").content.decode()
    assert "予算案" not in detail
    # editing or deleting it again: 409
    alice = api_as(org["alice"])
    assert alice.patch(url(submitted, comment), {"body": "復活"}, format="json").status_code == 409
    assert alice.delete(url(submitted, comment)).status_code == 409
    event = RequestEvent.objects.get(action="comment_delete")
    assert event.actor == org["mona"] and event.data == {"comment_id": comment.pk, "author": "alice"}
    client.force_login(org["charlie"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert "予算案" not in html
    assert 'class="muted tombstone"' in html


def test_page_edit_and_delete_controls(client, org, submitted, comment):
    edit = f"/requests/{submitted.pk}/comments/{comment.pk}/edit/"
    delete = f"/requests/{submitted.pk}/comments/{comment.pk}/delete/"
    client.force_login(org["alice"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert edit in html and delete in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # CSP: no inline script
    r = client.post(edit, {"body": "予算案 v2 です"})
    assert r.status_code == 302 and r["Location"].endswith(f"#comment-{comment.pk}")
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert "予算案 v2 です" in html
    # a bad edit shows the form again with the field error and the text typed
    r = client.post(edit, {"body": "@bob 見て"})
    assert r.status_code == 400 and "@bob" in r.content.decode()
    # charlie sees neither control on alice's comment; MOps sees delete only
    client.force_login(org["charlie"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert edit not in html and delete not in html
    assert client.post(edit, {"body": "乗っ取り"}).status_code == 403
    assert client.post(delete).status_code == 403
    assert not RequestComment.objects.get(pk=comment.pk).is_deleted
    client.force_login(org["mona"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert edit not in html and delete in html
    assert client.post(delete).status_code == 302
    assert RequestComment.objects.get(pk=comment.pk).is_deleted
    client.force_login(org["bob"])
    assert client.post(delete).status_code == 404


def test_edited_mark_on_the_page(client, org, submitted, comment):
    discussion.request_comment_edit(request_id=submitted.pk, comment_id=comment.pk, body="v2", by=org["alice"])
    client.force_login(org["charlie"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert 'class="edited"' in html


def test_deleting_drops_the_words_from_the_mention_notices(org, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = discussion.request_comment_add(request_id=submitted.pk, body="@mona 内密の件", by=org["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        discussion.request_comment_edit(
            request_id=submitted.pk, comment_id=c.pk, body="@mona @charlie 内密の件", by=org["alice"]
        )
    assert Notification.objects.filter(event="comment.mentioned").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        discussion.request_comment_delete(request_id=submitted.pk, comment_id=c.pk, by=org["alice"])
    for note in Notification.objects.filter(event="comment.mentioned"):
        assert note.data["comment"]["excerpt"] == "" and note.data["comment"]["deleted"] is True
    r = api_as(org["charlie"]).get("/api/notifications/")
    assert "内密" not in r.content.decode()


def test_admin_shows_comments_read_only(client, org, submitted, comment):
    client.force_login(org["root"])
    r = client.get(f"/admin/campaigns/requestcomment/{comment.pk}/change/")
    assert r.status_code == 200 and "予算案 v1 です" in r.content.decode()
    assert client.post(f"/admin/campaigns/requestcomment/{comment.pk}/change/", {"body": "x"}).status_code == 403
