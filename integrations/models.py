"""Webhooks and their delivery log, per-user notification preferences, sent notifications."""

from __future__ import annotations

import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import ALL_EVENTS, DEFAULT_EMAIL_EVENTS, TEST_EVENT, Event
from .urlcheck import validate_webhook_url


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def default_email_events() -> list[str]:
    return list(DEFAULT_EMAIL_EVENTS)


def default_all_events() -> list[str]:
    return list(ALL_EVENTS)


def default_language() -> str:
    lang = (getattr(settings, "LANGUAGE_CODE", "ja") or "ja")[:2]
    return lang if lang in ("ja", "en") else "ja"


def validate_events(value) -> None:
    if not isinstance(value, list) or any(e not in ALL_EVENTS for e in value):
        raise ValidationError(_("Unknown event."), code="events")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="time_zone")


class Language(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


class PayloadFormat(models.TextChoices):
    JSON = "json", _("JSON (signed)")
    SLACK = "slack", "Slack (text + blocks)"


class Webhook(models.Model):
    """An outgoing webhook configured by an Admin."""

    name = models.CharField(_("Name"), max_length=100)
    url = models.CharField(_("Target URL"), max_length=500, validators=[validate_webhook_url])
    events = models.JSONField(
        _("Events"),
        default=list,
        validators=[validate_events],
        help_text="request.submitted, request.approved, … (list)",
    )
    secret = models.CharField(
        _("Signing secret"),
        max_length=128,
        default=generate_secret,
        help_text=_("Key of the X-MOpsDesk-Signature HMAC"),
    )
    format = models.CharField(_("Format"), max_length=10, choices=PayloadFormat.choices, default=PayloadFormat.JSON)
    language = models.CharField(
        _("Language (Slack text)"), max_length=2, choices=Language.choices, default=default_language
    )
    active = models.BooleanField(_("Active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "Webhook"
        verbose_name_plural = "Webhooks"

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return event == TEST_EVENT or event in (self.events or [])


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


CLAIMABLE = [DeliveryStatus.PENDING, DeliveryStatus.RETRYING]


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook; ``history`` keeps every attempt."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("Event"), max_length=40)
    dedupe_key = models.CharField(max_length=120)
    payload = models.JSONField(_("Payload (as sent)"), default=dict)
    status = models.CharField(
        _("Status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt = models.PositiveSmallIntegerField(_("Attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("Status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("Response excerpt"), blank=True)
    error = models.TextField(_("Error"), blank=True)
    history = models.JSONField(default=list, blank=True)
    next_attempt_at = models.DateTimeField(_("Next attempt"), null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Webhook delivery")
        verbose_name_plural = _("Webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["webhook", "dedupe_key"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["webhook", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.webhook}: {self.event} #{self.attempt} {self.status}"


class NotificationPreference(models.Model):
    """A user's language, time zone, mailed events, digest and calendar feed token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(_("Language"), max_length=2, choices=Language.choices, default=default_language)
    # False until the user picks a language: until then pages follow the browser (Accept-Language).
    language_chosen = models.BooleanField(_("Language chosen by the user"), default=False)
    time_zone = models.CharField(_("Time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone])
    email_events = models.JSONField(
        _("Events to e-mail"), default=default_email_events, blank=True, validators=[validate_events]
    )
    daily_digest = models.BooleanField(_("Daily digest"), default=False)
    in_app_events = models.JSONField(
        _("Events shown in the app"), default=default_all_events, blank=True, validators=[validate_events]
    )
    digest_events = models.JSONField(
        _("Events in the daily digest"), default=default_all_events, blank=True, validators=[validate_events]
    )
    last_digest_on = models.DateField(null=True, blank=True)
    # sha256 of the feed token; the token itself is shown once, when it is (re)generated.
    feed_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    feed_token_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Notification preference")
        verbose_name_plural = _("Notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language} {self.time_zone}"

    def mails(self, event: str) -> bool:
        return event in (self.email_events or [])

    def shows_in_app(self, event: str) -> bool:
        return event in (self.in_app_events or [])

    def digests(self, event: str) -> bool:
        return event in (self.digest_events or [])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("Asia/Tokyo")


class Notification(models.Model):
    """One event told to one user (mailed or not): makes the fan-out idempotent and feeds the digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=Event.choices)
    dedupe_key = models.CharField(max_length=120)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The in-app channel: shown in the notification centre when the user chose it for the event.
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(_("Read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Notification")
        verbose_name_plural = _("Notifications")
        constraints = [models.UniqueConstraint(fields=["user", "event", "dedupe_key"], name="notification_once")]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["user", "in_app", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.event} ({self.dedupe_key})"


class SlaNotice(models.Model):
    """An SLA at-risk/breach already announced for a task's deadline (one per task, state, deadline)."""

    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [models.UniqueConstraint(fields=["task", "state", "due_at"], name="sla_notice_once")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.state} {self.due_at:%Y-%m-%d %H:%M}"
