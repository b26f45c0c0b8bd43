"""Every write of the integrations app: webhooks (Admins only), preferences and feed tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import policy, roles

from .delivery import create_test_delivery
from .models import NotificationPreference, Webhook, WebhookDelivery, generate_secret
from .notify import preference_for

WEBHOOK_FIELDS = ("name", "url", "events", "format", "language", "active", "secret")


def can_configure_webhooks(user: Any) -> bool:
    """Only Admins (superusers count as Admins) configure webhooks."""
    return policy.has_role(user, roles.ADMIN)


def _require_admin(user: Any) -> None:
    if not can_configure_webhooks(user):
        raise PermissionDenied(_("Only Admins configure webhooks."))


@transaction.atomic
def webhook_save(*, webhook: Webhook | None = None, by, **values: Any) -> Webhook:
    """Create or update a webhook; field validators (URL, events) run here for every caller."""
    _require_admin(by)
    webhook = webhook or Webhook(created_by=by)
    for field in WEBHOOK_FIELDS:
        if field in values and not (field == "secret" and not values[field]):
            setattr(webhook, field, values[field])
    webhook.full_clean()
    webhook.save()
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, webhook_id: int, by) -> Webhook:
    _require_admin(by)
    webhook = Webhook.objects.select_for_update(of=("self",)).get(pk=webhook_id)
    webhook.secret = generate_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook_id: int, by) -> None:
    _require_admin(by)
    Webhook.objects.filter(pk=webhook_id).delete()


@transaction.atomic
def webhook_send_test(*, webhook_id: int, by) -> WebhookDelivery:
    """Queue a signed ``webhook.test`` delivery (also for an inactive webhook)."""
    _require_admin(by)
    return create_test_delivery(Webhook.objects.get(pk=webhook_id), by=by)


# --- preferences and the calendar feed ------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def preference_update(*, user, **values: Any) -> NotificationPreference:
    """Save the user's language, zone and channel choices (per event: in-app, e-mail, digest)."""
    pref = preference_for(user)
    # Picking a language (the switcher says so; the preferences page by changing it) stops the
    # browser's language from deciding.
    if values.get("language_chosen") or ("language" in values and values["language"] != pref.language):
        pref.language_chosen = True
    for field in ("language", "time_zone", "email_events", "daily_digest", "in_app_events", "digest_events"):
        if field in values:
            setattr(pref, field, values[field])
    pref.full_clean()
    pref.save()
    return pref


@transaction.atomic
def feed_token_regenerate(*, user) -> str:
    """A new secret feed token (the old URL stops working). Only its hash is stored: show it now."""
    pref = preference_for(user)
    token = secrets.token_urlsafe(32)
    NotificationPreference.objects.filter(pk=pref.pk).update(
        feed_token_hash=hash_token(token), feed_token_created_at=timezone.now(), updated_at=timezone.now()
    )
    return token


@transaction.atomic
def feed_token_revoke(*, user) -> None:
    pref = preference_for(user)
    NotificationPreference.objects.filter(pk=pref.pk).update(feed_token_hash=None, feed_token_created_at=None)


def user_for_feed_token(token: str):
    """The active user owning ``token``, or None (wrong, revoked, or inactive)."""
    if not token or len(token) > 200:
        return None
    pref = (
        NotificationPreference.objects.select_related("user")
        .filter(feed_token_hash=hash_token(token), user__is_active=True)
        .first()
    )
    return pref.user if pref else None
