"""Generating many campaigns' tasks at once: the same tasks as one by one, keys, all-or-nothing, queries."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import CampaignRequest, RequestEvent, State
from tasks.generation import TaskConflict, tasks_generate, tasks_generate_many
from tasks.models import Task, TaskDependency, TaskEvent
from tests.conftest import requires_postgres


def _shape(req) -> list[tuple]:
    """What a user sees of a campaign's generated tasks, independent of ids and key numbers."""
    rows = Task.objects.filter(campaign=req).select_related("task_type").order_by("position", "id")
    return [
        (t.task_type.slug, t.title, t.position, t.estimated_hours, t.sla_start_at, t.due_at, t.at_risk_at, t.state)
        for t in rows
    ]


def _numbers(req) -> list[int]:
    return sorted(Task.objects.filter(campaign=req).values_list("number", flat=True))


def test_bulk_makes_the_same_tasks_as_one_by_one(approved, template, mona):
    at = timezone.now()
    one = approved()
    tasks_generate(request_id=one.pk, by=mona, at=at)
    first, second = approved(), approved(needs_landing_page=False)
    made = tasks_generate_many(request_ids=[second.pk, first.pk], by=mona, at=at)
    assert _shape(first) == _shape(one)
    assert [t.task_type.slug for t in made[second.pk]] and "lp" not in {t.task_type.slug for t in made[second.pk]}
    for req in (first, second):
        req.refresh_from_db()
        assert req.state == State.IN_PRODUCTION
        ev = RequestEvent.objects.get(request=req, action="start_production")
        n = Task.objects.filter(campaign=req).count()
        assert (ev.actor, ev.from_state, ev.comment) == (mona, State.APPROVED, f"{n} 件のタスクを生成")
        assert TaskEvent.objects.filter(task__campaign=req, action="create", actor=mona).count() == n
    # Same dependencies as the one-by-one campaign (five edges of the webinar template).
    assert TaskDependency.objects.filter(task__campaign=first).count() == 5


def test_bulk_keys_are_gapless_in_campaign_order(approved, template, mona):
    before = Task.objects.count()
    reqs = [approved() for _ in range(3)]
    tasks_generate_many(request_ids=[r.pk for r in reversed(reqs)], by=mona)
    numbers = [_numbers(r) for r in reqs]
    flat = [n for ns in numbers for n in ns]
    assert flat == list(range(flat[0], flat[0] + len(flat)))  # one block, campaign by campaign
    assert Task.objects.count() == before + 15
    assert all(t.key == f"MOPS-{t.number}" for t in Task.objects.all())
    # The next generation continues the sequence.
    later = approved()
    tasks_generate(request_id=later.pk, by=mona)
    assert _numbers(later)[0] == flat[-1] + 1


def test_bulk_is_all_or_nothing(approved, template, mona, alice, make_request):
    ok = approved()
    draft = make_request(alice)
    with pytest.raises(TaskConflict):
        tasks_generate_many(request_ids=[ok.pk, draft.pk], by=mona)
    ok.refresh_from_db()
    assert ok.state == State.APPROVED
    assert not Task.objects.filter(campaign__in=[ok, draft]).exists()


def test_bulk_returns_existing_tasks_and_writes_nothing_again(generated, approved, mona):
    done, tasks = generated
    fresh = approved()
    made = tasks_generate_many(request_ids=[done.pk, fresh.pk], by=mona)
    assert sorted(t.pk for t in made[done.pk]) == sorted(t.pk for t in tasks.values())
    assert Task.objects.filter(campaign=done).count() == 5 and Task.objects.filter(campaign=fresh).count() == 5
    assert RequestEvent.objects.filter(request=done, action="start_production").count() == 1


def test_bulk_query_count_does_not_grow_with_campaigns(approved, template, mona):
    def queries(n: int) -> int:
        ids = [approved().pk for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            tasks_generate_many(request_ids=ids, by=mona, notify=False)
        return len(ctx.captured_queries)

    queries(1)  # the first generation creates the key counter and caches the standard calendar
    assert queries(6) <= queries(2)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_keep_keys_unique_and_gapless(approved, template, mona, settings):
    settings.MOPS_AUTO_GENERATE_TASKS = False  # real commits here: approval would generate them first
    reqs = [approved() for _ in range(4)]
    start = Task.objects.count()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def worker(ids):
        try:
            barrier.wait()
            tasks_generate_many(request_ids=ids, by=mona)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    # Overlapping batches: each campaign is generated once, whoever locks it first.
    threads = [
        threading.Thread(target=worker, args=([reqs[0].pk, reqs[1].pk, reqs[2].pk],)),
        threading.Thread(target=worker, args=([reqs[3].pk, reqs[2].pk, reqs[1].pk],)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Task.objects.count() == start + 20
    numbers = sorted(Task.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_bulk_moves_every_campaign_to_production_in_one_update(approved, template, mona):
    reqs = [approved() for _ in range(3)]
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        tasks_generate_many(request_ids=[r.pk for r in reqs], by=mona)
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "campaigns_campaignrequest" in q["sql"]]
    assert len(updates) == 1
    rows = CampaignRequest.objects.filter(pk__in=[r.pk for r in reqs])
    assert {r.state for r in rows} == {State.IN_PRODUCTION}
    assert len({r.updated_at for r in rows}) == 1 and rows[0].updated_at >= before
