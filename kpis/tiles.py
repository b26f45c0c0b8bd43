"""The headline tiles of the KPI dashboard and of the review PDF's summary page.

Plain data from the (labelled) report: each tile's figure formatted, its change against the
previous quarter in words (where the report carries the previous quarter's figure), a target
where one exists, and its definition from kpis.definitions. No KPI is computed here: previous
values come from the report's own trend rows, targets from the maturity criteria.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from campaigns.quarters import Quarter

from .definitions import DEFINITIONS
from .templatetags.kpi_format import kpi, kpi_pct, kpi_yen


def _definitions() -> dict[str, tuple[str, str]]:
    # Evaluated per call: the names and texts are lazy, in the request's language.
    return {k: (str(name), str(text)) for section in DEFINITIONS.values() for k, name, text in section}


def fmt(value: Any, kind: str) -> str:
    """A figure with its unit: days, hours, %, JPY, score or count."""
    if value is None:
        return "—"
    if kind == "share":
        return kpi_pct(value)
    if kind == "pct":
        return f"{kpi(value, 1)}%"
    if kind == "yen":
        return kpi_yen(value)
    if kind == "days":
        return _("%(value)s business days") % {"value": kpi(value)}
    if kind == "score":
        return _("%(value)s / 5") % {"value": kpi(value)}
    return kpi(value)


def _diff(delta: float, kind: str) -> str:
    """The size of a change, in the figure's unit (percentage points for shares and %)."""
    if kind == "share":
        return _("%(value)s pt") % {"value": kpi(abs(delta) * 100, 1)}
    if kind == "pct":
        return _("%(value)s pt") % {"value": kpi(abs(delta), 1)}
    if kind == "score":
        return kpi(abs(delta))
    return fmt(abs(delta), kind)


def _change(value: Any, previous: Any, kind: str, better: str | None) -> dict[str, Any]:
    if previous is None:
        return {"direction": "none", "tone": "none", "text": _("No figure for the previous quarter.")}
    if value is None:
        return {
            "direction": "none",
            "tone": "none",
            "text": _("Previous quarter: %(previous)s.") % {"previous": fmt(previous, kind)},
        }
    delta = float(value) - float(previous)
    prev = fmt(previous, kind)
    if abs(delta) < 1e-9:
        return {
            "direction": "same",
            "tone": "none",
            "text": _("No change from the previous quarter (%(previous)s).") % {"previous": prev},
        }
    up = delta > 0
    tone = "none" if better is None else ("good" if up == (better == "up") else "bad")
    words = {"good": _("better"), "bad": _("worse"), "none": ""}[tone]
    if up:
        text = _("Up %(change)s from %(previous)s in the previous quarter") % {
            "change": _diff(delta, kind),
            "previous": prev,
        }
    else:
        text = _("Down %(change)s from %(previous)s in the previous quarter") % {
            "change": _diff(delta, kind),
            "previous": prev,
        }
    return {"direction": "up" if up else "down", "tone": tone, "text": f"{text} ({words})" if words else text}


def _previous_row(rows: list[dict[str, Any]], quarter: str) -> dict[str, Any]:
    try:
        prev = str(Quarter.parse(quarter).previous())
    except (ValueError, TypeError):
        return {}
    return next((row for row in rows if row.get("quarter") == prev), {})


def _sla_target(report: dict[str, Any]) -> float | None:
    """The highest SLA share the maturity criteria ask for (level 5): the team's stated target."""
    shares = [e["threshold"] for e in report["maturity"].get("evidence", []) if e.get("criterion") == "sla_met"]
    return max(shares) if shares else None


def tiles(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures, in reading order (the report should be kpis.labels.labelled)."""
    s = report["summary"]
    q = report["meta"]["quarter"]
    prev_lt = _previous_row(report["lead_time"]["trend"], q)
    prev_gov = _previous_row(report["governance"]["trend"], q)
    ret = report["return"].get("totals") or {}
    bottleneck = next((r for r in report["stall"]["requests"] if r.get("state") == s.get("bottleneck")), None)
    sla_target = _sla_target(report)
    out: list[dict[str, Any]] = []
    defs = _definitions()

    def tile(key, definition, label, value, kind, *, detail="", previous=None, better=None, target=None, compare=True):
        name, text = defs[definition]
        t = {
            "key": key,
            "label": label,
            "value": fmt(value, kind) if kind else (value if value not in (None, "") else "—"),
            "detail": detail,
            "definition_name": name,
            "definition": text,
            "change": _change(value, previous, kind, better) if compare else None,
            "target": None,
            "on_target": None,
        }
        if target is not None:
            t["target"] = _("Target %(target)s") % {"target": fmt(target, kind)}
            t["on_target"] = None if value is None else value >= target
        out.append(t)

    tile(
        "lead_time",
        "lead_time",
        _("Request-to-launch time (median)"),
        s["lead_time_bd_median"],
        "days",
        detail=_("%(n)s campaigns launched · %(days)s calendar days")
        % {"n": kpi(s["launched"]), "days": kpi(s["lead_time_cd_median"])},
        previous=prev_lt.get("bd_median"),
        better="down",
    )
    tile(
        "sla",
        "sla_met",
        _("SLA attainment"),
        s["sla_met"],
        "share",
        detail=_("%(n)s tasks counted") % {"n": kpi(s["sla_tasks"])},
        target=sla_target,
        compare=False,
    )
    tile(
        "roi",
        "roi",
        _("ROI"),
        s["roi"],
        "pct",
        detail=_("Won revenue %(revenue)s") % {"revenue": kpi_yen(s["revenue"])},
        previous=prev_gov.get("roi"),
        better="up",
    )
    tile(
        "good_roi",
        "good_roi",
        _("Good-revenue ROI"),
        s["good_roi"],
        "pct",
        detail=_("Good-revenue share %(share)s") % {"share": kpi_pct(s["good_revenue_share"])},
        compare=False,
    )
    tile(
        "cost_per_lead",
        "funnel",
        _("Cost per lead"),
        s["cost_per_lead"],
        "yen",
        detail=_("%(leads)s leads") % {"leads": kpi(ret.get("leads"))},
        previous=prev_gov.get("cost_per_lead"),
        better="down",
    )
    tile(
        "satisfaction",
        "satisfaction",
        _("Satisfaction"),
        s["satisfaction"],
        "score",
        detail=_("%(n)s responses") % {"n": kpi(report["satisfaction"].get("responses"))},
        previous=report["satisfaction"].get("previous_overall"),
        better="up",
    )
    tile(
        "bottleneck",
        "bottleneck",
        _("Bottleneck"),
        s.get("bottleneck_label"),
        "",
        detail=_("%(share)s of stall hours · %(hours)s h on average")
        % {"share": kpi_pct(bottleneck["share"]), "hours": kpi(bottleneck["mean_hours"])}
        if bottleneck
        else "",
        compare=False,
    )
    tile(
        "utilisation",
        "utilisation",
        _("Workload balance (CV)"),
        s["utilisation_cv"],
        "num",
        detail=_("Gini of hours %(gini)s") % {"gini": kpi(s["hours_gini"])},
        compare=False,
    )
    tile(
        "martech",
        "martech",
        _("Martech cost (annual)"),
        s["martech_annual_cost"],
        "yen",
        previous=report["martech"].get("previous_annual_cost"),
        better="down",
    )
    tile(
        "maturity",
        "maturity",
        _("Maturity level"),
        s["maturity_level"],
        "score",
        detail=report["maturity"].get("label") or "",
        compare=False,
    )
    return out
