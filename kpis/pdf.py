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
from django.utils.translation import gettext_lazy as _

from . import charts, definitions
from . import tables as kpi_tables

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


def sections(
    report: dict[str, Any],
    *,
    fmt: str,
    progress: Callable[[int, str], None] | None = None,
    row_limit: int | None = None,
    start: int = 40,
    end: int = 80,
) -> list[dict[str, Any]]:
    """Sections with chart (data URI) and tables; shared by the PDF and the dashboard."""
    specs = charts.specs(report)
    tables = kpi_tables.tables(report)
    out = []
    for i, (key, title, names) in enumerate(SECTIONS):
        if progress:
            progress(start + (end - start) * i // len(SECTIONS), _("chart: %(name)s") % {"name": key})
        spec = specs.get(key)
        chart = (
            charts.data_uri(spec, fmt, **({"width": 7.2, "height": 2.8, "dpi": 100} if fmt == "png" else {}))
            if spec
            else None
        )
        ts = []
        for name in names:
            t = tables[name]
            rows = t["rows"] if row_limit is None else t["rows"][:row_limit]
            ts.append(
                {
                    "name": name,
                    "title": t["title"],
                    "columns": t["columns"],
                    "rows": [{"cells": [row.get(k) for k, _ in t["columns"]], "raw": row} for row in rows],
                    "more": len(t["rows"]) - len(rows),
                }
            )
        out.append(
            {"key": key, "title": title, "chart": chart, "tables": ts, "definitions": definitions.for_section(key)}
        )
    return out


def render_html(report: dict[str, Any], *, progress=None) -> str:
    return render_to_string(
        "kpis/review_pdf.html",
        {
            "r": report,
            "s": report["summary"],
            "font_path": charts.FONT_PATH.as_posix(),
            "font_name": charts.FONT_NAME,
            "sections": sections(report, fmt="png", progress=progress, row_limit=PDF_ROWS),
            "definitions": definitions.all_definitions(),
        },
    )


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
