"""Marketing calendar page and the per-user iCalendar feed (visibility, filters, tokens)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from campaigns.models import State as RequestState
from integrations import services
from tasks.models import Task

# The request states the calendar shows by default, as its "+N more" link filters the request list.
SHOWN = "".join(f"&amp;state={s}" for s in RequestState.values if s not in ("draft", "rejected", "cancelled"))


@pytest.fixture
def campaigns(org, make_request, osaka):
    """alice's Tokyo webinar (approved, with tasks via the fixture below) and bob's Osaka request (submitted)."""
    today = timezone.localdate()
    mine = make_request(
        org["alice"],
        actions=["submit", "approve"],
        actors={"approve": org["charlie"]},
        name="Alice webinar",
        launch_date=today + dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=22),
    )
    theirs = make_request(
        org["bob"],
        actions=["submit"],
        name="Bob trade show",
        business_unit=osaka,
        launch_date=today + dt.timedelta(days=21),
        end_date=today + dt.timedelta(days=21),
    )
    return mine, theirs


def feed_url(token: str) -> str:
    return f"/calendar/feed/{token}.ics"


def events_of(response) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(ev["uid"]): ev for ev in cal.walk("VEVENT")}


def test_feed_lists_only_what_the_user_may_see(client, org, campaigns):
    mine, theirs = campaigns
    due = timezone.now() + dt.timedelta(days=10)
    from tasks.models import TaskType, WorkRole

    role = WorkRole.objects.create(slug="ops", name="ops")
    tt = TaskType.objects.create(slug="lp", name="LP", role=role)
    t1 = Task.objects.create(
        number=1, key="MOPS-1", campaign=mine, task_type=tt, title="LP制作", due_at=due, assignee=org["sam"]
    )
    t2 = Task.objects.create(number=2, key="MOPS-2", campaign=theirs, task_type=tt, title="Booth", due_at=due)
    token = services.feed_token_regenerate(user=org["alice"])
    r = client.get(feed_url(token))  # no login: calendar apps have no session
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    events = events_of(r)
    domain = "127.0.0.1"
    assert set(events) == {f"campaign-{mine.pk}@{domain}", f"task-{t1.pk}@{domain}"}
    camp = events[f"campaign-{mine.pk}@{domain}"]
    assert camp["dtstart"].dt == mine.launch_date and camp["dtend"].dt == mine.end_date + dt.timedelta(days=1)
    assert "Alice webinar" in str(camp["summary"])
    task = events[f"task-{t1.pk}@{domain}"]
    assert task["dtstart"].dt == due.replace(microsecond=0) and "MOPS-1" in str(task["summary"])
    assert "dtend" not in task
    # MOps sees both campaigns; since issue 19 a feed carries only the user's own deadlines
    # (assigned to them or of campaigns they requested), so the team's tasks are not in MOps' feed.
    mops_token = services.feed_token_regenerate(user=org["mona"])
    mops_events = set(events_of(client.get(feed_url(mops_token))))
    assert mops_events >= {f"campaign-{mine.pk}@{domain}", f"campaign-{theirs.pk}@{domain}"}
    assert not mops_events & {f"task-{t1.pk}@{domain}", f"task-{t2.pk}@{domain}"}
    # The assignee has the deadline in their feed.
    sam_token = services.feed_token_regenerate(user=org["sam"])
    assert f"task-{t1.pk}@{domain}" in set(events_of(client.get(feed_url(sam_token))))


def test_wrong_revoked_and_replaced_tokens_are_404(client, org, campaigns):
    assert client.get(feed_url("not-a-token")).status_code == 404
    old = services.feed_token_regenerate(user=org["alice"])
    assert client.get(feed_url(old)).status_code == 200
    new = services.feed_token_regenerate(user=org["alice"])
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    services.feed_token_revoke(user=org["alice"])
    assert client.get(feed_url(new)).status_code == 404
    # a deactivated user's feed dies with the account
    token = services.feed_token_regenerate(user=org["bob"])
    org["bob"].is_active = False
    org["bob"].save()
    assert client.get(feed_url(token)).status_code == 404


def test_token_is_stored_hashed_and_shown_once(client, org):
    client.force_login(org["alice"])
    r = client.post("/preferences/feed/regenerate/")
    assert r.status_code == 200
    url = r.context["new_feed_url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    pref = org["alice"].notification_preference
    pref.refresh_from_db()
    assert token not in pref.feed_token_hash and pref.feed_token_hash == services.hash_token(token)
    assert client.get(url.replace("http://127.0.0.1:8000", "")).status_code == 200
    assert token not in client.get("/preferences/").content.decode()
    client.post("/preferences/feed/revoke/")
    assert client.get(url.replace("http://127.0.0.1:8000", "")).status_code == 404


def test_calendar_page_month_quarter_list_and_filters(client, org, campaigns, osaka, tokyo):
    mine, theirs = campaigns
    client.force_login(org["mona"])
    start = mine.launch_date.strftime("%Y-%m")
    page = client.get(f"/calendar/?start={start}").content.decode()
    assert "Alice webinar" in page and "Bob trade show" in page
    assert "state-approved" in page or "state-in_production" in page
    assert "state-submitted" in page
    only_osaka = client.get(f"/calendar/?start={start}&unit={osaka.pk}").content.decode()
    assert "Bob trade show" in only_osaka and "Alice webinar" not in only_osaka
    only_tokyo = client.get(
        f"/calendar/?start={start}&unit={tokyo.pk}&campaign_type={mine.campaign_type_id}"
    ).content.decode()
    assert "Alice webinar" in only_tokyo and "Bob trade show" not in only_tokyo
    for view in ("quarter", "list"):
        r = client.get(f"/calendar/?view={view}&start={start}")
        assert r.status_code == 200 and "Alice webinar" in r.content.decode()
    assert len(client.get(f"/calendar/?view=quarter&start={start}").context["grids"]) == 3


def test_calendar_page_respects_visibility(client, org, campaigns):
    mine, theirs = campaigns
    client.force_login(org["alice"])
    page = client.get(f"/calendar/?start={theirs.launch_date:%Y-%m}&view=quarter").content.decode()
    assert "Alice webinar" in page and "Bob trade show" not in page


def test_calendar_range_is_bounded_and_bad_input_is_harmless(client, org):
    client.force_login(org["alice"])
    far = (timezone.localdate() + dt.timedelta(days=800)).strftime("%Y-%m")
    r = client.get(f"/calendar/?start={far}")
    assert r.status_code == 200
    months_ahead = (
        (r.context["start"].year - timezone.localdate().year) * 12
        + r.context["start"].month
        - timezone.localdate().month
    )
    assert months_ahead == 12 and r.context["next_start"] is None
    assert client.get("/calendar/?start=garbage&unit=abc&view=year").status_code == 200
    client.logout()
    assert client.get("/calendar/").status_code == 302


def _bulk_launches(org, webinar, tokyo, day: dt.date, n: int, start: int) -> None:
    from campaigns.models import CampaignRequest

    CampaignRequest.objects.bulk_create(
        CampaignRequest(
            name=f"Bulk {start + i}",
            objective="-",
            campaign_type=webinar,
            business_unit=tokyo,
            requester=org["alice"],
            launch_date=day,
            end_date=day,
            budget=1,
            state="approved",
        )
        for i in range(n)
    )


def test_calendar_day_is_capped_with_more_link_and_constant_queries(client, org, webinar, tokyo):
    """Issue 19: a busy day shows PER_DAY launches and "+N more" linking to that day's requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.calendar import PER_DAY

    day = timezone.localdate() + dt.timedelta(days=15)
    client.force_login(org["mona"])
    url = f"/calendar/?start={day:%Y-%m}"

    def get():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        return r, len(ctx.captured_queries)

    get()  # the first visit creates the user's preferences
    _bulk_launches(org, webinar, tokyo, day, PER_DAY + 1, 0)
    small, small_q = get()
    _bulk_launches(org, webinar, tokyo, day, 40, 100)
    large, large_q = get()
    assert large_q == small_q
    page = large.content.decode()
    assert page.count("kind-launch state-") == PER_DAY
    more = PER_DAY + 41 - PER_DAY
    link = f'class="cal-more" href="/requests/?launch_from={day.isoformat()}&amp;launch_to={day.isoformat()}{SHOWN}">'
    assert page.count(link) == 1 and f"{link}他 {more} 件<" in page  # "+N more" in Japanese
    # The list view caps the same way.
    listed = client.get(f"/calendar/?view=list&start={day:%Y-%m}").content.decode()
    assert listed.count("▶") == PER_DAY and f"{link}他 {more} 件<" in listed


