"""GET /health/: is this deployment able to serve and to run jobs? For load balancers and monitors.

No login and no secrets: only booleans, counts and ages. 200 when every part is fine, 503 with
the failing parts named otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


__all__ = ["DatabaseError", "health", "health_status"]


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _migrations() -> dict[str, Any]:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not pending, "pending": len(pending)}


def _broker() -> dict[str, Any]:
    from django_q.brokers import get_broker

    kind = "redis" if settings.Q_CLUSTER.get("redis") else "orm"
    return {"ok": bool(get_broker().ping()), "type": kind}


def _workers(now) -> dict[str, Any]:
    from .models import WorkerHeartbeat

    max_age = int(getattr(settings, "MOPS_HEALTH_WORKER_MAX_AGE", 180))
    beat = WorkerHeartbeat.objects.filter(cluster=settings.Q_CLUSTER.get("name", "default")).first()
    if beat is None:
        return {"ok": False, "last_heartbeat_age_s": None, "max_age_s": max_age}
    age = max(0, round((now - beat.beat_at).total_seconds()))
    return {"ok": age <= max_age, "last_heartbeat_age_s": age, "max_age_s": max_age}


def health_status(now=None) -> tuple[bool, dict[str, Any]]:
    """Every check as plain data; a check that raises counts as failing (its error is logged, not shown)."""
    now = now or timezone.now()
    checks: dict[str, Any] = {}
    for name, check in (
        ("database", _database),
        ("migrations", _migrations),
        ("broker", _broker),
        ("workers", lambda: _workers(now)),
    ):
        if name in ("migrations", "workers") and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "reason": "database unavailable"}
            continue
        try:
            checks[name] = check()
        except Exception as exc:  # any failure is a failing check; the type only, no details leak
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
            checks[name] = {"ok": False, "reason": type(exc).__name__}
    healthy = all(c["ok"] for c in checks.values())
    return healthy, checks


@never_cache
@require_GET
def health(request):
    healthy, checks = health_status()
    body = {
        "status": "ok" if healthy else "failing",
        "failing": [name for name, c in checks.items() if not c["ok"]],
        "checks": checks,
    }
    return JsonResponse(body, status=200 if healthy else 503)
