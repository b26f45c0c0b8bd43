"""django-q2 jobs of the deployment itself."""

from __future__ import annotations

import os
import socket

from django.conf import settings
from django.utils import timezone

from .models import WorkerHeartbeat


def heartbeat() -> str:
    """Record that a worker of this cluster is alive and executing jobs (every minute; idempotent)."""
    name = settings.Q_CLUSTER.get("name", "default")
    WorkerHeartbeat.objects.update_or_create(
        cluster=name, defaults={"beat_at": timezone.now(), "host": socket.gethostname()[:255], "pid": os.getpid()}
    )
    return name
