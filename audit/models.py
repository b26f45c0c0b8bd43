"""The append-only event base: one immutable row per state change, for every app's audit log.

KPIs are computed from these rows, so a row once written is never changed: the model layer
refuses ``save`` of an existing row and ``delete``, the queryset refuses bulk ``update`` and
``delete``, the admin shows them read-only (``audit.admin.ReadOnlyAdminMixin``) and on
PostgreSQL a trigger refuses UPDATE and DELETE in the database (``audit.triggers``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

REFUSAL = "Audit events are append-only."


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes of append-only rows are refused."""

    def update(self, **kwargs):
        raise PermissionError(REFUSAL)

    def delete(self):
        raise PermissionError(REFUSAL)


class AppendOnlyModel(models.Model):
    """A table whose rows are written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError(REFUSAL)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(REFUSAL)


class AuditEvent(AppendOnlyModel):
    """Who did what, when, with which comment; subclasses add the subject and the states."""

    action = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    comment = models.TextField(blank=True, max_length=4000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
