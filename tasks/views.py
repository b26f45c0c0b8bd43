"""Task pages: board, my tasks, task detail, campaign tasks, workload (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import selectors as campaign_selectors
from campaigns.discussion_views import comment_delete_response, comment_edit_response
from campaigns.forms import add_errors
from campaigns.services import Conflict, reschedule_refusal
from campaigns.uploads import download_response
from governance import policy

from . import capacity, selectors, services, timeline
from .assignment import suggest_for
from .board import move_targets, task_board_move
from .deliverables import deliverable_input
from .forms import (
    ActionForm,
    AddTaskForm,
    AssignForm,
    CapacityForm,
    CommentForm,
    DueSetForm,
    MoveForm,
    PortfolioForm,
    RescheduleForm,
    TaskFilter,
)
from .generation import tasks_generate
from .lists import board_columns, my_task_lists
from .models import TaskState
from .reschedule import campaign_reschedule, reschedule_preview
from .workload import balance, balance_history, campaign_labour_cost, history_svg, workload_rows

ACTION_LABELS = {
    "start": _("Start"),
    "pause": _("Pause (waiting)"),
    "resume": _("Resume"),
    "submit_review": _("Submit for review"),
    "complete": _("Complete"),
    "return_review": _("Return with comments"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel"),
}
# Per board column (tasks.lists.board_columns).
BOARD_LIMIT = 50


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _back(request: HttpRequest, task) -> HttpResponse:
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect("tasks:detail", pk=task.pk)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The MOps board: tasks by state, filtered by campaign, assignee, type and due date.

    Everyone sees the tasks they may see (requesters: their campaigns' tasks, read-only)."""
    qs = selectors.task_list_for(request.user)
    filterset = TaskFilter(request.GET, queryset=qs, request=request)
    # Positive, bounded column queries (tasks.lists): flat whatever the number of tasks.
    states = filterset.form.cleaned_data.get("state") or [] if filterset.is_valid() else []
    cols, truncated = board_columns(filterset.qs, states=states, now=timezone.now(), limit=BOARD_LIMIT)
    columns = [(state, TaskState(state).label, tasks) for state, tasks in cols]
    for _state, tasks in cols:
        for t in tasks:  # what each card shows and offers (prefetched data: no query per card)
            t.blocked = selectors.blocked_by(t)
            t.move_targets = [
                (s, TaskState(s).label) for s in move_targets(t, services.allowed_actions(t, request.user))
            ]
    return render(
        request,
        "tasks/board.html",
        {
            "filter": filterset,
            "columns": columns,
            "now": timezone.now(),
            "truncated": truncated,
            "column_limit": BOARD_LIMIT,
        },
    )


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Open work (bounded) and the last completed tasks; older ones through the board's done filter."""
    lists = my_task_lists(selectors.task_mine(request.user))
    return render(request, "tasks/mine.html", {**lists, "now": timezone.now()})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    review = bool(task.task_type.review_by)
    labels = {**ACTION_LABELS, "complete": _("Approve")} if review else ACTION_LABELS
    actions = [(a, labels[a]) for a in services.allowed_actions(task, request.user) if a != "assign"]
    ctx = {
        "task": task,
        "actions": actions,
        "review": review,
        "deliverables": list(task.deliverables.all()),
        "blocked_by": selectors.blocked_by(task),
        "may_start": selectors.who_may_start(task),
        "timeline": selectors.timeline(task),
        "now": timezone.now(),
        "form": ActionForm(initial={"expected_state": task.state}),
        "comment_form": CommentForm(),
        "can_comment": services.may_comment(request.user, task),
        "is_ops": policy.is_ops(request.user),
    }
    if policy.is_ops(request.user) and task.state in (
        TaskState.TODO,
        TaskState.IN_PROGRESS,
        TaskState.WAITING,
        TaskState.IN_REVIEW,
    ):
        ctx["assign_form"] = AssignForm(initial={"assignee": task.assignee_id}, task=task)
        if task.sla_start_at is not None:
            ctx["due_form"] = DueSetForm()
        if task.assignee_id is None:
            ctx["suggestion"] = suggest_for([task]).get(task.pk)
    return render(request, "tasks/detail.html", ctx)


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    if action not in ACTION_LABELS:
        raise PermissionDenied
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for e in form.errors.values()))
        return redirect("tasks:detail", pk=task.pk)
    try:
        deliverable = None
        if action == "submit_review":
            deliverable = deliverable_input(
                file=form.cleaned_data["file"], url=form.cleaned_data["link"], note=form.cleaned_data["comment"]
            )
        services.task_transition(
            task_id=task.pk,
            action=action,
            by=request.user,
            comment=form.cleaned_data["comment"],
            actual_hours=form.cleaned_data["actual_hours"],
            expected_state=form.cleaned_data["expected_state"] or None,
            deliverable=deliverable,
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) or _("Not allowed."))
    else:
        messages.success(request, _("%(key)s: “%(action)s” done.") % {"key": task.key, "action": ACTION_LABELS[action]})
    return _back(request, task)


