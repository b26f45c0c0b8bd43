"""``{% campaign_tasks obj %}``: a campaign's tasks and labour cost on the campaign page."""

from django import template
from django.utils.translation import gettext_lazy as _

from governance import policy

from ..models import SlaState

register = template.Library()


@register.inclusion_tag("tasks/_campaign_tasks.html", takes_context=True)
def campaign_tasks(context, campaign):
    from tasks import selectors
    from tasks.workload import campaign_labour_cost

    user = context["request"].user
    tasks = selectors.campaign_tasks_for(user, campaign.pk)
    done = sum(1 for t in tasks if t.state == "done")
    total = sum(1 for t in tasks if t.state != "cancelled")
    return {
        "campaign": campaign,
        "tasks": tasks,
        "summary": {"done": done, "total": total},
        "cost": campaign_labour_cost(campaign.pk) if tasks and policy.can_see_labour_cost(user) else None,
        "can_generate": policy.is_ops(user)
        and (campaign.state == "approved" or (campaign.state == "in_production" and not tasks)),
        "request": context["request"],
    }


@register.inclusion_tag("tasks/_timeline.html", takes_context=True)
def campaign_timeline(context, campaign):
    """The campaign's Gantt chart (tasks, or the template's plan before approval)."""
    from django.utils import timezone

    from campaigns.services import reschedule_refusal
    from tasks import selectors, timeline

    user = context["request"].user
    data = timeline.campaign_timeline(
        campaign, selectors.campaign_timeline_tasks_for(user, campaign.pk), now=timezone.now()
    )
    can_reschedule = reschedule_refusal(campaign, user) is None
    return {
        "data": data,
        "chart": timeline.campaign_layout(data, draggable=can_reschedule) if data["tasks"] else None,
        "can_reschedule": can_reschedule,
        "campaign": campaign,
        "request": context["request"],
    }


@register.simple_tag(takes_context=True)
def with_review_steps(context, campaign, events) -> list[dict]:
    """``{% with_review_steps obj events as items %}``: the request's own events merged, by time,
    with the review steps of its tasks the viewer may open (``kind`` "request" or "review")."""
    from tasks import selectors

    items = [{"kind": "request", "at": e.at, "obj": e} for e in events]
    steps = selectors.campaign_review_steps_for(context["request"].user, campaign.pk)
    items += [{"kind": "review", "at": e.at, "obj": e} for e in steps]
    return sorted(items, key=lambda i: i["at"])


@register.filter
def can_see_capacity(user) -> bool:
    from tasks.capacity import may_see_capacity

    return bool(getattr(user, "is_authenticated", False)) and may_see_capacity(user)


@register.inclusion_tag("tasks/_approval_cost.html", takes_context=True)
def approval_cost(context, campaign):
    """What approving ``campaign`` today costs: the role-weeks it would overload, and its own feasibility.

    The team forecast (without pending work) is computed once per page and kept on the request.
    """
    from django.utils import timezone

    from tasks import capacity
    from tasks.deadlines import DeadlineResolver
    from tasks.feasibility import feasibility

    request = context["request"]
    now = timezone.now()
    cache = getattr(request, "_capacity_cache", None)
    if cache is None:  # once per page: the list stays at a constant number of queries
        base = capacity.forecast(
            weeks=capacity.COST_WEEKS,
            now=now,
            approved_plans=[p for _, p in capacity.request_plans(["approved"], now, without_tasks=True)],
        )
        cache = request._capacity_cache = {"base": base, "templates": {}, "resolver": DeadlineResolver()}
    plan = feasibility(
        campaign_type=campaign.campaign_type,
        launch_date=campaign.launch_date,
        now=now,
        request=campaign,
        templates=cache["templates"],
        resolver=cache["resolver"],
    )
    return {"cost": capacity.request_cost(plan, cache["base"], now=now)}


# A task event's stored action key ("submit_review") as the words the history shows.
EVENT_LABELS = {
    "create": _("Created"),
    "assign": _("Assigned"),
    "unassign": _("Unassigned"),
    "start": _("Started"),
    "pause": _("Paused (waiting)"),
    "resume": _("Resumed"),
    "submit_review": _("Submitted for review"),
    "complete": _("Completed"),
    "return_review": _("Returned with comments"),
    "reopen": _("Reopened"),
    "cancel": _("Cancelled"),
    "replan": _("Due date re-planned"),
    "sla_replan": _("SLA clock re-planned"),
    "set_dependencies": _("Dependencies changed"),
    "import_update": _("Updated by import"),
    "comment_edit": _("Edited a comment"),
    "comment_delete": _("Deleted a comment"),
    "due_set": _("Due date moved"),
    "sla_state": _("SLA state changed"),
}


@register.filter
def sla_state_label(value: str | None) -> str:
    """``{{ e.data.sla_to|sla_state_label }}``: "breached" -> "Breached" / 超過; unknown keys as is."""
    return str(dict(SlaState.choices).get(value, value or "—"))


@register.filter
def task_event_label(action: str) -> str:
    """``{{ e.action|task_event_label }}``: the translated label; an unknown key shows as is."""
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


@register.filter
def iso_datetime(value: str | None):
    """``{{ e.data.to|iso_datetime|date:"Y-m-d H:i" }}``: an ISO time stored in an event's data as
    an aware datetime in the current time zone (None for an empty or malformed value)."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    try:
        parsed = parse_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return timezone.localtime(parsed) if parsed and timezone.is_aware(parsed) else parsed
