"""One log line per finished django-q2 job (id, name, function, success, duration), like requests."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("mops.job")


def log_job(sender: Any, task: dict, **kwargs: Any) -> None:
    """Receiver of django_q.signals.post_execute (runs in the cluster's monitor process)."""
    started, stopped = task.get("started"), task.get("stopped")
    duration = round((stopped - started).total_seconds() * 1000, 1) if started and stopped else None
    success = bool(task.get("success"))
    logger.log(
        logging.INFO if success else logging.ERROR,
        "job",
        extra={
            "job_id": task.get("id"),
            "job_name": task.get("name"),
            "func": str(task.get("func")),
            "success": success,
            "duration_ms": duration,
            # A failed job's result is its error text; successes' results may hold data: not logged.
            "error": None if success else str(task.get("result"))[:500],
        },
    )
