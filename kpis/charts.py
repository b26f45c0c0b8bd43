"""The one chart code path: KPI report -> chart specs -> matplotlib -> SVG (pages) or PNG (PDF).

Japanese labels use IPAexGothic shipped in static/fonts (IPA Font License, see
static/fonts/IPA_Font_License.txt), registered with matplotlib here; SVG text is drawn as
paths so browsers need no font. Charts take plain data only and never compute KPIs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from pathlib import Path
from typing import Any

import matplotlib
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .plain import plain_data

FONT_PATH = Path(__file__).resolve().parent.parent / "static" / "fonts" / "ipaexg.ttf"
FONT_NAME = "IPAexGothic"
COLOURS = ["#2458a6", "#b7791f", "#2f855a", "#c53030", "#6b46c1", "#718096", "#dd6b20", "#319795"]
_lock = threading.Lock()
_registered = False


def _register_font() -> None:
    global _registered
    if not _registered:
        with _lock:
            if not _registered:
                font_manager.fontManager.addfont(str(FONT_PATH))
                _registered = True


def _rc() -> dict[str, Any]:
    return {
        "font.family": [FONT_NAME, "sans-serif"],
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 9,
    }


def specs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Chart specs (plain data) for every KPI section; a section without data has no chart."""
    out: dict[str, dict[str, Any]] = {}
    # Quarters without a launch are left out of the trend charts (no point, no empty tick).
    trend = [t for t in report["lead_time"]["trend"] if t["n"]]
    if trend:
        out["lead_time"] = {
            "kind": "line",
            "title": _("Request-to-launch (business days)"),
            "x": [t["quarter"] for t in trend],
            "series": {
                _("median"): [t["bd_median"] for t in trend],
                "p75": [t["bd_p75"] for t in trend],
                "p90": [t["bd_p90"] for t in trend],
            },
        }
    stall = report["stall"]["requests"]
    if stall:
        out["stall"] = {
            "kind": "barh",
            "title": _("Stall time by state (total h)"),
            "x": [s["label"] for s in stall],
            "series": {"h": [s["total_hours"] for s in stall]},
        }
    weeks = report["workload"]["weeks"]
    if any(w["cv"] is not None for w in weeks):
        out["workload"] = {
            "kind": "line",
            "title": _("Balance week by week"),
            "x": [w["week"][5:] for w in weeks],
            "series": {_("CV (utilisation)"): [w["cv"] for w in weeks], _("Gini (hours)"): [w["gini"] for w in weeks]},
        }
    sla = report["sla"]["by_task_type"]
    if sla:
        out["sla"] = {
            "kind": "barh",
            "title": _("SLA met by task type (%)"),
            "x": [s["label"] for s in sla],
            "series": {"%": [None if s["share_met"] is None else s["share_met"] * 100 for s in sla]},
        }
    by_type = report["return"]["by_type"]
    if by_type:
        out["return"] = {
            "kind": "bar",
            "title": _("ROI by campaign type (%)"),
            "x": [r["label"] for r in by_type],
            "series": {
                "ROI": [r["roi"] for r in by_type],
                _("good revenue"): [r["good_roi"] for r in by_type],
                _("expected"): [r["expected_roi"] for r in by_type],
            },
        }
    qs = report["satisfaction"]["questions"]
    if report["satisfaction"]["responses"]:
        out["satisfaction"] = {
            "kind": "barh",
            "title": _("Satisfaction (1-5)"),
            "x": [q["label"].split(" / ")[0] for q in qs],
            "series": {_("this quarter"): [q["mean"] for q in qs], _("previous"): [q["previous"] for q in qs]},
        }
    cats = report["martech"]["categories"]
    if cats:
        out["martech"] = {
            "kind": "barh",
            "title": _("Tool cost per category (JPY/yr)"),
            "x": [c["label"] for c in cats],
            "series": {
                _("now"): [c["annual_cost"] for c in cats],
                _("previous"): [c["previous_annual_cost"] for c in cats],
            },
        }
    ev = report["maturity"]["evidence"]
    if report["maturity"]["level"] is not None:
        seen: dict[str, Any] = {}
        for e in ev:
            seen.setdefault(e["label"].split(" / ")[0], e["share"])
        out["maturity"] = {
            "kind": "barh",
            "title": _("Maturity evidence (%)"),
            "x": list(seen),
            "series": {"%": [None if v is None else v * 100 for v in seen.values()]},
        }
    gov = [g for g in report["governance"]["trend"] if g["launched"]]
    if gov:
        out["governance"] = {
            "kind": "line",
            "title": _("Lead time median by quarter"),
            "x": [f"{g['quarter']}\n{g.get('model_label') or '—'}" for g in gov],
            "series": {_("business days"): [g["lead_time_bd_median"] for g in gov]},
        }
    return out


