"""The event names shared by webhooks, e-mail notifications and the digest."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    REQUEST_SUBMITTED = "request.submitted", _("Request submitted")
    REQUEST_APPROVED = "request.approved", _("Request approved")
    REQUEST_REJECTED = "request.rejected", _("Request rejected")
    REQUEST_CHANGES_REQUESTED = "request.changes_requested", _("Changes requested")
    TASK_ASSIGNED = "task.assigned", _("Task assigned")
    TASK_REVIEW_REQUESTED = "task.review_requested", _("Task submitted for review")
    TASK_REVIEW_RETURNED = "task.review_returned", _("Task returned from review")
    TASK_REVIEW_APPROVED = "task.review_approved", _("Task approved in review")
    SLA_AT_RISK = "sla.at_risk", _("SLA at risk")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    TASK_PAUSE_LIMIT = "task.pause_limit", _("Pause limit reached")
    CAMPAIGN_LAUNCHED = "campaign.launched", _("Campaign launched")
    REVIEW_READY = "review.ready", _("Review ready")
    MENTIONED = "comment.mentioned", _("Mentioned in a comment")


# A webhook's "send test" delivery; never subscribed to, always deliverable.
TEST_EVENT = "webhook.test"

ALL_EVENTS = [e.value for e in Event]

# Mailed by default. task.assigned is off by default because tasks.jobs.send_assignment_email
# already mails every assignee; users can switch it on (it is always in the digest).
DEFAULT_EMAIL_EVENTS = [e for e in ALL_EVENTS if e != Event.TASK_ASSIGNED]

# Personal events: told to the people concerned, never sent to webhooks.
PERSONAL_EVENTS = [Event.MENTIONED.value]

# The events a webhook may subscribe to.
WEBHOOK_EVENT_CHOICES = [(value, lab) for value, lab in Event.choices if value not in PERSONAL_EVENTS]


class Channel(models.TextChoices):
    """How a user hears about an event: each user picks per event and channel."""

    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    DIGEST = "digest", _("Daily digest")


# request_transitioned actions -> our event names
REQUEST_ACTION_EVENTS = {
    "submit": Event.REQUEST_SUBMITTED,
    "resubmit": Event.REQUEST_SUBMITTED,
    "approve": Event.REQUEST_APPROVED,
    "reject": Event.REQUEST_REJECTED,
    "request_changes": Event.REQUEST_CHANGES_REQUESTED,
    "launch": Event.CAMPAIGN_LAUNCHED,
}


def label(event: str) -> str:
    try:
        return Event(event).label
    except ValueError:
        return _("Test delivery") if event == TEST_EVENT else event


def label_for(event: str, language: str) -> str:
    """The event's label in ``language``."""
    from django.utils import translation

    with translation.override(language):
        return str(label(event))
