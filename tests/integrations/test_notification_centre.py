"""The notification centre: in-app notices from the same fan-out as mails, only ever shown to
their recipient, per-event channel choices, the bell, the API, the admin, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns import discussion
from campaigns import services as campaign_services
from integrations import dispatch, jobs
from integrations.models import Notification
from integrations.notify import preference_for
from integrations.payloads import request_data
from tests.conftest import api_as


def notice(user, i=0, event="request.approved", req=None, **kw):
    data = {"request": {"id": req.pk if req else 999_999, "name": f"依頼 {i}"}, "actor_name": "Charlie"}
    return Notification.objects.create(user=user, event=event, dedupe_key=f"k{i}", data=data, **kw)


def test_a_transition_lands_in_the_requesters_centre_through_the_event_path(
    org, make_request, django_capture_on_commit_callbacks
):
    req = make_request(org["alice"], actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=req.pk, by=org["charlie"])
    body = api_as(org["alice"]).get("/api/notifications/").json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item["event"] == "request.approved" and item["unread"] is True
    assert item["url"] == f"/requests/{req.pk}/" and item["subject"] == req.name


def test_in_app_channel_follows_the_users_choice_per_event(org, make_request, django_capture_on_commit_callbacks):
    pref = preference_for(org["alice"])
    pref.in_app_events = ["request.rejected"]
    pref.save()
    req = make_request(org["alice"], actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=req.pk, by=org["charlie"])
    note = Notification.objects.get(user=org["alice"])
    assert note.in_app is False  # still recorded for the digest and the mail dedupe
    assert api_as(org["alice"]).get("/api/notifications/").json()["count"] == 0


def test_list_is_newest_first_and_filters_unread(org):
    old = notice(org["alice"], 1, created_at=timezone.now() - timezone.timedelta(hours=2))
    new = notice(org["alice"], 2)
    read = notice(org["alice"], 3, created_at=timezone.now() - timezone.timedelta(hours=1), read_at=timezone.now())
    notice(org["bob"], 4)
    client = api_as(org["alice"])
    assert [n["id"] for n in client.get("/api/notifications/").json()["results"]] == [new.pk, read.pk, old.pk]
    assert [n["id"] for n in client.get("/api/notifications/?unread=true").json()["results"]] == [new.pk, old.pk]
    assert [n["id"] for n in client.get("/api/notifications/?unread=false").json()["results"]] == [read.pk]
    r = client.get("/api/notifications/?unread=maybe")
    assert r.status_code == 400 and "unread" in r.json()
    assert client.get("/api/notifications/?page_size=1").json()["next"]


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "mona", "sam", "root", "anonymous"])
def test_permission_matrix_only_the_recipient_sees_or_marks_a_notice(who, org):
    note = notice(org["alice"])
    client = api_as(org.get(who))
    listed = client.get("/api/notifications/")
    read = client.post(f"/api/notifications/{note.pk}/read/")
    read_all = client.post("/api/notifications/read-all/")
    if who == "anonymous":
        assert (listed.status_code, read.status_code, read_all.status_code) == (403, 403, 403)
    elif who == "alice":
        assert listed.status_code == 200 and listed.json()["count"] == 1
        assert read.status_code == 200 and read.json()["unread"] is False
        assert read_all.status_code == 200
    else:
        assert listed.status_code == 200 and listed.json()["count"] == 0
        assert read.status_code == 404 and read.json()["detail"]
        assert read_all.status_code == 200 and read_all.json() == {"marked": 0}
    note.refresh_from_db()
    assert (note.read_at is not None) == (who == "alice")


def test_read_all_marks_only_mine(org):
    mine = [notice(org["alice"], i) for i in range(3)]
    other = notice(org["bob"], 9)
    r = api_as(org["alice"]).post("/api/notifications/read-all/")
    assert r.json() == {"marked": 3}
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_page_bell_and_marking_read(client, org, make_request):
    req = make_request(org["alice"], actions=["submit"])
    notes = [notice(org["alice"], i, req=req) for i in range(3)]
    client.force_login(org["alice"])
    home = client.get("/notifications/")
    html = home.content.decode()
    assert home.status_code == 200 and 'class="bell-count">3<' in html and "未読(3)" in html
    r = client.post(f"/notifications/{notes[0].pk}/read/", {"next": "/notifications/?show=unread"})
    assert r.status_code == 302 and r["Location"] == "/notifications/?show=unread"
    unread = client.get("/notifications/?show=unread").content.decode()
    assert unread.count('class="unread"') == 2
    opened = client.get(f"/notifications/{notes[1].pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/requests/{req.pk}/"
    client.post("/notifications/read-all/")
    assert "bell-count" not in client.get(f"/requests/{req.pk}/").content.decode()
    # Someone else's notice: 404, and an off-site "next" is ignored.
    client.force_login(org["bob"])
    assert client.post(f"/notifications/{notes[2].pk}/read/").status_code == 404
    assert client.get(f"/notifications/{notes[2].pk}/open/").status_code == 404
    notice(org["bob"], 7)
    r = client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert r["Location"] == "/notifications/"


def test_page_in_english(client, org):
    notice(org["alice"])
    client.force_login(org["alice"])
    client.post("/preferences/language/", {"language": "en", "next": "/notifications/"})
    html = client.get("/notifications/").content.decode()
    assert "Mark all read" in html and "Notifications (1 unread)" in html and "既読" not in html


def test_preferences_matrix_saves_each_channel(client, org):
    client.force_login(org["alice"])
    page = client.get("/preferences/").content.decode()
    assert 'name="in_app_events" value="comment.mentioned"' in page
    r = client.post(
        "/preferences/",
        {
            "language": "ja",
            "time_zone": "Asia/Tokyo",
            "in_app_events": ["comment.mentioned", "request.approved"],
            "email_events": ["comment.mentioned"],
            "digest_events": ["request.approved"],
        },
    )
    assert r.status_code == 302
    pref = preference_for(org["alice"])
    pref.refresh_from_db()
    assert pref.in_app_events == ["comment.mentioned", "request.approved"]
    assert pref.email_events == ["comment.mentioned"] and pref.digest_events == ["request.approved"]


def test_notifications_never_reveal_an_object_to_someone_who_cannot_open_it(org, make_request, mailoutbox):
    """Whatever asks the fan-out to tell bob about alice's request, bob hears nothing on any channel."""
    req = make_request(org["alice"], actions=["submit"])
    env = dispatch.envelope("request.approved", request_data(req, by=org["charlie"]))
    jobs.process_event(env, [org["bob"].pk, org["sam"].pk, org["alice"].pk], "leak-test", False)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"alice"}
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def test_a_mention_notice_links_to_the_comment_and_only_the_mentioned_person_sees_it(
    org, make_request, settings, tmp_path, django_capture_on_commit_callbacks, jobs_inline
):
    settings.MEDIA_ROOT = tmp_path
    req = make_request(org["alice"], actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        c = discussion.request_comment_add(request_id=req.pk, body="@charlie 承認前に確認を", by=org["alice"])
    [item] = api_as(org["charlie"]).get("/api/notifications/").json()["results"]
    assert item["url"] == f"/requests/{req.pk}/#comment-{c.pk}" and "承認前に確認を" in item["excerpt"]
    for other in ("alice", "bob", "mona", "sam", "root"):
        assert api_as(org[other]).get("/api/notifications/").json()["count"] == 0


def test_admin_lists_notices_read_only(client, org):
    note = notice(org["alice"])
    client.force_login(org["root"])
    assert client.get("/admin/integrations/notification/").status_code == 200
    assert client.get(f"/admin/integrations/notification/{note.pk}/change/").status_code == 200
    client.post(f"/admin/integrations/notification/{note.pk}/change/", {"read_at_0": "2026-01-01"})
    client.post(f"/admin/integrations/notification/{note.pk}/delete/", {"post": "yes"})
    note.refresh_from_db()
    assert note.read_at is None
    assert client.get("/admin/integrations/notification/add/").status_code == 403


def test_notification_list_query_count_is_constant(client, org):
    api = api_as(org["alice"])
    client.force_login(org["alice"])
    counts = {"api": [], "page": []}
    for n in (2, 20):
        for i in range(Notification.objects.filter(user=org["alice"]).count(), n):
            notice(org["alice"], i)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/notifications/").json()["count"] == n
        counts["api"].append(len(ctx))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        counts["page"].append(len(ctx))
    assert counts["api"][0] == counts["api"][1] and counts["page"][0] == counts["page"][1], counts
