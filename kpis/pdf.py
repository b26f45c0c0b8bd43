"""The quarterly review PDF (xhtml2pdf): cover, one-page summary, one section per KPI.

IPAexGothic (static/fonts, IPA Font License) is embedded with @font-face; xhtml2pdf only
reads local files inside the allowed roots, so the policy allows the static fonts folder and
nothing else (charts are inline PNG data: URIs, remote fetches are off).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from . import charts, definitions, store
from . import tables as kpi_tables
from . import tiles as kpi_tiles
from .labels import labelled
from .templatetags.kpi_format import kpi_as

PDF_ROWS = 20  # longer tables are cut in the PDF; the Excel export has every row
SECTIONS = [
    ("lead_time", _("Request-to-launch time"), ["lead_time_parts", "lead_time_trend", "lead_time_campaigns"]),
    (
        "stall",
        _("Stall time and bottlenecks"),
        ["stall_requests", "stall_approvers", "stall_tasks", "stall_task_types"],
    ),
    ("workload", _("Workload balance"), ["workload_people", "workload_weeks"]),
    ("sla", _("SLA attainment"), ["sla_by_task_type", "sla_by_assignee", "sla_by_unit", "sla_breaches"]),
    ("return", _("Return"), ["return_by_type", "return_by_channel", "return_by_unit", "return_campaigns"]),
    ("satisfaction", _("Internal stakeholder satisfaction"), ["satisfaction_questions", "satisfaction_comments"]),
    ("martech", _("Martech utilisation"), ["martech_categories"]),
    ("maturity", _("Maturity (CMMI)"), ["maturity_evidence"]),
    (
        "governance",
        _("Governance models compared"),
        ["governance_by_model", "governance_trend", "return_by_governance_model"],
    ),
]


PDF_MAX_COLUMNS = 9  # wider tables are split into parts that fit A4 portrait (first column repeated)
NUMERIC = (int, float)


def _column_parts(columns: list, max_columns: int | None) -> list[list[int]]:
    """Column indexes per part: all in one, or the first column plus at most ``max_columns - 1``."""
    idx = list(range(len(columns)))
    if max_columns is None or len(idx) <= max_columns:
        return [idx]
    rest, step = idx[1:], max_columns - 1
    return [[0, *rest[i : i + step]] for i in range(0, len(rest), step)]


def _table(name: str, t: dict[str, Any], rows: list[dict], more: int, max_columns: int | None) -> list[dict]:
    formats = t.get("formats", {})
    numeric = [
        any(isinstance(row.get(k), NUMERIC) and not isinstance(row.get(k), bool) for row in rows)
        for k, _label in t["columns"]
    ]
    parts = _column_parts(t["columns"], max_columns)
    out = []
    for n, cols in enumerate(parts, start=1):
        # Text columns take three times the width of a number column, so names wrap less.
        weights = [1 if numeric[i] else 3 for i in cols]
        total = sum(weights)
        out.append(
            {
                "name": name,
                "title": t["title"],
                "part": n if len(parts) > 1 else None,
                "parts": len(parts),
                "columns": [
                    {
                        "key": t["columns"][i][0],
                        "label": t["columns"][i][1],
                        "numeric": numeric[i],
                        "width": round(100 * w / total),
                    }
                    for i, w in zip(cols, weights, strict=True)
                ],
                "rows": [
                    {
                        # Formatted here, once, rather than by a filter per cell in the template.
                        "cells": [
                            (kpi_as(row.get(t["columns"][i][0]), formats.get(t["columns"][i][0], "")), numeric[i])
                            for i in cols
                        ],
                        "raw": row,
                    }
                    for row in rows
                ],
                "more": more,
                "wide": len(cols) > 7,
            }
        )
    return out


def sections(
    report: dict[str, Any],
    *,
    fmt: str,
    progress: Callable[[int, str], None] | None = None,
    row_limit: int | None = None,
    start: int = 40,
    end: int = 80,
    max_columns: int | None = None,
) -> list[dict[str, Any]]:
    """Sections with chart and tables; shared by the PDF and the dashboard.

    ``fmt``: "png" or "svg" draw the chart inline (data: URI); "url" gives the signed chart
    token for the dashboard's chart view instead (kpis.charts.token). Cells are
    ``(text, numeric)``: formatted by kpis.templatetags.kpi_format.kpi_as (%, ¥, "—").
    """
    report = labelled(report)
    specs = charts.specs(report)
    tables = kpi_tables.tables(report)
    out = []
    for i, (key, title, names) in enumerate(SECTIONS):
        if progress:
            progress(start + (end - start) * i // len(SECTIONS), _("chart: %(section)s") % {"section": title})
        spec = specs.get(key)
        size = {"width": 7.2, "height": 2.8, "dpi": 100} if fmt == "png" else {"width": 7.0, "height": 3.0}
        if not spec:
            chart = None
        elif fmt == "url":
            chart = charts.token(spec)
        else:
            chart = charts.data_uri(spec, fmt, **size)
        ts = []
        for n, name in enumerate(names, start=1):
            t = tables[name]
            rows = t["rows"] if row_limit is None else t["rows"][:row_limit]
            # A cut list (kpis.store.split) knows its whole length; None: not known for this
            # viewer (their rows among the whole list are not counted on the page).
            total = report.get("meta", {}).get("rows", {}).get(store.LIST_TABLES.get(name, ""), len(t["rows"]))
            more = -1 if total is None else total - len(rows)
            for part in _table(name, t, rows, more, max_columns):
                ts.append({**part, "number": f"{i + 1}.{n}"})
        # The image's box in the page keeps the chart's own proportions (tall bar charts).
        ratio = charts.height_for(spec, size["height"]) / size["width"] if spec else 0
        out.append(
            {
                "number": i + 1,
                "key": key,
                "title": title,
                "chart": chart,
                "chart_width": 500 if fmt == "png" else 770,
                "chart_height": round((500 if fmt == "png" else 770) * ratio),
                "tables": ts,
                "rows": sum(len(t["rows"]) for t in ts if not t["part"] or t["part"] == 1),
                "definitions": definitions.for_section(key),
            }
        )
    return out


def render_html(report: dict[str, Any], *, progress=None) -> str:
    report = labelled(report)
    return render_to_string(
        "kpis/review_pdf.html",
        {
            "r": report,
            "s": report["summary"],
            "tiles": kpi_tiles.tiles(report),
            "generated": localtime(parse_datetime(report["meta"]["generated_at"])),
            "filters": filter_labels(report),
            "font_path": charts.FONT_PATH.as_posix(),
            "font_name": charts.FONT_NAME,
            "sections": sections(report, fmt="png", progress=progress, row_limit=PDF_ROWS, max_columns=PDF_MAX_COLUMNS),
            "definitions": definitions.all_definitions(),
        },
    )


def filter_labels(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's filters by label (unit, type and channel names; model labels), "all" when unset."""
    from campaigns.models import CampaignType, Channel
    from governance.models import BusinessUnit

    from .figures import MODEL_LABELS

    f = report["meta"]["filters"]
    everything = str(_("all"))

    def name(model, slug):
        return (model.objects.filter(slug=slug).values_list("name", flat=True).first() or slug) if slug else everything

    imported = {"exclude": _("Left out"), "only": _("Only imported")}.get(f.get("imported") or "", _("Included"))
    return [
        (str(_("Business unit")), name(BusinessUnit, f.get("unit"))),
        (str(_("Campaign type")), name(CampaignType, f.get("campaign_type"))),
        (str(_("Channel")), name(Channel, f.get("channel"))),
        (str(_("Governance")), str(MODEL_LABELS.get(f.get("governance_model"), everything))),
        (str(_("Imported history")), str(imported)),
    ]


def render_pdf(report: dict[str, Any], *, progress: Callable[[int, str], None] | None = None) -> bytes:
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    html = render_html(report, progress=progress)
    if progress:
        progress(85, _("rendering PDF"))
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=charts.FONT_PATH.parent, extra_roots=())
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise RuntimeError(f"PDF rendering failed ({result.err} errors)")
    return out.getvalue()
