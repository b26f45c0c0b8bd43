"""Admin pieces for append-only tables: shown, never added, changed or deleted there."""

from __future__ import annotations

from typing import Any


class ReadOnlyAdminMixin:
    """Mix into a ModelAdmin or an inline: every field read-only, no add, change or delete."""

    can_delete = False
    extra = 0

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
