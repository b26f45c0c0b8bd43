"""Board import: Jira and Asana CSV exports of a small marketing team come in with their history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from campaigns.models import CampaignRequest, ExternalRef, RequestEvent
from integrations.importers import asana, jira
from integrations.importers.base import ExportError, Mapping, board_apply, board_plan
from tasks.models import Task, TaskComment, TaskDependency, TaskEvent

FIXTURES = Path(__file__).parent / "fixtures"
NOW = "2026-11-29 10:00 +09:00"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def jira_bytes() -> bytes:
    return (FIXTURES / "jira_marketing.csv").read_bytes()


def asana_bytes() -> bytes:
    return (FIXTURES / "asana_marketing.csv").read_bytes()


def test_jira_export_comes_in_with_history_people_dependencies_and_comments(org, task_types, webinar, tokyo):
    mona = org["mona"]
    plan = board_plan(jira.read(jira_bytes()), source="jira", by=mona, unit=tokyo, campaign_type=webinar)
    assert plan.ok, [(r.key, r.messages) for r in plan.errors]
    assert [(r.key, r.kind, r.action, r.state) for r in plan.rows] == [
        ("MKT-1", "request", "create", "launched"),
        ("MKT-2", "task", "create", "done"),
        ("MKT-3", "task", "create", "in_review"),
        ("MKT-5", "task", "create", "done"),
        ("MKT-4", "request", "create", "submitted"),
    ]
    assert ("Taro Yamada", 1) in plan.unmatched_people
    result = board_apply(plan, by=mona)
    assert result.counts["created"] == 5

    epic = ExternalRef.objects.get(system="jira", key="MKT-1").request
    assert epic.requester == org["alice"]  # matched by display name, not invented
    assert epic.state == "launched"
    assert epic.business_unit == tokyo and epic.campaign_type == webinar
    assert epic.launch_date == dt.date(2026, 11, 20)
    assert epic.submitted_at.date() == dt.date(2026, 10, 1)
    assert epic.launched_at.date() == dt.date(2026, 11, 20)
    events = list(RequestEvent.objects.filter(request=epic).values_list("action", "data__imported__key"))
    assert events == [
        ("submit", "MKT-1"),
        ("approve", "MKT-1"),
        ("start_production", "MKT-1"),
        ("mark_ready", "MKT-1"),
        ("launch", "MKT-1"),
    ]

    lp, mail, review = (Task.objects.get(external_source="jira", external_key=k) for k in ("MKT-2", "MKT-3", "MKT-5"))
    assert lp.campaign == epic and review.campaign == epic  # a sub-task belongs to its epic's campaign
    assert lp.state == "done" and lp.assignee == org["sam"] and lp.task_type.slug == "lp"
    assert lp.completed_at.date() == dt.date(2026, 10, 15)
    assert mail.state == "in_review" and mail.assignee is None  # Taro Yamada is not a user here
    assert mail.task_type.slug == "email"
    assert TaskDependency.objects.filter(task=mail, predecessor=lp).exists()
    comments = list(TaskComment.objects.filter(task=lp).values_list("author__username", "body"))
    assert comments[0][0] == "mona"  # account ids do not match without a mapping; the text names them
    assert "[712020:zzzz-taro]" in comments[1][1]
    assert all(e.data.get("imported") for e in TaskEvent.objects.filter(task=lp))

    later = ExternalRef.objects.get(system="jira", key="MKT-4").request
    assert later.state == "submitted"


def test_importing_the_same_export_twice_creates_nothing(org, task_types, webinar, tokyo):
    mona = org["mona"]
    for _ in range(2):
        plan = board_plan(jira.read(jira_bytes()), source="jira", by=mona, unit=tokyo, campaign_type=webinar)
        result = board_apply(plan, by=mona)
    assert result.counts["created"] == 0 and result.counts["unchanged"] == 5
    assert CampaignRequest.objects.count() == 2
    assert Task.objects.count() == 3
    assert TaskComment.objects.count() == 2
    assert RequestEvent.objects.count() == 6


def test_a_newer_export_moves_requests_and_tasks_forward(org, task_types, webinar, tokyo):
    mona = org["mona"]
    board_apply(board_plan(jira.read(jira_bytes()), source="jira", by=mona, unit=tokyo, campaign_type=webinar), by=mona)
    newer = (
        jira_bytes()
        .decode()
        .replace(
            "メール作成,MKT-3,10003,Task,In Review,MKT,Marketing Requests,Medium,,",
            "メール作成,MKT-3,10003,Task,Done,MKT,Marketing Requests,Medium,Done,",
        )
    )
    newer = newer.replace("10/Nov/26 4:00 PM,,30/Oct/26", "10/Nov/26 4:00 PM,12/Nov/26 4:00 PM,30/Oct/26")
    newer = newer.replace(",10001,秋のウェビナー: 生成AI活用,In Progress", ",10001,秋のウェビナー: 生成AI活用,Done")
    result = board_apply(
        board_plan(jira.read(newer.encode()), source="jira", by=mona, unit=tokyo, campaign_type=webinar), by=mona
    )
    assert result.counts["updated"] == 1 and result.counts["created"] == 0
    mail = Task.objects.get(external_key="MKT-3")
    assert mail.state == "done"
    assert mail.completed_at.date() == dt.date(2026, 11, 12)


def test_asana_export_comes_in(org, task_types, webinar, tokyo):
    mona = org["mona"]
    plan = board_plan(asana.read(asana_bytes()), source="asana", by=mona, unit=tokyo, campaign_type=webinar)
    assert plan.ok, [(r.key, r.messages) for r in plan.errors]
    assert [(r.kind, r.state) for r in plan.rows] == [
        ("request", "launched"),
        ("task", "done"),
        ("task", "todo"),
        ("request", "in_production"),
    ]
    board_apply(plan, by=mona)
    paper = ExternalRef.objects.get(system="asana", key="1205000000000001")
    assert paper.url == "https://app.asana.com/0/0/1205000000000001"
    assert paper.request.state == "launched"
    draft, design = (
        Task.objects.get(external_source="asana", external_key=k) for k in ("1205000000000002", "1205000000000003")
    )
    assert draft.assignee == org["sam"] and design.assignee == org["mona"]  # matched by email
    assert TaskDependency.objects.filter(task=design, predecessor=draft).exists()
    again = board_apply(
        board_plan(asana.read(asana_bytes()), source="asana", by=mona, unit=tokyo, campaign_type=webinar), by=mona
    )
    assert again.counts["created"] == 0
    assert CampaignRequest.objects.count() == 2


def test_mapping_file_overrides_statuses_people_and_types(org, task_types, webinar, tokyo):
    mapping = Mapping.load(
        b'{"request_states": {"done": "closed"}, "people": {"Taro Yamada": "sam", "712020:aaaa-alice": "alice"},'
        b' "task_types": {"email": "qa"}}'
    )
    mona = org["mona"]
    plan = board_plan(
        jira.read(jira_bytes(), mapping), source="jira", by=mona, unit=tokyo, campaign_type=webinar, mapping=mapping
    )
    board_apply(plan, by=mona)
    assert ExternalRef.objects.get(key="MKT-1").request.state == "closed"
    mail = Task.objects.get(external_key="MKT-3")
    assert mail.assignee == org["sam"] and mail.task_type.slug == "qa"
    assert TaskComment.objects.filter(author=org["alice"]).count() == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Name,Section/Column\nx,y\n", "not a Jira CSV export"),
        (b"", "empty"),
        (b"\xff\xfe\x00\x00\x81", "encoding"),
    ],
)
def test_a_file_that_is_not_a_jira_export_is_refused_clearly(content, message, org):
    with pytest.raises(ExportError, match=message):
        jira.read(content)


def test_shift_jis_and_bom_exports_are_read(org, task_types, webinar, tokyo):
    text = jira_bytes().decode()
    assert [i.title for i in jira.read(text.encode("cp932"))][0] == "秋のウェビナー: 生成AI活用"
    assert [i.key for i in jira.read("\ufeff".encode() + text.encode())][0] == "MKT-1"


def test_bad_rows_stop_the_import_unless_the_valid_part_is_chosen(org, task_types, webinar, tokyo):
    mona = org["mona"]
    text = jira_bytes().decode()
    text = text.replace("25/Nov/26 11:00 AM,25/Nov/26", "2026-13-45,25/Nov/26")  # MKT-4: a date in the wrong format
    text += (
        "重複,MKT-2,10099,Task,Done,MKT,Marketing Requests,Medium,Done,,,Alice,,"
        "02/Oct/26 9:15 AM,,,,lp,,,,,,,10001,,Done\n"
    )
    plan = board_plan(jira.read(text.encode()), source="jira", by=mona, unit=tokyo, campaign_type=webinar)
    errors = {r.key: " ".join(r.messages) for r in plan.errors}
    assert "is not a date" in errors["MKT-4"]
    assert "Duplicate of line 3" in errors["MKT-2"]
    with pytest.raises(ValidationError):
        board_apply(plan, by=mona)
    assert CampaignRequest.objects.count() == 0 and Task.objects.count() == 0
    result = board_apply(plan, by=mona, valid_only=True)
    assert CampaignRequest.objects.count() == 1 and result.counts["skipped"] == 2


def test_missing_unit_or_type_is_reported_not_guessed(org, task_types):
    plan = board_plan(asana.read(asana_bytes()), source="asana", by=org["mona"])
    messages = " ".join(m for r in plan.errors for m in r.messages)
    assert "No business unit" in messages and "No campaign type" in messages
    assert all(r.action == "error" for r in plan.rows)  # the tasks of a bad campaign cannot come in


@pytest.mark.parametrize("who", ["alice", "charlie", "sam"])
def test_only_mops_and_admins_import(who, org, task_types, webinar, tokyo):
    plan = board_plan(jira.read(jira_bytes()), source="jira", by=org[who], unit=tokyo, campaign_type=webinar)
    with pytest.raises(PermissionDenied):
        board_apply(plan, by=org[who])
    assert CampaignRequest.objects.count() == 0


def test_admin_imports(org, task_types, webinar, tokyo):
    plan = board_plan(jira.read(jira_bytes()), source="jira", by=org["root"], unit=tokyo, campaign_type=webinar)
    assert board_apply(plan, by=org["root"]).counts["created"] == 5


def test_a_newer_export_updates_titles_and_assignees_of_tasks(org, task_types, webinar, tokyo):
    mona = org["mona"]
    board_apply(board_plan(jira.read(jira_bytes()), source="jira", by=mona, unit=tokyo, campaign_type=webinar), by=mona)
    newer = (
        jira_bytes()
        .decode()
        .replace(
            "メール作成,MKT-3,10003,Task,In Review,MKT,Marketing Requests,Medium,,Taro Yamada,",
            "メール作成(3通),MKT-3,10003,Task,In Review,MKT,Marketing Requests,Medium,,sam,",
        )
    )
    plan = board_plan(jira.read(newer.encode()), source="jira", by=mona, unit=tokyo, campaign_type=webinar)
    result = board_apply(plan, by=mona)
    assert result.counts["updated"] == 1 and result.counts["unchanged"] == 4
    mail = Task.objects.get(external_key="MKT-3")
    assert (mail.title, mail.assignee, mail.state) == ("メール作成(3通)", org["sam"], "in_review")
    event = TaskEvent.objects.filter(task=mail).last()
    assert event.action == "import_update" and event.data["changed"] == ["title", "assignee"]
