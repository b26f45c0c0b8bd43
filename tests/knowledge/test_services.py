"""Article writes: versions on every edit, restore, bad input writes nothing, attachments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge import services
from knowledge.models import BODY_MAX, Article, ArticleVersion, Attachment, Status, Tag

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_edit_writes_a_version_with_author_number_and_major_flag(org, make_article):
    mona, sam = org["mona"], org["sam"]
    article = make_article(sam, "手順", "v1")
    assert (article.version_number, article.version_label, article.owner) == (1, "1.0", sam)
    services.article_update(article_id=article.pk, by=sam, body="v2 typo fix")
    services.article_update(article_id=article.pk, by=mona, body="v3 new process", major=True, comment="手順を刷新")
    services.article_update(article_id=article.pk, by=mona, body="v4")
    article.refresh_from_db()
    assert article.version_label == "2.1" and article.version_number == 4
    rows = list(
        ArticleVersion.objects.filter(article=article)
        .order_by("number")
        .values_list("number", "major", "minor", "is_major", "author__username", "body")
    )
    assert rows == [
        (1, 1, 0, True, "sam", "v1"),
        (2, 1, 1, False, "sam", "v2 typo fix"),
        (3, 2, 0, True, "mona", "v3 new process"),
        (4, 2, 1, False, "mona", "v4"),
    ]
    assert ArticleVersion.objects.get(article=article, number=3).comment == "手順を刷新"


def test_restore_creates_a_new_version(org, make_article):
    mona = org["mona"]
    article = make_article(mona, "Title 1", "body 1")
    services.article_update(article_id=article.pk, by=mona, title="Title 2", body="body 2")
    services.article_restore(article_id=article.pk, number=1, by=mona)
    article.refresh_from_db()
    assert (article.title, article.body, article.version_number) == ("Title 1", "body 1", 3)
    latest = article.versions.get(number=3)
    assert latest.restored_from == 1 and "1.0" in latest.comment
    with pytest.raises(ValidationError):
        services.article_restore(article_id=article.pk, number=99, by=mona)


def test_body_is_rendered_and_sanitised_on_save(org, make_article):
    article = make_article(org["mona"], "XSS", "**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>bold</strong>" in article.body_html
    assert "<script" not in article.body_html and "javascript:" not in article.body_html


@pytest.mark.parametrize(
    "fields, error_field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "あ" * (BODY_MAX + 1)}, "body"),
        ({"category": "nope"}, "category"),
        ({"visibility": "unit"}, "unit"),
    ],
)
def test_bad_input_writes_nothing(org, fields, error_field):
    data = {"title": "ok", "body": "ok", **fields}
    with pytest.raises(ValidationError) as exc:
        services.article_create(by=org["mona"], tags=["新タグ"], **data)
    assert error_field in exc.value.message_dict
    assert Article.objects.count() == 0 and ArticleVersion.objects.count() == 0 and Tag.objects.count() == 0


def test_bad_edit_keeps_the_previous_version(org, make_article):
    article = make_article(org["mona"], "元のタイトル", "元の本文")
    with pytest.raises(ValidationError):
        services.article_update(article_id=article.pk, by=org["mona"], title="", body="新しい本文", tags=["x"])
    article.refresh_from_db()
    assert (article.title, article.body, article.version_number) == ("元のタイトル", "元の本文", 1)
    assert article.versions.count() == 1 and not Tag.objects.filter(name="x").exists()


def test_stale_edit_is_a_conflict(org, make_article):
    article = make_article(org["mona"])
    services.article_update(article_id=article.pk, by=org["mona"], body="first", expected_version=1)
    with pytest.raises(services.ArticleConflict):
        services.article_update(article_id=article.pk, by=org["mona"], body="second", expected_version=1)


def test_who_may_write(org, make_article):
    alice, bob, mona = org["alice"], org["bob"], org["mona"]
    article = make_article(alice, "alice's", publish=False)
    services.article_update(article_id=article.pk, by=alice, body="owner edits")
    with pytest.raises(PermissionDenied):
        services.article_update(article_id=article.pk, by=bob, body="not mine")
    with pytest.raises(PermissionDenied):
        services.article_publish(article_id=article.pk, by=alice)  # publishing is for editors
    services.article_publish(article_id=article.pk, by=mona)
    with pytest.raises(PermissionDenied):
        services.article_delete(article_id=article.pk, by=alice)
    with pytest.raises(services.ArticleConflict):
        services.article_publish(article_id=article.pk, by=mona)
    services.article_archive(article_id=article.pk, by=mona)
    assert Article.objects.get(pk=article.pk).status == Status.ARCHIVED


def test_unit_visibility_needs_a_unit_the_author_belongs_to(org, osaka, tokyo):
    with pytest.raises(ValidationError) as exc:
        services.article_create(by=org["alice"], title="x", visibility="unit", unit=osaka)
    assert "unit" in exc.value.message_dict
    assert services.article_create(by=org["alice"], title="x", visibility="unit", unit=tokyo).unit == tokyo


def test_attachments_type_and_size_checks(org, make_article, settings):
    mona = org["mona"]
    article = make_article(mona)
    ok = services.attachment_add(article_id=article.pk, upload=SimpleUploadedFile("図.png", PNG, "image/png"), by=mona)
    assert ok.content_type == "image/png" and ok.size == len(PNG) and ok.is_image
    pdf = services.attachment_add(article_id=article.pk, upload=SimpleUploadedFile("guide.pdf", PDF), by=mona)
    assert pdf.content_type == "application/pdf"
    bad = [
        SimpleUploadedFile("evil.html", b"<script>alert(1)</script>", "text/html"),
        SimpleUploadedFile("evil.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
        SimpleUploadedFile("fake.png", b"<html>not a png</html>", "image/png"),
        SimpleUploadedFile("run.exe", b"MZ\x90\x00", "application/octet-stream"),
        SimpleUploadedFile("empty.pdf", b"", "application/pdf"),
        SimpleUploadedFile("huge.pdf", b"%PDF-" + b"0" * (services.ATTACHMENT_MAX_BYTES + 1), "application/pdf"),
    ]
    for upload in bad:
        with pytest.raises(ValidationError) as exc:
            services.attachment_add(article_id=article.pk, upload=upload, by=mona)
        assert "file" in exc.value.message_dict, upload.name
    assert Attachment.objects.count() == 2
    stored = {p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}
    assert len(stored) == 2
    with pytest.raises(PermissionDenied):
        services.attachment_add(article_id=article.pk, upload=SimpleUploadedFile("a.png", PNG), by=org["bob"])
