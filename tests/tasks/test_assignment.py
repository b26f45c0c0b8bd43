"""Suggestion rule on a hand-checked fixture; balance indices equal hand-computed values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from governance import roles
from tasks.assignment import Candidate, pick, suggest_for
from tasks.models import Person, Task, TimeOff
from tasks.workload import balance, coefficient_of_variation, gini, workload_rows
from tests.conftest import make_user

MONDAY = timezone.make_aware(dt.datetime(2026, 6, 1, 10, 0))  # no Japanese holiday in this fortnight


def _task(campaign, task_type, n, *, assignee=None, hours=0, due=None):
    return Task.objects.create(
        number=500 + n,
        key=f"MOPS-{500 + n}",
        campaign=campaign,
        task_type=task_type,
        title=f"t{n}",
        assignee=assignee,
        estimated_hours=Decimal(hours),
        due_at=due,
    )


@pytest.fixture
def pool(generated, tokyo, work_roles):
    """Three web specialists (p1 40h/w, p2 20h/w, p3 40h/w with two days off) and one without the role."""
    users = {}
    for name, weekly, role in [("p1", 40, "web"), ("p2", 20, "web"), ("p3", 40, "web"), ("p4", 40, "design")]:
        users[name] = make_user(name, roles.SPECIALIST, tokyo)
        Person.objects.create(user=users[name], weekly_hours=Decimal(weekly)).roles.set([work_roles[role]])
    TimeOff.objects.create(user=users["p3"], start=dt.date(2026, 6, 2), end=dt.date(2026, 6, 3))
    Person.objects.filter(user__username="sam").update(is_active=False)  # out of the pool (inactive profile)
    return users


def test_suggestion_picks_least_loaded_relative_to_capacity(generated, task_types, pool):
    req, _ = generated
    lp = task_types["lp"]
    soon = MONDAY + dt.timedelta(days=2)
    later = MONDAY + dt.timedelta(days=30)
    # Window: Mon 1 .. Mon 8 June = 6 working days.
    # p1: 24h / (40/5*6 = 48h) = 0.50 · p2: 12h / (20/5*6 = 24h) = 0.50 · p3: 8h / (40/5*4 = 32h) = 0.25
    _task(req, lp, 1, assignee=pool["p1"], hours=24, due=soon)
    _task(req, lp, 2, assignee=pool["p2"], hours=6, due=soon)
    _task(req, lp, 3, assignee=pool["p2"], hours=6, due=soon)
    _task(req, lp, 4, assignee=pool["p3"], hours=8, due=later)
    _task(req, lp, 5, assignee=pool["p4"], hours=0)
    target = _task(req, lp, 9)
    assert suggest_for([target], now=MONDAY)[target.pk] == pool["p3"]

    # With p3 off for the whole window, p1 and p2 tie at 0.50: p1 has fewer tasks due soon (1 < 2).
    TimeOff.objects.create(user=pool["p3"], start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 12))
    assert suggest_for([target], now=MONDAY)[target.pk] == pool["p1"]


def test_pick_rule_is_pure():
    a = Candidate(1, "a", Decimal(10), Decimal(40), 3)
    b = Candidate(2, "b", Decimal(5), Decimal(20), 1)
    c = Candidate(3, "c", Decimal(0), Decimal(0), 0)  # no capacity: never picked first
    assert pick([a, b, c]) == b
    assert pick([]) is None


def test_balance_indices_equal_hand_computed_values():
    # utilisation 50, 100, 0: mean 50, population sd sqrt(5000/3) = 40.8248 -> CV 0.8165
    assert coefficient_of_variation([50, 100, 0]) == pytest.approx(0.816497, abs=1e-6)
    # hours 0, 10, 30: sum |xi - xj| = 2 * (10 + 30 + 20) = 120; 2 n^2 mean = 2 * 9 * 40/3 = 240 -> 0.5
    assert gini([0, 10, 30]) == pytest.approx(0.5)
    assert gini([5, 5, 5]) == 0 and coefficient_of_variation([]) == 0 and gini([0, 0]) == 0


def test_workload_rows_and_balance(generated, mona, sam):
    from tasks import services

    req, tasks = generated  # sam 40 h/week, mona 20 h/week
    services.task_assign(task_id=tasks["lp"].pk, assignee=sam, by=mona)  # 12 h
    services.task_assign(task_id=tasks["email"].pk, assignee=mona, by=mona)  # 6 h
    rows = {r["username"]: r for r in workload_rows(now=MONDAY)}
    assert (
        rows["sam"]["open_hours"] == 12 and rows["sam"]["capacity_hours"] == 40 and rows["sam"]["utilisation"] == 30.0
    )
    assert (
        rows["mona"]["open_hours"] == 6 and rows["mona"]["capacity_hours"] == 20 and rows["mona"]["utilisation"] == 30.0
    )
    b = balance(list(rows.values()))
    assert b["utilisation_cv"] == 0
    # hours 12, 6: sum |xi - xj| = 12; 2 * 4 * 9 = 72 -> 1/6
    assert b["open_hours_gini"] == pytest.approx(1 / 6, abs=1e-4)


def test_workload_rows_add_up_a_persons_tasks_across_states(generated, mona, sam):
    """One person with a task in progress and one to do: one row with both counted."""
    from tasks import services
    from tasks.models import Task

    req, tasks = generated
    services.task_assign(task_id=tasks["plan"].pk, assignee=sam, by=mona)
    services.task_assign(task_id=tasks["lp"].pk, assignee=sam, by=mona)  # 12 h
    services.task_start(task_id=tasks["plan"].pk, by=sam)
    plan = Task.objects.get(pk=tasks["plan"].pk)
    assert plan.state == "in_progress"
    later = plan.due_at + dt.timedelta(hours=1)  # an hour after plan was due
    rows = {r["username"]: r for r in workload_rows(now=later)}
    lp = Task.objects.get(pk=tasks["lp"].pk)
    assert rows["sam"]["open_tasks"] == 2
    assert rows["sam"]["open_hours"] == plan.estimated_hours + lp.estimated_hours
    assert rows["sam"]["overdue"] == 1 + (1 if lp.due_at and lp.due_at < later else 0)
