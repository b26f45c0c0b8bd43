"""Why a task is blocked (page, board card, API) and the board's move endpoint (API and page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from tasks import services
from tasks.models import Task, TaskEvent, TaskState
from tests.conftest import api_as, make_user


@pytest.fixture
def board(generated, org):
    """plan (sam, unblocked) and design (mona) are predecessors of lp (sam, blocked)."""
    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=org["sam"], by=org["mona"])
    services.task_assign(task_id=tasks["design"].pk, assignee=org["sam"], by=org["mona"])
    services.task_assign(task_id=tasks["lp"].pk, assignee=org["sam"], by=org["mona"])
    return {k: Task.objects.get(pk=t.pk) for k, t in tasks.items()}


def state_of(task) -> str:
    return Task.objects.values_list("state", flat=True).get(pk=task.pk)


# --- blocked by -----------------------------------------------------------------------------


def test_api_says_what_blocks_a_task_and_who_may_start_it(board, org):
    body = api_as(org["sam"]).get(f"/api/tasks/{board['lp'].pk}/").json()
    blockers = {b["key"]: b for b in body["blocked_by"]}
    assert set(blockers) == {board["plan"].key, board["design"].key}
    plan = blockers[board["plan"].key]
    assert plan["title"] == board["plan"].title
    assert plan["assignee"] == "sam"
    assert plan["due_at"] is not None
    assert plan["url"] == f"/tasks/{board['plan'].pk}/"
    assert body["may_start"] == {"assignee": "sam", "mops": True}
    # an unblocked task has nothing in the list
    assert api_as(org["sam"]).get(f"/api/tasks/{board['plan'].pk}/").json()["blocked_by"] == []


def test_blocked_by_empties_as_predecessors_finish(board, org):
    sam = org["sam"]
    for key in ("plan", "design"):
        for action in ("start", "submit_review", "complete"):
            services.task_transition(task_id=board[key].pk, action=action, by=sam, actual_hours=1)
    assert api_as(sam).get(f"/api/tasks/{board['lp'].pk}/").json()["blocked_by"] == []


def test_task_page_explains_the_block_instead_of_an_empty_button_area(board, org, client):
    client.force_login(org["sam"])
    page = client.get(f"/tasks/{board['lp'].pk}/").content.decode()
    assert "待ち" in page or "Blocked" in page
    for key in ("plan", "design"):
        assert f'href="/tasks/{board[key].pk}/"' in page
        assert board[key].title in page
    # "start" is not offered while blocked; the explanation names who may start it later
    assert f"/tasks/{board['lp'].pk}/start/" not in page
    assert "MOps" in page


def test_unassigned_blocked_task_says_mops_assign_it_first(board, org, client):
    services.task_assign(task_id=board["lp"].pk, assignee=None, by=org["mona"])
    body = api_as(org["mona"]).get(f"/api/tasks/{board['lp'].pk}/").json()
    assert body["may_start"] == {"assignee": None, "mops": True}
    client.force_login(org["mona"])
    page = client.get(f"/tasks/{board['lp'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "blockers" in page


def test_board_card_shows_its_blockers(board, org, client):
    client.force_login(org["mona"])
    page = client.get("/tasks/").content.decode()
    start = page.index(f'data-task="{board["lp"].pk}"')
    card = page[start : page.index("</form>", start)]
    assert "blocked-note" in card
    assert board["plan"].key in card and board["design"].key in card


def test_board_query_count_is_constant_with_blocked_cards(board, org, client, approved, mona):
    from tasks.generation import tasks_generate

    client.force_login(org["mona"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tasks/").status_code == 200
        return len(ctx)

    small = count()
    for _ in range(2):
        req = approved()
        for t in tasks_generate(request_id=req.pk, by=mona):
            services.task_assign(task_id=t.pk, assignee=org["sam"], by=mona)
    assert count() == small


# --- board moves ------------------------------------------------------------------------------


def test_move_runs_the_transition_between_the_columns(board, org):
    r = api_as(org["sam"]).post(f"/api/tasks/{board['plan'].pk}/move/", {"to_state": "in_progress"}, format="json")
    assert r.status_code == 200
    assert r.json()["state"] == "in_progress"
    assert TaskEvent.objects.filter(task=board["plan"], action="start").exists()


def test_a_blocked_move_is_refused_with_the_reason_and_nothing_changes(board, org):
    before = TaskEvent.objects.count()
    r = api_as(org["sam"]).post(f"/api/tasks/{board['lp'].pk}/move/", {"to_state": "in_progress"}, format="json")
    assert r.status_code == 409
    assert board["plan"].key in r.json()["detail"]
    assert state_of(board["lp"]) == TaskState.TODO and TaskEvent.objects.count() == before


def test_a_move_without_a_transition_is_a_conflict(board, org):
    r = api_as(org["sam"]).post(f"/api/tasks/{board['plan'].pk}/move/", {"to_state": "done"}, format="json")
    assert r.status_code == 409 and r.json()["detail"]
    assert state_of(board["plan"]) == TaskState.TODO


@pytest.mark.parametrize(
    "who, status",
    [("sam", 200), ("mona", 200), ("root", 200), ("sue", 403), ("alice", 403), ("charlie", 403), ("bob", 404)],
)
def test_move_permission_matrix(board, org, tokyo, who, status):
    org["sue"] = make_user("sue", roles.SPECIALIST, tokyo)
    r = api_as(org[who]).post(f"/api/tasks/{board['plan'].pk}/move/", {"to_state": "in_progress"}, format="json")
    assert r.status_code == status, r.content
    assert state_of(board["plan"]) == (TaskState.IN_PROGRESS if status == 200 else TaskState.TODO)


def test_move_that_needs_a_reason_asks_for_it(board, org):
    sam = org["sam"]
    services.task_transition(task_id=board["plan"].pk, action="start", by=sam)
    url = f"/api/tasks/{board['plan'].pk}/move/"
    r = api_as(sam).post(url, {"to_state": "waiting"}, format="json")
    assert r.status_code == 400 and "comment" in r.json()
    r = api_as(sam).post(url, {"to_state": "waiting", "comment": "依頼者の回答待ち"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "waiting"


def test_stale_move_is_a_conflict(board, org):
    r = api_as(org["sam"]).post(
        f"/api/tasks/{board['plan'].pk}/move/", {"to_state": "waiting", "expected_state": "in_progress"}, format="json"
    )
    assert r.status_code == 409


def test_board_menu_lists_only_the_allowed_columns_and_works_without_script(board, org, client):
    client.force_login(org["sam"])
    page = client.get("/tasks/").content.decode()
    plan = page[page.index(f'data-task="{board["plan"].pk}"') :]
    plan = plan[: plan.index("</form>")]
    assert 'value="in_progress"' in plan and 'value="done"' not in plan
    lp = page[page.index(f'data-task="{board["lp"].pk}"') :]
    lp = lp[: lp.index('class="card taskcard', 10) if 'class="card taskcard' in lp[10:] else len(lp)]
    assert "move-form" not in lp  # blocked: nothing to move to, the blockers say why
    r = client.post(f"/tasks/{board['plan'].pk}/board-move/", {"to_state": "in_progress", "expected_state": "todo"})
    assert r.status_code == 302
    assert state_of(board["plan"]) == TaskState.IN_PROGRESS
    # a move that needs a reason sends the user to the task page, where the form asks for it
    r = client.post(f"/tasks/{board['plan'].pk}/board-move/", {"to_state": "waiting"})
    assert r.status_code == 302 and r["Location"] == f"/tasks/{board['plan'].pk}/"
    assert state_of(board["plan"]) == TaskState.IN_PROGRESS


def test_requester_sees_the_board_without_move_menus(board, org, client):
    client.force_login(org["alice"])
    page = client.get("/tasks/").content.decode()
    assert board["plan"].key in page
    assert "move-form" not in page
