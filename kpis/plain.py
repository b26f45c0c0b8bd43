"""Plain data for reports, charts and exports: lazy translations become str, tuples lists."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


def plain_data(value: Any) -> Any:
    """``value`` with every lazy translation turned into ``str`` (dicts and lists walked)."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {plain_data(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    return value
