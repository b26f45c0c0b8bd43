"""The governance change log and the per-unit "in force now" column, in words a reader knows.

``GovernanceChange`` stores ``before``/``after`` as raw JSON (model keys, threshold strings) so
the record stays exact; this module turns a row into translated lines such as
"Model: Centralised → Hybrid" and "Hybrid budget threshold (JPY): ¥3,000,000 → ¥2,000,000".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from .models import BusinessUnit, GovernanceChange, GovernanceModel, OrganisationGovernance, UnitGovernance

EMPTY = "—"


def model_label(value: Any) -> str:
    """The translated label of a governance model key ("hybrid" -> "Hybrid" / "ハイブリッド")."""
    if value in (None, ""):
        return EMPTY
    try:
        return str(GovernanceModel(value).label)
    except ValueError:
        return str(value)


def yen_label(value: Any) -> str:
    """A stored amount ("3000000") as "¥3,000,000"; empty reads "—"."""
    if value in (None, ""):
        return EMPTY
    try:
        return "¥" + intcomma(int(Decimal(str(value))))
    except (InvalidOperation, ValueError):
        return str(value)


def _org_label(field: str) -> str:
    return str(OrganisationGovernance._meta.get_field(field).verbose_name)


def _unit_label(field: str) -> str:
    return str(UnitGovernance._meta.get_field(field).verbose_name)


def _pair(label: str, before: str, after: str) -> str | None:
    if before == after:
        return None
    return _("%(field)s: %(before)s → %(after)s") % {"field": label, "before": before, "after": after}


def change_lines(before: dict[str, Any], after: dict[str, Any], unit_names: dict[str, str]) -> list[str]:
    """What one change did, one translated line per parameter that moved."""
    lines = [
        _pair(_org_label("model"), model_label(before.get("model")), model_label(after.get("model"))),
        _pair(
            _org_label("hybrid_threshold"),
            yen_label(before.get("hybrid_threshold")),
            yen_label(after.get("hybrid_threshold")),
        ),
    ]
    old_units, new_units = before.get("units") or {}, after.get("units") or {}
    for slug in sorted(set(old_units) | set(new_units)):
        old, new = old_units.get(slug) or {}, new_units.get(slug) or {}
        unit = unit_names.get(slug, slug)
        for field, fmt in (("model", model_label), ("hybrid_threshold", yen_label)):
            # No override, or an override without its own threshold, follows the organisation.
            default = _("(organisation default)")
            line = _pair(
                _("%(unit)s — %(field)s") % {"unit": unit, "field": _unit_label(field)},
                fmt(old[field]) if old.get(field) not in (None, "") else default,
                fmt(new[field]) if new.get(field) not in (None, "") else default,
            )
            lines.append(line)
    return [line for line in lines if line]


def scope_label(scope: str, unit_names: dict[str, str]) -> str:
    """ "organisation" / "unit:<slug>" as "Organisation" / the unit's name."""
    if scope.startswith("unit:"):
        slug = scope.split(":", 1)[1]
        return unit_names.get(slug, slug)
    return _("Whole organisation")


@dataclass(frozen=True)
class ChangeRow:
    change: GovernanceChange
    scope: str
    lines: list[str]


def change_rows(changes: Any) -> list[ChangeRow]:
    """Change-log rows for the settings page (one query for the unit names)."""
    unit_names = {u.slug: str(u) for u in BusinessUnit.objects.all()}
    return [
        ChangeRow(c, scope_label(c.scope, unit_names), change_lines(c.before or {}, c.after or {}, unit_names))
        for c in changes
    ]


def effective_label(effective: dict[str, Any]) -> str:
    """A unit's "in force now" cell: "Hybrid (¥3,000,000)", the threshold only where it applies."""
    label = model_label(effective.get("model"))
    if effective.get("model") == GovernanceModel.HYBRID:
        return _("%(model)s (up to %(amount)s)") % {
            "model": label,
            "amount": yen_label(effective.get("hybrid_threshold")),
        }
    return label
