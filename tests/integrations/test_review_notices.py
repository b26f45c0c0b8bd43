"""Four-eyes review notices through the one event path: submit tells the reviewers, return and
approve tell the assignee; nobody hears of their own action or of a task they may not open."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from governance import roles
from integrations.models import Notification
from integrations.notify import preference_for
from tasks import services
from tasks.deliverables import deliverable_input
from tasks.models import ReviewBy
from tests.conftest import api_as, make_user

REQUESTED, RETURNED, APPROVED = "task.review_requested", "task.review_returned", "task.review_approved"


@pytest.fixture
def review_task(generated, org):
    """The plan task, reviewed by the requester (alice), assigned to and started by sam."""
    _req, tasks = generated
    task = tasks["plan"]
    task.task_type.review_by = ReviewBy.REQUESTER
    task.task_type.save()
    services.task_assign(task_id=task.pk, assignee=org["sam"], by=org["mona"], notify=False)
    services.task_transition(task_id=task.pk, action="start", by=org["sam"])
    return task


def submit(task, by, capture, comment="初稿です"):
    with capture(execute=True):
        services.task_transition(
            task_id=task.pk,
            action="submit_review",
            by=by,
            actual_hours=3,
            comment=comment,
            deliverable=deliverable_input(url="https://drive.example.com/plan"),
        )


def told(event) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("user__username", flat=True))


def test_submit_tells_the_requester_reviewer_not_the_assignee(review_task, org, django_capture_on_commit_callbacks):
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    assert told(REQUESTED) == {"alice"}
    body = api_as(org["alice"]).get("/api/notifications/").json()
    [item] = [i for i in body["results"] if i["event"] == REQUESTED]
    assert item["url"] == reverse("tasks:detail", args=[review_task.pk])
    assert item["subject"] == f"{review_task.key} {review_task.title}"


def test_return_tells_the_assignee_with_the_comment_in_app_and_by_mail(
    review_task, org, mailoutbox, django_capture_on_commit_callbacks
):
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    pref = preference_for(org["sam"])
    pref.language = "en"
    pref.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(
            task_id=review_task.pk, action="return_review", by=org["alice"], comment="CTA <b>を</b>直してください"
        )
    assert told(RETURNED) == {"sam"}
    [item] = [i for i in api_as(org["sam"]).get("/api/notifications/").json()["results"] if i["event"] == RETURNED]
    assert item["excerpt"] == "CTA <b>を</b>直してください"
    assert item["url"] == reverse("tasks:detail", args=[review_task.pk])
    [mail] = [m for m in mailoutbox if m.to == ["sam@example.com"]]
    assert mail.subject == f"[MOps Desk] Returned from review: {review_task.key} {review_task.title}"
    assert "CTA <b>を</b>直してください" in mail.body
    html = mail.alternatives[0][0]
    assert "&lt;b&gt;" in html and "<b>を</b>" not in html


def test_approval_tells_the_assignee_only(review_task, org, mailoutbox, django_capture_on_commit_callbacks):
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(task_id=review_task.pk, action="complete", by=org["alice"])
    assert told(APPROVED) == {"sam"}
    [mail] = [m for m in mailoutbox if m.to == ["sam@example.com"] and "承認" in m.subject]
    assert review_task.key in mail.subject


def test_the_assignee_who_reviews_nothing_hears_nothing_of_their_own_actions(
    review_task, org, django_capture_on_commit_callbacks
):
    """Under the MOps rule the reviewers are MOps and Admins; the assignee (even if MOps) never
    hears of their own submit, and the reviewer does not hear of their own return."""
    review_task.task_type.review_by = ReviewBy.MOPS
    review_task.task_type.save()
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    assert told(REQUESTED) == {"mona", "root"}
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(task_id=review_task.pk, action="return_review", by=org["mona"], comment="直して")
    assert told(RETURNED) == {"sam"}
    assert not Notification.objects.filter(user=org["sam"], event=REQUESTED).exists()
    assert not Notification.objects.filter(user=org["mona"], event=RETURNED).exists()


def test_role_reviewers_who_may_not_open_the_task_are_not_told(
    review_task, org, osaka, django_capture_on_commit_callbacks
):
    """Approvers review: charlie (routed the request) may open it; dave (an Osaka approver the
    request never reached) may not, so he gets nothing on any channel."""
    dave = make_user("dave", roles.APPROVER, osaka)
    review_task.task_type.review_by = ReviewBy.APPROVER
    review_task.task_type.save()
    assert api_as(dave).get(f"/api/tasks/{review_task.pk}/").status_code in (403, 404)
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    assert told(REQUESTED) == {"charlie"}
    assert not Notification.objects.filter(user=dave).exists()


def test_no_review_rule_means_no_review_notices(generated, org, django_capture_on_commit_callbacks):
    _req, tasks = generated
    task = tasks["plan"]
    services.task_assign(task_id=task.pk, assignee=org["sam"], by=org["mona"], notify=False)
    services.task_transition(task_id=task.pk, action="start", by=org["sam"])
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(task_id=task.pk, action="submit_review", by=org["sam"])
        services.task_transition(task_id=task.pk, action="complete", by=org["sam"], actual_hours=2)
    assert not Notification.objects.filter(event__in=[REQUESTED, RETURNED, APPROVED]).exists()


def test_a_subscribed_webhook_gets_the_return_with_the_comment_but_not_the_link(
    review_task, org, allow_local, receiver, make_webhook, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url, events=[RETURNED])
    submit(review_task, org["sam"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_transition(task_id=review_task.pk, action="return_review", by=org["alice"], comment="直して")
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [b["event"] for b in bodies] == [RETURNED]
    assert bodies[0]["data"]["transition"]["comment"] == "直して"
    assert "drive.example.com" not in str(bodies[0])


@pytest.mark.parametrize("event", [REQUESTED, RETURNED, APPROVED])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_review_mails_exist_in_both_languages(event, language, org):
    from integrations.notify import event_mail

    pref = preference_for(org["alice"])
    pref.language = language
    pref.save()
    data = {
        "request": {"name": "R", "url": "http://x/"},
        "task": {"key": "MOPS-1", "title": "<i>T</i>", "url": "http://x/"},
        "transition": {"comment": "<script>x</script>"},
        "deliverable": {"version": 2},
        "actor_name": "Alice",
    }
    subject, text, html = event_mail({"event": event, "data": data}, org["alice"], pref)
    assert "MOPS-1" in subject and "<script>" not in html and "<i>T</i>" not in html
    assert "<script>x</script>" in text and "2" in text


def test_a_mops_assignee_and_the_one_submitting_for_them_are_not_told(
    generated, org, tokyo, django_capture_on_commit_callbacks
):
    """MOps reviews: mona is the assignee (she may not review her own work) and root submits for
    her, so only the other MOps person, miki, is asked to review."""
    make_user("miki", roles.MOPS, tokyo)
    _req, tasks = generated
    task = tasks["plan"]
    task.task_type.review_by = ReviewBy.MOPS
    task.task_type.save()
    services.task_assign(task_id=task.pk, assignee=org["mona"], by=org["mona"], notify=False)
    services.task_transition(task_id=task.pk, action="start", by=org["mona"])
    submit(task, org["root"], django_capture_on_commit_callbacks)
    assert told(REQUESTED) == {"miki"}
