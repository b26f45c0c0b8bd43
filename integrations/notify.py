"""E-mail notifications: who hears about an event, in which language, and the mail itself."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from campaigns.discussion import request_viewers
from campaigns.models import CampaignRequest
from governance import roles
from governance.names import person_name
from tasks.models import Task
from tasks.selectors import task_viewers

from .events import label_for
from .models import Notification, NotificationPreference
from .payloads import absolute, base_url

logger = logging.getLogger(__name__)
SUBJECT_PREFIX = "[MOps Desk] "


def preference_for(user) -> NotificationPreference:
    """The user's preferences (created with the defaults on first use)."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        pref, _ = NotificationPreference.objects.get_or_create(user=user)
        return pref


def mops_user_ids() -> list[int]:
    User = get_user_model()
    return list(User.objects.filter(is_active=True, groups__name=roles.MOPS).values_list("pk", flat=True).distinct())


def template_slug(event: str) -> str:
    return event.replace(".", "_")


def _parse(value: Any, key: str) -> Any:
    """ISO strings in payload data back to dates/datetimes so templates format them per user."""
    if not isinstance(value, str):
        return value
    try:
        if key.endswith("_at"):
            return dt.datetime.fromisoformat(value)
        if key.endswith("_date"):
            return dt.date.fromisoformat(value)
    except ValueError:
        return value
    return value


def _typed(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (_typed(v) if isinstance(v, (dict, list)) else _parse(v, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_typed(v) for v in data]
    return data


def render_mail(name: str, context: dict[str, Any], pref: NotificationPreference) -> tuple[str, str, str]:
    """(subject, text, html) of template ``integrations/email/<name>.<lang>.*`` in the user's language and zone."""
    lang = pref.language if pref.language in ("ja", "en") else "ja"
    with translation.override(lang), timezone.override(pref.tzinfo):
        ctx = {
            **context,
            "language": lang,
            "time_zone": pref.time_zone,
            "base_url": base_url(),
            "preferences_url": absolute("integrations:preferences"),
        }
        subject = render_to_string(f"integrations/email/{name}.{lang}.subject.txt", ctx)
        text = render_to_string(f"integrations/email/{name}.{lang}.txt", ctx)
        html = render_to_string(f"integrations/email/{name}.{lang}.html", ctx)
    subject = SUBJECT_PREFIX + " ".join(subject.split())
    return subject[:250], text, html


def send_mail_to(user, subject: str, text: str, html: str) -> None:
    msg = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    msg.attach_alternative(html, "text/html")
    msg.send(fail_silently=False)


def event_mail(env: dict[str, Any], user, pref: NotificationPreference) -> tuple[str, str, str]:
    data = _typed(env.get("data") or {})
    context = {
        "event": env["event"],
        "event_label": label_for(env["event"], pref.language),
        "data": data,
        "request": data.get("request") or {},
        "task": data.get("task") or {},
        "review": data.get("review") or {},
        "transition": data.get("transition") or {},
        "actor_name": data.get("actor_name") or "MOps Desk",
        "recipient": user,
        "recipient_name": person_name(user),
    }
    return render_mail(template_slug(env["event"]), context, pref)


def visible_recipients(data: dict[str, Any], recipient_ids: list[int]) -> list[int]:
    """``recipient_ids`` less anyone who may not open the task or request the event is about."""
    ids = sorted({int(i) for i in recipient_ids if i})
    if not ids:
        return []
    task_id = (data.get("task") or {}).get("id")
    request_id = (data.get("request") or {}).get("id")
    if task_id:
        task = Task.objects.select_related("campaign", "campaign__business_unit").filter(pk=task_id).first()
        return list(task_viewers(task).filter(pk__in=ids).values_list("pk", flat=True)) if task else []
    if request_id:
        req = CampaignRequest.objects.select_related("business_unit").filter(pk=request_id).first()
        return list(request_viewers(req).filter(pk__in=ids).values_list("pk", flat=True)) if req else []
    return ids


def notify_users(env: dict[str, Any], recipient_ids: list[int], key: str) -> int:
    """Record the event for each recipient once and mail those who asked for it; returns mails sent."""
    event = env["event"]
    sent = 0
    # Nobody hears about an object they may not open (on any channel): the policy decides now.
    allowed = visible_recipients(env.get("data") or {}, recipient_ids)
    users = get_user_model().objects.filter(pk__in=allowed, is_active=True).select_related("notification_preference")
    for user in users:
        pref = preference_for(user)
        note, _ = Notification.objects.get_or_create(
            user=user,
            event=event,
            dedupe_key=key,
            defaults={"data": env.get("data") or {}, "in_app": pref.shows_in_app(event)},
        )
        if note.emailed_at is not None or not user.email:
            continue
        if not pref.mails(event):
            continue
        # Claim the mail so a job run twice does not mail twice.
        if Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now()) != 1:
            continue
        try:
            send_mail_to(user, *event_mail(env, user, pref))
        except Exception:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent
