"""Reads of tasks, filtered by what the user may see."""
from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from campaigns.models import CampaignRequest
from governance import policy, roles

from .models import Task, TaskComment, TaskEvent, TaskPause


def task_visibility_q(user: Any) -> Q:
    """MOps, Admins and Specialists: every task (the team board). Requesters: tasks of their own
    campaigns; approvers: tasks of requests routed to them. Anyone: tasks assigned to them."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if policy.is_ops(user) or policy.has_role(user, roles.SPECIALIST):
        return Q()
    visible = CampaignRequest.objects.filter(policy.request_visibility_q(user)).values("pk")
    return Q(campaign_id__in=visible) | Q(assignee=user)


def _base() -> QuerySet[Task]:
    return Task.objects.select_related("campaign", "task_type", "task_type__role", "assignee")


def task_list_for(user: Any) -> QuerySet[Task]:
    """Tasks ``user`` may see, ready for lists (constant query count with the prefetches)."""
    return (
        _base().filter(task_visibility_q(user))
        .prefetch_related(Prefetch("depends_on", queryset=Task.objects.only("id", "key", "state")))
    )


def task_list_with_events_for(user: Any) -> QuerySet[Task]:
    return task_list_for(user).prefetch_related(Prefetch("events", queryset=TaskEvent.objects.select_related("actor")))


def task_mine(user: Any) -> QuerySet[Task]:
    return task_list_for(user).filter(assignee=user)


def task_get_for(user: Any, task_id: int) -> Task:
    """One task ``user`` may see, with events, comments and pauses, or Http404."""
    qs = task_list_with_events_for(user).prefetch_related(
        Prefetch("comments", queryset=TaskComment.objects.select_related("author")),
        Prefetch("pauses", queryset=TaskPause.objects.all()),
        Prefetch("successors", queryset=Task.objects.only("id", "key", "state", "title")),
    )
    try:
        return qs.get(pk=task_id)
    except Task.DoesNotExist:
        raise Http404("Task not found")


def campaign_for(user: Any, campaign_id: int) -> CampaignRequest:
    """The campaign whose tasks ``user`` looks at: visible as a request, or through its tasks."""
    from campaigns.selectors import request_get_for

    try:
        return request_get_for(user, campaign_id, with_events=False)
    except Http404:
        if policy.has_role(user, roles.SPECIALIST) or Task.objects.filter(campaign_id=campaign_id, assignee=user).exists():
            campaign = CampaignRequest.objects.select_related("campaign_type").filter(pk=campaign_id).first()
            if campaign is not None:
                return campaign
        raise


def campaign_tasks_for(user: Any, campaign_id: int) -> list[Task]:
    return list(task_list_for(user).filter(campaign_id=campaign_id).order_by("position", "id"))


def timeline(task: Task) -> list[dict]:
    """Events and comments of a prefetched task, oldest first."""
    items = [{"kind": "event", "at": e.at, "obj": e} for e in task.events.all()]
    items += [{"kind": "comment", "at": c.created_at, "obj": c} for c in task.comments.all()]
    return sorted(items, key=lambda i: (i["at"], i["kind"] == "comment"))
