"""Wiki import: a Notion and a Confluence export of a small marketing team, and hostile zips."""

from __future__ import annotations

import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from integrations.importers import kb
from integrations.importers import wiki as wiki_module
from integrations.importers.base import ExportError
from knowledge.models import Article, Attachment

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def zip_folder(folder: str) -> bytes:
    buffer = io.BytesIO()
    root = FIXTURES / folder
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def imported(source: str, folder: str, by):
    plan = kb.wiki_preview(source=source, content=zip_folder(folder), by=by)
    return plan, kb.wiki_import(plan=plan, by=by)


def test_notion_export_comes_in_with_hierarchy_links_and_images(client, org):
    plan, result = imported("notion", "notion_export", org["mona"])
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0} and result.attachments == 1
    assert plan.skipped == [
        "Marketing Wiki 6f1d2c3b4a5948e7a1b2c3d4e5f60718/Campaign Tracker aaaabbbbccccddddeeeeffff00001111.csv"
    ]
    home = Article.objects.get(external_source="notion", external_key="6f1d2c3b4a5948e7a1b2c3d4e5f60718")
    playbook = Article.objects.get(title="Webinar Playbook")
    brand = Article.objects.get(title="Brand Guide")
    assert home.title == "Marketing Wiki" and playbook.parent == home and brand.parent == home
    image = Attachment.objects.get(article=playbook)
    assert image.original_name == "timeline.png"
    assert f"/kb/attachments/{image.pk}/" in playbook.body_html
    assert "/kb/imported/notion/9f8e7d6c5b4a43219876fedcba012345/" in playbook.body
    assert "https://www.notion.so/help" in playbook.body_html
    assert "<script" not in playbook.body_html and "<table>" in playbook.body_html
    client.force_login(org["alice"])
    response = client.get("/kb/imported/notion/9f8e7d6c5b4a43219876fedcba012345/")
    assert response.status_code == 302 and response["Location"] == f"/kb/{brand.pk}/"
    assert client.get("/kb/imported/notion/0000/").status_code == 404


def test_confluence_export_comes_in_sanitised_with_hierarchy_and_attachments(org):
    _plan, result = imported("confluence", "confluence_export", org["mona"])
    assert result.counts["created"] == 3 and result.attachments == 1
    home = Article.objects.get(external_source="confluence", external_key="65537")
    playbook = Article.objects.get(external_key="65540")
    brand = Article.objects.get(external_key="65541")
    assert (home.title, playbook.title, brand.title) == ("Marketing Home", "Webinar Playbook", "Brand Guide")
    assert playbook.parent == home and brand.parent == playbook
    assert "## Schedule" in playbook.body and "**six weeks**" in playbook.body
    assert "/kb/imported/confluence/65541/" in playbook.body
    for bad in ("<script", "evil.example", "onclick", "javascript:"):
        assert bad not in playbook.body_html
    assert "<table>" in playbook.body_html
    image = Attachment.objects.get(article=playbook)
    assert f"/kb/attachments/{image.pk}/" in playbook.body_html


@pytest.mark.parametrize("source, folder", [("notion", "notion_export"), ("confluence", "confluence_export")])
def test_importing_the_same_export_twice_creates_nothing(org, source, folder):
    imported(source, folder, org["mona"])
    versions = {a.pk: a.version_number for a in Article.objects.all()}
    _plan, result = imported(source, folder, org["mona"])
    assert result.counts["created"] == 0 and result.counts["updated"] == 0 and result.attachments == 0
    assert {a.pk: a.version_number for a in Article.objects.all()} == versions
    assert Attachment.objects.count() == 1


def test_a_changed_page_gets_a_new_version(org):
    imported("notion", "notion_export", org["mona"])
    files = {
        p.relative_to(FIXTURES / "notion_export").as_posix(): p.read_bytes()
        for p in (FIXTURES / "notion_export").rglob("*")
        if p.is_file()
    }
    key = next(k for k in files if k.endswith("Brand Guide 9f8e7d6c5b4a43219876fedcba012345.md"))
    files[key] = files[key].replace("ロゴ".encode(), "新しいロゴ".encode())
    plan = kb.wiki_preview(source="notion", content=zip_of(files), by=org["mona"])
    result = kb.wiki_import(plan=plan, by=org["mona"])
    assert result.counts == {"created": 0, "updated": 1, "unchanged": 2}
    brand = Article.objects.get(title="Brand Guide")
    assert "新しいロゴ" in brand.body and brand.versions.count() == 2


@pytest.mark.parametrize(
    "entries, message",
    [
        ({"../evil.md": b"x"}, "path outside its folder"),
        ({"/etc/passwd": b"x"}, "path outside its folder"),
        ({"C:/Windows/x.md": b"x"}, "path outside its folder"),
        ({"a/../../b.md": b"x"}, "path outside its folder"),
    ],
)
def test_zip_slip_is_refused(org, entries, message):
    with pytest.raises(ExportError, match=message):
        kb.wiki_preview(source="notion", content=zip_of(entries), by=org["mona"])
    assert Article.objects.count() == 0