@login_required
@require_POST
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's "move to" menu without script: run the move, back to the board.

    A move that needs a reason, hours or a deliverable sends the user to the task page, where
    the action's form asks for them (with script, the board's dialog asks instead)."""
    task = selectors.task_get_for(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for e in form.errors.values()))
        return redirect("tasks:board")
    try:
        task_board_move(
            task_id=task.pk,
            to_state=form.cleaned_data["to_state"],
            by=request.user,
            comment=form.cleaned_data["comment"],
            actual_hours=form.cleaned_data["actual_hours"],
            expected_state=form.cleaned_data["expected_state"] or None,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("tasks:detail", pk=task.pk)
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) or _("Not allowed."))
    else:
        messages.success(
            request,
            _("%(key)s moved to %(state)s.")
            % {"key": task.key, "state": TaskState(form.cleaned_data["to_state"]).label},
        )
    return _back(request, task)


@login_required
def deliverable_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A deliverable file, for whoever may see its task, with the knowledge base's safe headers."""
    row = selectors.deliverable_get_for(request.user, pk)
    if not row.file:
        raise Http404
    return download_response(
        row.file.open("rb"), content_type=row.content_type, filename=row.original_name, inline=row.is_image
    )


@login_required
@require_POST
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    form = AssignForm(request.POST, task_type=task.task_type)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for e in form.errors.values()))
    else:
        try:
            services.task_assign(task_id=task.pk, assignee=form.cleaned_data["assignee"], by=request.user)
        except (ValidationError, Conflict, PermissionDenied) as exc:
            messages.error(request, _error_text(exc) or _("Not allowed."))
        else:
            messages.success(request, _("%(key)s: assignee updated.") % {"key": task.key})
    return _back(request, task)


@login_required
@require_POST
def task_comment(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.task_comment_add(task_id=task.pk, body=form.cleaned_data["body"], by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc) or _("You may not comment."))
        else:
            # Like a request comment: say it was posted and land on it.
            messages.success(request, _("Comment posted."))
            return redirect(reverse("tasks:detail", args=[task.pk]) + f"#task-comment-{comment.pk}")
    else:
        messages.error(request, "; ".join(str(e) for e in form.errors.values()))
    return redirect("tasks:detail", pk=task.pk)


@login_required
@require_POST
def task_due_set(request: HttpRequest, pk: int) -> HttpResponse:
    """MOps moves the task's due date to a working day, with a reason (the bulk bar does the same)."""
    task = selectors.task_visible_or_404(request.user, pk)
    form = DueSetForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("tasks:detail", pk=task.pk)
    try:
        services.task_due_set(
            task_id=task.pk, due_at=form.cleaned_data["due_date"], reason=form.cleaned_data["reason"], by=request.user
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) or _("Not allowed."))
    else:
        messages.success(request, _("%(key)s: due date moved.") % {"key": task.key})
    return redirect("tasks:detail", pk=task.pk)


