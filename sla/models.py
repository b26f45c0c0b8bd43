"""Working calendars and SLA policies as configuration rows.

The rows only describe rules; every computation goes through ``sla.calendar`` via
``WorkingCalendar.to_work_calendar()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .calendar import AnnualRange, WorkCalendar, deadline
from .validators import validate_country, validate_month_day, validate_timezone, validate_workdays

WEEKDAY_CHOICES = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
SHARE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
# How long a pause may stop a task's clock (business days) before the clock runs again: the
# default of tasks without a policy and of new policies; a year of working days at most.
DEFAULT_PAUSE_LIMIT_DAYS = 10
MAX_PAUSE_LIMIT_DAYS = 250


class WorkingCalendarQuerySet(models.QuerySet):
    def with_rules(self) -> WorkingCalendarQuerySet:
        """Prefetch everything ``to_work_calendar()`` reads (three queries for any number)."""
        return self.prefetch_related("periods", "company_holidays", "closures")


class WorkingCalendar(models.Model):
    """A named set of working days and hours, holidays and closures."""

    slug = models.SlugField(_("Slug"), unique=True)
    name = models.CharField(_("Name"), max_length=100)
    timezone = models.CharField(_("Time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_timezone])
    country = models.CharField(
        _("Holiday country"),
        max_length=8,
        blank=True,
        default="JP",
        validators=[validate_country],
        help_text=_("ISO country code; blank = no national holidays"),
    )
    workdays = models.CharField(
        _("Working weekdays"),
        max_length=13,
        default="0,1,2,3,4",
        validators=[validate_workdays],
        help_text=_("comma-separated, 0=Mon … 6=Sun"),
    )
    at_risk_share = models.DecimalField(
        _("At-risk share"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=SHARE_VALIDATORS,
        help_text=_("share of the SLA budget used before at-risk"),
    )

    objects = WorkingCalendarQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("Working calendar")
        verbose_name_plural = _("Working calendars")

    def __str__(self) -> str:
        return self.name

    @property
    def workday_set(self) -> frozenset[int]:
        """Working weekdays as integers (0 = Monday)."""
        return frozenset(int(x) for x in self.workdays.split(",") if x.strip())

    def to_work_calendar(self) -> WorkCalendar:
        """Build the pure ``WorkCalendar``; uses prefetched rows when present (see ``with_rules``)."""
        # .all() without ordering so a prefetch cache is used; WorkCalendar sorts periods itself.
        by_weekday: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for period in self.periods.all():
            by_weekday.setdefault(period.weekday, []).append((period.start, period.end))
        return WorkCalendar(
            tz=self.timezone,
            workdays=self.workday_set,
            periods=by_weekday,
            country=self.country or None,
            company_holidays=tuple(h.as_range() for h in self.company_holidays.all()),
            closures=frozenset(c.date for c in self.closures.all()),
        )


class WorkingPeriod(models.Model):
    """One working period of a weekday, e.g. 09:00-12:00 (a lunch break is the gap)."""

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="periods", verbose_name=_("Calendar")
    )
    weekday = models.PositiveSmallIntegerField(_("Weekday"), choices=WEEKDAY_CHOICES)
    start = models.TimeField(_("Start"))
    end = models.TimeField(_("End"), help_text="00:00 = 24:00")

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("Working period")
        verbose_name_plural = _("Working periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")) | Q(end=dt.time(0)), name="sla_period_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_period_weekday_0_6"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def minutes(self) -> tuple[int, int]:
        """``(start, end)`` in minutes after midnight, 00:00 as an end meaning 1440."""
        end = 24 * 60 if self.end == dt.time(0) else self.end.hour * 60 + self.end.minute
        return self.start.hour * 60 + self.start.minute, end

    def clean(self) -> None:
        """Refuse an empty/reversed period and one overlapping another of the same weekday."""
        if self.start is None or self.end is None:
            return
        start, end = self.minutes()
        if end <= start:
            raise ValidationError({"end": _("End must be after start.")})
        if self.calendar_id is None or getattr(self, "skip_db_overlap_check", False):
            return
        others = WorkingPeriod.objects.filter(calendar_id=self.calendar_id, weekday=self.weekday).exclude(pk=self.pk)
        if any(periods_overlap((start, end), other.minutes()) for other in others):
            raise ValidationError(_("Overlaps another period of this weekday."))


def periods_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two half-open minute ranges overlap (touching ends do not overlap)."""
    return a[0] < b[1] and b[0] < a[1]


