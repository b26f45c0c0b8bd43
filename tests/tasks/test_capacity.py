"""Capacity forecast: demand spread over planned windows, supply minus time off, pending requests,
"what a yes costs" in the inbox, permissions and bad input.

Frozen at Mon 2026-06-01 10:00 (no Japanese holidays in June). People (conftest): sam 40 h/week
with web, design and ops (a third each), mona 20 h/week with ops.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tasks.capacity import forecast, request_cost, request_plans, spread, team_forecast
from tasks.models import Person, TimeOff
from tests.conftest import PASSWORD, api_as

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 1, 10, tzinfo=TOKYO)
MON = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def cell(data, role, week):
    row = next(r for r in data["roles"] if r["role"] == role)
    return next(c for c in row["weeks"] if c["week"] == week)


def test_spread_over_working_days_overdue_today_and_horizon():
    last = MON + dt.timedelta(days=13)
    assert spread(Decimal(10), MON, MON + dt.timedelta(days=4), MON, last) == {
        MON + dt.timedelta(days=i): Decimal(2) for i in range(5)
    }
    assert spread(Decimal(6), MON - dt.timedelta(days=9), MON - dt.timedelta(days=2), MON, last) == {MON: Decimal(6)}
    weekend = spread(Decimal(4), dt.date(2026, 6, 6), dt.date(2026, 6, 7), MON, last)
    assert weekend == {dt.date(2026, 6, 8): Decimal(4)}  # a window without working days: the next one
    assert spread(Decimal(4), dt.date(2026, 8, 3), dt.date(2026, 8, 7), MON, last) == {}  # beyond the horizon


def test_supply_splits_people_over_their_roles_and_drops_time_off(people, mona):
    TimeOff.objects.create(user=mona, start=dt.date(2026, 6, 2), end=dt.date(2026, 6, 3))
    data = forecast(weeks=2, now=NOW)
    assert cell(data, "ops", MON)["capacity_hours"] == Decimal("25.3")  # 40/3 + 20 - 2 days x 4 h
    assert cell(data, "ops", MON + dt.timedelta(weeks=1))["capacity_hours"] == Decimal("33.3")
    assert cell(data, "web", MON)["capacity_hours"] == Decimal("13.3")
    mona_row = next(p for p in data["people"] if p["username"] == "mona")
    assert [c["capacity_hours"] for c in mona_row["weeks"]] == [Decimal("12.0"), Decimal("20.0")]


def test_demand_counts_every_open_hour_and_pending_is_separate(generated, make_request, alice):
    req, tasks = generated
    total = sum(t.estimated_hours for t in tasks.values())
    data = team_forecast(weeks=12, now=NOW)
    demand = sum(c["demand_hours"] for r in data["roles"] for c in r["weeks"])
    assert abs(demand - total) <= Decimal("0.5")  # rounding of each cell to 0.1 h
    assert all(c["pending_hours"] == 0 for r in data["roles"] for c in r["weeks"])

    make_request(
        alice, actions=["submit"], launch_date=MON + dt.timedelta(days=40), end_date=MON + dt.timedelta(days=41)
    )
    again = team_forecast(weeks=12, now=NOW)
    pending = sum(c["pending_hours"] for r in again["roles"] for c in r["weeks"])
    assert abs(pending - total) <= Decimal("0.5")  # the same template, not yet approved
    assert sum(c["demand_hours"] for r in again["roles"] for c in r["weeks"]) == demand


def test_overloaded_weeks_are_flagged(generated, sam):
    Person.objects.filter(user=sam).update(weekly_hours=Decimal(6))  # 2 h a week for each of his roles
    data = team_forecast(weeks=4, now=NOW)
    web = [c for c in next(r for r in data["roles"] if r["role"] == "web")["weeks"] if c["demand_hours"]]
    assert web and all(c["overloaded"] for c in web)  # lp: 12 h against 2 h a week
    assert all(not c["overloaded"] for c in cell_row(data, "ops") if c["demand_hours"] == 0)


def cell_row(data, role):
    return next(r for r in data["roles"] if r["role"] == role)["weeks"]


def test_what_a_yes_costs(template, people, make_request, alice):
    req = make_request(
        alice, actions=["submit"], launch_date=MON + dt.timedelta(days=40), end_date=MON + dt.timedelta(days=41)
    )
    (_, plan), *_ = request_plans(["submitted"], timezone.now())
    base = forecast(weeks=12, now=NOW)
    cost = request_cost(plan, base, now=NOW)
    assert cost["feasible"] is True
    assert cost["hours"] == Decimal("32.0")  # 4 + 12 + 6 + 8 + 2
    # web: lp 12 h over a week against 13.3 h: fits; design: 8 h over 3 days against 13.3 h: fits.
    for o in cost["overloads"]:
        assert o["demand_hours"] + o["hours"] > o["capacity_hours"]
    # A request due too soon cannot be met whatever is approved.
    req.launch_date = MON + dt.timedelta(days=3)
    req.save(update_fields=["launch_date"])
    (_, plan), *_ = request_plans(["submitted"], timezone.now())
    assert request_cost(plan, base, now=NOW)["feasible"] is False


def test_a_yes_that_overloads_a_role_is_listed(template, people, make_request, alice, sam):
    sam_p = Person.objects.get(user=sam)
    sam_p.weekly_hours = Decimal(5)
    sam_p.save()
    make_request(
        alice, actions=["submit"], launch_date=MON + dt.timedelta(days=40), end_date=MON + dt.timedelta(days=41)
    )
    (_, plan), *_ = request_plans(["submitted"], timezone.now())
    cost = request_cost(plan, forecast(weeks=12, now=NOW), now=NOW)
    assert {o["role"] for o in cost["overloads"]} >= {"web"}


def test_inbox_shows_the_cost_of_each_waiting_request(template, people, make_request, alice, charlie, client):
    req = make_request(
        alice, actions=["submit"], launch_date=MON + dt.timedelta(days=40), end_date=MON + dt.timedelta(days=41)
    )
    client.login(username="charlie", password=PASSWORD)
    html = client.get(reverse("campaigns:inbox")).content.decode()
    assert "approval-cost" in html
    assert "approval-cost" in client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()
    client.login(username="alice", password=PASSWORD)  # the requester does not see the team's load
    assert "approval-cost" not in client.get(reverse("campaigns:detail", args=[req.pk])).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("alice", 403), ("bob", 403), ("charlie", 200), ("mona", 200), ("sam", 403), ("root", 200), (None, 403)],
)
def test_capacity_api_permissions(org, who, expected):
    assert api_as(org[who] if who else None).get("/api/capacity/?weeks=12").status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("alice", 403), ("charlie", 200), ("mona", 200), ("sam", 403)])
def test_capacity_page_permissions(org, client, who, expected):
    client.login(username=who, password=PASSWORD)
    assert client.get(reverse("tasks:capacity")).status_code == expected


def test_capacity_api_shape(people, mona):
    body = api_as(mona).get("/api/capacity/?weeks=3").json()
    assert len(body["weeks"]) == 3
    ops = next(r for r in body["roles"] if r["role"] == "ops")
    assert set(ops["weeks"][0]) >= {"week", "demand_hours", "pending_hours", "capacity_hours"}


@pytest.mark.parametrize("weeks", ["0", "53", "-1", "many"])
def test_capacity_weeks_out_of_range_is_a_field_error(mona, weeks):
    response = api_as(mona).get(f"/api/capacity/?weeks={weeks}")
    assert response.status_code == 400 and "weeks" in response.json()


@pytest.mark.parametrize("hours", ["0", "-4", "200"])
def test_zero_negative_or_impossible_capacity_is_refused(people, hours):
    person = people["sam"]
    person.weekly_hours = Decimal(hours)
    with pytest.raises(ValidationError) as exc:
        person.full_clean()
    assert "weekly_hours" in exc.value.message_dict


def _demand_total(data) -> Decimal:
    return sum(c["demand_hours"] for r in data["roles"] for c in r["weeks"])


def test_task_demand_is_cached_until_the_task_data_changes(generated, mona):
    """Issue 19: a second look reads the open tasks' demand from the cache (no GROUP BY over
    them); a transition, a new task or a deadline recomputation is seen at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.services import task_cancel

    req, tasks = generated
    first = team_forecast(weeks=12, now=NOW)
    with CaptureQueriesContext(connection) as again:
        second = team_forecast(weeks=12, now=NOW)
    assert second["roles"] == first["roles"] and second["people"] == first["people"]
    assert not [q for q in again.captured_queries if "GROUP BY" in q["sql"] and "tasks_task" in q["sql"]]

    lp = tasks["lp"]
    task_cancel(task_id=lp.pk, by=mona, comment="not needed")  # a transition: a new TaskEvent
    cancelled = team_forecast(weeks=12, now=NOW)
    assert _demand_total(first) - _demand_total(cancelled) == pytest.approx(lp.estimated_hours, abs=Decimal("0.5"))

    from tasks.models import DeadlineRecompute

    DeadlineRecompute.objects.create(reason="calendar saved")  # a recomputation under way
    with CaptureQueriesContext(connection) as after_recompute:
        team_forecast(weeks=12, now=NOW)
    assert [q for q in after_recompute.captured_queries if "GROUP BY" in q["sql"] and "tasks_task" in q["sql"]]


def test_a_write_without_an_event_shows_within_the_cache_time(generated):
    from tasks.capacity import DEMAND_CACHE_SECONDS
    from tasks.models import Task

    req, tasks = generated
    before = _demand_total(team_forecast(weeks=12, now=NOW))
    Task.objects.filter(pk=tasks["lp"].pk).update(estimated_hours=tasks["lp"].estimated_hours + 10)  # no event
    assert _demand_total(team_forecast(weeks=12, now=NOW)) == before
    with time_machine.travel(NOW + dt.timedelta(seconds=DEMAND_CACHE_SECONDS + 1), tick=False):
        later = _demand_total(team_forecast(weeks=12, now=NOW))
    assert later - before == pytest.approx(Decimal(10), abs=Decimal("0.5"))
