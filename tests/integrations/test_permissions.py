"""Only Admins configure webhooks: API, pages and the Django admin."""

from __future__ import annotations

import pytest

from governance import roles
from integrations.models import Webhook, WebhookDelivery
from tests.conftest import make_user

NON_ADMINS = ["alice", "bob", "charlie", "mona", "sam"]


@pytest.fixture
def hook(db):
    return Webhook.objects.create(name="h", url="https://hooks.example.com/x", events=["request.approved"])


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_cannot_use_the_webhook_api(client, org, hook, who):
    client.force_login(org[who])
    assert client.get("/api/webhooks/").status_code == 403
    assert (
        client.post(
            "/api/webhooks/",
            {"name": "x", "url": "https://a.example.com/", "events": ["request.approved"]},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.get(f"/api/webhooks/{hook.pk}/deliveries/").status_code == 403
    assert client.post(f"/api/webhooks/{hook.pk}/test/").status_code == 403
    assert client.delete(f"/api/webhooks/{hook.pk}/").status_code == 403
    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/", {"name": "x"}).status_code == 403
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 403
    assert client.post(f"/webhooks/{hook.pk}/test/").status_code == 403
    assert client.get("/admin/integrations/webhook/").status_code in (302, 403)
    assert Webhook.objects.count() == 1


def test_anonymous_gets_nothing(client, hook):
    assert client.get("/api/webhooks/").status_code in (401, 403)
    assert client.get("/webhooks/").status_code == 302


@pytest.mark.parametrize("who", ["root", "admin_role"])
def test_admins_configure_webhooks(client, org, who, settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    user = org["root"] if who == "root" else make_user("adele", roles.ADMIN)
    client.force_login(user)
    r = client.post(
        "/api/webhooks/",
        {
            "name": "Slack",
            "url": "https://hooks.slack.com/services/T/B/X",
            "events": ["request.approved", "sla.breached"],
            "format": "slack",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["created_by"] == user.username and len(body["secret"]) >= 32 and body["active"] is True
    pk = body["id"]
    assert client.get("/api/webhooks/").json()["count"] == 1
    r = client.patch(f"/api/webhooks/{pk}/", {"active": False}, content_type="application/json")
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(f"/api/webhooks/{pk}/deliveries/").json()["results"] == []
    assert client.get("/webhooks/").status_code == 200 and client.get(f"/webhooks/{pk}/").status_code == 200
    assert client.delete(f"/api/webhooks/{pk}/").status_code == 204


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "http://127.0.0.1:8000/"}, "url"),
        ({"url": "http://localhost/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"events": ["nope"]}, "events"),
        ({"events": []}, "events"),
        ({"format": "xml"}, "format"),
    ],
)
def test_api_refuses_bad_input(client, org, payload, field, settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    client.force_login(org["root"])
    data = {"name": "x", "url": "https://hooks.example.com/x", "events": ["request.approved"], **payload}
    r = client.post("/api/webhooks/", data, content_type="application/json")
    assert r.status_code == 400 and field in r.content.decode(), r.content
    assert Webhook.objects.count() == 0


def test_page_form_refuses_local_urls(client, org, settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = False
    client.force_login(org["root"])
    r = client.post(
        "/webhooks/",
        {
            "name": "x",
            "url": "http://localhost:8000/",
            "events": ["request.approved"],
            "format": "json",
            "language": "ja",
            "active": "on",
        },
    )
    assert r.status_code == 200 and "url" in r.context["form"].errors
    r = client.post(
        "/webhooks/",
        {
            "name": "x",
            "url": "https://crm.example.com/hook",
            "events": ["request.approved"],
            "format": "json",
            "language": "ja",
            "active": "on",
        },
    )
    assert r.status_code == 302 and Webhook.objects.get().created_by == org["root"]


def test_test_endpoint_delivers_and_log_page_shows_status(
    client, org, allow_local, receiver, django_capture_on_commit_callbacks
):
    client.force_login(org["root"])
    hook = Webhook.objects.create(name="local", url=receiver.url, events=["request.approved"], active=False)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/webhooks/{hook.pk}/test/")
    assert r.status_code == 202
    d = WebhookDelivery.objects.get()
    assert d.event == "webhook.test" and d.status == "delivered" and d.status_code == 200
    assert receiver.requests[0]["headers"]["X-MOpsDesk-Event"] == "webhook.test"
    log = client.get(f"/api/webhooks/{hook.pk}/deliveries/").json()["results"]
    assert log[0]["status_code"] == 200 and log[0]["attempt"] == 1
    page = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert "webhook.test" in page and "200" in page and "delivery-delivered" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/webhooks/{hook.pk}/test/").status_code == 302
    assert len(receiver.requests) == 2


def test_everyone_has_a_preferences_page_and_calendar(client, org):
    for who in [*NON_ADMINS, "root"]:
        client.force_login(org[who])
        assert client.get("/preferences/").status_code == 200
        assert client.get("/calendar/").status_code == 200
