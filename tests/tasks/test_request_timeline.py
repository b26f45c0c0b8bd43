"""The request page's timeline: its tasks' review steps (``{% with_review_steps %}``, read by
``selectors.campaign_review_steps_for``) and the generated-tasks line, in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tasks import selectors, services
from tasks.models import TaskEvent
from tests.tasks.test_review import review_task, submit  # noqa: F401


@pytest.fixture(autouse=True)
def _default_language_after():
    # A page request leaves its language active in this thread: later tests expect the default.
    yield
    translation.deactivate()


def review_round_trip(task, org) -> None:
    """v1 handed in, returned by the requester, v2 handed in, approved by the requester."""
    submit(task, org["sam"], link="https://example.com/plan-v1", comment="初稿です")
    services.task_transition(task_id=task.pk, action="return_review", by=org["alice"], comment="根拠を追記してください")
    submit(task, org["sam"], link="https://example.com/plan-v2")
    services.task_transition(task_id=task.pk, action="complete", by=org["alice"])


def steps_on_page(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
        for li in re.findall(r'<li class="review-step">(.*?)</li>', html, re.S)
    ]


def test_the_request_page_shows_each_review_step_in_order(client, review_task, org):  # noqa: F811
    review_round_trip(review_task, org)
    client.force_login(org["alice"])
    html = client.get(
        reverse("campaigns:detail", args=[review_task.campaign_id]), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    steps = steps_on_page(html)
    assert len(steps) == 4
    assert all(review_task.key in s for s in steps)
    assert "レビューを依頼 · 成果物 v1" in steps[0] and "初稿です" in steps[0]
    assert "コメント付きで差し戻し" in steps[1] and "根拠を追記してください" in steps[1]
    assert "成果物 v2" in steps[2]
    assert "レビューで承認" in steps[3]
    assert f'href="/tasks/{review_task.pk}/"' in html


def test_the_steps_speak_the_readers_language(client, review_task, org):  # noqa: F811
    review_round_trip(review_task, org)
    client.force_login(org["charlie"])  # the approver the request was routed to
    html = client.get(
        reverse("campaigns:detail", args=[review_task.campaign_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    steps = steps_on_page(html)
    assert "Submitted for review · deliverable v1" in steps[0]
    assert "Returned with comments" in steps[1]
    assert "Approved in review" in steps[3]


def test_a_task_without_a_review_rule_shows_no_review_steps(generated, org):
    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=org["sam"], by=org["mona"])
    for action in ("start", "submit_review", "complete"):  # the assignee completes their own work
        services.task_transition(task_id=tasks["plan"].pk, action=action, by=org["sam"], actual_hours=2)
    assert TaskEvent.objects.filter(task=tasks["plan"], action="complete").exists()
    assert selectors.campaign_review_steps_for(org["alice"], req.pk) == []


def test_only_people_who_may_open_the_tasks_see_the_steps(review_task, org):  # noqa: F811
    review_round_trip(review_task, org)
    campaign = review_task.campaign_id
    assert len(selectors.campaign_review_steps_for(org["alice"], campaign)) == 4
    assert len(selectors.campaign_review_steps_for(org["mona"], campaign)) == 4
    assert selectors.campaign_review_steps_for(org["bob"], campaign) == []  # another unit's requester


def test_the_steps_are_one_query_however_many_there_are(review_task, org, django_assert_num_queries):  # noqa: F811
    submit(review_task, org["sam"], link="https://example.com/plan-v1")
    with django_assert_num_queries(1):
        assert len(selectors.campaign_review_steps_for(org["mona"], review_task.campaign_id)) == 1
    services.task_transition(task_id=review_task.pk, action="return_review", by=org["alice"], comment="直してください")
    submit(review_task, org["sam"], link="https://example.com/plan-v2")
    services.task_transition(task_id=review_task.pk, action="complete", by=org["alice"])
    with django_assert_num_queries(1):
        steps = selectors.campaign_review_steps_for(org["mona"], review_task.campaign_id)
        assert [s.task.key for s in steps] == [review_task.key] * 4  # the task came with the same query


def test_generated_tasks_are_counted_in_the_readers_language(client, generated, org):
    req, tasks = generated
    event = req.events.get(action="start_production")
    assert event.data == {"tasks_generated": len(tasks)}
    client.force_login(org["alice"])
    ja = client.get(reverse("campaigns:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    en = client.get(reverse("campaigns:detail", args=[req.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{len(tasks)} 件のタスクを生成" in ja and "tasks generated" not in ja
    assert f"{len(tasks)} tasks generated" in en and "件のタスクを生成" not in en
