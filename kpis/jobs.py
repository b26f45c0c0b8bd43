"""django-q2 jobs of the quarterly review: take ids, call the service; safe to run twice."""

from __future__ import annotations

from . import reviews, store


def build_review(report_id: int) -> str:
    """Build one queued review PDF (a second run finds it claimed and does nothing)."""
    report = reviews.review_build(report_id)
    return "skipped" if report is None else report.status


def schedule_quarter_review() -> str:
    """Daily: once a quarter has ended, snapshot tool costs and queue its review (once)."""
    report = reviews.schedule_last_quarter()
    return "queued" if report else "nothing to do"


def reclaim_stale_reviews() -> str:
    """Every 5 minutes: requeue (or fail with a reason) reviews whose worker died mid-build."""
    counts = reviews.review_reclaim_stale()
    return f"requeued {counts['requeued']}, failed {counts['failed']}"


def refresh_running_figures(filters: dict) -> str:
    """Recompute the running quarter's cached figures for one filter set (queued by a page that
    served the previous ones, kpis.store.refresh_later); running twice only computes twice."""
    f = store.filters_from_payload(filters)
    store.running_compute(f)
    return f"computed {f.quarter}"
