"""Tables of the quarterly MOps KPI review: generated reports and tool-cost snapshots.

Imported at the end of knowledge/models.py so Django registers them in the knowledge app.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyModel

__all__ = ["QuarterFigures", "QuarterFiguresEvent", "ReviewReport", "ReviewStatus", "ToolCostSnapshot"]


class ReviewStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReviewReport(models.Model):
    """One quarterly review PDF, made by a django-q2 job; ``progress`` drives the page's bar."""

    quarter = models.CharField(_("Quarter"), max_length=7, db_index=True)
    unit = models.CharField(_("Unit"), max_length=50, blank=True, default="")
    status = models.CharField(
        _("Status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("Progress (%)"), default=0)
    step = models.CharField(_("Step"), max_length=100, blank=True)
    file = models.FileField(_("File"), upload_to="reviews/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled = models.BooleanField(_("Scheduled"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Claims so far: a report whose worker died is queued again until MOPS_REVIEW_MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(_("Attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Quarterly review")
        verbose_name_plural = _("Quarterly reviews")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="review_progress_max_100"),
            # At most one scheduled org-wide review per quarter: the schedule is safe to run twice.
            models.UniqueConstraint(
                fields=["quarter", "unit"], condition=models.Q(scheduled=True), name="review_one_scheduled_per_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.unit or 'all'} ({self.status})"


class ToolCostSnapshot(models.Model):
    """The martech catalogue's cost per category frozen at a quarter's end (for change vs previous)."""

    quarter = models.CharField(max_length=7)
    category = models.CharField(max_length=20)
    tools = models.PositiveIntegerField(default=0)
    annual_cost = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["quarter", "category"]
        verbose_name = _("Tool cost snapshot")
        verbose_name_plural = _("Tool cost snapshots")
        constraints = [models.UniqueConstraint(fields=["quarter", "category"], name="tool_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.category}"


class QuarterFigures(models.Model):
    """The KPI report of one closed quarter for one filter set, stored so pages never recompute it.

    ``report`` is the plain-data dict ``kpis.figures.compute`` returns, light (no drill-down
    ids, no data sheets, row lists cut: ``kpis.store.split``); ``lists_json`` and ``ids_json``
    hold the whole row lists and the drill-down ids, read only by the exports and drill-downs.
    A late audit event (older than ``quarter_end``, written after ``computed_at``) marks the
    row stale (kpis.signals); the next read recomputes it and writes a ``QuarterFiguresEvent``.
    The watermarks (highest event ids seen) let a read also
    notice events written without signals (bulk imports, raw SQL).
    """

    quarter = models.CharField(_("Quarter"), max_length=7)
    filters_key = models.CharField(_("Filters key"), max_length=64)
    filters = models.JSONField(_("Filters"), default=dict)
    quarter_end = models.DateTimeField(_("Quarter end"), db_index=True)
    # JSON text, not a JSONField: PostgreSQL's jsonb reorders keys, and the exports and pages
    # list figures in the report's own order.
    report_json = models.TextField(_("Report"), default="{}")
    lists_json = models.TextField(_("Row lists"), default="", blank=True)
    ids_json = models.TextField(_("Drill-down ids"), default="", blank=True)
    # False on rows stored before the report was split: the next read recomputes them.
    ids_stored = models.BooleanField(default=False)
    computed_at = models.DateTimeField(_("Computed at"), default=timezone.now)
    compute_seconds = models.FloatField(_("Compute time (s)"), default=0)
    request_event_watermark = models.BigIntegerField(_("Last request event id"), default=0)
    task_event_watermark = models.BigIntegerField(_("Last task event id"), default=0)
    last_event_at = models.DateTimeField(_("Last event time"), null=True, blank=True)
    stale = models.BooleanField(_("Stale"), default=False)
    stale_reason = models.CharField(_("Stale because"), max_length=200, blank=True)

    class Meta:
        ordering = ["-quarter", "filters_key"]
        verbose_name = _("Stored quarter figures")
        verbose_name_plural = _("Stored quarter figures")
        constraints = [models.UniqueConstraint(fields=["quarter", "filters_key"], name="quarter_figures_unique")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.filters_key[:8]}{' (stale)' if self.stale else ''}"

    @property
    def report(self) -> dict:
        """The stored plain-data report (parsed on each access: callers keep what they need).

        orjson: a quarter's recomputation reads the seven before it for its trend."""
        return orjson.loads(self.report_json)


class QuarterFiguresEvent(AppendOnlyModel):
    """Append-only trail of the stored figures: when each quarter was computed or recomputed, and why."""

    quarter = models.CharField(_("Quarter"), max_length=7, db_index=True)
    filters_key = models.CharField(_("Filters key"), max_length=64)
    action = models.CharField(_("Action"), max_length=20)  # "computed" | "recomputed"
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("At"), default=timezone.now, db_index=True)
    # Watermarks before/after and the summary figures that changed (old -> new).
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("Stored figures event")
        verbose_name_plural = _("Stored figures events")

    def __str__(self) -> str:
        return f"{self.quarter} {self.action} {self.at:%Y-%m-%d %H:%M}"
