"""The board import page (upload -> preview -> confirm) and the import_board command."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from campaigns.models import CampaignRequest, ExternalRef
from tasks.models import Task
from tests.conftest import PASSWORD

from .test_board_import import FIXTURES, NOW, asana_bytes, jira_bytes

URL = "/import/board/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def login(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted in English
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "who, status",
    [(None, 302), ("alice", 403), ("bob", 403), ("charlie", 403), ("sam", 403), ("mona", 200), ("root", 200)],
)
def test_permission_matrix(client, org, who, status):
    if who:
        login(client, org[who])
    assert client.get(URL).status_code == status
    if who:
        response = client.post(URL, {"source": "jira", "file": SimpleUploadedFile("j.csv", jira_bytes())})
        assert response.status_code == (403 if status == 403 else 200)
    assert CampaignRequest.objects.count() == 0


def test_nav_links_to_the_import_for_mops_only(client, org):
    assert reverse("integrations:board-import") == URL
    assert URL.encode() in login(client, org["mona"]).get("/requests/").content
    client.logout()
    assert URL.encode() not in login(client, org["alice"]).get("/requests/mine/").content


def _upload(client, content: bytes, *, source="jira", **extra):
    data = {"source": source, "file": SimpleUploadedFile("export.csv", content), **extra}
    return client.post(URL, data)


def test_preview_then_confirm_imports_and_a_second_run_creates_nothing(client, org, task_types, webinar, tokyo):
    login(client, org["mona"])
    response = _upload(client, jira_bytes(), unit=tokyo.pk, campaign_type=webinar.pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert "MKT-1" in page and "Taro Yamada" in page
    assert CampaignRequest.objects.count() == 0  # the preview writes nothing
    response = client.post(URL, {"confirm": "1"}, follow=True)
    assert "5 created" in response.content.decode()
    assert CampaignRequest.objects.count() == 2 and Task.objects.count() == 3
    _upload(client, jira_bytes(), unit=tokyo.pk, campaign_type=webinar.pk)
    response = client.post(URL, {"confirm": "1"}, follow=True)
    assert "0 created" in response.content.decode() and "5 unchanged" in response.content.decode()
    assert CampaignRequest.objects.count() == 2


def test_errors_write_nothing_unless_the_valid_part_is_chosen(client, org, task_types, webinar, tokyo):
    login(client, org["mona"])
    response = _upload(client, asana_bytes(), source="asana", campaign_type=webinar.pk)  # no unit
    assert "No business unit" in response.content.decode()
    response = client.post(URL, {"confirm": "1"})
    assert response.status_code == 400
    assert CampaignRequest.objects.count() == 0
    text = (
        asana_bytes()
        .decode()
        .replace("年末キャンペーン,In progress,,,,2026-12-20,", "年末キャンペーン,In progress,,,,2026-12-20,tokyo")
    )
    _upload(client, text.encode(), source="asana", campaign_type=webinar.pk)
    client.post(URL, {"confirm": "1", "valid_only": "1"})
    assert list(CampaignRequest.objects.values_list("name", flat=True)) == ["年末キャンペーン"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Name,Section/Column\nx,y\n", "not a Jira CSV export"),
        ("Summary,Issue key\n".encode("utf-16"), "encoding"),
    ],
)
def test_a_bad_file_gets_a_clear_message_not_a_500(client, org, content, message):
    login(client, org["mona"])
    response = _upload(client, content)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_mapping_file_is_reported_on_its_field(client, org, tokyo):
    login(client, org["mona"])
    response = _upload(client, jira_bytes(), mapping=SimpleUploadedFile("m.json", b'{"colour": "red"}'))
    assert response.status_code == 400
    assert "Unknown key in the mapping file: colour" in response.content.decode()


def test_confirm_without_an_upload_asks_for_the_file_again(client, org):
    login(client, org["mona"])
    response = client.post(URL, {"confirm": "1"}, follow=True)
    assert "choose the file again" in response.content.decode()


def test_command_dry_run_writes_nothing_then_imports(org, task_types, webinar, tokyo):
    out = StringIO()
    path = str(FIXTURES / "jira_marketing.csv")
    args = ["import_board", "--source", "jira", path, "--unit", "tokyo", "--campaign-type", "webinar"]
    call_command(*args, "--dry-run", "--user", "mona", stdout=out)
    assert "dry run" in out.getvalue() and "Taro Yamada" in out.getvalue()
    assert CampaignRequest.objects.count() == 0
    out = StringIO()
    call_command(*args, stdout=out)  # the only superuser (root) imports by default
    assert "'created': 5" in out.getvalue()
    assert ExternalRef.objects.filter(system="jira").count() == 2


def test_command_refuses_bad_input_clearly(org, task_types, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_bytes(b"Task ID,Name\n1,x\n")
    with pytest.raises(CommandError, match="not a Jira CSV export"):
        call_command("import_board", "--source", "jira", str(bad), "--user", "mona")
    with pytest.raises(CommandError, match="rows have errors"):
        call_command("import_board", "--source", "asana", str(FIXTURES / "asana_marketing.csv"), "--user", "mona")
    with pytest.raises(CommandError, match="Only MOps"):
        call_command("import_board", "--source", "jira", str(FIXTURES / "jira_marketing.csv"), "--user", "alice")
    with pytest.raises(CommandError, match="No unit"):
        call_command("import_board", "--source", "jira", str(bad), "--user", "mona", "--unit", "nowhere")
    assert CampaignRequest.objects.count() == 0
