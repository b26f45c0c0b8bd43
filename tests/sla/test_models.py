"""Calendar and policy models (database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import inlineformset_factory

from sla.admin import PeriodFormSet, WorkingCalendarForm, WorkingPeriodInlineForm
from sla.calendar import WorkCalendar, add_business_days, is_working_day
from sla.models import (
    Closure,
    CompanyHoliday,
    SLAPolicy,
    SLAUnit,
    WorkingCalendar,
    WorkingPeriod,
    default_calendar,
)
from tests.sla.calendars import JP, T, jst

pytestmark = pytest.mark.django_db


def make_calendar(slug: str = "cal", **kwargs) -> WorkingCalendar:
    return WorkingCalendar.objects.create(slug=slug, name=slug, **kwargs)


def test_default_calendar_is_jp_standard_and_idempotent() -> None:
    cal = default_calendar()
    assert cal.slug == "jp-standard"
    assert default_calendar().pk == cal.pk
    assert WorkingCalendar.objects.count() == 1
    assert cal.periods.count() == 5
    work = cal.to_work_calendar()
    assert work == JP
    assert add_business_days(work, jst(2026, 4, 30, 10, 0), 3) == jst(2026, 5, 8, 18, 0)
    assert not is_working_day(work, dt.date(2027, 1, 3))


def test_default_calendar_from_services_module() -> None:
    from sla import services

    assert services.default_calendar().slug == services.DEFAULT_CALENDAR_SLUG


def test_to_work_calendar_uses_prefetched_rows(django_assert_num_queries) -> None:
    for slug in ("a", "b", "c"):
        cal = make_calendar(slug, country="", timezone="Europe/Berlin", workdays="0,1,2,3,4,5")
        WorkingPeriod.objects.create(calendar=cal, weekday=0, start=T(13), end=T(18))
        WorkingPeriod.objects.create(calendar=cal, weekday=0, start=T(9), end=T(12))
        WorkingPeriod.objects.create(calendar=cal, weekday=5, start=T(10), end=T(14))
        CompanyHoliday.objects.create(calendar=cal, name="Sommer", start_month=8, start_day=10, end_month=8, end_day=14)
        Closure.objects.create(calendar=cal, date=dt.date(2026, 6, 10), name="Umzug")
    with django_assert_num_queries(4):
        built = [c.to_work_calendar() for c in WorkingCalendar.objects.with_rules()]
    assert len(built) == 3
    work = built[0]
    assert work.tz == "Europe/Berlin" and work.country is None
    assert work.periods[0] == ((T(9), T(12)), (T(13), T(18)))
    assert work.periods[1] == ()
    assert work.working_weekdays == frozenset({0, 5})
    assert dt.date(2026, 6, 10) in work.closures
    assert not is_working_day(work, dt.date(2026, 8, 10))


def test_overlapping_periods_are_refused_in_clean() -> None:
    cal = make_calendar()
    WorkingPeriod.objects.create(calendar=cal, weekday=0, start=T(9), end=T(12))
    with pytest.raises(ValidationError):
        WorkingPeriod(calendar=cal, weekday=0, start=T(11), end=T(14)).full_clean()
    WorkingPeriod(calendar=cal, weekday=0, start=T(12), end=T(18)).full_clean()  # touching is fine
    WorkingPeriod(calendar=cal, weekday=1, start=T(11), end=T(14)).full_clean()  # other weekday
    WorkingPeriod(calendar=cal, weekday=2, start=T(18), end=T(0)).full_clean()  # 00:00 = 24:00
    with pytest.raises(ValidationError):
        WorkingPeriod(calendar=cal, weekday=0, start=T(18), end=T(9)).full_clean()


def test_period_check_constraint() -> None:
    cal = make_calendar()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingPeriod.objects.create(calendar=cal, weekday=0, start=T(18), end=T(9))


def test_inline_formset_refuses_overlaps_among_submitted_rows() -> None:
    cal = make_calendar()
    existing = WorkingPeriod.objects.create(calendar=cal, weekday=0, start=T(9), end=T(18))
    FormSet = inlineformset_factory(
        WorkingCalendar, WorkingPeriod, form=WorkingPeriodInlineForm, formset=PeriodFormSet, extra=0
    )

    def post(rows):
        data = {"periods-TOTAL_FORMS": str(len(rows)), "periods-INITIAL_FORMS": "1"}
        for i, row in enumerate(rows):
            data.update({f"periods-{i}-{k}": v for k, v in row.items()})
        return FormSet(data, instance=cal, prefix="periods")

    # Splitting 09-18 into 09-12 + 13-18 in one submission is valid (no false DB overlap).
    ok = post(
        [
            {"id": str(existing.pk), "weekday": "0", "start": "09:00", "end": "12:00"},
            {"weekday": "0", "start": "13:00", "end": "18:00"},
        ]
    )
    assert ok.is_valid(), ok.errors
    bad = post(
        [
            {"id": str(existing.pk), "weekday": "0", "start": "09:00", "end": "12:00"},
            {"weekday": "0", "start": "11:00", "end": "18:00"},
        ]
    )
    assert not bad.is_valid()
    assert "重複" in str(bad.non_form_errors())


def test_calendar_admin_form_edits_workdays_as_checkboxes() -> None:
    form = WorkingCalendarForm(
        data={
            "slug": "x",
            "name": "X",
            "timezone": "Asia/Tokyo",
            "country": "jp",
            "workdays": ["4", "0", "2"],
            "at_risk_share": "0.8",
        }
    )
    assert form.is_valid(), form.errors
    cal = form.save()
    assert cal.workdays == "0,2,4" and cal.country == "JP"
    assert WorkingCalendarForm(instance=cal).initial["workdays"] == [0, 2, 4]


@pytest.mark.parametrize(
    "field, value",
    [
        ("timezone", "Mars/Olympus"),
        ("country", "XX"),
        ("workdays", "0,7"),
        ("workdays", ""),
        ("at_risk_share", Decimal("1.5")),
    ],
)
def test_calendar_field_validation(field, value) -> None:
    cal = WorkingCalendar(slug="v", name="v", **{field: value})
    with pytest.raises(ValidationError) as exc:
        cal.full_clean()
    assert field in exc.value.message_dict


def test_calendar_without_periods_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="no working weekday"):
        make_calendar().to_work_calendar()


def test_company_holiday_validation_and_wrap() -> None:
    cal = make_calendar()
    WorkingPeriod.objects.bulk_create(WorkingPeriod(calendar=cal, weekday=wd, start=T(9), end=T(18)) for wd in range(5))
    with pytest.raises(ValidationError):
        CompanyHoliday(calendar=cal, name="bad", start_month=2, start_day=30, end_month=3, end_day=1).full_clean()
    CompanyHoliday(calendar=cal, name="leap", start_month=2, start_day=29, end_month=2, end_day=29).full_clean()
    CompanyHoliday.objects.create(calendar=cal, name="年末年始", start_month=12, start_day=29, end_month=1, end_day=3)
    work = cal.to_work_calendar()
    assert not is_working_day(work, dt.date(2026, 12, 30))
    assert is_working_day(work, dt.date(2027, 1, 4))


def test_closure_is_unique_per_calendar() -> None:
    cal = make_calendar()
    Closure.objects.create(calendar=cal, date=dt.date(2026, 6, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(calendar=cal, date=dt.date(2026, 6, 10))


def test_sla_policy_compute_and_at_risk_default() -> None:
    cal = default_calendar()
    policy = SLAPolicy.objects.create(
        slug="std", name="標準", calendar=cal, unit=SLAUnit.BUSINESS_DAYS, duration=Decimal("3")
    )
    assert policy.effective_at_risk_share == Decimal("0.75")
    due, at_risk = policy.compute(jst(2026, 4, 30, 10, 0))
    assert (due, at_risk) == (jst(2026, 5, 8, 18, 0), jst(2026, 5, 8, 9, 15))
    policy.at_risk_share = Decimal("0.5")
    policy.unit = SLAUnit.BUSINESS_HOURS
    policy.duration = Decimal("4.5")
    policy.full_clean()
    policy.save()
    due, at_risk = policy.compute(jst(2026, 6, 8, 10, 0), pauses=[(jst(2026, 6, 8, 11, 0), jst(2026, 6, 8, 12, 0))])
    assert (due, at_risk) == (jst(2026, 6, 8, 15, 30), jst(2026, 6, 8, 13, 15))
    loaded = SLAPolicy.objects.with_calendar().get(pk=policy.pk)
    assert loaded.compute(jst(2026, 6, 8, 10, 0), work_calendar=JP)[0] == jst(2026, 6, 8, 14, 30)


def test_sla_policy_validation() -> None:
    cal = make_calendar()
    with pytest.raises(ValidationError):
        SLAPolicy(slug="p", name="p", calendar=cal, unit=SLAUnit.BUSINESS_DAYS, duration=Decimal("1.5")).full_clean()
    with pytest.raises(ValidationError):
        SLAPolicy(slug="p", name="p", calendar=cal, unit=SLAUnit.BUSINESS_HOURS, duration=Decimal("-1")).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        SLAPolicy.objects.create(slug="z", name="z", calendar=cal, duration=Decimal("0"))


def test_admin_registrations() -> None:
    for model in (WorkingCalendar, WorkingPeriod, CompanyHoliday, Closure, SLAPolicy):
        assert admin.site.is_registered(model)
    assert isinstance(WorkingCalendar(slug="x", name="x").workday_set, frozenset)
    assert WorkCalendar  # the dataclass is what the models build
