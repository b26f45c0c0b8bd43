"""The quarterly review as a service: who may see it, the figures payload, PDF reports, snapshots.

Views, the API, the command and the jobs call these functions; the numbers come from kpis.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from campaigns.quarters import Quarter
from campaigns.surveys import free_text_visible
from governance import policy, roles
from governance.models import BusinessUnit
from knowledge.models import Tool, ToolStatus

from . import data as kpi_data
from . import store
from . import tables as kpi_tables
from .models import ReviewReport, ReviewStatus, ToolCostSnapshot

Progress = Callable[[int, str], None]


def can_view(user: Any) -> bool:
    """MOps, Admins and Approvers (read-only) see the KPIs; requesters and specialists do not."""
    return policy.is_ops(user) or policy.has_role(user, roles.APPROVER)


def require_viewer(user: Any) -> None:
    if not can_view(user):
        raise PermissionDenied(_("Only MOps, Admins and Approvers see the KPIs."))


def unit_scope(user: Any) -> tuple[str, ...] | None:
    """The units whose KPIs ``user`` may see: None means company-wide.

    Company-wide totals (every unit, the martech stack and its costs) are for MOps, Admins
    and the CMO's office (Approvers who head no unit: they approve across units under
    centralised and hybrid governance). A unit head sees the units they head, the same
    campaigns the request pages show them.
    """
    if policy.is_ops(user):
        return None
    headed = tuple(sorted(BusinessUnit.objects.filter(head=user).values_list("slug", flat=True)))
    return headed or None


def filters_for(user: Any, params: Any, *, check_unit: bool = False) -> kpi_data.KpiFilters:
    """Filters from ``params`` limited to what ``user`` may see (see ``unit_scope``)."""
    f = filters_from(params, check_unit=check_unit)
    scope = unit_scope(user)
    if scope is None:
        return f
    if f.unit and f.unit not in scope:
        raise ValidationError({"unit": _("You may only see the KPIs of the units you head.")})
    return dataclasses.replace(f, scope=scope)


# Row-level lists in the report: (path, id field, "campaigns" | "tasks").
ROW_LISTS = [
    (("lead_time", "campaigns"), "id", "campaigns"),
    (("return", "campaigns"), "id", "campaigns"),
    (("sla", "breaches"), "task_id", "tasks"),
    (("data", "campaigns"), "id", "campaigns"),
    (("data", "tasks"), "id", "tasks"),
]


def hide_survey_text_of_small_groups(report: dict[str, Any]) -> dict[str, Any]:
    """Drop the survey's free text when fewer people answered than the threshold (in place)."""
    satisfaction = report.get("satisfaction")
    if isinstance(satisfaction, dict) and not free_text_visible(int(satisfaction.get("responses") or 0)):
        satisfaction["comments"] = []  # too few answers: the wording would identify the author
    return report


def restrict_rows(report: dict[str, Any], user: Any) -> dict[str, Any]:
    """Drop the campaign and task rows ``user`` could not open (in place; returns ``report``),
    and the survey's free text when it has fewer answers than the threshold.

    Aggregates stay as computed for the viewer's scope; lists that name a campaign or a task
    (names, budgets, assignees, rates) keep only what the request and task pages would show,
    through the same selectors. MOps and Admins see everything, so nothing is filtered.
    """
    hide_survey_text_of_small_groups(report)
    if policy.is_ops(user):
        return report
    from campaigns.selectors import request_ids_visible_to
    from tasks.selectors import task_ids_visible_to

    counts = report.get("meta", {}).get("rows", {})
    for path, field, kind in ROW_LISTS:
        node: Any = report
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not node.get(path[-1]):
            continue
        rows = node[path[-1]]
        ids = {r[field] for r in rows}
        # The pages' rules, checked on these rows only (the served lists are short).
        allowed = request_ids_visible_to(user, ids) if kind == "campaigns" else task_ids_visible_to(user, ids)
        node[path[-1]] = [r for r in rows if r[field] in allowed]
        name = ".".join(path)
        if name in counts:
            # A cut list (kpis.store.split): how many of the rows past the cut this viewer may
            # open is not counted here (the exports filter the whole list).
            counts[name] = len(node[path[-1]]) if counts[name] == len(rows) else None
    return report


def report_list_for(user: Any):
    """Review PDFs ``user`` may list and download: all for company-wide viewers, else those of
    the units they head (a company-wide PDF would show other units' campaigns)."""
    require_viewer(user)
    scope = unit_scope(user)
    qs = ReviewReport.objects.select_related("requested_by")
    return qs if scope is None else qs.filter(unit__in=scope)


def filters_from(params: Any, *, check_unit: bool = False) -> kpi_data.KpiFilters:
    f = kpi_data.KpiFilters.from_params(params)
    if check_unit and f.unit and not BusinessUnit.objects.filter(slug=f.unit).exists():
        raise ValidationError({"unit": _("Unknown business unit: %(unit)s") % {"unit": f.unit}})
    return f


def payload(report: dict[str, Any]) -> dict[str, Any]:
    """The json format of the command and the API: every figure with its name and value."""
    hide_survey_text_of_small_groups(report)
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
    f = filters_for(by, {"quarter": quarter, "unit": unit}, check_unit=True)
    if f.scope is not None and not f.unit:
        raise ValidationError({"unit": _("Choose one of the units you head.")})
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
        status=ReviewStatus.RUNNING,
        started_at=timezone.now(),
        progress=1,
        step=_("started"),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    report = ReviewReport.objects.get(pk=report_id)
    progress = _progress(report_id)
    try:
        from .pdf import render_pdf

        # Scoped to what the requester may see (a unit head's PDF holds their unit only).
        f = filters_for(report.requested_by, {"quarter": report.quarter, "unit": report.unit})
        progress(5, _("loading data"))
        # A closed quarter comes from the stored figures (computed once); the running one is computed.
        progress(30, _("computing KPIs"))
        data = restrict_rows(store.report(f, now=now), report.requested_by)
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


def review_reclaim_stale(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Reports left "running" by a worker that died: queue them again, or fail them with a reason.

    A live job never runs past django-q2's timeout, so a report still running
    MOPS_REVIEW_STALE_AFTER seconds after its claim has no worker left. It is queued again
    until it has been claimed MOPS_REVIEW_MAX_ATTEMPTS times, then marked failed with a
    message the requester sees on the reviews page. Conditional updates: safe to run twice.
    """
    from django.conf import settings

    now = now or timezone.now()
    stale = ReviewReport.objects.filter(
        status=ReviewStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=settings.MOPS_REVIEW_STALE_AFTER)
    )
    max_attempts = settings.MOPS_REVIEW_MAX_ATTEMPTS
    requeued = stale.filter(attempts__lt=max_attempts)
    ids = list(requeued.values_list("pk", flat=True))
    counts = {"requeued": 0, "failed": 0}
    for report_id in ids:
        with transaction.atomic():
            if requeued.filter(pk=report_id).update(
                status=ReviewStatus.QUEUED, progress=0, step=_("queued again: its worker stopped"), started_at=None
            ):
                _enqueue(report_id)
                counts["requeued"] += 1
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(
            _("The worker building this report stopped %(attempts)s times. Request the report again.")
            % {"attempts": max_attempts}
        )
    counts["failed"] = stale.filter(attempts__gte=max_attempts).update(
        status=ReviewStatus.FAILED, error=reason, finished_at=now
    )
    return counts


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
