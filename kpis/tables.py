"""The KPI report (plain data from kpis.compute) as named figures and as tables.

One place decides the columns of every KPI table, so the dashboard, the PDF, the CSV and the
Excel exports show the same thing. No arithmetic here: only selection and labelling.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .labels import labelled

ROW_KEYS = (
    "key",
    "state",
    "person",
    "approver",
    "quarter",
    "category",
    "criterion",
    "name",
    "id",
    "task_id",
    "week",
    "model",
)
SKIP = {"ids", "data", "label", "task_type_label", "people"}


def figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure with a dotted name, e.g. ``return.by_type[webinar].roi`` (None = absent)."""
    out: list[dict[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in SKIP:
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    ident = next((item[k] for k in ROW_KEYS if item.get(k) not in (None, "")), i)
                    if "criterion" in item and "for_level" in item:
                        ident = f"{item['criterion']}@{item['for_level']}"
                    if "task_type" in item and "state" in item and "rank" not in item:
                        ident = f"{item['task_type']}/{item['state']}"
                    walk(f"{prefix}[{ident}]", item)
                else:
                    out.append({"name": f"{prefix}[{i}]", "value": item})
        else:
            out.append({"name": prefix, "value": value})

    walk("", {k: v for k, v in report.items() if k != "data"})
    return out


# How a column's cells read on the dashboard and in the PDF (kpis.templatetags.kpi_format.kpi_as):
# share = a ratio 0..1 shown as %, pct = a figure already in %, pt = percentage points,
# yen = JPY, num = a plain number, int = a count; other columns show as text.
FORMATS = {
    **dict.fromkeys(("share", "share_met", "sla_met", "threshold", "lead_to_mql", "mql_to_sql", "sql_to_won"), "share"),
    **dict.fromkeys(("roi", "good_roi", "expected_roi", "utilisation", "change_pct"), "pct"),
    "roi_gap": "pt",
    **dict.fromkeys(
        (
            "spend",
            "labour_cost",
            "cost",
            "revenue",
            "retained_revenue",
            "cost_per_lead",
            "cost_per_mql",
            "cost_per_sql",
            "annual_cost",
            "quarterly_cost",
            "previous_annual_cost",
        ),
        "yen",
    ),
}


def _t(
    title: str, columns: list[tuple[str, str]], rows: Iterable[dict], formats: dict[str, str] | None = None
) -> dict[str, Any]:
    fmt = {k: FORMATS[k] for k, _label in columns if k in FORMATS}
    fmt.update({k: "pct" for k, _label in columns if k.startswith("u_")})
    fmt.update(formats or {})
    return {"title": title, "columns": columns, "rows": list(rows), "formats": fmt}


RETURN_COLS = [
    ("campaigns", _("Campaigns")),
    ("spend", _("Spend")),
    ("labour_cost", _("Labour")),
    ("cost", _("Cost")),
    ("leads", _("Leads")),
    ("mqls", "MQL"),
    ("sqls", "SQL"),
    ("won_deals", _("Won")),
    ("revenue", _("Revenue")),
    ("retained_revenue", _("Retained")),
    ("cost_per_lead", "CPL"),
    ("cost_per_mql", "CPMQL"),
    ("cost_per_sql", "CPSQL"),
    ("lead_to_mql", "Lead→MQL"),
    ("mql_to_sql", "MQL→SQL"),
    ("sql_to_won", "SQL→Won"),
    ("roi", "ROI %"),
    ("good_roi", _("Good-revenue ROI %")),
    ("expected_roi", _("Expected ROI %")),
    ("roi_gap", _("Gap")),
]
STALL_COLS = [
    ("rank", "#"),
    ("label", _("State")),
    ("visits", _("Visits")),
    ("total_hours", _("Total h")),
    ("mean_hours", _("Mean h")),
    ("median_hours", _("Median h")),
    ("mean_business_hours", _("Mean business h")),
    ("share", _("Share")),
]
SLA_COLS = [
    ("label", _("Group")),
    ("tasks", _("Tasks")),
    ("met", _("Met")),
    ("missed", _("Missed")),
    ("breached", _("Breached")),
    ("share_met", _("Share met")),
]


def tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every KPI table of the report: name -> {title, columns [(key, label)], rows [dict], formats}.

    ``formats`` maps a column key to how its cells read (see ``FORMATS``); people, units,
    types, outcomes and models show by their labels (kpis.labels), never by key.
    """
    r = labelled(report)
    lt, st, wl, sl, ret = r["lead_time"], r["stall"], r["workload"], r["sla"], r["return"]
    people = [(p["person"], p.get("person_name") or p["person"]) for p in wl["people"]]
    week_rows = [
        {
            "week": w["week"],
            "cv": w["cv"],
            "gini": w["gini"],
            "hours": w["hours"],
            **{f"u_{p['person']}": p["utilisation"] for p in w["people"]},
        }
        for w in wl["weeks"]
    ]
    out = {
        "summary": _t(
            _("Summary"),
            [("name", _("Figure")), ("value", _("Value"))],
            [{"name": k, "value": v} for k, v in r["summary"].items()],
        ),
        "lead_time_trend": _t(
            _("Request-to-launch trend (business days)"),
            [
                ("quarter", _("Quarter")),
                ("n", _("n")),
                ("bd_median", _("Median")),
                ("bd_p75", "p75"),
                ("bd_p90", "p90"),
                ("cd_median", _("Calendar median")),
                ("cd_p90", _("Calendar p90")),
            ],
            lt["trend"],
        ),
        "lead_time_parts": _t(
            _("Process time, launch wait and total"),
            [
                ("label", _("Part")),
                ("n", _("n")),
                ("bd_median", _("Median")),
                ("bd_p90", "p90"),
                ("cd_median", _("Calendar median")),
                ("cd_p90", _("Calendar p90")),
            ],
            [
                {
                    "key": key,
                    "label": label,
                    "n": lt[bd]["n"],
                    "bd_median": lt[bd]["median"],
                    "bd_p90": lt[bd]["p90"],
                    "cd_median": lt[cd]["median"],
                    "cd_p90": lt[cd]["p90"],
                }
                for key, label, bd, cd in (
                    ("process", _("Process time"), "process_business_days", "process_calendar_days"),
                    ("launch_wait", _("Launch wait"), "launch_wait_business_days", "launch_wait_calendar_days"),
                    ("total", _("Total"), "business_days", "calendar_days"),
                )
            ],
        ),
        "lead_time_campaigns": _t(
            _("Lead time per campaign"),
            [
                ("id", "ID"),
                ("name", _("Campaign")),
                ("unit_name", _("Unit")),
                ("campaign_type_name", _("Type")),
                ("submitted_at", _("Submitted")),
                ("launched_at", _("Launched")),
                ("process_business_days", _("Process (bd)")),
                ("launch_wait_business_days", _("Launch wait (bd)")),
                ("business_days", _("Business days")),
                ("calendar_days", _("Calendar days")),
            ],
            lt["campaigns"],
        ),
        "stall_requests": _t(_("Request stall time by state"), STALL_COLS, st["requests"]),
        "stall_tasks": _t(_("Task stall time by state"), STALL_COLS, st["tasks"]),
        "stall_approvers": _t(
            _("Approval wait per approver"),
            [
                ("approver_name", _("Approver")),
                ("decisions", _("Decisions")),
                ("mean_hours", _("Mean h")),
                ("median_hours", _("Median h")),
                ("mean_business_hours", _("Mean business h")),
            ],
            st["approvers"],
        ),
        "stall_task_types": _t(
            _("Stall per task type"),
            [
                ("task_type_label", _("Task type")),
                ("label", _("State")),
                ("visits", _("Visits")),
                ("total_hours", _("Total h")),
                ("mean_hours", _("Mean h")),
                ("mean_business_hours", _("Mean business h")),
            ],
            st["task_types"],
        ),
        "workload_people": _t(
            _("Utilisation per person"),
            [
                ("person_name", _("Person")),
                ("hours", _("Hours")),
                ("capacity", _("Capacity h")),
                ("utilisation", _("Utilisation %")),
            ],
            wl["people"],
        ),
        "workload_weeks": _t(
            _("Balance week by week"),
            [("week", _("Week")), ("hours", _("Hours")), ("cv", "CV"), ("gini", "Gini")]
            + [(f"u_{p}", name) for p, name in people],
            week_rows,
        ),
        "sla_by_task_type": _t(_("SLA by task type"), SLA_COLS, sl["by_task_type"]),
        "sla_by_assignee": _t(_("SLA by assignee"), SLA_COLS, sl["by_assignee"]),
        "sla_by_unit": _t(_("SLA by unit"), SLA_COLS, sl["by_unit"]),
        "sla_breaches": _t(
            _("Breaches and reasons"),
            [
                ("key", _("Key")),
                ("title", _("Task")),
                ("campaign_id", _("Campaign")),
                ("assignee_name", _("Assignee")),
                ("outcome_label", _("Outcome")),
                ("due_at", _("Due")),
                ("completed_at", _("Done")),
                ("overrun_business_hours", _("Overrun business h")),
                ("reasons_text", _("Reasons")),
            ],
            [{**b, "reasons_text": " ; ".join(b["reasons"])} for b in sl["breaches"]],
        ),
        "return_campaigns": _t(
            _("Return per campaign"), [("id", "ID"), ("name", _("Campaign"))] + RETURN_COLS[1:], ret["campaigns"]
        ),
        "return_by_type": _t(_("Return by campaign type"), [("label", _("Type"))] + RETURN_COLS, ret["by_type"]),
        "return_by_channel": _t(_("Return by channel"), [("label", _("Channel"))] + RETURN_COLS, ret["by_channel"]),
        "return_by_unit": _t(_("Return by unit"), [("label", _("Unit"))] + RETURN_COLS, ret["by_unit"]),
        "return_by_governance_model": _t(
            _("Return by governance model"), [("label", _("Model"))] + RETURN_COLS, ret["by_governance_model"]
        ),
        "satisfaction_questions": _t(
            _("Satisfaction"),
            [
                ("label", _("Question")),
                ("responses", _("Responses")),
                ("mean", _("Mean")),
                ("previous", _("Previous")),
                ("change", _("Change")),
            ],
            r["satisfaction"]["questions"],
        ),
        "satisfaction_comments": _t(
            _("Comments"), [("strengthen", _("Strengthen")), ("unclear", _("Unclear"))], r["satisfaction"]["comments"]
        ),
        "martech_categories": _t(
            _("Tool cost per category"),
            [
                ("label", _("Category")),
                ("tools", _("Tools")),
                ("annual_cost", _("Annual")),
                ("quarterly_cost", _("Quarterly")),
                ("previous_annual_cost", _("Previous annual")),
                ("change", _("Change")),
                ("change_pct", _("Change %")),
            ],
            r["martech"]["categories"],
            {"change": "yen"},
        ),
        "maturity_evidence": _t(
            _("Maturity evidence"),
            [
                ("for_level", _("Level")),
                ("label", _("Criterion")),
                ("share", _("Share")),
                ("threshold", _("Threshold")),
                ("met", _("Met")),
            ],
            r["maturity"]["evidence"],
        ),
        "governance_by_model": _t(
            _("Governance models compared"),
            [
                ("label", _("Model")),
                ("launched", _("Launched")),
                ("lead_time_bd_median", _("Lead time median (bd)")),
                ("roi", "ROI %"),
                ("cost_per_lead", "CPL"),
                ("sla_met", _("SLA met")),
            ],
            r["governance"]["by_model"],
        ),
        "governance_trend": _t(
            _("Quarters and the model in force"),
            [
                ("quarter", _("Quarter")),
                ("model_label", _("Main model")),
                ("launched", _("Launched")),
                ("lead_time_bd_median", _("Lead time median (bd)")),
                ("roi", "ROI %"),
                ("cost_per_lead", "CPL"),
            ],
            r["governance"]["trend"],
        ),
    }
    data = r.get("data")
    if data:
        for name in ("campaigns", "tasks"):
            rows = data[name]
            cols = [(k, k) for k in (rows[0].keys() if rows else [])]
            out[f"data_{name}"] = _t(str(_("Data: %(name)s") % {"name": name}), cols, rows)
    return out


def _cell(value: Any) -> Any:
    """Plain cell value; text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_csv(table: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([label for _, label in table["columns"]])
    for row in table["rows"]:
        w.writerow([_cell(row.get(k)) for k, _ in table["columns"]])
    return buf.getvalue()


def figures_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["name", "value"])
    for f in figures(report):
        w.writerow([f["name"], _cell(f["value"])])
    return buf.getvalue()


def workbook(report: dict[str, Any]) -> bytes:
    """Every table of the report as one sheet each (openpyxl, write-only for big data sheets)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, table in tables(report).items():
        ws = wb.create_sheet(title=str(name)[:31])
        ws.append([str(label) for _key, label in table["columns"]])
        for row in table["rows"]:
            ws.append([_cell(row.get(k)) for k, _ in table["columns"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
