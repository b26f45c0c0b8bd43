"""Pages: create with preview, edit, history, diff, restore, attachments, catalog, fragments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from knowledge.models import Article, Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mona_client(org):
    c = Client()
    c.force_login(org["mona"])
    return c


def form_data(**kw):
    data = {
        "title": "ウェビナー運営",
        "body": "| a | b |\n|---|---|\n| 1 | 2 |",
        "category": "playbook",
        "tags": "ウェビナー, 運営",
        "visibility": "everyone",
        "comment": "",
    }
    data.update(kw)
    return data


def test_create_with_preview_then_save_edit_history_diff_restore(mona_client, org, webinar):
    r = mona_client.post("/kb/new/", form_data(preview="1", body="<script>x</script>**太字**"))
    assert (
        r.status_code == 200 and "<strong>太字</strong>" in r.content.decode() and "<script>x" not in r.content.decode()
    )
    assert Article.objects.count() == 0  # preview saves nothing
    r = mona_client.post("/kb/new/", form_data(campaign_types=[webinar.pk]))
    article = Article.objects.get()
    assert r.status_code == 302 and r.url == f"/kb/{article.pk}/"
    page = mona_client.get(r.url).content.decode()
    assert "<table>" in page and "ウェビナー" in page
    assert f"/kb/{article.pk}/" not in mona_client.get("/kb/types/webinar/").content.decode()  # draft
    mona_client.post(f"/kb/{article.pk}/publish/")
    assert f"/kb/{article.pk}/" in mona_client.get("/kb/types/webinar/").content.decode()
    r = mona_client.post(
        f"/kb/{article.pk}/edit/", form_data(body="新しい本文", major="on", expected_version=1, comment="刷新")
    )
    assert r.status_code == 302
    r = mona_client.post(f"/kb/{article.pk}/edit/", form_data(body="競合", expected_version=1))
    assert r.status_code == 200 and "先に保存" in r.content.decode()
    history = mona_client.get(f"/kb/{article.pk}/history/").content.decode()
    assert "v2.0" in history and "刷新" in history
    diff = mona_client.get(f"/kb/{article.pk}/diff/?a=1&b=2").content.decode()
    assert 'class="ins">+ 新しい本文' in diff
    mona_client.post(f"/kb/{article.pk}/restore/1/")
    article.refresh_from_db()
    assert article.version_number == 3 and "| a | b |" in article.body


def test_bad_input_on_the_page_shows_errors_and_saves_nothing(mona_client):
    r = mona_client.post("/kb/new/", form_data(title=""))
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    r = mona_client.post("/kb/new/", form_data(body="x" * 100_001))
    assert r.status_code == 200 and Article.objects.count() == 0


def test_attachment_upload_download_and_refusal(mona_client, org, make_article):
    article = make_article(org["mona"], "添付テスト")
    mona_client.post(f"/kb/{article.pk}/attachments/", {"file": SimpleUploadedFile("diagram.png", PNG, "image/png")})
    r = mona_client.post(
        f"/kb/{article.pk}/attachments/", {"file": SimpleUploadedFile("x.html", b"<script>", "text/html")}, follow=True
    )
    assert "添付できません" in r.content.decode()
    attachment = Attachment.objects.get()
    r = mona_client.get(f"/kb/attachments/{attachment.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == PNG


def test_api_attachment_and_versions(org, make_article):
    from .conftest import api_for

    article = make_article(org["mona"], "API")
    api = api_for(org["mona"])
    r = api.post(
        f"/api/knowledge/articles/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")},
        format="multipart",
    )
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    r = api.post(
        f"/api/knowledge/articles/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("a.exe", b"MZ")},
        format="multipart",
    )
    assert r.status_code == 400 and "file" in r.json()
    api.patch(f"/api/knowledge/articles/{article.pk}/", {"body": "二版目", "major": True}, format="json")
    versions = api.get(f"/api/knowledge/articles/{article.pk}/versions/").json()
    assert [v["label"] for v in versions] == ["2.0", "1.0"]
    diff = api.get(f"/api/knowledge/articles/{article.pk}/diff/?a=1&b=2").json()
    assert {"kind": "ins", "text": "二版目"} in diff["lines"]
    r = api.post(f"/api/knowledge/articles/{article.pk}/restore/", {"number": 1}, format="json")
    assert r.status_code == 200 and r.json()["body"] == "本文" and r.json()["version"] == "2.1"


def test_api_bad_input_writes_nothing(org):
    from .conftest import api_for

    api = api_for(org["mona"])
    assert api.post("/api/knowledge/articles/", {"title": "", "body": "x"}, format="json").json().keys() == {"title"}
    r = api.post("/api/knowledge/articles/", {"title": "x", "body": "y" * 100_001}, format="json")
    assert r.status_code == 400 and "body" in r.json()
    r = api.post("/api/knowledge/articles/", {"title": "xss", "body": "<img src=x onerror=alert(1)>"}, format="json")
    assert r.status_code == 201 and "onerror" not in r.json()["body_html"]
    assert Article.objects.count() == 1


def test_every_page_renders(org, make_article, make_request):
    for username in ("alice", "mona"):
        c = Client()
        c.force_login(org[username])
        article = make_article(org["mona"], f"記事 {username}")
        for url in [
            "/kb/",
            "/kb/search/",
            "/kb/search/?q=記事",
            "/kb/new/",
            "/kb/required/",
            "/kb/onboarding/",
            "/kb/retrospectives/",
            "/kb/tools/",
            f"/kb/{article.pk}/",
            f"/kb/{article.pk}/history/",
            "/kb/types/webinar/",
            "/kb/playbooks/?campaign_type=webinar",
        ]:
            assert c.get(url).status_code == 200, (username, url)
    c = Client()
    c.force_login(org["mona"])
    assert c.get("/kb/tools/new/").status_code == 200
    r = c.post(
        "/kb/tools/new/",
        {"name": "Canva", "category": "design", "annual_cost": "180000", "seats": "5", "status": "in_use"},
    )
    assert r.status_code == 302
    assert "Canva" in c.get("/kb/tools/").content.decode()
