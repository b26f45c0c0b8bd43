"""The quarterly review as a service: who may see it, the figures payload, PDF reports, snapshots.

Views, the API, the command and the jobs call these functions; the numbers come from kpis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.quarters import Quarter
from governance import policy, roles
from governance.models import BusinessUnit
from knowledge.models import Tool, ToolStatus

from . import data as kpi_data
from . import figures
from . import tables as kpi_tables
from .models import ReviewReport, ReviewStatus, ToolCostSnapshot

Progress = Callable[[int, str], None]


def can_view(user: Any) -> bool:
    """MOps, Admins and Approvers (read-only) see the KPIs; requesters and specialists do not."""
    return policy.is_ops(user) or policy.has_role(user, roles.APPROVER)


def require_viewer(user: Any) -> None:
    if not can_view(user):
        raise PermissionDenied(_("Only MOps, Admins and Approvers see the KPIs."))


def filters_from(params: Any, *, check_unit: bool = False) -> kpi_data.KpiFilters:
    f = kpi_data.KpiFilters.from_params(params)
    if check_unit and f.unit and not BusinessUnit.objects.filter(slug=f.unit).exists():
        raise ValidationError({"unit": _("Unknown business unit: %(unit)s") % {"unit": f.unit}})
    return f


def payload(report: dict[str, Any]) -> dict[str, Any]:
    """The json format of the command and the API: every figure with its name and value."""
    return {
        "quarter": report["meta"]["quarter"],
        "filters": report["meta"]["filters"],
        "generated_at": report["meta"]["generated_at"],
        "summary": report["summary"],
        "figures": kpi_tables.figures(report),
    }


# --- PDF reports -------------------------------------------------------------------------


def review_request(*, quarter: str, unit: str = "", by) -> ReviewReport:
    """Queue a PDF for a quarter (MOps/Admin/Approver); the job fills it in."""
    require_viewer(by)
    f = filters_from({"quarter": quarter, "unit": unit}, check_unit=True)
    report = ReviewReport.objects.create(quarter=str(f.quarter), unit=f.unit, requested_by=by)
    _enqueue(report.pk)
    return report


def _enqueue(report_id: int) -> None:
    from django.conf import settings
    from django_q.tasks import async_task

    # Q_CLUSTER["sync"] (tests, Q_SYNC=1) is read per call: django-q2 reads its own copy at import.
    sync = bool(settings.Q_CLUSTER.get("sync"))
    transaction.on_commit(
        lambda: async_task("kpis.jobs.build_review", report_id, task_name=f"kpi-review-{report_id}", sync=sync)
    )


def _progress(report_id: int) -> Progress:
    def update(percent: int, step: str) -> None:
        # Conditional update: only the running job moves the bar, and never backwards.
        ReviewReport.objects.filter(pk=report_id, status=ReviewStatus.RUNNING, progress__lte=percent).update(
            progress=percent, step=step[:100]
        )

    return update


def review_build(report_id: int, *, now: dt.datetime | None = None) -> ReviewReport | None:
    """Claim a queued report and build its PDF; None when someone else has it (safe to run twice)."""
    claimed = ReviewReport.objects.filter(pk=report_id, status=ReviewStatus.QUEUED).update(
        status=ReviewStatus.RUNNING, started_at=timezone.now(), progress=1, step=_("started")
    )
    if not claimed:
        return None
    report = ReviewReport.objects.get(pk=report_id)
    progress = _progress(report_id)
    try:
        from .pdf import render_pdf

        f = filters_from({"quarter": report.quarter, "unit": report.unit})
        progress(5, _("loading data"))
        frames = kpi_data.load(f)
        progress(30, _("computing KPIs"))
        data = figures.compute(f, now=now, frames=frames)
        pdf = render_pdf(data, progress=progress)
        progress(95, _("saving"))
        name = f"mops-kpi-review-{report.quarter}{'-' + report.unit if report.unit else ''}-{report.pk}.pdf"
        report.file.save(name, ContentFile(pdf), save=False)
        ReviewReport.objects.filter(pk=report_id, status=ReviewStatus.RUNNING).update(
            file=report.file.name, status=ReviewStatus.DONE, progress=100, step=_("done"), finished_at=timezone.now()
        )
    except Exception as exc:  # the page shows the failure; the job log has the traceback
        ReviewReport.objects.filter(pk=report_id).update(
            status=ReviewStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    report.refresh_from_db()
    return report


def schedule_last_quarter(*, today: dt.date | None = None) -> ReviewReport | None:
    """After a quarter ends: snapshot tool costs and queue its org-wide review once."""
    today = today or timezone.localdate()
    quarter = Quarter.of(today).previous()
    snapshot_tool_costs(quarter)
    if ReviewReport.objects.filter(quarter=str(quarter), unit="", scheduled=True).exists():
        return None
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(quarter=str(quarter), unit="", scheduled=True)
    except IntegrityError:
        return None  # another run queued it first
    _enqueue(report.pk)
    return report


def snapshot_tool_costs(quarter: Quarter) -> int:
    """Freeze the catalogue's in-use cost per category for ``quarter`` (first call wins)."""
    if ToolCostSnapshot.objects.filter(quarter=str(quarter)).exists():
        return 0
    rows = (
        Tool.objects.filter(status=ToolStatus.IN_USE)
        .values("category")
        .annotate(n=Count("id"), cost=Sum("annual_cost"))
        .order_by("category")
    )
    made = ToolCostSnapshot.objects.bulk_create(
        [
            ToolCostSnapshot(
                quarter=str(quarter), category=r["category"], tools=r["n"], annual_cost=r["cost"] or Decimal(0)
            )
            for r in rows
        ],
        ignore_conflicts=True,
    )
    return len(made)