def test_zip_bombs_are_refused_by_size_and_count(org, monkeypatch):
    bomb = zip_of({"Page 6f1d2c3b4a5948e7a1b2c3d4e5f60718.md": b"0" * (3 * 1024 * 1024)})
    assert len(bomb) < 10_000
    monkeypatch.setattr(wiki_module, "MAX_TOTAL_BYTES", 1024 * 1024)
    with pytest.raises(ExportError, match="unpacks to more than"):
        kb.wiki_preview(source="notion", content=bomb, by=org["mona"])
    monkeypatch.setattr(wiki_module, "MAX_FILES", 5)
    many = zip_of({f"p{i}.md": b"x" for i in range(6)})
    with pytest.raises(ExportError, match="more than 5 files"):
        kb.wiki_preview(source="notion", content=many, by=org["mona"])


def test_a_zip_lying_about_its_sizes_is_refused(org):
    data = bytearray(zip_of({"Page 6f1d2c3b4a5948e7a1b2c3d4e5f60718.md": b"A" * 5000}))
    # Shrink the declared uncompressed size in the central directory: reading must not trust it.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ExportError):
        kb.wiki_preview(source="notion", content=bytes(data), by=org["mona"])


@pytest.mark.parametrize("entries", [None, {"readme.txt": b"hello"}], ids=["not a zip", "no pages"])
def test_not_an_export_is_reported(org, entries):
    # The zip is built in the test: its timestamps would make the test ids differ between xdist workers.
    content = b"not a zip" if entries is None else zip_of(entries)
    with pytest.raises(ExportError):
        kb.wiki_preview(source="confluence", content=content, by=org["mona"])


def test_duplicate_page_ids_stop_the_import_unless_the_valid_part_is_chosen(org):
    entries = {
        "A 6f1d2c3b4a5948e7a1b2c3d4e5f60718.md": b"# A\n\nfirst",
        "x/A 6f1d2c3b4a5948e7a1b2c3d4e5f60718.md": b"# A again\n\nsecond",
        "B 0a1b2c3d4e5f40718293a4b5c6d7e8f9.md": b"# B\n\nok",
    }
    plan = kb.wiki_preview(source="notion", content=zip_of(entries), by=org["mona"])
    assert [p.path for p in plan.errors] == ["x/A 6f1d2c3b4a5948e7a1b2c3d4e5f60718.md"]
    with pytest.raises(ValidationError):
        kb.wiki_import(plan=plan, by=org["mona"])
    assert Article.objects.count() == 0
    kb.wiki_import(plan=plan, by=org["mona"], valid_only=True)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["A", "B"]


@pytest.mark.parametrize("who", ["alice", "charlie", "sam"])
def test_only_mops_and_admins_import_a_wiki(org, who):
    with pytest.raises(PermissionDenied):
        kb.wiki_preview(source="notion", content=zip_folder("notion_export"), by=org[who])


def test_import_kb_command(org, tmp_path):
    path = tmp_path / "notion.zip"
    path.write_bytes(zip_folder("notion_export"))
    out = StringIO()
    call_command("import_kb", "--source", "notion", str(path), "--dry-run", "--user", "mona", stdout=out)
    assert "dry run: 3 pages" in out.getvalue() and Article.objects.count() == 0
    out = StringIO()
    call_command("import_kb", "--source", "notion", str(path), stdout=out)  # the only superuser imports
    assert "'created': 3" in out.getvalue()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(zip_of({"../x.md": b"x"}))
    with pytest.raises(CommandError, match="outside its folder"):
        call_command("import_kb", "--source", "confluence", str(bad), "--user", "mona")


WIKI_URL = "/import/wiki/"


@pytest.mark.parametrize(
    "who, status", [(None, 302), ("alice", 403), ("charlie", 403), ("sam", 403), ("mona", 200), ("root", 200)]
)
def test_wiki_page_permission_matrix(client, org, who, status):
    if who:
        client.force_login(org[who])
    assert client.get(WIKI_URL).status_code == status


def test_wiki_page_preview_then_confirm(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(org["mona"])
    upload = SimpleUploadedFile("conf.zip", zip_folder("confluence_export"))
    response = client.post(WIKI_URL, {"source": "confluence", "file": upload})
    assert response.status_code == 200 and "Webinar Playbook" in response.content.decode()
    assert Article.objects.count() == 0
    response = client.post(WIKI_URL, {"confirm": "1"}, follow=True)
    assert "3 created" in response.content.decode()
    assert Article.objects.count() == 3
    bad = SimpleUploadedFile("bad.zip", zip_of({"../../x.html": b"<p>x</p>"}))
    response = client.post(WIKI_URL, {"source": "confluence", "file": bad})
    assert response.status_code == 400 and "path outside its folder" in response.content.decode()
    assert Article.objects.count() == 3


def test_a_notion_export_split_into_parts_is_unpacked_once(org, monkeypatch):
    outer = zip_of({"Export-1234-Part-1.zip": zip_folder("notion_export")})
    plan = kb.wiki_preview(source="notion", content=outer, by=org["mona"])
    assert len(plan.pages) == 3
    monkeypatch.setattr(wiki_module, "MAX_TOTAL_BYTES", 200)
    with pytest.raises(ExportError, match="unpacks to more than"):
        kb.wiki_preview(source="notion", content=outer, by=org["mona"])