def _figure(spec: dict[str, Any], width: float, height: float) -> Figure:
    spec = plain_data(spec)  # matplotlib wants real strings, not lazy translations
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.add_subplot(111)
    x = [str(v) for v in spec["x"]]
    series = spec["series"]
    n = max(len(series), 1)
    if spec["kind"] == "line":
        for i, (name, values) in enumerate(series.items()):
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(range(len(x)), ys, marker="o", color=COLOURS[i % len(COLOURS)], label=name)
        ax.set_xticks(range(len(x)), x, fontsize=7)
    else:
        step = 0.8 / n
        for i, (name, values) in enumerate(series.items()):
            pos = [j - 0.4 + step * (i + 0.5) for j in range(len(x))]
            vals = [0 if v is None else v for v in values]
            if spec["kind"] == "barh":
                ax.barh(pos, vals, height=step, color=COLOURS[i % len(COLOURS)], label=name)
            else:
                ax.bar(pos, vals, width=step, color=COLOURS[i % len(COLOURS)], label=name)
        if spec["kind"] == "barh":
            ax.set_yticks(range(len(x)), x)
            ax.invert_yaxis()
        else:
            ax.set_xticks(range(len(x)), x)
            if len(x) > 4:  # long category names overlap side by side: slant them
                ax.tick_params(axis="x", labelrotation=25)
                for label in ax.get_xticklabels():
                    label.set_horizontalalignment("right")
            ax.axhline(0, color="#718096", linewidth=0.8)
    if n > 1 or spec["kind"] == "line":
        ax.legend(fontsize=7, frameon=False)
    ax.set_title(spec["title"], fontsize=10)
    fig.tight_layout()
    return fig


def height_for(spec: dict[str, Any], height: float) -> float:
    """A horizontal bar chart grows with its categories, so each label keeps a readable line."""
    if spec.get("kind") == "barh":
        return max(height, 0.24 * len(spec["x"]) * max(1, len(spec["series"])) ** 0.5 + 1.0)
    return height


def render(spec: dict[str, Any], fmt: str = "svg", *, width: float = 7.0, height: float = 3.0, dpi: int = 110) -> bytes:
    """Draw one chart spec as SVG or PNG bytes."""
    height = height_for(spec, height)
    _register_font()
    with matplotlib.rc_context(_rc()):
        fig = _figure(spec, width, height)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def data_uri(spec: dict[str, Any], fmt: str = "svg", **kw: Any) -> str:
    """A data: URI for <img src>; SVG in an <img> cannot run script, whatever the labels hold."""
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(render(spec, fmt, **kw)).decode('ascii')}"


# --- charts as separate, cached images (the dashboard) ---------------------------------------
# The page links each chart by its signed spec instead of drawing it inline: the page no longer
# waits for matplotlib, the browser fetches the charts in parallel, and a chart already drawn
# (same figures, same language) comes from the cache. Signing keeps the server from drawing
# specs it did not write; the spec holds only the aggregates the page itself shows.
CHART_SALT = "kpis.charts.spec"
CHART_CACHE_SECONDS = 24 * 3600


def token(spec: dict[str, Any]) -> str:
    """A signed, compressed, deterministic token for one chart spec (same spec, same token)."""
    return signing.Signer(salt=CHART_SALT).sign_object(plain_data(spec), compress=True)


def svg_for_token(value: str) -> bytes:
    """The SVG of a token made by ``token`` (cached); raises signing.BadSignature if forged."""
    spec = signing.Signer(salt=CHART_SALT).unsign_object(value)
    key = "kpis:chart:" + hashlib.sha256(value.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = render(spec, "svg")
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg
