"""The event names shared by webhooks, e-mail notifications and the digest."""
from __future__ import annotations

from django.db import models


class Event(models.TextChoices):
    REQUEST_SUBMITTED = "request.submitted", "依頼の提出 / Request submitted"
    REQUEST_APPROVED = "request.approved", "承認 / Request approved"
    REQUEST_REJECTED = "request.rejected", "却下 / Request rejected"
    REQUEST_CHANGES_REQUESTED = "request.changes_requested", "差し戻し / Changes requested"
    TASK_ASSIGNED = "task.assigned", "タスクの割り当て / Task assigned"
    SLA_AT_RISK = "sla.at_risk", "SLAリスク / SLA at risk"
    SLA_BREACHED = "sla.breached", "SLA超過 / SLA breached"
    CAMPAIGN_LAUNCHED = "campaign.launched", "ローンチ / Campaign launched"
    REVIEW_READY = "review.ready", "レビュー完成 / Review ready"


# A webhook's "send test" delivery; never subscribed to, always deliverable.
TEST_EVENT = "webhook.test"

ALL_EVENTS = [e.value for e in Event]

# Mailed by default. task.assigned is off by default because tasks.jobs.send_assignment_email
# already mails every assignee; users can switch it on (it is always in the digest).
DEFAULT_EMAIL_EVENTS = [e for e in ALL_EVENTS if e != Event.TASK_ASSIGNED]

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
        return "テスト送信 / Test delivery" if event == TEST_EVENT else event


def label_for(event: str, language: str) -> str:
    """The Japanese or English half of an event label."""
    text = label(event)
    ja, _, en = text.partition(" / ")
    return (en or ja) if language == "en" else ja
