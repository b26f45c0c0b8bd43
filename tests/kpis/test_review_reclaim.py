"""A review whose worker died mid-build is queued again and completes, or fails with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kpis import jobs as review_jobs
from kpis import reviews
from kpis.models import ReviewReport, ReviewStatus

from .conftest import NOW

pytestmark = pytest.mark.django_db


def orphaned(*, attempts: int, minutes_ago: int) -> ReviewReport:
    """What a killed worker leaves behind: claimed, bar at 30 %, nobody building it."""
    return ReviewReport.objects.create(
        quarter="2026Q3",
        status=ReviewStatus.RUNNING,
        progress=30,
        step="computing KPIs",
        attempts=attempts,
        started_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def test_orphaned_report_is_built_again(quarter_data, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        report = orphaned(attempts=1, minutes_ago=30)
        with django_capture_on_commit_callbacks(execute=True):
            assert review_jobs.reclaim_stale_reviews() == "requeued 1, failed 0"
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == ("done", 100, 2)
    assert report.file.read().startswith(b"%PDF")


def test_a_report_still_within_its_time_is_left_alone(org):
    report = orphaned(attempts=1, minutes_ago=2)
    assert reviews.review_reclaim_stale() == {"requeued": 0, "failed": 0}
    report.refresh_from_db()
    assert (report.status, report.progress) == ("running", 30)


def test_after_the_last_attempt_it_fails_with_a_reason_the_user_sees(client, org, settings):
    settings.MOPS_REVIEW_MAX_ATTEMPTS = 3
    report = orphaned(attempts=3, minutes_ago=30)
    assert reviews.review_reclaim_stale() == {"requeued": 0, "failed": 1}
    report.refresh_from_db()
    assert report.status == "failed" and report.finished_at is not None
    assert "3" in report.error
    client.force_login(org["mona"])
    assert report.error in client.get("/kpis/reviews/").content.decode()
    assert reviews.review_reclaim_stale() == {"requeued": 0, "failed": 0}  # safe to run twice


def test_queued_again_reports_are_claimed_once(org, django_capture_on_commit_callbacks, monkeypatch):
    built: list[int] = []
    monkeypatch.setattr(reviews, "_enqueue", lambda report_id: built.append(report_id))
    report = orphaned(attempts=1, minutes_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_reclaim_stale()
        reviews.review_reclaim_stale()
    assert built == [report.pk]
    report.refresh_from_db()
    assert (report.status, report.progress, report.started_at) == ("queued", 0, None)
