"""The board's drag and drop (and its keyboard "move to" menu): a column change is a transition.

A move from one column to another maps to exactly one workflow action and runs through
``tasks.services.task_transition`` (same permission, state, predecessor and deliverable checks
as the task page and the API). Moves with no action between the two columns are refused (409).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from . import services
from .deliverables import DeliverableInput
from .models import Task, TaskState

# (from column, to column) -> action
MOVES: dict[tuple[str, str], str] = {
    (TaskState.TODO, TaskState.IN_PROGRESS): "start",
    (TaskState.IN_PROGRESS, TaskState.WAITING): "pause",
    (TaskState.WAITING, TaskState.IN_PROGRESS): "resume",
    (TaskState.IN_PROGRESS, TaskState.IN_REVIEW): "submit_review",
    (TaskState.IN_REVIEW, TaskState.DONE): "complete",
    (TaskState.IN_REVIEW, TaskState.IN_PROGRESS): "return_review",
    (TaskState.DONE, TaskState.IN_PROGRESS): "reopen",
}
# action -> the column it moves a card to (the keyboard menu lists the allowed ones)
ACTION_TARGETS: dict[str, str] = {action: to for (_from, to), action in MOVES.items()}


def move_action(task: Task, to_state: str) -> str:
    """The action that moves ``task`` to ``to_state``; TaskConflict (409) when there is none."""
    if to_state not in TaskState.values:
        raise services.TaskConflict(_("Unknown column: %(state)s") % {"state": to_state})
    action = MOVES.get((task.state, to_state))
    if action is None:
        raise services.TaskConflict(
            _("%(key)s cannot move from %(from)s to %(to)s.")
            % {"key": task.key, "from": TaskState(task.state).label, "to": TaskState(to_state).label}
        )
    return action


def move_targets(task: Task, allowed: list[str]) -> list[str]:
    """The columns ``task`` may move to for a user with ``allowed`` actions (``services.allowed_actions``)."""
    return [to for (frm, to), action in MOVES.items() if frm == task.state and action in allowed]


def task_board_move(
    *,
    task_id: int,
    to_state: str,
    by: Any,
    comment: str = "",
    actual_hours: Any = None,
    expected_state: str | None = None,
    deliverable: DeliverableInput | None = None,
) -> Task:
    """Move a task to another board column: the one transition between the two columns.

    The same errors as ``services.task_transition`` (PermissionDenied, TaskConflict,
    ValidationError); a move between columns without a transition is a TaskConflict.
    """
    task = Task.objects.only("id", "key", "state").get(pk=task_id)
    if expected_state and task.state != expected_state:
        raise services.TaskConflict(_("This task changed, reload."))
    action = move_action(task, to_state)
    return services.task_transition(
        task_id=task_id,
        action=action,
        by=by,
        comment=comment,
        actual_hours=actual_hours,
        expected_state=expected_state or task.state,
        deliverable=deliverable,
    )
