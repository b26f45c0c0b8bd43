"""Emit an event: after the surrounding transaction commits, a django-q2 job fans it out.

Receivers run inside other apps' transactions, so ``emit`` only queues; nothing here may
break a campaign or task transition. ``suppressed()`` silences emission (demo seeding).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from .payloads import envelope

logger = logging.getLogger(__name__)
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("mops_integrations_suppressed", default=False)

# Events older than this are history being back-filled (demo data, imports), not news.
BACKFILL_AGE = dt.timedelta(days=1)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """No webhooks or mails for what happens inside (seeding, bulk imports)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()


def is_backfill(at: dt.datetime | None) -> bool:
    return at is not None and at < timezone.now() - BACKFILL_AGE


def emit(
    event: str,
    data: dict[str, Any],
    *,
    key: str,
    recipients: Iterable[int | None] = (),
    webhooks: bool = True,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Queue ``event`` for webhooks and the recipients' notifications once the transaction commits."""
    if is_suppressed():
        return
    env = envelope(event, data, occurred_at=occurred_at)
    recipient_ids = sorted({int(r) for r in recipients if r})
    key = key[:120]

    def queue() -> None:
        from django_q.tasks import async_task

        async_task("integrations.jobs.process_event", env, recipient_ids, key, webhooks, task_name=f"event {key}"[:100])

    transaction.on_commit(queue, robust=True)