def _own_tasks(owner, campaign, due_at: dt.datetime, n: int, start: int) -> None:
    from tasks.models import TaskType, WorkRole

    role, _ = WorkRole.objects.get_or_create(slug="ops", defaults={"name": "ops"})
    kind, _ = TaskType.objects.get_or_create(slug="lp", defaults={"name": "LP", "role": role})
    Task.objects.bulk_create(
        Task(
            number=start + i,
            key=f"MOPS-{start + i}",
            campaign=campaign,
            task_type=kind,
            title=f"Due {start + i}",
            due_at=due_at + dt.timedelta(minutes=i),
            assignee=owner,
        )
        for i in range(n)
    )


def test_a_day_shows_at_most_per_day_items_in_all_launches_first(client, org, webinar, tokyo, campaigns):
    """Issue 19: launches, then deadlines, then ends, PER_DAY in all; "+N more" per kind of the rest."""
    from integrations.calendar import PER_DAY

    tz = dt.timezone(dt.timedelta(hours=9))  # the user's zone (Asia/Tokyo)
    day = timezone.localdate() + dt.timedelta(days=16)
    _bulk_launches(org, webinar, tokyo, day, 2, 0)
    _own_tasks(org["mona"], campaigns[0], dt.datetime.combine(day, dt.time(10), tzinfo=tz), 7, 900)
    client.force_login(org["mona"])
    r = client.get(f"/calendar/?start={day:%Y-%m}")
    cell = next(d for week in r.context["grids"][0].weeks for d in week if d.date == day)
    assert [i.kind for i in cell.items] == ["launch", "launch"] + ["task"] * (PER_DAY - 2)
    # The earliest deadlines are the ones shown; the rest is counted, every kind together.
    assert [i.title for i in cell.items[2:]] == [f"MOPS-{900 + i} Due {900 + i}" for i in range(PER_DAY - 2)]
    # The rest is counted by kind, each linking to the list where it can be read.
    assert cell.more == 0 and cell.more_tasks == 2 + 7 - PER_DAY
    page = r.content.decode()
    assert (
        f'href="/work/tasks/?due_after={day}&amp;due_before={day}&amp;mine=on">他 {cell.more_tasks} 件の期限<' in page
    )


