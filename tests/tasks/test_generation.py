"""Generating tasks from templates: conditions, DAG, keys, idempotency (also concurrent)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from campaigns.models import CampaignRequest, RequestEvent, State
from tasks.generation import tasks_generate
from tasks.models import Task, TaskDependency, TaskEvent, TemplateDependency
from tests.conftest import requires_postgres


def deps(tasks):
    by_pk = {t.pk: t.task_type.slug for t in tasks.values()}
    return sorted(
        (by_pk[p], by_pk[t])
        for t, p in TaskDependency.objects.filter(task__in=[t.pk for t in tasks.values()]).values_list(
            "task_id", "predecessor_id"
        )
    )


def test_generation_creates_tasks_moves_campaign_and_audits(generated, mona):
    req, tasks = generated
    assert set(tasks) == {"plan", "lp", "email", "design", "qa"}
    assert req.state == State.IN_PRODUCTION
    ev = RequestEvent.objects.filter(request=req).order_by("-id").first()
    assert (ev.action, ev.from_state, ev.to_state, ev.actor) == ("start_production", "approved", "in_production", mona)
    assert deps(tasks) == sorted([("plan", "lp"), ("plan", "email"), ("design", "lp"), ("lp", "qa"), ("email", "qa")])
    assert TaskEvent.objects.filter(task__campaign=req, action="create").count() == 5
    keys = sorted(int(t.key.split("-")[1]) for t in tasks.values())
    assert keys == list(range(keys[0], keys[0] + 5))
    # Deadlines are scheduled forward through the DAG.
    assert tasks["lp"].due_at > tasks["plan"].due_at and tasks["qa"].due_at > tasks["lp"].due_at
    assert tasks["lp"].hourly_rate == 7000 and tasks["lp"].estimated_hours == 12


def test_generating_twice_yields_one_set(generated, mona):
    req, tasks = generated
    again = tasks_generate(request_id=req.pk, by=mona)
    assert sorted(t.pk for t in again) == sorted(t.pk for t in tasks.values())
    assert Task.objects.filter(campaign=req).count() == 5
    assert RequestEvent.objects.filter(request=req, action="start_production").count() == 1


def test_conditional_entries_follow_the_request_and_dependencies_pass_through(approved, template, mona):
    req = approved(needs_landing_page=False, needs_email_program=False, needs_design=True)
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    assert set(tasks) == {"plan", "design", "qa"}
    # lp and email are skipped: qa now waits on plan and design (through the skipped lp).
    assert deps(tasks) == [("design", "qa"), ("plan", "qa")]


def test_only_mops_may_generate(approved, template, alice, charlie, sam):
    req = approved()
    for user in (alice, charlie, sam):
        with pytest.raises(PermissionDenied):
            tasks_generate(request_id=req.pk, by=user)
    assert not Task.objects.filter(campaign=req).exists()


def test_no_template_is_a_clear_error(approved, mona, webinar):
    req = approved()
    with pytest.raises(ValidationError, match="タスクテンプレートがありません"):
        tasks_generate(request_id=req.pk, by=mona)
    req.refresh_from_db()
    assert req.state == State.APPROVED


def test_cycle_in_template_refused(template):
    e = template.entries_by_slug
    dep = TemplateDependency(predecessor=e["qa"], entry=e["plan"])
    with pytest.raises(ValidationError, match="循環"):
        dep.full_clean()


def test_cycle_check_on_template_clean(template):
    e = template.entries_by_slug
    TemplateDependency.objects.create(predecessor=e["qa"], entry=e["design"])  # design -> lp -> qa -> design
    with pytest.raises(ValidationError, match="循環"):
        template.full_clean()


def test_auto_generation_on_approval_when_enabled(
    alice, charlie, template, people, make_request, django_capture_on_commit_callbacks, settings
):
    settings.MOPS_AUTO_GENERATE_TASKS = True
    req = make_request(alice, actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        from campaigns.services import request_approve

        request_approve(request_id=req.pk, by=charlie)
    req.refresh_from_db()
    assert req.state == State.IN_PRODUCTION
    assert Task.objects.filter(campaign=req).count() == 5
    assert RequestEvent.objects.filter(request=req, action="start_production").get().actor is None


def test_no_auto_generation_when_disabled(
    alice, charlie, template, make_request, django_capture_on_commit_callbacks, settings
):
    settings.MOPS_AUTO_GENERATE_TASKS = False
    req = make_request(alice, actions=["submit"])
    with django_capture_on_commit_callbacks(execute=True):
        from campaigns.services import request_approve

        request_approve(request_id=req.pk, by=charlie)
    req.refresh_from_db()
    assert req.state == State.APPROVED and not Task.objects.filter(campaign=req).exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_at_once_make_one_set(approved, template, mona):
    req = approved()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(len(tasks_generate(request_id=req.pk, by=mona)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [5, 5]
    assert Task.objects.filter(campaign=req).count() == 5
    assert Task.objects.values("key").distinct().count() == Task.objects.count()
    assert CampaignRequest.objects.get(pk=req.pk).state == State.IN_PRODUCTION
    assert RequestEvent.objects.filter(request=req, action="start_production").count() == 1
