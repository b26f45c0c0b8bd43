"""Saved views: a user's named filters on a working list (the querystring is the filter)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Page(models.TextChoices):
    REQUESTS = "requests", _("Request list")
    BOARD = "board", _("Task board")
    TASKS = "tasks", _("Task list")


class SavedView(models.Model):
    """A named querystring of one list page, private to its owner (shared as a plain URL)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("Owner")
    )
    page = models.CharField(_("Page"), max_length=20, choices=Page.choices)
    name = models.CharField(_("Name"), max_length=80)
    query = models.CharField(_("Filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page", "name", "id"]
        verbose_name = _("Saved view")
        verbose_name_plural = _("Saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "page", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.page} {self.name}"