def test_a_day_counts_its_rest_up_to_a_cap_and_says_or_more(client, org, webinar, tokyo, campaigns, monkeypatch):
    """Issue 19: a day's "+N more" counts at most MORE_CAP past what is shown, then reads "or more"
    (a cell need not count 40,000 deadlines); below the cap the count stays exact."""
    from integrations import calendar as cal

    monkeypatch.setattr(cal, "MORE_CAP", 3)
    tz = dt.timezone(dt.timedelta(hours=9))
    day = timezone.localdate() + dt.timedelta(days=16)
    busy, quiet = day, day + dt.timedelta(days=1)
    _bulk_launches(org, webinar, tokyo, busy, cal.PER_DAY + 9, 0)  # 13 launches: counted up to 4 + 3
    _own_tasks(org["mona"], campaigns[0], dt.datetime.combine(busy, dt.time(10), tzinfo=tz), 12, 900)
    _bulk_launches(org, webinar, tokyo, quiet, cal.PER_DAY + 2, 100)  # 6 launches: exact
    client.force_login(org["mona"])
    r = client.get(f"/calendar/?start={day:%Y-%m}")
    cells = {d.date: d for week in r.context["grids"][0].weeks for d in week}
    assert len(cells[busy].items) == cal.PER_DAY
    assert (cells[busy].more, cells[busy].more_capped) == (3, True)
    # The launches fill the cell: the 4 deadlines read for it join the 3 counted past them.
    assert (cells[busy].more_tasks, cells[busy].more_tasks_capped) == (7, True)
    assert (cells[quiet].more, cells[quiet].more_capped) == (2, False)
    page = r.content.decode()
    assert (
        f'launch_to={busy}{SHOWN}">他 3 件以上<' in page
        and f'due_before={busy}&amp;mine=on">他 7 件以上の期限<' in page
    )
    assert f'launch_to={quiet}{SHOWN}">他 2 件<' in page
    english = client.get(f"/calendar/?start={day:%Y-%m}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'launch_to={busy}{SHOWN}">+3 or more<' in english
    assert f'due_before={busy}&amp;mine=on">+7 or more deadlines<' in english
    # Longer views count exactly (a seek per day would read as much as counting the period).
    quarter = client.get(f"/calendar/?view=quarter&start={day:%Y-%m}")
    cell = next(d for g in quarter.context["grids"] for week in g.weeks for d in week if d.date == busy and d.in_month)
    assert (cell.more, cell.more_capped) == (9, False)


def test_deadlines_fall_on_the_users_local_day(client, org, campaigns):
    from integrations.calendar import items_for

    tokyo = dt.timezone(dt.timedelta(hours=9))
    day = timezone.localdate() + dt.timedelta(days=12)
    late = dt.datetime.combine(day, dt.time(23, 30), tzinfo=tokyo)  # 14:30 UTC the same day
    _own_tasks(org["mona"], campaigns[0], late, 2, 950)  # 23:30 on ``day`` and 23:31
    _own_tasks(org["mona"], campaigns[0], late + dt.timedelta(hours=1), 1, 960)  # 00:30 the day after
    import zoneinfo

    items = items_for(org["mona"], day, day + dt.timedelta(days=1), tz=zoneinfo.ZoneInfo("Asia/Tokyo"), own_tasks=True)
    dates = {i.title.split(" ", 1)[0]: i.date for i in items if i.kind == "task"}
    assert dates == {"MOPS-950": day, "MOPS-951": day, "MOPS-960": day + dt.timedelta(days=1)}


def test_calendar_query_count_stays_flat_with_busy_days_of_every_kind(client, org, webinar, tokyo, campaigns):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day = timezone.localdate() + dt.timedelta(days=16)
    tz = dt.timezone(dt.timedelta(hours=9))
    client.force_login(org["mona"])
    url = f"/calendar/?view=quarter&start={day:%Y-%m}"
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _bulk_launches(org, webinar, tokyo, day, 1, 0)
    _own_tasks(org["mona"], campaigns[0], dt.datetime.combine(day, dt.time(9), tzinfo=tz), 1, 800)
    few = queries()
    for offset in range(0, 40, 3):  # many busy days, each over the cap
        other = day + dt.timedelta(days=offset)
        _bulk_launches(org, webinar, tokyo, other, 6, 1000 + offset * 10)
        _own_tasks(org["mona"], campaigns[0], dt.datetime.combine(other, dt.time(9), tzinfo=tz), 6, 2000 + offset * 10)
    assert queries() == few


def test_an_approver_sees_a_request_routed_twice_once(client, org, make_request):
    """Routes of two rounds to the same approver join twice: the calendar and the feed count it once."""
    today = timezone.localdate()
    req = make_request(
        org["alice"],
        actions=["submit", "request_changes", "resubmit"],
        actors={"request_changes": org["charlie"]},
        name="Twice routed",
        launch_date=today + dt.timedelta(days=25),
        end_date=today + dt.timedelta(days=27),
    )
    from campaigns.models import ApprovalRoute

    assert ApprovalRoute.objects.filter(request=req, approver=org["charlie"]).count() >= 2
    client.force_login(org["charlie"])
    page = client.get(f"/calendar/?start={req.launch_date:%Y-%m}&view=quarter").content.decode()
    assert page.count(">▶ Twice routed<") == 1 and page.count(">■ Twice routed<") == 1
    token = services.feed_token_regenerate(user=org["charlie"])
    assert list(events_of(client.get(feed_url(token)))).count(f"campaign-{req.pk}@127.0.0.1") == 1


def test_feed_holds_the_nearest_items_within_its_window_and_says_when_capped(client, org, webinar, tokyo, monkeypatch):
    from campaigns.models import CampaignRequest
    from integrations import calendar

    today = timezone.localdate()
    for offset, name in [
        (-40, "too old"),
        (-5, "ended"),
        (-2, "running"),
        (3, "soon"),
        (60, "later"),
        (200, "too far"),
    ]:
        launch = today + dt.timedelta(days=offset)
        end = launch + dt.timedelta(days=4) if name == "running" else launch
        CampaignRequest.objects.create(
            name=name,
            objective="-",
            campaign_type=webinar,
            business_unit=tokyo,
            requester=org["alice"],
            launch_date=launch,
            end_date=end,
            budget=1,
            state="approved",
        )
    token = services.feed_token_regenerate(user=org["mona"])

    def summaries(response) -> list[str]:
        return sorted(str(ev["summary"]).split(" [")[0] for ev in events_of(response).values())

    r = client.get(feed_url(token))
    assert summaries(r) == sorted(["ended", "running", "soon", "later"])  # the window: a month back, 180 days on
    assert "X-WR-CALDESC" not in r.content.decode()
    monkeypatch.setattr(calendar, "FEED_LIMIT", 2)
    r = client.get(feed_url(token))
    assert summaries(r) == ["running", "soon"]  # the nearest: running (0 days), then 3 days ahead
    note = str(icalendar.Calendar.from_ical(r.content)["x-wr-caldesc"])
    assert "2 件" in note and "/calendar/" in note  # in the default language (Japanese)


def test_feed_query_count_does_not_grow_with_the_items(client, org, webinar, tokyo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = services.feed_token_regenerate(user=org["mona"])
    day = timezone.localdate() + dt.timedelta(days=10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(feed_url(token)).status_code == 200
        return len(ctx.captured_queries)

    _bulk_launches(org, webinar, tokyo, day, 2, 0)
    few = queries()
    _bulk_launches(org, webinar, tokyo, day, 60, 100)
    assert queries() == few


def test_many_busy_days_are_read_in_groups_of_union_members(client, org, webinar, tokyo, monkeypatch):
    """SQLite allows 500 terms in a compound SELECT: the per-day members are grouped (2 here)."""
    from integrations import calendar

    monkeypatch.setattr(calendar, "_UNION_GROUP", 2)
    first = timezone.localdate().replace(day=1) + dt.timedelta(days=40)
    days = [first.replace(day=d) for d in (3, 5, 7, 9, 11)]
    for n, day in enumerate(days):
        _bulk_launches(org, webinar, tokyo, day, calendar.PER_DAY + 2, 100 * n)
    client.force_login(org["mona"])
    r = client.get(f"/calendar/?start={first:%Y-%m}")
    cells = {d.date: d for week in r.context["grids"][0].weeks for d in week if d.date in days}
    assert all(len(cell.items) == calendar.PER_DAY and cell.more == 2 for cell in cells.values())


def test_more_links_open_the_lists_on_what_the_calendar_counted(client, org, webinar, tokyo, campaigns):
    """The "+N more deadlines" link opens the task list on the same deadlines: the user's own when
    the calendar shows only those (not every task they may see that day), the unit and campaign
    type when it is filtered by them."""
    from integrations.calendar import PER_DAY

    tz = dt.timezone(dt.timedelta(hours=9))
    day = timezone.localdate() + dt.timedelta(days=16)
    mine, theirs = campaigns
    _own_tasks(org["mona"], mine, dt.datetime.combine(day, dt.time(10), tzinfo=tz), PER_DAY + 3, 900)
    _own_tasks(org["sam"], mine, dt.datetime.combine(day, dt.time(11), tzinfo=tz), 5, 950)  # not mona's
    client.force_login(org["mona"])
    page = client.get(f"/calendar/?start={day:%Y-%m}")
    cell = next(d for week in page.context["grids"][0].weeks for d in week if d.date == day)
    assert cell.more_tasks == 3 and cell.more_tasks_url.endswith("&mine=on")
    listed = client.get(cell.more_tasks_url)
    assert listed.context["page"].paginator.count == PER_DAY + 3  # what the calendar counted, not sam's
    assert "MOPS-950" not in listed.content.decode()

    filtered = client.get(f"/calendar/?start={day:%Y-%m}&unit={tokyo.pk}&campaign_type={webinar.pk}")
    cell = next(d for week in filtered.context["grids"][0].weeks for d in week if d.date == day)
    assert cell.more_url.endswith(
        f"&business_unit={tokyo.slug}&campaign_type={webinar.slug}" + SHOWN.replace("&amp;", "&")
    )
    assert cell.more_tasks_url.endswith(f"&unit={tokyo.slug}&campaign_type={webinar.slug}")
