"""Jobs the Redis-broker tests enqueue (importable by the worker processes, never by product code)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db.models import F
from django.utils import timezone

from kpis.models import ReviewReport, ReviewStatus


def hold_review(report_id: int, pid_file: str) -> None:
    """Claim a review like the real job does, say which process holds it, then hang (to be killed)."""
    ReviewReport.objects.filter(pk=report_id, status=ReviewStatus.QUEUED).update(
        status=ReviewStatus.RUNNING, started_at=timezone.now(), progress=30, attempts=F("attempts") + 1
    )
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(120)