@login_required
@require_http_methods(["GET", "POST"])
def task_comment_edit(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """The author edits their task comment (the request page's edit flow, with the task services)."""
    task = selectors.task_visible_or_404(request.user, pk)
    comment = selectors.task_comment_get_for(request.user, task.pk, comment_id)
    return comment_edit_response(
        request,
        comment=comment,
        back=reverse("tasks:detail", args=[task.pk]) + f"#task-comment-{comment.pk}",
        title=f"{task.key} {task.title}",
        mention_url=reverse("api-task-mentionable", args=[task.pk]),
        save=lambda body: services.task_comment_edit(
            task_id=task.pk, comment_id=comment.pk, body=body, by=request.user
        ),
    )


@login_required
@require_POST
def task_comment_delete(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """The author, MOps or an admin deletes a task comment; a tombstone stays in the timeline."""
    task = selectors.task_visible_or_404(request.user, pk)
    return comment_delete_response(
        request,
        back=reverse("tasks:detail", args=[task.pk]),
        delete=lambda: services.task_comment_delete(task_id=task.pk, comment_id=comment_id, by=request.user),
    )


@login_required
@require_POST
def task_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    task = selectors.task_get_for(request.user, pk)
    try:
        services.task_move(task_id=task.pk, direction=-1 if direction == "up" else 1, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("tasks:campaign", campaign_id=task.campaign_id)


@login_required
def campaign_tasks(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A campaign's tasks; MOps add, drop and reorder them here."""
    campaign = selectors.campaign_for(request.user, campaign_id)
    is_ops = policy.is_ops(request.user)
    form = AddTaskForm(request.POST or None, campaign_id=campaign.pk)
    if request.method == "POST":
        if not is_ops:
            raise PermissionDenied
        if form.is_valid():
            try:
                task = services.task_add(
                    campaign_id=campaign.pk,
                    task_type=form.cleaned_data["task_type"],
                    title=form.cleaned_data["title"],
                    estimated_hours=form.cleaned_data["estimated_hours"],
                    depends_on=[t.pk for t in form.cleaned_data["depends_on"]],
                    by=request.user,
                )
            except (ValidationError, Conflict, PermissionDenied) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("%(key)s added.") % {"key": task.key})
                return redirect("tasks:campaign", campaign_id=campaign.pk)
    tasks = selectors.campaign_tasks_for(request.user, campaign.pk)
    return render(
        request,
        "tasks/campaign.html",
        {
            "campaign": campaign,
            "tasks": tasks,
            "form": form,
            "is_ops": is_ops,
            "cost": campaign_labour_cost(campaign.pk) if policy.can_see_labour_cost(request.user) else None,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def generate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_selectors.request_get_for(request.user, campaign_id, with_events=False)
    try:
        tasks = tasks_generate(request_id=campaign.pk, by=request.user)
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc) or _("Cannot generate."))
    else:
        messages.success(request, _("%(n)s tasks generated.") % {"n": len(tasks)})
    return redirect("tasks:campaign", campaign_id=campaign.pk)


@login_required
def workload(request: HttpRequest) -> HttpResponse:
    if not policy.is_ops(request.user):
        raise PermissionDenied(_("Only MOps see the team's workload."))
    now = timezone.now()
    rows = workload_rows(now=now)
    history = balance_history(rows=rows, weeks=12, now=now, wait=False)  # None: being computed by a job
    return render(
        request,
        "tasks/workload.html",
        {
            "rows": rows,
            "balance": balance(rows),
            "history": history,
            "chart": mark_safe(history_svg(history or [])),
        },
    )


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """The portfolio timeline: one row per visible campaign of a period (default: this quarter and the next)."""
    now = timezone.now()
    form = PortfolioForm(request.GET, today=timezone.localdate(now))
    data = chart = None
    if form.is_valid():
        c = form.cleaned_data
        page = selectors.portfolio_for(
            request.user,
            first=c["from_"],
            last=c["to"],
            unit=c["unit"],
            campaign_type=c["campaign_type"],
            state=c["state"],
            page=c["page"],
        )
        data = timeline.portfolio(page, first=c["from_"], last=c["to"], now=now)
        movable = frozenset(x.pk for x in page["campaigns"] if reschedule_refusal(x, request.user) is None)
        chart = (
            timeline.portfolio_layout(data, zoom=c["zoom"] or None, draggable=movable) if data["campaigns"] else None
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "tasks/portfolio.html", {"form": form, "data": data, "chart": chart, "query": query.urlencode()}
    )


@login_required
def capacity_forecast(request: HttpRequest) -> HttpResponse:
    """Demand against capacity for the next weeks, per role and per person (MOps, Admins, approvers)."""
    if not capacity.may_see_capacity(request.user):
        raise PermissionDenied
    form = CapacityForm(request.GET)
    data = None
    if form.is_valid():
        data = capacity.team_forecast(weeks=form.cleaned_data["weeks"], now=timezone.now())
    return render(request, "tasks/capacity.html", {"form": form, "data": data})


@login_required
def reschedule(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Move a campaign's dates: a preview (GET with dates, or the drag on a timeline), then save (POST).

    Works without script; the timelines' drag only fills in the dates of this page.
    """
    campaign = campaign_selectors.request_get_for(request.user, campaign_id, with_events=False)
    is_party = policy.is_ops(request.user) or campaign.requester_id == request.user.pk
    if not is_party:
        raise PermissionDenied
    refusal = reschedule_refusal(campaign, request.user)
    source = request.POST if request.method == "POST" else request.GET
    initial = {"launch_date": campaign.launch_date, "end_date": campaign.end_date}
    form = RescheduleForm(source if "launch_date" in source else None, initial=initial)
    preview = None
    if form.is_bound and form.is_valid():
        c = dict(form.cleaned_data)  # add_error() below drops fields from form.cleaned_data
        if request.method == "POST" and not c["dry_run"]:
            try:
                campaign_reschedule(
                    campaign_id=campaign.pk,
                    launch_date=c["launch_date"],
                    end_date=c["end_date"],
                    by=request.user,
                    comment=c["comment"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except (Conflict, PermissionDenied) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("Rescheduled."))
                return redirect("campaigns:detail", pk=campaign.pk)
        preview = reschedule_preview(
            campaign=campaign, launch_date=c["launch_date"], end_date=c["end_date"], user=request.user
        )
        for field, message in preview["errors"].items():
            if field != "__all__" and field not in form.errors:
                form.add_error(field, message)
    return render(
        request,
        "tasks/reschedule.html",
        {"campaign": campaign, "form": form, "preview": preview, "refusal": refusal},
    )
