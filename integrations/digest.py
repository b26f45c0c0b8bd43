"""The daily digest: one mail per opted-in user, once per local day, after the digest hour."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from campaigns.selectors import request_inbox_for
from governance import policy
from governance.names import person_name
from tasks.models import OPEN_TASK_STATES, Task

from .events import label_for
from .models import Notification, NotificationPreference
from .notify import preference_for, render_mail, send_mail_to


def digest_hour() -> int:
    return int(getattr(settings, "MOPS_DIGEST_HOUR", 8))


def digest_content(user, now: dt.datetime, language: str = "ja") -> dict[str, Any]:
    soon = now + dt.timedelta(days=7)
    my_tasks = list(
        Task.objects.filter(assignee=user, state__in=OPEN_TASK_STATES, due_at__isnull=False, due_at__lte=soon)
        .select_related("campaign")
        .order_by("due_at")[:30]
    )
    for t in my_tasks:
        t.overdue = t.due_at <= now
    inbox = list(request_inbox_for(user)[:20])
    team_sla = []
    if policy.is_ops(user):
        team_sla = list(
            Task.objects.filter(state__in=OPEN_TASK_STATES, due_at__isnull=False)
            .filter(Q(due_at__lte=now) | Q(at_risk_at__lte=now))
            .select_related("campaign", "assignee")
            .order_by("due_at")[:20]
        )
    recent = [
        {"label": label_for(n.event, language), "data": n.data, "at": n.created_at}
        for n in Notification.objects.filter(
            user=user, created_at__gte=now - dt.timedelta(days=1), event__in=preference_for(user).digest_events or []
        ).order_by("created_at")[:50]
    ]
    return {
        "my_tasks": my_tasks,
        "inbox": inbox,
        "team_sla": team_sla,
        "recent": recent,
        "empty": not (my_tasks or inbox or team_sla or recent),
    }


def send_digest(pref: NotificationPreference, now: dt.datetime) -> bool:
    """Claim today's digest for the user (conditional update) and mail it if there is anything to say."""
    user = pref.user
    local_date = timezone.localtime(now, pref.tzinfo).date()
    claimed = (
        NotificationPreference.objects.filter(pk=pref.pk, daily_digest=True)
        .filter(Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=local_date))
        .update(last_digest_on=local_date)
    )
    if claimed != 1:
        return False
    content = digest_content(user, now, pref.language)
    if content["empty"]:
        return False
    context = {
        **content,
        "recipient": user,
        "recipient_name": person_name(user),
        "date": local_date,
    }
    send_mail_to(user, *render_mail("digest", context, pref))
    return True


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Run hourly: users whose local time has passed the digest hour get today's digest once."""
    now = now or timezone.now()
    sent = 0
    prefs = (
        NotificationPreference.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    for pref in prefs:
        local = timezone.localtime(now, pref.tzinfo)
        if local.hour < digest_hour() or (pref.last_digest_on and pref.last_digest_on >= local.date()):
            continue
        sent += send_digest(pref, now)
    return sent
