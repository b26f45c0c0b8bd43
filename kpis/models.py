"""Tables of the quarterly MOps KPI review: generated reports and tool-cost snapshots.

Imported at the end of knowledge/models.py so Django registers them in the knowledge app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ReviewReport", "ReviewStatus", "ToolCostSnapshot"]


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
