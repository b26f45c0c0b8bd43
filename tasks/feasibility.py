"""Launch feasibility: back-schedule a campaign type's task template from the launch date.

For a requested launch date the template's tasks (their SLA rules and dependencies, the
same rules generation uses) give:

- ``due`` of each task: the launch's due instant (closing of the last working day before the
  launch) for tasks nothing depends on, else the earliest latest-start of its successors;
- ``latest_start`` of each task (``sla.calendar.latest_start`` with its lead time);
- ``latest_approval_date``: the earliest of those latest starts (tasks are generated, and
  their clocks start, when the request is approved);
- ``feasible``: simulating generation from ``now`` (approval now; a task starts when its
  predecessors are due) meets every ``due``; otherwise ``earliest_feasible_launch_date``, the
  first date whose launch due instant is after every simulated finish.

Calendars are the policies' (or the standard one): nobody is assigned before approval.
Without a request (the form, ``/api/feasibility/``) every template entry counts, conditional
ones included (the worst case); with a request, only the entries its needs switch on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch

from sla.calendar import latest_start

from . import anchors
from .dag import topological_order
from .deadlines import DeadlineResolver
from .models import Condition, TaskTemplate, TemplateEntry

MAX_DAYS = 3660


def _template(campaign_type) -> TaskTemplate | None:
    return (
        TaskTemplate.objects.filter(campaign_type=campaign_type, unit__isnull=True, is_active=True)
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=TemplateEntry.objects.select_related("task_type", "task_type__role").prefetch_related(
                    "incoming"
                ),
            )
        )
        .first()
    )


def back_schedule(
    entries: list[TemplateEntry],
    edges: list[tuple[int, int]],
    launch_on: dt.date,
    now: dt.datetime,
    resolver: DeadlineResolver | None = None,
    end_on: dt.date | None = None,
) -> dict[str, Any]:
    """The plan for ``entries`` (a DAG given by ``edges`` = (predecessor pk, entry pk)).

    Before-launch entries are back-scheduled from the launch (``tasks.anchors``); after-anchored
    entries are planned forward from their anchor day (``end_on``, else the launch) and their
    predecessors' due instants.
    """
    resolver = resolver or DeadlineResolver()
    resolver.prime_task_types(e.task_type for e in entries)
    by_pk = {e.pk: e for e in entries}
    order = topological_order(list(by_pk), edges)
    preds: dict[int, list[int]] = {pk: [] for pk in order}
    succs: dict[int, list[int]] = {pk: [] for pk in order}
    for p, e in edges:
        preds[e].append(p)
        succs[p].append(e)
    rules = {pk: resolver.rule(by_pk[pk].task_type) for pk in order}
    cals = {pk: resolver.work_calendar(rules[pk].calendar_id) for pk in order}
    after = {pk for pk in order if anchors.is_after(by_pk[pk].anchor)}
    offset = {pk: by_pk[pk].offset_days or 0 for pk in order}

    due: dict[int, dt.datetime] = {}
    start: dict[int, dt.datetime] = {}
    for pk in reversed(order):  # before the launch: back from the launch and the successors' starts
        if pk in after:
            continue
        cal = cals[pk]
        own = anchors.before_launch_due(cal, offset[pk], launch_on)
        due[pk] = min([own, *[start[s] for s in succs[pk] if s not in after]]).astimezone(cal.zone)
        start[pk] = latest_start(cal, due[pk], **rules[pk].kwargs)
    for pk in order:  # after an anchor: forward from the anchor day and the predecessors
        if pk not in after:
            continue
        not_before = anchors.entry_not_before(by_pk[pk], cals[pk], launch_on, end_on)
        start[pk] = max([*not_before, *[due[p] for p in preds[pk]]])
        due[pk] = resolver.compute(by_pk[pk].task_type, start[pk]).due_at

    expected: dict[int, dt.datetime] = {}
    begins: dict[int, dt.datetime] = {}
    for pk in order:  # forward, as generation would do if approved now
        not_before = anchors.entry_not_before(by_pk[pk], cals[pk], launch_on, end_on)
        begins[pk] = max([now, *[expected[p] for p in preds[pk]], *not_before])
        expected[pk] = resolver.compute(by_pk[pk].task_type, begins[pk]).due_at
    feasible = all(expected[pk] <= due[pk] for pk in order)

    earliest = None
    sinks = [pk for pk in order if pk not in after and not [s for s in succs[pk] if s not in after]]
    if not feasible and sinks:
        day = min(expected[pk].astimezone(cals[pk].zone).date() for pk in sinks)
        for _ in range(MAX_DAYS):
            if all(expected[pk] <= anchors.before_launch_due(cals[pk], offset[pk], day) for pk in sinks):
                earliest = day
                break
            day += dt.timedelta(days=1)

    before_starts = [start[pk] for pk in order if pk not in after]
    latest_approval = min(before_starts) if before_starts else None
    names = {pk: by_pk[pk].display_title for pk in order}
    return {
        "launch_date": launch_on,
        "end_date": end_on,
        "latest_approval_at": latest_approval,
        "latest_approval_date": latest_approval.date() if latest_approval else None,
        "feasible": feasible,
        "earliest_feasible_launch_date": earliest,
        "finish_at": max(expected.values()) if expected else None,
        "tasks": [
            {
                "entry": pk,
                "task_type": by_pk[pk].task_type.slug,
                "role": by_pk[pk].task_type.role.slug,
                "estimated_hours": by_pk[pk].estimated_hours
                if by_pk[pk].estimated_hours is not None
                else by_pk[pk].task_type.default_estimated_hours,
                "title": names[pk],
                "anchor": by_pk[pk].anchor,
                "anchor_label": str(anchors.Anchor(by_pk[pk].anchor).label),
                "offset_days": offset[pk],
                "lead_time": rules[pk].describe(),
                "latest_start": start[pk],
                "due": due[pk],
                "expected_start": begins[pk],
                "expected_due": expected[pk],
                "late": expected[pk] > due[pk],
                "conditional": by_pk[pk].condition != Condition.ALWAYS,
                "depends_on": [names[p] for p in preds[pk]],
                "depends_on_entries": list(preds[pk]),
            }
            for pk in sorted(order, key=lambda pk: start[pk])
        ],
    }


def feasibility(
    *,
    campaign_type,
    launch_date: dt.date,
    now: dt.datetime,
    request=None,
    end_date: dt.date | None = None,
    templates: dict | None = None,
    resolver: DeadlineResolver | None = None,
) -> dict[str, Any] | None:
    """The plan for a campaign type (and optionally a request's needs), or None without a template.

    ``templates`` (a dict, campaign type id -> template) and ``resolver`` let a page plan many
    requests with a constant number of queries (the approval inbox).
    """
    from .generation import _included_edges

    if templates is None:
        template = _template(campaign_type)
    else:
        if campaign_type.pk not in templates:
            templates[campaign_type.pk] = _template(campaign_type)
        template = templates[campaign_type.pk]
    if template is None:
        return None
    entries = list(template.entries.all())
    included = {e.pk for e in entries if request is None or e.applies_to(request)}
    edges = _included_edges(entries, included)
    if end_date is None and request is not None:
        end_date = request.end_date
    result = back_schedule(
        [e for e in entries if e.pk in included], edges, launch_date, now, resolver=resolver, end_on=end_date
    )
    result["campaign_type"] = campaign_type.slug
    result["template"] = str(template)
    result["now"] = now
    result["for_request"] = request is not None
    return result


def provider(*, campaign_type, launch_date, request=None, now, end_date=None) -> dict[str, Any] | None:
    """Registered in ``campaigns.selectors.feasibility_providers`` (see tasks.apps)."""
    return feasibility(
        campaign_type=campaign_type, launch_date=launch_date, now=now, request=request, end_date=end_date
    )