class CompanyHoliday(models.Model):
    """A company holiday repeating every year, inclusive; may wrap the year end (12/29-1/3)."""

    calendar = models.ForeignKey(
        WorkingCalendar,
        on_delete=models.CASCADE,
        related_name="company_holidays",
        verbose_name=_("Calendar"),
    )
    name = models.CharField(_("Name"), max_length=100)
    start_month = models.PositiveSmallIntegerField(
        _("Start month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    start_day = models.PositiveSmallIntegerField(
        _("Start day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    end_month = models.PositiveSmallIntegerField(
        _("End month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    end_day = models.PositiveSmallIntegerField(_("End day"), validators=[MinValueValidator(1), MaxValueValidator(31)])

    class Meta:
        ordering = ["calendar", "start_month", "start_day"]
        verbose_name = _("Company holiday")
        verbose_name_plural = _("Company holidays")

    def __str__(self) -> str:
        return f"{self.name} ({self.start_month}/{self.start_day}-{self.end_month}/{self.end_day})"

    def as_range(self) -> AnnualRange:
        """The recurring range as used by ``WorkCalendar``."""
        return AnnualRange(self.start_month, self.start_day, self.end_month, self.end_day)

    def clean(self) -> None:
        """Refuse impossible month/day pairs such as 02-30."""
        errors = {}
        for month_field, day_field in (("start_month", "start_day"), ("end_month", "end_day")):
            try:
                validate_month_day(getattr(self, month_field), getattr(self, day_field))
            except ValidationError as exc:
                errors[day_field] = exc.messages
        if errors:
            raise ValidationError(errors)


class Closure(models.Model):
    """A one-off closure date (office move, system maintenance day...)."""

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="closures", verbose_name=_("Calendar")
    )
    date = models.DateField(_("Date"))
    name = models.CharField(_("Name"), max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("Closure")
        verbose_name_plural = _("Closures")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_closure_unique_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class SLAUnit(models.TextChoices):
    BUSINESS_DAYS = "business_days", _("Business days")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class SLAStart(models.TextChoices):
    """When a task's SLA clock starts (as in Jira Service Management's start conditions)."""

    ON_CREATION = "on_creation", _("On creation")
    WHEN_ACTIONABLE = "when_actionable", _("When actionable (all predecessors done)")
    ON_ASSIGNMENT = "on_assignment", _("On assignment, once actionable")


class SLAPolicyQuerySet(models.QuerySet):
    def with_calendar(self) -> SLAPolicyQuerySet:
        """Load each policy's calendar and its rules in four queries."""
        return self.select_related("calendar").prefetch_related(
            "calendar__periods", "calendar__company_holidays", "calendar__closures"
        )


class SLAPolicy(models.Model):
    """How long a kind of work may take, measured on a working calendar."""

    slug = models.SlugField(_("Slug"), unique=True)
    name = models.CharField(_("Name"), max_length=100)
    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("Calendar")
    )
    unit = models.CharField(_("Unit"), max_length=20, choices=SLAUnit.choices, default=SLAUnit.BUSINESS_DAYS)
    duration = models.DecimalField(
        _("Duration"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    at_risk_share = models.DecimalField(
        _("At-risk share"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SHARE_VALIDATORS,
        help_text=_("blank = the calendar's default"),
    )

    start_condition = models.CharField(
        _("Clock starts"), max_length=20, choices=SLAStart.choices, default=SLAStart.WHEN_ACTIONABLE
    )
    pause_limit_days = models.PositiveSmallIntegerField(
        _("Pause limit (business days)"),
        default=DEFAULT_PAUSE_LIMIT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PAUSE_LIMIT_DAYS)],
        help_text=_("A pause longer than this stops the clock no more: the task resumes and MOps is notified."),
    )

    objects = SLAPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(condition=Q(duration__gt=0), name="sla_policy_duration_positive"),
            models.CheckConstraint(
                condition=Q(pause_limit_days__gte=1, pause_limit_days__lte=MAX_PAUSE_LIMIT_DAYS),
                name="sla_policy_pause_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration} {self.get_unit_display()})"

    def clean(self) -> None:
        """Business-day policies need a whole number of days."""
        if (
            self.unit == SLAUnit.BUSINESS_DAYS
            and self.duration is not None
            and self.duration != self.duration.to_integral_value()
        ):
            raise ValidationError({"duration": _("Business days must be a whole number.")})

    @property
    def effective_at_risk_share(self) -> Decimal:
        """The policy's at-risk share, or its calendar's when unset."""
        return self.at_risk_share if self.at_risk_share is not None else self.calendar.at_risk_share

    def compute(
        self,
        start: dt.datetime,
        pauses: Iterable[Sequence[dt.datetime]] = (),
        work_calendar: WorkCalendar | None = None,
    ) -> tuple[dt.datetime, dt.datetime]:
        """``(due_at, at_risk_at)`` for work started at ``start``; pass ``work_calendar`` to
        reuse one built once for many rows."""
        cal = work_calendar or self.calendar.to_work_calendar()
        kwargs = (
            {"business_days": self.duration}
            if self.unit == SLAUnit.BUSINESS_DAYS
            else {"business_hours": self.duration}
        )
        return deadline(cal, start, pauses=pauses, at_risk_share=self.effective_at_risk_share, **kwargs)


DEFAULT_CALENDAR_SLUG = "jp-standard"


@transaction.atomic
def default_calendar() -> WorkingCalendar:
    """The "jp-standard" calendar, created on first use: Mon-Fri 09:00-18:00, Japanese
    national holidays, company closure 29 Dec - 3 Jan. An existing row is returned unchanged
    (admins may have edited it)."""
    calendar, created = WorkingCalendar.objects.get_or_create(
        slug=DEFAULT_CALENDAR_SLUG,
        defaults={
            "name": _("Japan standard"),
            "timezone": "Asia/Tokyo",
            "country": "JP",
            "workdays": "0,1,2,3,4",
        },
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=wd, start=dt.time(9), end=dt.time(18)) for wd in range(5)
        )
        CompanyHoliday.objects.create(
            calendar=calendar, name=_("Year-end holidays"), start_month=12, start_day=29, end_month=1, end_day=3
        )
    return calendar
