"""Request discussion and files: who may read and write (a role x endpoint matrix), bad input
(over-length, unknown or unauthorised mentions, wrong type, too large), the audit row, the
sanitised Markdown, the mention notice, and constant query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import discussion, uploads
from campaigns.models import COMMENT_MAX, CampaignRequest, RequestAttachment, RequestComment, RequestEvent
from integrations.models import Notification
from tests.conftest import api_as

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

# alice filed the request in Tokyo and it is routed to charlie; bob (Osaka requester) and sam
# (specialist, no tasks yet) may not see it.
VIEWERS = {"alice", "charlie", "mona", "root"}
OUTSIDERS = {"bob", "sam"}


@pytest.fixture
def submitted(org, make_request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_request(org["alice"], actions=["submit"])


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


def test_viewers_are_exactly_the_people_the_request_page_lets_in(org, submitted):
    """The inverse policy (who may see it) agrees with the visibility filter for every role."""
    from campaigns.selectors import request_list_for

    viewers = set(discussion.request_viewers(submitted).values_list("username", flat=True))
    for name, user in org.items():
        sees = request_list_for(user).filter(pk=submitted.pk).exists()
        assert (name in viewers) == sees, name
    assert viewers == VIEWERS


ENDPOINTS = [
    ("get", "/api/requests/{pk}/comments/"),
    ("post", "/api/requests/{pk}/comments/"),
    ("get", "/api/requests/{pk}/attachments/"),
    ("post", "/api/requests/{pk}/attachments/"),
    ("get", "/api/requests/{pk}/attachments/{aid}/"),
    ("get", "/api/requests/{pk}/mentionable/"),
]
ALLOWED = {"get": 200, "post": 201}


@pytest.mark.parametrize("who", sorted(VIEWERS | OUTSIDERS | {"anonymous"}))
@pytest.mark.parametrize("method,url", ENDPOINTS)
def test_permission_matrix(who, method, url, org, submitted):
    att = discussion.request_attachment_add(
        request_id=submitted.pk, upload=SimpleUploadedFile("brief.pdf", PDF), by=org["alice"]
    )
    client = api_as(org.get(who))
    path = url.format(pk=submitted.pk, aid=att.pk)
    if method == "post" and "comments" in path:
        r = client.post(path, {"body": "確認お願いします"}, format="json")
    elif method == "post":
        r = client.post(path, {"file": SimpleUploadedFile("asset.png", PNG)}, format="multipart")
    else:
        r = client.get(path)
    expected = ALLOWED[method] if who in VIEWERS else (404 if who in OUTSIDERS else 403)
    assert r.status_code == expected, (who, method, path, r.content[:200])
    if expected >= 400:
        assert r["Content-Type"].startswith("application/json")


def test_pages_show_the_thread_and_files_only_to_viewers(client, org, submitted):
    discussion.request_comment_add(request_id=submitted.pk, body="**太字** の説明", by=org["alice"])
    att = discussion.request_attachment_add(
        request_id=submitted.pk, upload=SimpleUploadedFile("brief.pdf", PDF), by=org["alice"]
    )
    for name in VIEWERS:
        client.force_login(org[name])
        page = client.get(f"/requests/{submitted.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<strong>太字</strong>" in html and "brief.pdf" in html
        assert client.get(f"/requests/{submitted.pk}/attachments/{att.pk}/").status_code == 200
    for name in OUTSIDERS:
        client.force_login(org[name])
        assert client.get(f"/requests/{submitted.pk}/").status_code == 404
        assert client.get(f"/requests/{submitted.pk}/attachments/{att.pk}/").status_code == 404
        assert client.post(f"/requests/{submitted.pk}/comments/", {"body": "hi"}).status_code == 404


def test_comment_is_sanitised_markdown_and_audited_in_the_same_transaction(org, submitted):
    r = api_as(org["charlie"]).post(
        f"/api/requests/{submitted.pk}/comments/",
        {"body": "予算の根拠は?<script>alert(1)</script> [link](javascript:alert(1))"},
        format="json",
    )
    assert r.status_code == 201
    html = r.json()["body_html"]
    assert "<script" not in html and "javascript:" not in html and "予算の根拠は?" in html
    event = RequestEvent.objects.get(request=submitted, action="comment")
    assert event.actor == org["charlie"] and event.from_state == event.to_state == "submitted"
    assert event.data["comment_id"] == r.json()["id"]
    listed = api_as(org["alice"]).get(f"/api/requests/{submitted.pk}/comments/").json()
    assert [c["author"]["username"] for c in listed["results"]] == ["charlie"]


def test_over_length_and_empty_comments_are_field_errors_and_write_nothing(org, submitted):
    client = api_as(org["alice"])
    r = client.post(f"/api/requests/{submitted.pk}/comments/", {"body": "あ" * (COMMENT_MAX + 1)}, format="json")
    assert r.status_code == 400 and str(COMMENT_MAX) in r.json()["body"][0]
    r = client.post(f"/api/requests/{submitted.pk}/comments/", {"body": "   "}, format="json")
    assert r.status_code == 400 and "body" in r.json()
    assert not RequestComment.objects.exists()
    assert not RequestEvent.objects.filter(action="comment").exists()


def test_page_comment_error_keeps_the_text_and_shows_the_field_error(client, org, submitted):
    client.force_login(org["alice"])
    r = client.post(f"/requests/{submitted.pk}/comments/", {"body": "@ghost こんにちは"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "@ghost" in html and "ユーザーが見つかりません" in html
    assert not RequestComment.objects.exists()


def test_mentioning_a_viewer_notifies_them_in_app_and_by_mail(
    org, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = discussion.request_comment_add(
            request_id=submitted.pk, body="@mona 入稿スケジュールを確認してください", by=org["alice"]
        )
    note = Notification.objects.get(user=org["mona"], event="comment.mentioned")
    assert note.in_app and note.read_at is None
    assert note.data["comment"]["id"] == comment.pk
    assert [m.to for m in mailoutbox] == [["mona@example.com"]]
    assert "入稿スケジュール" in mailoutbox[0].body
    assert RequestEvent.objects.get(action="comment").data["mentions"] == ["mona"]
    # The author is never told about their own mention.
    with django_capture_on_commit_callbacks(execute=True):
        discussion.request_comment_add(request_id=submitted.pk, body="@alice メモ", by=org["alice"])
    assert not Notification.objects.filter(user=org["alice"]).exists()


@pytest.mark.parametrize(
    "body,message",
    [
        ("@bob 見てください", "閲覧できない"),  # exists, may not see the request
        ("@sam 見てください", "閲覧できない"),
        ("@nobody_here 見てください", "ユーザーが見つかりません"),
    ],
)
def test_unknown_or_unauthorised_mentions_are_refused_and_reveal_nothing(
    body, message, org, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(org["alice"]).post(f"/api/requests/{submitted.pk}/comments/", {"body": body}, format="json")
    assert r.status_code == 400 and message in r.json()["body"][0]
    assert submitted.name not in r.content.decode()
    assert not RequestComment.objects.exists()
    assert not RequestEvent.objects.filter(action="comment").exists()
    assert not Notification.objects.exists() and mailoutbox == []


def test_mentionable_lists_only_viewers_and_finds_japanese_names(org, submitted):
    org["charlie"].last_name, org["charlie"].first_name = "佐藤", "花子"
    org["charlie"].save()
    client = api_as(org["alice"])
    everyone = {p["username"] for p in client.get(f"/api/requests/{submitted.pk}/mentionable/").json()}
    assert everyone == VIEWERS
    found = client.get(f"/api/requests/{submitted.pk}/mentionable/", {"q": "佐藤花子"}).json()
    assert found == [{"username": "charlie", "name": "佐藤花子"}]
    assert client.get(f"/api/requests/{submitted.pk}/mentionable/", {"q": "bob"}).json() == []


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("page.html", b"<html><script>alert(1)</script>", "添付できません"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "一致しません"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_bad_files_are_refused_with_a_field_error(name, content, message, org, submitted):
    r = api_as(org["alice"]).post(
        f"/api/requests/{submitted.pk}/attachments/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert r.status_code == 400 and "file" in r.json(), r.content
    assert message in str(r.json()["file"]) or name == "empty.pdf"
    assert not RequestAttachment.objects.exists() and not RequestEvent.objects.filter(action="attach").exists()


def test_too_large_files_are_refused(org, submitted, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES", 1024)
    r = api_as(org["alice"]).post(
        f"/api/requests/{submitted.pk}/attachments/",
        {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)},
        format="multipart",
    )
    assert r.status_code == 400 and "MB" in r.json()["file"][0]
    assert not RequestAttachment.objects.exists()


def test_attachment_is_audited_and_downloads_safely(org, submitted):
    client = api_as(org["mona"])
    r = client.post(
        f"/api/requests/{submitted.pk}/attachments/", {"file": SimpleUploadedFile("brief.pdf", PDF)}, format="multipart"
    )
    assert r.status_code == 201
    event = RequestEvent.objects.get(request=submitted, action="attach")
    assert event.actor == org["mona"] and event.data["attachment_id"] == r.json()["id"]
    download = api_as(org["alice"]).get(r.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF


def test_timeline_on_the_page_shows_comments_and_files(client, org, submitted):
    discussion.request_comment_add(request_id=submitted.pk, body="よろしくお願いします", by=org["alice"])
    discussion.request_attachment_add(
        request_id=submitted.pk, upload=SimpleUploadedFile("assets.png", PNG), by=org["alice"]
    )
    client.force_login(org["charlie"])
    html = client.get(f"/requests/{submitted.pk}/").content.decode()
    assert "コメントしました" in html and "ファイルを添付しました" in html and "assets.png" in html


def _grow(req, user, n):
    for i in range(n - RequestComment.objects.filter(request=req).count()):
        discussion.request_comment_add(request_id=req.pk, body=f"コメント {i}", by=user)


def test_comment_list_query_count_is_constant(org, submitted):
    client = api_as(org["charlie"])
    client.get(f"/api/requests/{submitted.pk}/comments/")  # warm: roles are cached on the user object
    counts = []
    for n in (2, 12):
        _grow(submitted, org["alice"], n)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/requests/{submitted.pk}/comments/")
        assert r.status_code == 200 and r.json()["count"] == n
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_request_page_query_count_does_not_grow_with_the_thread(client, org, submitted):
    client.force_login(org["charlie"])
    counts = []
    for n in (1, 8):
        _grow(submitted, org["alice"], n)
        cache.clear()  # "what a yes costs" reads the tasks' demand from the cache: both counts start cold
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/requests/{submitted.pk}/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    assert CampaignRequest.objects.count() == 1


def test_the_comment_box_help_is_in_the_readers_language(client, org, submitted):
    client.force_login(org["charlie"])
    url = f"/requests/{submitted.pk}/"
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ja = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()  # last: its language stays active
    assert f"Type @ to mention someone who can see this request. At most {COMMENT_MAX} characters." in en
    assert "メンションできます" not in en
    assert "メンションできます" in ja and "Type @ to mention" not in ja
