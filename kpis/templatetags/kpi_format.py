"""Formatting of KPI values for pages and the PDF: absent figures show as "—", never "nan"."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def kpi(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "○" if value else "×"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN should never reach here; show it as absent all the same
            return "—"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        text = f"{value:.{int(digits)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


@register.filter
def kpi_pct(value) -> str:
    """A share 0..1 as a percentage."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def can_see_kpis(user) -> bool:
    """Nav link: MOps, Admins and Approvers see the KPI dashboard (the views check again)."""
    from kpis.reviews import can_view

    return can_view(user)
