"""Display labels for the KPI report: people by display name, units and types by name,
SLA outcomes and governance models by translated label.

The report (kpis.figures) keeps stable keys (usernames, slugs, state names) because the
drill-downs and the exports match on them; the pages and the PDF show these labels instead.
``labelled`` adds ``*_name`` / ``*_label`` fields next to the keys, on a copy, in three queries
whatever the size of the report.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import get_language

from campaigns.models import SURVEY_QUESTIONS, CampaignType, Channel
from governance.models import BusinessUnit
from knowledge.models import ToolCategory
from tasks.models import SlaState, TaskType

from .figures import (
    MATURITY_CRITERIA,
    MATURITY_LEVELS,
    MODEL_LABELS,
    REQUEST_STATE_LABELS,
    TASK_STATE_LABELS,
    breach_reasons,
)

MARK = "_labelled"


def _usernames(r: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    names.update(a.get("approver") for a in r.get("stall", {}).get("approvers", []))
    wl = r.get("workload", {})
    names.update(p.get("person") for p in wl.get("people", []))
    for w in wl.get("weeks", []):
        names.update(p.get("person") for p in w.get("people", []))
    sla = r.get("sla", {})
    names.update(a.get("key") for a in sla.get("by_assignee", []))
    names.update(b.get("assignee") for b in sla.get("breaches", []))
    return {n for n in names if isinstance(n, str) and n}


def display_names(usernames: set[str]) -> dict[str, str]:
    """username -> full name (or the username when the profile has no name), one query."""
    if not usernames:
        return {}
    rows = get_user_model().objects.filter(username__in=usernames).values_list("username", "first_name", "last_name")
    out = {}
    for username, first, last in rows:
        # Japanese order (family name first) when the name is Japanese, else "First Last".
        full = f"{last} {first}".strip() if _is_cjk(first + last) else f"{first} {last}".strip()
        out[username] = full or username
    return out


def _names(model) -> dict[str, str]:
    """slug -> name in the active language (English name on English pages when one is set)."""
    english = not (get_language() or "ja").startswith("ja")
    return {
        slug: (name_en if english and name_en else name)
        for slug, name, name_en in model.objects.values_list("slug", "name", "name_en")
    }


def _is_cjk(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)


def labelled(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` with display labels next to every key the pages would show."""
    if report.get(MARK):
        return report
    # The data sheets (the quarter's campaigns and tasks: 100k rows at scale) get no labels here:
    # shared, not copied (copying them took 6 s of a 100k export).
    r = copy.deepcopy({k: v for k, v in report.items() if k != "data"})
    if "data" in report:
        r["data"] = report["data"]
    r[MARK] = True
    people = display_names(_usernames(r))
    units = _names(BusinessUnit)
    types = _names(CampaignType)
    if not (get_language() or "ja").startswith("ja"):
        # The catalogue names are Japanese; English pages use the English name where one is set.
        channels, task_types = _names(Channel), _names(TaskType)
        ret = r.get("return", {})
        for rows, names in (
            (ret.get("by_type", []), types),
            (ret.get("by_channel", []), channels),
            (ret.get("by_unit", []), units),
            (r.get("sla", {}).get("by_unit", []), units),
            (r.get("sla", {}).get("by_task_type", []), task_types),
        ):
            for row in rows:
                row["label"] = names.get(row.get("key"), row.get("label"))
        for row in r.get("stall", {}).get("task_types", []):
            row["task_type_label"] = task_types.get(row.get("task_type"), row.get("task_type_label"))
    outcomes = {k: str(v) for k, v in SlaState.choices}
    models = {k: str(v) for k, v in MODEL_LABELS.items()}

    def person(username: Any) -> Any:
        return people.get(username, username) if username else username

    for a in r.get("stall", {}).get("approvers", []):
        a["approver_name"] = person(a.get("approver"))
    wl = r.get("workload", {})
    for p in wl.get("people", []):
        p["person_name"] = person(p.get("person"))
    for w in wl.get("weeks", []):
        for p in w.get("people", []):
            p["person_name"] = person(p.get("person"))
    sla = r.get("sla", {})
    for a in sla.get("by_assignee", []):
        a["label"] = person(a.get("key")) if a.get("key") != "—" else a.get("label")
    for b in sla.get("breaches", []):
        b["assignee_name"] = person(b.get("assignee"))
        b["outcome_label"] = outcomes.get(b.get("outcome"), b.get("outcome"))
        if "why" in b:  # reports stored before ``why`` keep their sentences
            b["reasons"] = breach_reasons(b["why"])
    for c in r.get("lead_time", {}).get("campaigns", []):
        c["unit_name"] = units.get(c.get("unit"), c.get("unit"))
        c["campaign_type_name"] = types.get(c.get("campaign_type"), c.get("campaign_type"))
    for g in r.get("governance", {}).get("trend", []):
        g["model_label"] = models.get(g.get("model"), g.get("model"))
    _translated_labels(r, models)
    s = r.get("summary")
    if isinstance(s, dict):
        b = s.get("bottleneck")
        s["bottleneck_label"] = str(REQUEST_STATE_LABELS.get(b, b)) if b else None
    return r


def _translated_labels(r: dict[str, Any], models: dict[str, str]) -> None:
    """Labels of fixed vocabularies in the page's language.

    A stored (closed quarter) or cached (running quarter) report holds the labels in the
    language of whoever computed it first; the keys next to them decide what is shown here.
    """

    def relabel(rows: Any, key: str, names: dict, field: str = "label") -> None:
        for row in rows or []:
            if row.get(key) in names:
                row[field] = str(names[row[key]])

    stall = r.get("stall", {})
    relabel(stall.get("requests"), "state", REQUEST_STATE_LABELS)
    relabel(stall.get("tasks"), "state", TASK_STATE_LABELS)
    relabel(stall.get("task_types"), "state", TASK_STATE_LABELS)
    relabel(r.get("satisfaction", {}).get("questions"), "name", dict(SURVEY_QUESTIONS))
    relabel(r.get("martech", {}).get("categories"), "category", dict(ToolCategory.choices))
    relabel(r.get("governance", {}).get("by_model"), "model", models)
    relabel(r.get("return", {}).get("by_governance_model"), "key", models)
    m = r.get("maturity", {})
    if m.get("level") in MATURITY_LEVELS:
        m["label"] = str(MATURITY_LEVELS[m["level"]])
    relabel(m.get("evidence"), "criterion", MATURITY_CRITERIA)
