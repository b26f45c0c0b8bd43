"""Webhook delivery: fan-out, claim, send (signed), record, back-off and retry.

A delivery is sent only by the worker that claims it with a conditional UPDATE
(``status`` pending/retrying and due, or a stale ``sending`` lock), so two workers, or the
first attempt racing the retry sweep, never send the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .events import TEST_EVENT
from .models import CLAIMABLE, DeliveryStatus, Webhook, WebhookDelivery
from .payloads import body_for, envelope
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, encode_body, sign
from .urlcheck import UnsafeTarget, check_resolved

logger = logging.getLogger(__name__)
EXCERPT = 500
USER_AGENT = "MOpsDesk-Webhooks/1.0"


def max_attempts() -> int:
    return int(getattr(settings, "MOPS_WEBHOOKS_MAX_ATTEMPTS", 6))


def timeout() -> float:
    return float(getattr(settings, "MOPS_WEBHOOKS_TIMEOUT", 5))


def backoff(attempt: int) -> dt.timedelta:
    """Wait after failed attempt ``attempt`` (1-based): 1, 2, 4, 8, 16 … minutes."""
    return dt.timedelta(minutes=2 ** max(attempt - 1, 0))


def _queue(delivery_id: int) -> None:
    from django_q.tasks import async_task

    async_task("integrations.jobs.deliver_webhook", delivery_id, task_name=f"webhook delivery {delivery_id}")


# --- creating deliveries -------------------------------------------------------------------


def fan_out(env: dict, key: str, *, now: dt.datetime | None = None) -> list[int]:
    """One delivery per active webhook subscribed to the event (once per key), each queued."""
    now = now or timezone.now()
    created_ids = []
    for webhook in Webhook.objects.filter(active=True):
        if not webhook.wants(env["event"]):
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=webhook,
            dedupe_key=key[:120],
            defaults={"event": env["event"], "payload": body_for(webhook, env), "next_attempt_at": now},
        )
        if created:
            created_ids.append(delivery.pk)
    for pk in created_ids:
        _queue(pk)
    return created_ids


def create_test_delivery(webhook: Webhook, *, by=None) -> WebhookDelivery:
    """A ``webhook.test`` delivery (sent even while the webhook is inactive), queued after commit."""
    env = envelope(
        TEST_EVENT, {"webhook": {"id": webhook.pk, "name": webhook.name}, "actor": getattr(by, "username", None)}
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=TEST_EVENT,
        dedupe_key=f"test:{uuid.uuid4()}",
        payload=body_for(webhook, env),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _queue(delivery.pk), robust=True)
    return delivery


# --- sending -------------------------------------------------------------------------------


def claimable_q(now: dt.datetime) -> Q:
    return Q(status__in=CLAIMABLE, next_attempt_at__lte=now, attempt__lt=max_attempts()) | Q(
        status=DeliveryStatus.SENDING, locked_until__lt=now, attempt__lt=max_attempts()
    )


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the delivery for one attempt; False when another worker has it or it is not due."""
    lock = now + dt.timedelta(seconds=timeout() + 60)
    return (
        WebhookDelivery.objects.filter(claimable_q(now), pk=delivery_id).update(
            status=DeliveryStatus.SENDING,
            locked_until=lock,
            attempt=F("attempt") + 1,
        )
        == 1
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed (they could lead to an internal address): a 3xx is a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _read(resp) -> str:
    try:
        return resp.read(4 * EXCERPT).decode("utf-8", "replace")[:EXCERPT]
    except Exception:  # noqa: BLE001 - the excerpt is best effort
        return ""


def http_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body``; returns (status code, response excerpt). Network errors raise."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout()) as resp:
            return resp.status, _read(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, _read(exc)


def headers_for(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.uuid),
        SIGNATURE_HEADER: sign(delivery.webhook.secret, body),
        "X-MOpsDesk-Attempt": str(delivery.attempt),
    }


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one attempt of a delivery if this worker can claim it; returns the new status or 'skipped'."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    code, excerpt, error, final = None, "", "", False
    if not webhook.active and delivery.event != TEST_EVENT:
        error, final = "Webhook is inactive", True
    else:
        body = encode_body(delivery.payload)
        try:
            check_resolved(webhook.url)
            code, excerpt = http_post(webhook.url, body, headers_for(delivery, body))
        except UnsafeTarget as exc:
            error, final = str(exc), True
        except Exception as exc:  # noqa: BLE001 - any network failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:1000]
    ok = code is not None and 200 <= code < 300
    if code is not None and not ok and not error:
        error = f"HTTP {code}"
    return _record(delivery, now=now, code=code, excerpt=excerpt, error=error, ok=ok, final=final)


def _record(delivery: WebhookDelivery, *, now, code, excerpt, error, ok, final) -> str:
    attempt = delivery.attempt
    finished = timezone.now()
    history = [
        *(delivery.history or []),
        {
            "attempt": attempt,
            "at": finished.isoformat(),
            "status_code": code,
            "error": error[:300],
        },
    ]
    fields = {
        "status_code": code,
        "response_excerpt": excerpt,
        "error": error,
        "history": history,
        "locked_until": None,
    }
    if ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=finished, next_attempt_at=None, error="")
    elif final or attempt >= max_attempts():
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        fields.update(status=DeliveryStatus.RETRYING, next_attempt_at=now + backoff(attempt))
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempt=attempt).update(**fields)
    if not ok:
        logger.warning("webhook %s delivery %s attempt %s failed: %s", delivery.webhook_id, delivery.pk, attempt, error)
    return fields["status"]


def retry_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every due delivery this worker can claim (the retry sweep; safe to run in parallel)."""
    now = now or timezone.now()
    # A worker that died mid-send on its last attempt leaves a stale lock: give up on it.
    given_up = WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING,
        locked_until__lt=now,
        attempt__gte=max_attempts(),
    ).update(status=DeliveryStatus.FAILED, locked_until=None, error="Worker lost during the last attempt")
    ids = list(
        WebhookDelivery.objects.filter(claimable_q(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "skipped": 0, "given_up": given_up}
    for pk in ids:
        result = deliver(pk, now=now)
        counts["skipped" if result == "skipped" else "sent"] += 1
    return counts
