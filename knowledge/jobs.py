"""Periodic knowledge jobs (django-q2): stale-article flags and tool renewal reminders.

Both are safe to run twice: each article/tool remembers what it was last notified about.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Article, Status, Tool
from .stack import RENEWAL_NOTICE_DAYS, renewals_due

STALE_RENOTIFY_DAYS = 30


def stale_articles(today: dt.date):
    """Published articles past their review-by date, not flagged in the last 30 days."""
    since = timezone.now() - dt.timedelta(days=STALE_RENOTIFY_DAYS)
    return (
        Article.objects.filter(status=Status.PUBLISHED, review_by__lt=today)
        .filter(Q(stale_notified_at__isnull=True) | Q(stale_notified_at__lt=since))
        .select_related("owner")
    )


def flag_stale_articles(now: dt.datetime | None = None) -> int:
    """Mail each owner the list of their articles that are past review; returns articles flagged."""
    now = now or timezone.now()
    by_owner: dict[int, list[Article]] = {}
    for article in stale_articles(timezone.localdate(now)):
        by_owner.setdefault(article.owner_id, []).append(article)
    flagged = 0
    for articles in by_owner.values():
        owner = articles[0].owner
        lines = [
            "- " + _("%(title)s (review by %(date)s)") % {"title": a.title, "date": f"{a.review_by:%Y-%m-%d}"}
            for a in articles
        ]
        with transaction.atomic():
            Article.objects.filter(pk__in=[a.pk for a in articles]).update(stale_notified_at=now)
            if owner.email:
                transaction.on_commit(
                    lambda o=owner, body="\n".join(lines): send_mail(  # noqa: B008 (binds this owner's text now)
                        _("Articles due for review"),
                        body,
                        settings.DEFAULT_FROM_EMAIL,
                        [o.email],
                        fail_silently=True,
                    )
                )
        flagged += len(articles)
    return flagged


def remind_tool_renewals(now: dt.datetime | None = None) -> int:
    """Remind the owner (and MOps) of contracts renewing within 60 days; returns tools reminded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    for tool in renewals_due(today, RENEWAL_NOTICE_DAYS):
        with transaction.atomic():
            updated = (
                Tool.objects.filter(pk=tool.pk)
                .exclude(renewal_reminded_for=tool.renewal_date)
                .update(renewal_reminded_for=tool.renewal_date)
            )
            if not updated:  # another worker got there first
                continue
            to = [tool.owner.email] if tool.owner and tool.owner.email else [settings.DEFAULT_FROM_EMAIL]
            days = (tool.renewal_date - today).days
            body = str(
                _(
                    "%(tool)s renews on %(date)s (in %(days)s days); annual cost ¥%(cost)s. "
                    "Decide whether to keep it or review it."
                )
                % {
                    "tool": tool.name,
                    "date": f"{tool.renewal_date:%Y-%m-%d}",
                    "days": days,
                    "cost": f"{tool.annual_cost:,}",
                }
            )
            transaction.on_commit(
                lambda t=tool, b=body, r=to: send_mail(
                    "[MOps Desk] " + str(_("Renewal reminder: %(tool)s") % {"tool": t.name}),
                    b,
                    settings.DEFAULT_FROM_EMAIL,
                    r,
                    fail_silently=True,
                )
            )
        count += 1
    return count
