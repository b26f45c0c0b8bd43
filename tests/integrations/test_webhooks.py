"""Webhook delivery to a real HTTP server on 127.0.0.1: signatures, retries, claims, Slack, URL checks."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from integrations import delivery, jobs
from integrations.events import Event
from integrations.models import DeliveryStatus, WebhookDelivery
from integrations.payloads import envelope, slack_payload
from integrations.signing import sign, verify
from integrations.urlcheck import validate_webhook_url
from tests.conftest import requires_postgres


def _fan_out(event="request.approved", key="k1", data=None):
    env = envelope(event, data or {"request": {"id": 1, "name": "Webinar <b>&</b>"}})
    return delivery.fan_out(env, key)


def test_delivery_is_signed_and_verifiable_with_the_secret(allow_local, receiver, make_webhook):
    hook = make_webhook(receiver.url)
    [pk] = _fan_out()
    d = WebhookDelivery.objects.get(pk=pk)
    assert d.status == DeliveryStatus.DELIVERED and d.status_code == 200 and d.attempt == 1
    assert d.delivered_at is not None and d.response_excerpt == "ok"
    [got] = receiver.requests
    body, headers = got["body"], got["headers"]
    assert verify(hook.secret, body, headers["X-MOpsDesk-Signature"])
    assert headers["X-MOpsDesk-Signature"] == sign(hook.secret, body)
    assert headers["X-MOpsDesk-Event"] == "request.approved"
    assert headers["X-MOpsDesk-Delivery"] == str(d.uuid)
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert payload["event"] == "request.approved" and payload["data"]["request"]["name"] == "Webinar <b>&</b>"


def test_forged_or_tampered_signatures_fail_verification(allow_local, receiver, make_webhook):
    hook = make_webhook(receiver.url)
    _fan_out()
    body, header = receiver.requests[0]["body"], receiver.requests[0]["headers"]["X-MOpsDesk-Signature"]
    assert verify(hook.secret, body, header)
    assert not verify("wrong-secret", body, header)  # wrong secret
    assert not verify(hook.secret, body + b" ", header)  # tampered body
    assert not verify(hook.secret, body, sign("attacker", body))  # forged with another key
    assert not verify(hook.secret, body, header.replace("sha256=", ""))  # no scheme
    assert not verify(hook.secret, body, None)
    assert not verify(hook.secret, body, "sha256=" + "0" * 64)


def test_same_event_is_delivered_once_per_webhook(allow_local, receiver, make_webhook):
    make_webhook(receiver.url)
    assert len(_fan_out(key="same")) == 1
    assert _fan_out(key="same") == []  # the job ran twice
    assert len(receiver.requests) == 1


def test_unsubscribed_and_inactive_webhooks_get_nothing(allow_local, receiver, make_webhook):
    make_webhook(receiver.url, events=["task.assigned"])
    make_webhook(receiver.url, active=False)
    assert _fan_out("request.approved") == []
    assert receiver.requests == []


def test_retry_with_exponential_backoff_after_500_then_success(allow_local, receiver, make_webhook):
    make_webhook(receiver.url)
    receiver.statuses = [500, 503]
    t0 = timezone.now()
    with_now = _fan_out()
    d = WebhookDelivery.objects.get(pk=with_now[0])
    assert d.status == DeliveryStatus.RETRYING and d.status_code == 500 and d.attempt == 1
    assert "boom" in d.response_excerpt
    first_wait = d.next_attempt_at - t0
    assert dt.timedelta(seconds=55) < first_wait < dt.timedelta(seconds=70)  # 1 minute
    # not due yet: the sweep leaves it alone
    assert jobs.retry_webhook_deliveries(now=d.next_attempt_at - dt.timedelta(seconds=1))["sent"] == 0
    assert len(receiver.requests) == 1
    # second attempt: 503, next wait 2 minutes
    now2 = d.next_attempt_at
    assert jobs.retry_webhook_deliveries(now=now2)["sent"] == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.RETRYING and d.attempt == 2 and d.status_code == 503
    assert d.next_attempt_at == now2 + dt.timedelta(minutes=2)
    # third attempt succeeds
    jobs.retry_webhook_deliveries(now=d.next_attempt_at)
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DELIVERED and d.attempt == 3 and d.status_code == 200
    assert [h["status_code"] for h in d.history] == [500, 503, 200]
    assert len(receiver.requests) == 3
    # every attempt carries the same body and a valid signature, and the same delivery id
    assert len({r["body"] for r in receiver.requests}) == 1
    assert len({r["headers"]["X-MOpsDesk-Delivery"] for r in receiver.requests}) == 1


def test_backoff_schedule_and_give_up_after_max_attempts(allow_local, receiver, make_webhook, settings):
    assert [delivery.backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    make_webhook(receiver.url)
    receiver.statuses = [500] * 10
    [pk] = _fan_out()
    now = timezone.now()
    for _ in range(10):
        now += dt.timedelta(hours=1)
        jobs.retry_webhook_deliveries(now=now)
    d = WebhookDelivery.objects.get(pk=pk)
    assert d.status == DeliveryStatus.FAILED and d.attempt == settings.MOPS_WEBHOOKS_MAX_ATTEMPTS == 6
    assert len(receiver.requests) == 6 and d.next_attempt_at is None


def test_network_error_is_recorded_and_retried(allow_local, make_webhook):
    make_webhook("http://127.0.0.1:9/nothing-listens-here")
    [pk] = _fan_out()
    d = WebhookDelivery.objects.get(pk=pk)
    assert d.status == DeliveryStatus.RETRYING and d.status_code is None and d.error


def test_two_claims_of_one_delivery_send_once(allow_local, receiver, make_webhook, monkeypatch):
    """Worker B sweeps while worker A is mid-send: B cannot claim; claims are conditional updates."""
    make_webhook(receiver.url)
    receiver.statuses = [500]
    [pk] = _fan_out()
    due = WebhookDelivery.objects.get(pk=pk).next_attempt_at
    assert delivery.claim(pk, due) is True
    assert delivery.claim(pk, due) is False  # already claimed (sending, locked)
    WebhookDelivery.objects.filter(pk=pk).update(status=DeliveryStatus.RETRYING, attempt=1, locked_until=None)

    real_post = delivery.http_post
    second = {}

    def post_while_another_worker_sweeps(url, body, headers):
        second["result"] = delivery.retry_due(now=due)  # worker B, same instant
        return real_post(url, body, headers)

    monkeypatch.setattr(delivery, "http_post", post_while_another_worker_sweeps)
    assert delivery.retry_due(now=due)["sent"] == 1  # worker A
    assert second["result"]["sent"] == 0
    assert len(receiver.requests) == 2  # the first (500) attempt + exactly one retry
    assert WebhookDelivery.objects.get(pk=pk).status == DeliveryStatus.DELIVERED


def test_stale_lock_of_a_dead_worker_is_reclaimed(allow_local, receiver, make_webhook):
    make_webhook(receiver.url)
    receiver.statuses = [500]
    [pk] = _fan_out()
    now = timezone.now() + dt.timedelta(minutes=5)
    WebhookDelivery.objects.filter(pk=pk).update(
        status=DeliveryStatus.SENDING, locked_until=now - dt.timedelta(seconds=1)
    )
    assert jobs.retry_webhook_deliveries(now=now)["sent"] == 1
    assert WebhookDelivery.objects.get(pk=pk).status == DeliveryStatus.DELIVERED


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retry_sweeps_send_once_on_postgres(allow_local, receiver, make_webhook):
    make_webhook(receiver.url)
    receiver.statuses = [500]
    [pk] = _fan_out()
    due = WebhookDelivery.objects.get(pk=pk).next_attempt_at
    receiver.delay = 0.3
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(delivery.retry_due(now=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 1
    assert len(receiver.requests) == 2
    assert WebhookDelivery.objects.get(pk=pk).status == DeliveryStatus.DELIVERED


def test_slack_payload_shape_and_escaping(allow_local, receiver, make_webhook):
    hook = make_webhook(receiver.url, format="slack", language="en")
    data = {
        "request": {
            "id": 7,
            "name": "Launch <@channel> & co",
            "url": "http://x/requests/7/",
            "business_unit_name": "Tokyo",
            "launch_date": "2026-12-01",
        },
        "actor_name": "Charlie",
        "transition": {"comment": "ok"},
    }
    _fan_out("request.approved", data=data)
    payload = json.loads(receiver.requests[0]["body"])
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == "Request approved: Launch &lt;@channel&gt; &amp; co"
    assert payload["blocks"][0]["type"] == "section" and payload["blocks"][0]["text"]["type"] == "mrkdwn"
    assert "<http://x/requests/7/|" in payload["blocks"][0]["text"]["text"]
    assert payload["blocks"][-1]["type"] == "context"
    assert all(b["type"] in {"section", "context"} for b in payload["blocks"])
    # still signed
    assert verify(hook.secret, receiver.requests[0]["body"], receiver.requests[0]["headers"]["X-MOpsDesk-Signature"])
    ja = slack_payload(
        envelope("task.assigned", {"task": {"key": "MOPS-1", "title": "LP", "due_at": "x"}, "request": {"name": "W"}}),
        "ja",
    )
    assert ja["text"].startswith("タスクの割り当て: MOPS-1 LP")


def test_redirects_are_not_followed(allow_local, receiver, make_webhook):
    make_webhook(receiver.url)
    receiver.statuses = [302]
    [pk] = _fan_out()
    d = WebhookDelivery.objects.get(pk=pk)
    assert d.status == DeliveryStatus.RETRYING and d.status_code == 302


def test_local_target_refused_at_send_time_when_not_allowed(receiver, make_webhook, settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = True
    make_webhook(receiver.url)
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False  # switched off after the webhook was saved
    [pk] = _fan_out()
    d = WebhookDelivery.objects.get(pk=pk)
    assert d.status == DeliveryStatus.FAILED and ("local" in d.error.lower() or "ローカル" in d.error)
    assert receiver.requests == []


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://hooks.slack.com/services/T0/B0/XYZ", True),
        ("http://crm.example.com:8080/webhook?x=1", True),
        ("https://93.184.216.34/hook", True),
        ("ftp://example.com/hook", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("gopher://example.com/", False),
        ("example.com/hook", False),
        ("https://", False),
        ("", False),
        ("https://user:pw@example.com/hook", False),
        ("https://exa mple.com/", False),
        ("http://127.0.0.1:8000/api/", False),
        ("http://localhost/hook", False),
        ("http://LOCALHOST./hook", False),
        ("http://app.localhost/hook", False),
        ("http://testserver/hook", False),  # in ALLOWED_HOSTS: the server itself
        ("http://[::1]/hook", False),
        ("http://0.0.0.0/", False),
        ("http://2130706433/", False),  # 127.0.0.1 as an integer
        ("http://10.0.0.5/hook", False),
        ("http://192.168.1.10/hook", False),
        ("http://169.254.169.254/latest/meta-data/", False),  # cloud metadata
        ("http://[::ffff:127.0.0.1]/", False),
        # Not public although not "private": shared space, 6to4/NAT64 wrappers, reserved ranges.
        ("http://100.100.100.200/latest/meta-data/", False),  # cloud metadata in 100.64.0.0/10
        ("http://100.64.0.1/", False),
        ("http://[2002:7f00:1::]/", False),  # 6to4 of 127.0.0.1
        ("http://[2002:a9fe:a9fe::]/", False),  # 6to4 of 169.254.169.254
        ("http://[64:ff9b::a9fe:a9fe]/", False),  # NAT64 of 169.254.169.254
        ("http://[::a9fe:a9fe]/", False),  # IPv4-compatible form
        ("http://[::ffff:100.100.100.200]/", False),
        ("http://198.18.0.1/", False),  # benchmarking
        ("http://192.0.2.1/", False),  # documentation
        ("http://240.0.0.1/", False),  # reserved
        ("http://255.255.255.255/", False),
        ("http://224.0.0.1/", False),  # multicast
        ("http://[ff02::1]/", False),
        ("http://[fc00::1]/", False),
        ("http://[fe80::1]/", False),
        ("http://[fec0::1]/", False),  # deprecated site-local
        ("http://[2001:db8::1]/", False),
        ("https://[2606:4700:4700::1111]/hook", True),
        ("https://[2002:5db8:d822::1]/hook", True),  # 6to4 of a public address
    ],
)
def test_url_validation_table(url, ok, settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    if ok:
        validate_webhook_url(url)
    else:
        with pytest.raises(ValidationError):
            validate_webhook_url(url)


def test_own_host_from_allowed_hosts_is_refused(settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    settings.ALLOWED_HOSTS = ["mops.example.co.jp", ".internal.example.com", "*"]
    for url in ("https://mops.example.co.jp/api/", "https://x.internal.example.com/", "https://internal.example.com/"):
        with pytest.raises(ValidationError):
            validate_webhook_url(url)
    validate_webhook_url("https://hooks.slack.com/x")


def test_local_urls_allowed_when_the_setting_allows(settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = True
    validate_webhook_url("http://127.0.0.1:8765/hook")
    with pytest.raises(ValidationError):
        validate_webhook_url("ftp://127.0.0.1/")  # the scheme rule still holds


def test_approval_delivers_request_approved_end_to_end(
    allow_local, receiver, make_webhook, alice, charlie, make_request, django_capture_on_commit_callbacks
):
    hook = make_webhook(receiver.url, events=[Event.REQUEST_APPROVED])
    req = make_request(alice, actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        from campaigns.services import request_approve

        request_approve(request_id=req.pk, by=charlie, comment="いいですね")
    [got] = receiver.requests
    payload = json.loads(got["body"])
    assert payload["event"] == "request.approved"
    assert payload["data"]["request"]["id"] == req.pk and payload["data"]["actor"] == "charlie"
    assert payload["data"]["transition"]["comment"] == "いいですね"
    assert "budget" not in payload["data"]["request"]
    assert verify(hook.secret, got["body"], got["headers"]["X-MOpsDesk-Signature"])


@pytest.mark.parametrize("resolved", ["100.100.100.200", "10.1.2.3", "2002:7f00:1::", "64:ff9b::7f00:1", "::1"])
def test_names_resolving_to_non_public_addresses_are_refused_before_sending(resolved, settings, monkeypatch):
    """DNS is faked: nothing is sent anywhere, the check refuses before connecting."""
    import socket

    from integrations.urlcheck import UnsafeTarget, check_resolved

    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    family = socket.AF_INET6 if ":" in resolved else socket.AF_INET

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (family, 1, 6, "", (resolved, port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeTarget):
        check_resolved("https://hooks.example.com/x")


def test_names_resolving_only_to_public_addresses_pass_the_check(settings, monkeypatch):
    import socket

    from integrations.urlcheck import check_resolved

    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, *a, **k: [(socket.AF_INET, 1, 6, "", ("93.184.216.34", port))]
    )
    check_resolved("https://hooks.example.com/x")
