"""Formatting of KPI values for pages and the PDF: absent figures show as "—", never "nan"."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(value: float) -> str:
    # One decimal, none when whole: 1.0 -> "100%", 0.9737 -> "97.4%".
    return f"{_trim(f'{value:,.1f}')}%"


@register.filter
def kpi_pct(value) -> str:
    """A share 0..1 as a percentage ("100%", never "1")."""
    if value is None or value == "" or value != value:
        return "—"
    return _percent(float(value) * 100)


@register.filter
def kpi_yen(value) -> str:
    """JPY with thousands separators and no decimals: ¥4,427."""
    if value is None or value == "" or value != value:
        return "—"
    v = round(float(value))
    return f"-¥{-v:,}" if v < 0 else f"¥{v:,}"


@register.filter
def kpi_as(value, kind: str = "") -> str:
    """A table cell by its column's format (kpis.tables.FORMATS): share, pct, pt, yen or plain."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return kpi(value)
    if kind == "share":
        return kpi_pct(value)
    if kind == "pct":
        return _percent(float(value))
    if kind == "pt":
        return f"{float(value):+,.1f} pt"
    if kind == "yen":
        return kpi_yen(value)
    return kpi(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def can_see_kpis(user) -> bool:
    """Nav link: MOps, Admins and Approvers see the KPI dashboard (the views check again)."""
    from kpis.reviews import can_view

    return can_view(user)


@register.simple_tag
def kpi_table_rows(table) -> str:
    """The body rows of one dashboard table (kpis.pdf.sections), built in Python: a folded table
    of 50 rows is ~1,000 cells, which the template engine took most of the page's time to draw."""
    out = []
    for row in table["rows"]:
        cells = []
        for i, (text, numeric) in enumerate(row["cells"]):
            inner = escape(text)
            if i == 0 and row.get("link"):
                inner = format_html('<a href="{}">{}</a>', row["link"], text)
            cells.append(f'<td class="num">{inner}</td>' if numeric else f"<td>{inner}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
