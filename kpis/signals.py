"""Receivers that keep the stored quarter figures honest (connected in KpisConfig.ready).

Lower apps never import kpis: they send Django's own post_save and kpis listens. An audit
event dated before a stored quarter's end, or a result entered for a campaign launched
before it, marks that quarter (and the later ones, whose trend includes it) stale; the next
read recomputes it (kpis.store).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from campaigns.models import CampaignResult, RequestEvent
from tasks.models import TaskEvent

from . import store


def _late_event(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        kind = "request" if sender is RequestEvent else "task"
        store.mark_stale(instance.at, f"late {kind} event #{instance.pk}")


def _result_saved(sender: type, instance: CampaignResult, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    campaign = instance.request
    at = campaign.launched_at or campaign.submitted_at
    if at is not None:
        store.mark_stale(at, f"results of campaign #{campaign.pk}")


def connect() -> None:
    post_save.connect(_late_event, sender=RequestEvent, dispatch_uid="kpis-late-request-event")
    post_save.connect(_late_event, sender=TaskEvent, dispatch_uid="kpis-late-task-event")
    post_save.connect(_result_saved, sender=CampaignResult, dispatch_uid="kpis-result-saved")
