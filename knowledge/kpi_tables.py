"""The KPI report (plain data from kpis.compute) as named figures and as tables.

One place decides the columns of every KPI table, so the dashboard, the PDF, the CSV and the
Excel exports show the same thing. No arithmetic here: only selection and labelling.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

ROW_KEYS = ("key", "state", "person", "approver", "quarter", "category", "criterion", "name", "id", "task_id", "week", "model")
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


def _t(title: str, columns: list[tuple[str, str]], rows: Iterable[dict]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": list(rows)}


RETURN_COLS = [
    ("campaigns", "件数 / Campaigns"), ("spend", "費用 / Spend"), ("labour_cost", "人件費 / Labour"), ("cost", "総コスト / Cost"),
    ("leads", "リード / Leads"), ("mqls", "MQL"), ("sqls", "SQL"), ("won_deals", "受注 / Won"), ("revenue", "受注額 / Revenue"),
    ("retained_revenue", "継続売上 / Retained"), ("cost_per_lead", "CPL"), ("cost_per_mql", "CPMQL"), ("cost_per_sql", "CPSQL"),
    ("lead_to_mql", "Lead→MQL"), ("mql_to_sql", "MQL→SQL"), ("sql_to_won", "SQL→Won"), ("roi", "ROI %"),
    ("good_roi", "グッドレベニューROI % / Good-revenue ROI %"), ("expected_roi", "期待ROI % / Expected ROI %"), ("roi_gap", "差 / Gap"),
]
STALL_COLS = [("rank", "#"), ("label", "状態 / State"), ("visits", "回数 / Visits"), ("total_hours", "合計h / Total h"),
              ("mean_hours", "平均h / Mean h"), ("median_hours", "中央値h / Median h"),
              ("mean_business_hours", "平均営業h / Mean business h"), ("share", "割合 / Share")]
SLA_COLS = [("label", "対象 / Group"), ("tasks", "タスク / Tasks"), ("met", "達成 / Met"), ("missed", "未達 / Missed"),
            ("breached", "超過中 / Breached"), ("share_met", "達成率 / Share met")]


def tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every KPI table of the report: name -> {title, columns [(key, label)], rows [dict]}."""
    r = report
    lt, st, wl, sl, ret = r["lead_time"], r["stall"], r["workload"], r["sla"], r["return"]
    people = [p["person"] for p in wl["people"]]
    week_rows = [{"week": w["week"], "cv": w["cv"], "gini": w["gini"], "hours": w["hours"],
                  **{f"u_{p['person']}": p["utilisation"] for p in w["people"]}} for w in wl["weeks"]]
    out = {
        "summary": _t("サマリー / Summary", [("name", "指標 / Figure"), ("value", "値 / Value")],
                      [{"name": k, "value": v} for k, v in r["summary"].items()]),
        "lead_time_trend": _t("リードタイム推移(営業日) / Request-to-launch trend (business days)",
                              [("quarter", "四半期 / Quarter"), ("n", "件数 / n"), ("bd_median", "中央値 / Median"), ("bd_p75", "p75"),
                               ("bd_p90", "p90"), ("cd_median", "暦日中央値 / Calendar median"), ("cd_p90", "暦日p90 / Calendar p90")],
                              lt["trend"]),
        "lead_time_campaigns": _t("キャンペーン別リードタイム / Lead time per campaign",
                                  [("id", "ID"), ("name", "キャンペーン / Campaign"), ("unit", "事業部 / Unit"),
                                   ("campaign_type", "種別 / Type"), ("submitted_at", "提出 / Submitted"), ("launched_at", "ローンチ / Launched"),
                                   ("business_days", "営業日 / Business days"), ("calendar_days", "暦日 / Calendar days")], lt["campaigns"]),
        "stall_requests": _t("依頼の滞留(ボトルネック順) / Request stall time by state", STALL_COLS, st["requests"]),
        "stall_tasks": _t("タスクの滞留 / Task stall time by state", STALL_COLS, st["tasks"]),
        "stall_approvers": _t("承認者別の承認待ち / Approval wait per approver",
                              [("approver", "承認者 / Approver"), ("decisions", "判断数 / Decisions"), ("mean_hours", "平均h / Mean h"),
                               ("median_hours", "中央値h / Median h"), ("mean_business_hours", "平均営業h / Mean business h")], st["approvers"]),
        "stall_task_types": _t("タスク種別ごとの滞留 / Stall per task type",
                               [("task_type_label", "タスク種別 / Task type"), ("label", "状態 / State"), ("visits", "回数 / Visits"),
                                ("total_hours", "合計h / Total h"), ("mean_hours", "平均h / Mean h"),
                                ("mean_business_hours", "平均営業h / Mean business h")], st["task_types"]),
        "workload_people": _t("担当者別稼働率 / Utilisation per person",
                              [("person", "担当者 / Person"), ("hours", "工数h / Hours"), ("capacity", "稼働可能h / Capacity h"),
                               ("utilisation", "稼働率% / Utilisation %")], wl["people"]),
        "workload_weeks": _t("週別バランス / Balance week by week",
                             [("week", "週 / Week"), ("hours", "工数h / Hours"), ("cv", "CV"), ("gini", "Gini")]
                             + [(f"u_{p}", f"{p} %") for p in people], week_rows),
        "sla_by_task_type": _t("タスク種別別SLA / SLA by task type", SLA_COLS, sl["by_task_type"]),
        "sla_by_assignee": _t("担当者別SLA / SLA by assignee", SLA_COLS, sl["by_assignee"]),
        "sla_by_unit": _t("事業部別SLA / SLA by unit", SLA_COLS, sl["by_unit"]),
        "sla_breaches": _t("SLA違反と理由 / Breaches and reasons",
                           [("key", "キー / Key"), ("title", "タスク / Task"), ("campaign_id", "キャンペーン / Campaign"),
                            ("assignee", "担当 / Assignee"), ("outcome", "結果 / Outcome"), ("due_at", "期限 / Due"),
                            ("completed_at", "完了 / Done"), ("overrun_business_hours", "超過営業h / Overrun business h"),
                            ("reasons_text", "理由 / Reasons")],
                           [{**b, "reasons_text": " ; ".join(b["reasons"])} for b in sl["breaches"]]),
        "return_campaigns": _t("キャンペーン別リターン / Return per campaign",
                               [("id", "ID"), ("name", "キャンペーン / Campaign")] + RETURN_COLS[1:], ret["campaigns"]),
        "return_by_type": _t("種別別リターン / Return by campaign type", [("label", "種別 / Type")] + RETURN_COLS, ret["by_type"]),
        "return_by_channel": _t("チャネル別リターン / Return by channel", [("label", "チャネル / Channel")] + RETURN_COLS, ret["by_channel"]),
        "return_by_unit": _t("事業部別リターン / Return by unit", [("label", "事業部 / Unit")] + RETURN_COLS, ret["by_unit"]),
        "return_by_governance_model": _t("ガバナンスモデル別リターン / Return by governance model",
                                         [("label", "モデル / Model")] + RETURN_COLS, ret["by_governance_model"]),
        "satisfaction_questions": _t("満足度 / Satisfaction",
                                     [("label", "設問 / Question"), ("responses", "回答 / Responses"), ("mean", "平均 / Mean"),
                                      ("previous", "前期 / Previous"), ("change", "変化 / Change")], r["satisfaction"]["questions"]),
        "satisfaction_comments": _t("コメント / Comments", [("strengthen", "強化してほしいこと / Strengthen"),
                                                          ("unclear", "分かりにくかったこと / Unclear")], r["satisfaction"]["comments"]),
        "martech_categories": _t("カテゴリ別ツール費用 / Tool cost per category",
                                 [("label", "カテゴリ / Category"), ("tools", "ツール数 / Tools"), ("annual_cost", "年額 / Annual"),
                                  ("quarterly_cost", "四半期 / Quarterly"), ("previous_annual_cost", "前期年額 / Previous annual"),
                                  ("change", "変化 / Change"), ("change_pct", "変化% / Change %")], r["martech"]["categories"]),
        "maturity_evidence": _t("成熟度の根拠 / Maturity evidence",
                                [("for_level", "レベル / Level"), ("label", "基準 / Criterion"), ("share", "実績 / Share"),
                                 ("threshold", "基準値 / Threshold"), ("met", "達成 / Met")], r["maturity"]["evidence"]),
        "governance_by_model": _t("ガバナンスモデル比較 / Governance models compared",
                                  [("label", "モデル / Model"), ("launched", "ローンチ / Launched"),
                                   ("lead_time_bd_median", "リードタイム中央値 / Lead time median (bd)"), ("roi", "ROI %"),
                                   ("cost_per_lead", "CPL"), ("sla_met", "SLA達成率 / SLA met")], r["governance"]["by_model"]),
        "governance_trend": _t("四半期推移とモデル / Quarters and the model in force",
                               [("quarter", "四半期 / Quarter"), ("model", "主なモデル / Main model"), ("launched", "ローンチ / Launched"),
                                ("lead_time_bd_median", "リードタイム中央値 / Lead time median (bd)"), ("roi", "ROI %"),
                                ("cost_per_lead", "CPL")], r["governance"]["trend"]),
    }
    data = r.get("data")
    if data:
        for name in ("campaigns", "tasks"):
            rows = data[name]
            cols = [(k, k) for k in (rows[0].keys() if rows else [])]
            out[f"data_{name}"] = _t(f"データ: {name} / Data: {name}", cols, rows)
    return out


def _cell(value: Any) -> Any:
    """Plain cell value; text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
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
        ws = wb.create_sheet(title=name[:31])
        ws.append([label for _, label in table["columns"]])
        for row in table["rows"]:
            ws.append([_cell(row.get(k)) for k, _ in table["columns"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
