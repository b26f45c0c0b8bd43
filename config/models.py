"""Operations state of the deployment itself (not campaign data)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """The last time a django-q2 worker of a cluster ran the heartbeat job (one row per cluster).

    Kept in the database, not in a cache, so every web process of every machine reads the same
    value whichever broker (ORM or Redis) carries the jobs.
    """

    cluster = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(default=timezone.now)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.cluster} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
