"""E-mail notifications: recipients from governance, the recipient's language, escaping, preferences, digest, SLA."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from integrations import dispatch, jobs
from integrations.models import Notification, NotificationPreference, SlaNotice
from integrations.notify import preference_for
from tasks import services as task_services
from tasks.models import Task

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def html_of(message) -> str:
    [(html, mime)] = message.alternatives
    assert mime == "text/html"
    return html


def set_pref(user, **values):
    pref = preference_for(user)
    for k, v in values.items():
        setattr(pref, k, v)
    pref.save()
    return pref


def test_submission_mails_the_routed_approver_in_their_language(
    org, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    set_pref(org["charlie"], language="en")
    req = make_request(org["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_submit(request_id=req.pk, by=org["alice"])
    assert [m.to for m in mailoutbox] == [["charlie@example.com"]]
    mail = mailoutbox[0]
    assert mail.subject == f"[MOps Desk] Approval needed: {req.name}"
    assert "Alice submitted the campaign request" in mail.body and "approve, reject or send it back" in mail.body
    assert f"/requests/{req.pk}/" in mail.body
    assert '<html lang="en">' in html_of(mail)
    # recorded for the approver only (not the requester, not MOps)
    assert list(Notification.objects.values_list("user__username", "event")) == [("charlie", "request.submitted")]


def test_decisions_mail_the_requester_in_japanese_with_the_reason_escaped(
    org, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    req = make_request(org["alice"], actions=["submit"], name="<img src=x onerror=alert(1)> ウェビナー")
    evil = '<script>alert("x")</script> 予算を見直してください'
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_request_changes(request_id=req.pk, by=org["charlie"], comment=evil)
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject.startswith("[MOps Desk] 差し戻されました: ")
    assert (
        "Alice さん" in mail.body and "再提出してください" in mail.body and evil in mail.body
    )  # plain text: as written
    html = html_of(mail)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; ウェビナー" in html
    assert '<html lang="ja">' in html


def test_approval_and_rejection_go_to_the_requester(org, make_request, mailoutbox, django_capture_on_commit_callbacks):
    a = make_request(org["alice"], actions=["submit"])
    b = make_request(org["bob"], actions=["submit"])
    set_pref(org["bob"], language="en")
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=a.pk, by=org["charlie"])
        campaign_services.request_reject(request_id=b.pk, by=org["charlie"], comment="Not this quarter")
    by_to = {m.to[0]: m for m in mailoutbox}
    assert by_to["alice@example.com"].subject.startswith("[MOps Desk] 承認されました")
    assert by_to["bob@example.com"].subject.startswith("[MOps Desk] Rejected: ")
    assert "Not this quarter" in by_to["bob@example.com"].body
    assert "charlie@example.com" not in by_to  # the actor is not told about their own decision


def test_preferences_are_respected(org, make_request, mailoutbox, django_capture_on_commit_callbacks):
    set_pref(org["alice"], email_events=["request.rejected"])
    req = make_request(org["alice"], actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=req.pk, by=org["charlie"])
    assert mailoutbox == []
    note = Notification.objects.get(user=org["alice"])
    assert note.event == "request.approved" and note.emailed_at is None  # kept for the digest


def test_event_job_run_twice_mails_once(org, make_request, mailoutbox):
    req = make_request(org["alice"], actions=["submit"])
    env = {
        "event": "request.approved",
        "occurred_at": timezone.now().isoformat(),
        "data": {"request": {"id": req.pk, "name": req.name}, "actor_name": "Charlie"},
    }
    jobs.process_event(env, [org["alice"].pk], "key-1")
    jobs.process_event(env, [org["alice"].pk], "key-1")
    assert len(mailoutbox) == 1 and Notification.objects.count() == 1


def test_task_assignment_notifies_the_assignee_when_they_opted_in(
    generated, org, mailoutbox, django_capture_on_commit_callbacks
):
    req, tasks = generated
    set_pref(org["sam"], email_events=["task.assigned"], language="en", time_zone="Europe/London")
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_assign(task_id=tasks["lp"].pk, assignee=org["sam"], by=org["mona"], notify=False)
    [mail] = mailoutbox
    assert mail.to == ["sam@example.com"] and mail.subject.startswith(
        f"[MOps Desk] Task assigned to you: {tasks['lp'].key}"
    )
    due_london = tasks["lp"].due_at.astimezone(zoneinfo.ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M")
    assert f"Due: {due_london} (Europe/London)" in mail.body
    assert Notification.objects.filter(user=org["sam"], event="task.assigned").count() == 1


def test_task_assignment_is_not_mailed_twice_by_default(generated, org, mailoutbox, django_capture_on_commit_callbacks):
    """tasks already mails every assignee; our task.assigned mail is opt-in (still in the digest)."""
    req, tasks = generated
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_assign(task_id=tasks["lp"].pk, assignee=org["sam"], by=org["mona"], notify=False)
    assert mailoutbox == []
    assert Notification.objects.filter(user=org["sam"], event="task.assigned").exists()


def test_sla_at_risk_and_breach_notify_assignee_and_mops_once(
    generated, org, mailoutbox, django_capture_on_commit_callbacks
):
    req, tasks = generated
    now = timezone.now()
    task_services.task_assign(task_id=tasks["lp"].pk, assignee=org["sam"], by=org["mona"], notify=False)
    Task.objects.filter(pk=tasks["lp"].pk).update(  # its clock runs (as if its predecessors were done)
        sla_start_at=now - dt.timedelta(days=5),
        at_risk_at=now - dt.timedelta(hours=2),
        due_at=now - dt.timedelta(hours=1),
    )
    Task.objects.filter(pk=tasks["plan"].pk).update(
        at_risk_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=5)
    )
    Task.objects.filter(pk=tasks["qa"].pk).update(due_at=now - dt.timedelta(days=30))  # old: not announced
    set_pref(org["mona"], language="en")
    with django_capture_on_commit_callbacks(execute=True):
        counts = jobs.announce_sla(now)
    assert counts == {"breached": 1, "at_risk": 1}
    subjects = sorted((m.to[0], m.subject) for m in mailoutbox)
    lp, plan = tasks["lp"], tasks["plan"]
    assert subjects == sorted(
        [
            ("sam@example.com", f"[MOps Desk] SLA超過: {lp.key} {lp.title}"),
            ("mona@example.com", f"[MOps Desk] SLA breached: {lp.key} {lp.title}"),
            ("mona@example.com", f"[MOps Desk] SLA at risk: {plan.key} {plan.title}"),
        ]
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.announce_sla(now + dt.timedelta(minutes=5)) == {"breached": 0, "at_risk": 0}
    assert mailoutbox == [] and SlaNotice.objects.count() == 2


def test_daily_digest_once_per_local_day_after_the_hour(generated, org, mailoutbox, django_capture_on_commit_callbacks):
    req, tasks = generated
    now = timezone.now()
    task_services.task_assign(task_id=tasks["lp"].pk, assignee=org["mona"], by=org["mona"], notify=False)
    Task.objects.filter(pk=tasks["lp"].pk).update(due_at=now + dt.timedelta(days=2))
    set_pref(org["mona"], daily_digest=True, language="en")
    set_pref(org["alice"], daily_digest=True)  # nothing to tell alice: no mail
    day = timezone.localdate(now, TOKYO) + dt.timedelta(days=1)
    early = dt.datetime.combine(day, dt.time(7, 0), tzinfo=TOKYO)
    assert jobs.send_daily_digests(early) == 0
    nine = dt.datetime.combine(day, dt.time(9, 0), tzinfo=TOKYO)
    assert jobs.send_daily_digests(nine) == 1
    assert jobs.send_daily_digests(nine + dt.timedelta(hours=1)) == 0
    [mail] = mailoutbox
    assert mail.to == ["mona@example.com"] and mail.subject.startswith("[MOps Desk] Daily digest")
    assert tasks["lp"].key in mail.body and "Your tasks due within 7 days" in mail.body
    assert NotificationPreference.objects.get(user=org["mona"]).last_digest_on == day
    assert jobs.send_daily_digests(nine + dt.timedelta(days=1)) == 1


def test_digest_off_means_no_digest(org, mailoutbox):
    set_pref(org["mona"], daily_digest=False)
    assert jobs.send_daily_digests(timezone.now() + dt.timedelta(days=1)) == 0


def test_suppressed_and_backfilled_events_are_not_emitted(
    org, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    req = make_request(org["alice"])
    with django_capture_on_commit_callbacks(execute=True), dispatch.suppressed():
        campaign_services.request_submit(request_id=req.pk, by=org["alice"])
    old = make_request(org["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_submit(request_id=old.pk, by=org["alice"], at=timezone.now() - dt.timedelta(days=30))
    assert mailoutbox == [] and Notification.objects.count() == 0


def test_preferences_page_saves_and_validates(client, org):
    client.force_login(org["alice"])
    assert client.get("/preferences/").status_code == 200
    r = client.post(
        "/preferences/",
        {"language": "en", "time_zone": "Europe/Paris", "email_events": ["request.approved"], "daily_digest": "on"},
    )
    assert r.status_code == 302
    pref = NotificationPreference.objects.get(user=org["alice"])
    assert (pref.language, pref.time_zone, pref.email_events, pref.daily_digest) == (
        "en",
        "Europe/Paris",
        ["request.approved"],
        True,
    )
    r = client.post("/preferences/", {"language": "fr", "time_zone": "Mars/Olympus", "email_events": ["nope"]})
    assert r.status_code == 200 and r.context["form"].errors.keys() >= {"language", "time_zone", "email_events"}


@pytest.mark.parametrize(
    "event",
    [
        "request.submitted",
        "request.approved",
        "request.rejected",
        "request.changes_requested",
        "task.assigned",
        "sla.at_risk",
        "sla.breached",
        "campaign.launched",
        "review.ready",
        "comment.mentioned",
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_event_has_templates_in_both_languages(event, language, org):
    from integrations.notify import event_mail

    pref = set_pref(org["alice"], language=language)
    data = {
        "request": {"name": "<b>R</b>", "launch_date": "2026-12-01", "url": "http://x/"},
        "task": {"key": "MOPS-1", "title": "<i>T</i>", "due_at": "2026-12-01T08:00:00+00:00", "url": "http://x/"},
        "review": {"title": "<u>Q4</u>", "url": "http://x/"},
        "actor_name": "<Mona>",
    }
    subject, text, html = event_mail({"event": event, "data": data}, org["alice"], pref)
    assert subject.startswith("[MOps Desk] ") and "\n" not in subject and len(subject) > 14
    assert (
        text.strip()
        and "<b>R</b>" not in html
        and "<i>T</i>" not in html
        and "<u>Q4</u>" not in html
        and "<Mona>" not in html
    )


class FakeEvent:
    def __init__(self, pk, action, to_state, comment=""):
        self.pk, self.action, self.to_state, self.from_state, self.comment = (
            pk,
            action,
            to_state,
            "ready_for_launch",
            comment,
        )
        self.at = timezone.now()


def test_launch_tells_requester_and_mops_but_not_the_actor(
    org, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    from integrations import receivers

    req = make_request(org["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        receivers.on_request_transitioned(
            sender=None, request=req, event=FakeEvent(9001, "launch", "launched"), by=org["alice"]
        )
    assert [m.to for m in mailoutbox] == [["mona@example.com"]]
    assert mailoutbox[0].subject == f"[MOps Desk] ローンチしました: {req.name}"


def test_review_ready_tells_mops_and_the_requester_of_the_review(org, mailoutbox, django_capture_on_commit_callbacks):
    from integrations import receivers

    class Report:
        pk, status, requested_by_id = 5, "done", None

        def __str__(self):
            return "2026 Q3 <MOps> review"

    report = Report()
    report.requested_by_id = org["charlie"].pk
    with django_capture_on_commit_callbacks(execute=True):
        receivers.on_review_saved(sender=Report, instance=report, created=False)
        report.status = "running"
        receivers.on_review_saved(sender=Report, instance=report, created=False)
    assert sorted(m.to[0] for m in mailoutbox) == ["charlie@example.com", "mona@example.com"]
    assert all(m.subject == "[MOps Desk] レビューが完成しました: 2026 Q3 <MOps> review" for m in mailoutbox)
    assert "&lt;MOps&gt;" in html_of(mailoutbox[0])


def test_a_broken_receiver_never_breaks_the_transition(
    org, make_request, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations import receivers

    def boom(*a, **k):
        raise RuntimeError("integrations down")

    monkeypatch.setattr(receivers.dispatch, "emit", boom)
    req = make_request(org["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_submit(request_id=req.pk, by=org["alice"])
    req.refresh_from_db()
    assert req.state == "submitted"


def test_hybrid_two_step_approval_mails_each_step_and_webhooks_only_the_decision(
    org, osaka, make_request, mailoutbox, django_capture_on_commit_callbacks, allow_local, receiver, make_webhook
):
    from decimal import Decimal

    from governance import roles
    from governance.models import GovernanceModel
    from governance.policy import organisation_governance
    from tests.conftest import make_user

    gov = organisation_governance()
    gov.model, gov.hybrid_threshold = GovernanceModel.HYBRID, Decimal(1_000_000)
    gov.save()
    head = make_user("oscar", roles.APPROVER, osaka)
    osaka.head = head
    osaka.save()
    make_webhook(receiver.url, events=["request.submitted", "request.approved"])
    req = make_request(org["bob"], business_unit=osaka, budget=Decimal(2_000_000))
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_submit(request_id=req.pk, by=org["bob"])
    assert [m.to for m in mailoutbox] == [["oscar@example.com"]]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=req.pk, by=head)  # step 1 of 2
    assert [m.to for m in mailoutbox] == [["charlie@example.com"]]
    assert mailoutbox[0].subject.startswith("[MOps Desk] 承認のお願い")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.request_approve(request_id=req.pk, by=org["charlie"])
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]
    assert [r["headers"]["X-MOpsDesk-Event"] for r in receiver.requests] == ["request.submitted", "request.approved"]
