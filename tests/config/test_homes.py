"""Role homes: each role lands on "what do I do next", sees only what its lists would show,
and each home costs the same number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import State
from config import homes
from tasks import services as task_services
from tasks.models import SlaState, Task, TaskType, WorkRole
from tests.conftest import make_user

# who -> the homes they may open (the first is where "/" lands)
HOMES = {
    "alice": ["requester"],
    "charlie": ["approver", "leadership"],
    "mona": ["mops", "specialist", "leadership"],
    "sam": ["specialist"],
    "root": ["mops", "leadership"],
}


@pytest.fixture
def task_type(db):
    role = WorkRole.objects.create(slug="ops", name="運用", hourly_rate=Decimal(8000))
    return TaskType.objects.create(slug="plan", name="企画書", role=role, default_estimated_hours=Decimal(4))


def _task(campaign, task_type, n, **fields) -> Task:
    return Task.objects.create(
        number=900 + n, key=f"MOPS-{900 + n}", campaign=campaign, task_type=task_type, title=f"作業{n}", **fields
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(HOMES))
def test_each_role_opens_its_homes_and_no_other(client, org, who):
    client.force_login(org[who])
    landing = client.get(reverse("home"))
    assert landing.status_code == 200
    assert landing.context["role"] == HOMES[who][0]
    for home in homes.BUILDERS:
        status = client.get(reverse("role-home", args=[home])).status_code
        assert status == (200 if home in HOMES[who] else 403), (who, home)


@pytest.mark.django_db
def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_requester_home_groups_my_requests_by_next_action(client, org, make_request):
    alice, bob, charlie = org["alice"], org["bob"], org["charlie"]
    make_request(alice, name="差し戻し案件", actions=["submit", "request_changes"], actors={"request_changes": charlie})
    make_request(bob, name="他人の案件", actions=["submit"])
    client.force_login(alice)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    sections = {s.key: s for s in response.context["sections"]}
    assert sections["changes"].count == 1
    assert [r.title for r in sections["changes"].rows] == ["差し戻し案件"]
    assert sections["changes"].see_all == reverse("campaigns:list") + "?state=changes_requested"
    html = response.content.decode()
    assert "Changes asked" in html and "他人の案件" not in html


@pytest.mark.django_db
def test_approver_inbox_shows_wait_budget_roi_and_step(client, org, make_request):
    alice, charlie = org["alice"], org["charlie"]
    submitted = timezone.now() - dt.timedelta(days=3)
    with time_machine.travel(submitted, tick=False):
        make_request(alice, name="承認待ち", budget=Decimal("1234567"), expected_roi=Decimal("150"), actions=["submit"])
    client.force_login(charlie)
    response = client.get(reverse("role-home", args=["approver"]), HTTP_ACCEPT_LANGUAGE="en")
    inbox = next(s for s in response.context["sections"] if s.key == "inbox")
    assert inbox.count == 1
    meta = " · ".join(inbox.rows[0].meta)
    assert "Waiting 3\xa0days" in meta
    assert "¥1,234,567" in meta
    assert "Expected ROI 150.0%" in meta
    assert "step 1 of 1" in meta


@pytest.mark.django_db
def test_mops_triage_counts_live_sla_states(client, org, make_request, task_type):
    alice, mona = org["alice"], org["mona"]
    campaign = make_request(alice, actions=["submit", "approve"], actors={"approve": org["charlie"]})
    now = timezone.now()
    _task(campaign, task_type, 1)  # unassigned, clock not started
    _task(
        campaign,
        task_type,
        2,
        assignee=mona,
        sla_start_at=now - dt.timedelta(days=2),
        due_at=now - dt.timedelta(hours=1),
    )
    _task(
        campaign,
        task_type,
        3,
        assignee=mona,
        sla_start_at=now - dt.timedelta(days=2),
        at_risk_at=now - dt.timedelta(hours=1),
        due_at=now + dt.timedelta(hours=5),
    )
    paused = _task(campaign, task_type, 4, assignee=mona, sla_start_at=now - dt.timedelta(days=1))
    task_services.task_start(task_id=paused.pk, by=mona)
    task_services.task_pause(task_id=paused.pk, by=mona, comment="素材待ち")
    client.force_login(mona)
    sections = {s.key: s for s in client.get(reverse("role-home", args=["mops"])).context["sections"]}
    assert sections["unassigned"].count == 1
    assert sections["breached"].count == 1 and sections["breached"].rows[0].title.startswith("MOPS-902")
    assert sections["at_risk"].count == 1 and sections["at_risk"].rows[0].badge_class == "state-at_risk"
    assert sections["blocked"].count == 1 and any("素材待ち" in m for m in sections["blocked"].rows[0].meta)
    # the board's "see all" filter agrees with the home's count (live, not the last sweep)
    board = client.get(sections["breached"].see_all)
    assert [t.key for c in board.context["columns"] for t in c[2]] == ["MOPS-902"]
    # and with the model's own rule
    for task in Task.objects.all():
        live = task.sla_state_at(now)
        in_breached = task.key in [r.title.split()[0] for r in sections["breached"].rows]
        assert (live == SlaState.BREACHED) == in_breached


@pytest.mark.django_db
def test_specialist_sees_own_tasks_and_what_blocks_them(client, org, make_request, task_type):
    alice, sam, mona = org["alice"], org["sam"], org["mona"]
    campaign = make_request(alice, actions=["submit"])
    first = _task(campaign, task_type, 1, assignee=mona)
    second = _task(campaign, task_type, 2, assignee=sam, due_at=timezone.now() + dt.timedelta(days=2))
    second.depends_on.add(first)
    _task(campaign, task_type, 3, assignee=mona)
    client.force_login(sam)
    sections = {s.key: s for s in client.get(reverse("home")).context["sections"]}
    assert [r.title for r in sections["due"].rows] == ["MOPS-902 作業2"]
    assert sections["blocked"].count == 1
    assert "MOPS-901" in " ".join(sections["blocked"].rows[0].meta)


@pytest.mark.django_db
def test_leadership_tiles_link_to_kpis_and_format_yen(client, org, make_request):
    make_request(
        org["alice"], budget=Decimal("2500000"), actions=["submit", "approve"], actors={"approve": org["charlie"]}
    )
    client.force_login(org["mona"])
    response = client.get(reverse("role-home", args=["leadership"]), HTTP_ACCEPT_LANGUAGE="en")
    tiles = {t.label: t for t in response.context["tiles"]}
    assert tiles["Budget in flight"].value == "¥2,500,000"
    assert all(t.href == reverse("kpis:dashboard") for t in tiles.values())


def _grow(org, make_request, task_type, n: int, offset: int) -> None:
    alice, charlie, mona = org["alice"], org["charlie"], org["mona"]
    now = timezone.now()
    for i in range(n):
        req = make_request(alice, name=f"案件{offset + i}", actions=["submit"])
        make_request(
            alice, name=f"差戻{offset + i}", actions=["submit", "request_changes"], actors={"request_changes": charlie}
        )
        _task(req, task_type, offset + i, due_at=now + dt.timedelta(days=1), estimated_hours=Decimal(2))
        _task(req, task_type, offset + i + 50, assignee=mona, sla_start_at=now - dt.timedelta(days=1), due_at=now)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "charlie", "mona", "sam"])
def test_home_query_count_does_not_grow_with_data(client, org, make_request, task_type, who):
    client.force_login(org[who])
    counts = []
    # 12 then 24 open requests: above the requester home's feasibility check of the next
    # ten launches (a fixed bound), so any per-row query would show as a difference.
    for n, offset in [(6, 0), (6, 100)]:
        _grow(org, make_request, task_type, n, offset)
        for home in HOMES[who]:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("role-home", args=[home])).status_code == 200
            counts.append((home, len(ctx.captured_queries)))
    half = len(counts) // 2
    assert counts[:half] == counts[half:], counts


@pytest.mark.django_db
@pytest.mark.parametrize("language, heading", [("ja", "次にやること"), ("en", "What to do next")])
def test_home_speaks_one_language(client, org, language, heading):
    client.force_login(org["mona"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert heading in html
    assert ("Unassigned" in html) == (language == "en")


def test_yen_has_separators():
    assert homes.yen(Decimal("800000")) == "¥800,000"
    assert homes.yen(None) == "¥0"


@pytest.mark.django_db
def test_a_user_without_a_role_lands_on_the_request_list(client, tokyo):
    nobody = make_user("nobody", None, tokyo)
    client.force_login(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:list")
    assert State.SUBMITTED  # the list is the fallback, not an error


@pytest.mark.django_db
def test_week_load_counts_the_local_week_from_monday_midnight_to_sunday_night(client, org, make_request, task_type):
    """The week is a range of instants in the site's time zone (Asia/Tokyo), Monday 00:00 to the
    next Monday 00:00: the same tasks as each deadline's local date, read as an index range."""
    tokyo = timezone.get_default_timezone()
    campaign = make_request(org["alice"], actions=["submit", "approve"], actors={"approve": org["charlie"]})
    monday = dt.datetime(2026, 6, 1, tzinfo=tokyo)
    due = {
        "sunday before": monday - dt.timedelta(seconds=1),
        "monday 00:00": monday,
        "sunday 23:59": monday + dt.timedelta(days=7, seconds=-1),
        "next monday": monday + dt.timedelta(days=7),
    }
    for n, at in enumerate(due.values()):
        _task(campaign, task_type, n, assignee=org["mona"], due_at=at, estimated_hours=Decimal(3))
    with time_machine.travel(dt.datetime(2026, 6, 3, 12, tzinfo=tokyo), tick=False):
        week = homes._week_load(org["mona"], now=timezone.now())
    assert week.count == 2
    assert week.rows[0].meta == ["2 件 · 6.0 時間"]  # Monday 00:00 and Sunday 23:59:59 only


@pytest.mark.django_db
def test_a_section_counts_up_to_its_cap_and_says_so(client, org, make_request, task_type):
    campaign = make_request(org["alice"], actions=["submit", "approve"], actors={"approve": org["charlie"]})
    Task.objects.bulk_create(
        Task(number=2000 + n, key=f"CAP-{n}", campaign=campaign, task_type=task_type, title="作業")
        for n in range(homes.COUNT_CAP + 2)
    )
    client.force_login(org["mona"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("role-home", args=["mops"]), HTTP_ACCEPT_LANGUAGE="en")
    unassigned = {s.key: s for s in page.context["sections"]}["unassigned"]
    assert unassigned.count == homes.COUNT_CAP + 1 and unassigned.count_label == "99+"
    assert len(unassigned.rows) == homes.ROWS
    assert b'data-count="100">99+</span>' in page.content
    assert any("LIMIT 100" in q["sql"] for q in queries.captured_queries)  # counted no further
