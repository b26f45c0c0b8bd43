"""django-q2 jobs: take ids or plain data, load, act; each is safe to run twice."""

from __future__ import annotations

import datetime as dt

from . import delivery, digest, notify, sla_notices


def process_event(env: dict, recipient_ids: list[int], key: str, webhooks: bool = True) -> dict[str, int]:
    """Fan an emitted event out to webhooks (one delivery each, queued) and to the recipients' mail."""
    deliveries = delivery.fan_out(env, key) if webhooks else []
    mails = notify.notify_users(env, recipient_ids, key)
    return {"deliveries": len(deliveries), "mails": mails}


def deliver_webhook(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


def retry_webhook_deliveries(now: dt.datetime | None = None) -> dict[str, int]:
    return delivery.retry_due(now=now)


def announce_sla(now: dt.datetime | None = None) -> dict[str, int]:
    return sla_notices.sweep(now)


def send_daily_digests(now: dt.datetime | None = None) -> int:
    return digest.send_daily_digests(now)
