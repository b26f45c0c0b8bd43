"""The board's drag and drop in a real browser: a move runs, a refused move snaps back and says why.

One page load per case. Skipped (with the reason printed) where Chromium is missing, like
tests/e2e/test_journey.py.
"""

from __future__ import annotations

import pytest

from tasks import services
from tests.conftest import PASSWORD
from tests.tasks.conftest import approved, generated, people, task_types, template, work_roles  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def board_tasks(generated, org):  # noqa: F811 (the fixture imported above)
    req, tasks = generated
    for key in ("plan", "design", "lp"):
        services.task_assign(task_id=tasks[key].pk, assignee=org["sam"], by=org["mona"])
    return tasks


def login_and_open_board(page, base: str, username: str) -> None:
    page.goto(base + "/login/?next=/tasks/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/tasks/"))
    page.wait_for_function("() => window.Sortable !== undefined")


def drag(page, card_selector: str, column_state: str) -> None:
    page.drag_and_drop(card_selector, f".cards[data-state='{column_state}']")


def test_drag_to_the_next_column_starts_the_task(page, live_server, board_tasks, org):
    plan = board_tasks["plan"]
    login_and_open_board(page, live_server.url, "sam")
    drag(page, f"[data-task='{plan.pk}'] a", "in_progress")
    page.wait_for_selector(f".cards[data-state='in_progress'] [data-task='{plan.pk}']")
    page.wait_for_function("() => document.getElementById('board-status').textContent.length > 0")
    assert not page.locator("#board-status.error").count()
    plan.refresh_from_db()
    assert plan.state == "in_progress"


def test_a_refused_drag_snaps_back_and_says_why(page, live_server, board_tasks, org):
    lp, plan = board_tasks["lp"], board_tasks["plan"]
    login_and_open_board(page, live_server.url, "sam")
    drag(page, f"[data-task='{lp.pk}'] a", "in_progress")
    page.wait_for_selector("#board-status.error")
    # back in its column, with the server's reason (the open predecessors) on screen
    assert page.locator(f".cards[data-state='todo'] [data-task='{lp.pk}']").count() == 1
    assert page.locator(f".cards[data-state='in_progress'] [data-task='{lp.pk}']").count() == 0
    assert plan.key in page.locator("#board-status").inner_text()
    lp.refresh_from_db()
    assert lp.state == "todo"
