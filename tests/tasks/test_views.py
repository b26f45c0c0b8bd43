"""Pages render for each role and go through the same services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from campaigns.models import State
from tasks import services
from tasks.models import Task, TaskState


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["mona", "sam", "alice"])
def test_pages_render(generated, org, who):
    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=org["sam"], by=org["mona"])
    c = login(org[who])
    for url in ("/tasks/", "/tasks/mine/", f"/tasks/{tasks['plan'].pk}/", f"/tasks/campaign/{req.pk}/"):
        res = c.get(url)
        assert res.status_code == 200, url
    if who != "sam":  # specialists do not see campaign requests, only their tasks
        detail = c.get(f"/requests/{req.pk}/").content.decode()
        assert tasks["plan"].key in detail
        # Labour cost (role rates x hours) is for the roles that plan and approve the work only.
        assert ("人件費" in detail) == (who == "mona")
    assert c.get("/tasks/workload/").status_code == (200 if who == "mona" else 403)


def test_bob_cannot_see_alices_tasks(generated, bob):
    req, tasks = generated
    assert login(bob).get(f"/tasks/{tasks['plan'].pk}/").status_code == 404
    assert tasks["plan"].key not in login(bob).get("/tasks/").content.decode()


def test_actions_through_pages(generated, mona, sam):
    req, tasks = generated
    plan = tasks["plan"]
    c = login(mona)
    res = c.post(f"/tasks/{plan.pk}/assign/", {"assignee": sam.pk})
    assert res.status_code == 302
    s = login(sam)
    page = s.get(f"/tasks/{plan.pk}/").content.decode()
    assert f"/tasks/{plan.pk}/start/" in page and f"/tasks/{plan.pk}/cancel/" not in page
    s.post(f"/tasks/{plan.pk}/start/", {"expected_state": "todo"})
    s.post(f"/tasks/{plan.pk}/submit_review/", {})
    s.post(f"/tasks/{plan.pk}/complete/", {"actual_hours": "-3"})  # refused by the form
    assert Task.objects.get(pk=plan.pk).state == TaskState.IN_REVIEW
    s.post(f"/tasks/{plan.pk}/complete/", {"actual_hours": "3.5"})
    assert Task.objects.get(pk=plan.pk).state == TaskState.DONE
    res = s.post(f"/tasks/{plan.pk}/comment/", {"body": "完了しました"})
    comment = plan.comments.get()
    # the page says so and lands on the new comment, as a request comment does
    assert res.status_code == 302 and res["Location"] == f"/tasks/{plan.pk}/#task-comment-{comment.pk}"
    page = s.get(f"/tasks/{plan.pk}/").content.decode()
    assert "完了しました" in page and "コメントを投稿しました" in page
    assert '<label for="id_body">コメント</label>' in page
    # MOps drops a task and adds one from the campaign page.
    c.post(f"/tasks/{tasks['design'].pk}/cancel/", {"next": f"/tasks/campaign/{req.pk}/"})
    assert Task.objects.get(pk=tasks["design"].pk).state == TaskState.CANCELLED
    c.post(f"/tasks/campaign/{req.pk}/", {"task_type": tasks["qa"].task_type.pk, "title": "最終確認"})
    assert Task.objects.filter(campaign=req, title="最終確認").exists()
    c.post(f"/tasks/{tasks['qa'].pk}/move/up/")


def test_a_done_action_says_so_in_the_readers_language(generated, mona, sam):
    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=sam, by=mona)
    services.task_assign(task_id=tasks["design"].pk, assignee=sam, by=mona)
    s = login(sam)
    en = s.post(f"/tasks/{tasks['plan'].pk}/start/", {}, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{tasks['plan'].key}: “Start” done." in en
    ja = s.post(f"/tasks/{tasks['design'].pk}/start/", {}, follow=True, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert f"{tasks['design'].key}: 「開始」を実行しました。" in ja and ": OK" not in ja


def test_generate_button(approved, template, mona, people):
    req = approved()
    c = login(mona)
    assert f"/tasks/campaign/{req.pk}/generate/" in c.get(f"/requests/{req.pk}/").content.decode()
    c.post(f"/tasks/campaign/{req.pk}/generate/")
    req.refresh_from_db()
    assert req.state == State.IN_PRODUCTION and Task.objects.filter(campaign=req).count() == 5


def test_the_timeline_names_the_people_a_task_was_assigned_to(generated, mona, sam):
    """Assignment events store usernames; the page shows the person's name."""
    req, tasks = generated
    sam.last_name, sam.first_name = "佐藤", "誠"
    sam.save()
    services.task_assign(task_id=tasks["plan"].pk, assignee=sam, by=mona)
    page = login(mona).get(f"/tasks/{tasks['plan'].pk}/").content.decode()
    assert "— → 佐藤誠" in page and "→ sam" not in page
    assert ">佐藤誠 · sam</option>" in page  # the assignee picker names people too


def test_consecutive_sla_replans_read_as_one_line_with_the_whole_move(generated, mona):
    """Each predecessor that moves re-plans its successors: the timeline folds a run of them."""
    from tasks.models import TaskEvent

    req, tasks = generated
    lp = tasks["lp"]
    at = lp.created_at
    moves = [
        ("2026-06-05T09:00:00+00:00", "2026-06-08T09:00:00+00:00"),
        ("2026-06-08T09:00:00+00:00", "2026-06-09T09:00:00+00:00"),
    ]
    for i, due in enumerate(moves):
        TaskEvent.objects.create(
            task=lp,
            action="sla_replan",
            from_state=lp.state,
            to_state=lp.state,
            actor=None,
            at=at + dt.timedelta(minutes=i + 1),
            data={"due_at": list(due)},
        )
    c = login(mona)
    page = c.get(f"/tasks/{lp.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("SLA clock re-planned") == 1
    assert "(2 times)" in page and "due 2026-06-05 18:00 → 2026-06-09 18:00" in page


def test_a_swept_sla_change_reads_as_words_in_the_timeline(generated, mona):
    from tasks.models import TaskEvent

    req, tasks = generated
    lp = tasks["lp"]
    TaskEvent.objects.create(
        task=lp,
        action="sla_state",
        from_state=lp.state,
        to_state=lp.state,
        at=lp.created_at + dt.timedelta(minutes=1),
        data={"sla_from": "at_risk", "sla_to": "breached", "source": "sweep"},
    )
    c = login(mona)
    en = c.get(f"/tasks/{lp.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SLA state changed" in en and "At risk</span> → <span" in en and ">Breached</span>" in en
    assert "sla_state" not in en.split("Timeline and comments")[1].split("<form")[0]
