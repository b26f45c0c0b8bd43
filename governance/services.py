"""Writes to governance settings and delegations; every change is logged append-only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import policy, roles
from .models import BusinessUnit, Delegation, GovernanceChange, GovernanceModel, OrganisationGovernance, UnitGovernance
from .names import person_name

# Higher apps register counters for the preview ("12 open requests keep their routing"):
# each returns {unit_id: number of in-flight requests}. campaigns/ registers one.
in_flight_counters: list[Callable[[], dict[int, int]]] = []


def _require_admin(by: Any) -> None:
    if not policy.has_role(by, roles.ADMIN):
        raise PermissionDenied(_("Only Admins change governance settings."))


def _threshold(value: Any, field: str = "hybrid_threshold") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount.")}) from None
    if amount < 0 or amount != amount.to_integral_value():
        raise ValidationError({field: _("Enter a whole number of yen, zero or more.")})
    return amount


def _model(value: Any, field: str = "model") -> str:
    if value not in GovernanceModel.values:
        raise ValidationError(
            {
                field: _("Unknown model: %(value)r (one of %(choices)s)")
                % {"value": value, "choices": ", ".join(GovernanceModel.values)}
            }
        )
    return value


def _state() -> dict[str, Any]:
    org = policy.organisation_governance()
    return {
        "model": org.model,
        "hybrid_threshold": str(org.hybrid_threshold),
        "units": {
            u.unit.slug: {
                "model": u.model,
                "hybrid_threshold": None if u.hybrid_threshold is None else str(u.hybrid_threshold),
            }
            for u in UnitGovernance.objects.select_related("unit").order_by("unit__slug")
        },
    }


@transaction.atomic
def governance_update(
    *, model: str, hybrid_threshold: Any, units: list[dict[str, Any]] | None = None, by
) -> dict[str, Any]:
    """Set the organisation's model (and, when ``units`` is given, replace all unit overrides).

    Takes effect for requests submitted afterwards; in-flight requests keep the model they
    recorded. Validates everything before writing anything.
    """
    _require_admin(by)
    model = _model(model)
    threshold = _threshold(hybrid_threshold)
    if threshold is None:
        raise ValidationError({"hybrid_threshold": _("Required.")})
    overrides = []
    if units is not None:
        slugs = {u.slug: u for u in BusinessUnit.objects.all()}
        seen = set()
        for i, entry in enumerate(units):
            slug = entry.get("unit")
            if slug not in slugs:
                raise ValidationError(
                    {"units": _("#%(n)s: unknown business unit: %(slug)r") % {"n": i + 1, "slug": slug}}
                )
            if slug in seen:
                raise ValidationError({"units": _("#%(n)s: duplicate unit: %(slug)s") % {"n": i + 1, "slug": slug}})
            seen.add(slug)
            overrides.append(
                (slugs[slug], _model(entry.get("model"), "units"), _threshold(entry.get("hybrid_threshold"), "units"))
            )
    before = _state()
    OrganisationGovernance.objects.update_or_create(pk=1, defaults={"model": model, "hybrid_threshold": threshold})
    if units is not None:
        UnitGovernance.objects.exclude(unit__in=[u for u, _, _ in overrides]).delete()
        for unit, unit_model, unit_threshold in overrides:
            UnitGovernance.objects.update_or_create(
                unit=unit, defaults={"model": unit_model, "hybrid_threshold": unit_threshold}
            )
    after = _state()
    if after != before:
        GovernanceChange.objects.create(actor=by, scope="organisation", before=before, after=after)
    return after


def governance_state() -> dict[str, Any]:
    """The settings as the API shows them, with the effective model per unit."""
    state = _state()
    state["effective"] = {u.slug: policy.governance_for_unit(u) for u in BusinessUnit.objects.order_by("slug")}
    return state


def governance_preview(*, model: str, hybrid_threshold: Any, units: list[dict[str, Any]] | None = None) -> list[str]:
    """What a change would do, in sentences, without writing anything."""
    model = _model(model)
    threshold = _threshold(hybrid_threshold) or Decimal(0)
    overrides = {e.get("unit"): e for e in (units or [])}
    counts: dict[int, int] = {}
    for counter in in_flight_counters:
        for unit_id, n in counter().items():
            counts[unit_id] = counts.get(unit_id, 0) + n
    lines = [_("%(count)s open requests keep their current routing.") % {"count": sum(counts.values())}]
    for unit in BusinessUnit.objects.select_related("head").order_by("slug"):
        entry = overrides.get(unit.slug) or {}
        unit_model = entry.get("model") or model
        unit_threshold = (
            _threshold(entry.get("hybrid_threshold")) if entry.get("hybrid_threshold") not in (None, "") else threshold
        )
        head = person_name(unit.head) if unit.head else None
        cmo = "CMO"
        if unit_model == policy.DECENTRALISED:
            who = f"{head or cmo}"
        elif unit_model == policy.HYBRID:
            who = f"{head or cmo} (≤ ¥{unit_threshold:,.0f}), {head or cmo} → {cmo} (> ¥{unit_threshold:,.0f})"
        else:
            who = cmo
        lines.append(str(_("%(unit)s: new requests go to %(who)s") % {"unit": unit.name, "who": who}))
    return lines


@transaction.atomic
def delegation_create(
    *, delegator, delegate, start: dt.date, end: dt.date, reason: str = "", by, allow_past: bool = False
) -> Delegation:
    """Let ``delegate`` approve for ``delegator`` from ``start`` to ``end`` (inclusive).

    ``allow_past`` records a delegation that has already ended, for seeding a history (the
    demo) only: forms and the API never pass it. Its log entry says it was backfilled, and
    it is dated when it was recorded.
    """
    if by.pk != delegator.pk and not policy.has_role(by, roles.ADMIN):
        raise PermissionDenied(_("You may only delegate your own approvals."))
    errors = {}
    if not policy.has_role(delegator, roles.APPROVER):
        errors["delegator"] = _("The delegator must be an approver.")
    if not policy.has_role(delegate, roles.APPROVER):
        errors["delegate"] = _("The delegate must hold the Approver role.")
    if delegate.pk == delegator.pk:
        errors["delegate"] = _("You cannot delegate to yourself.")
    if start and end and end < start:
        errors["end"] = _("The end must not be before the start.")
    if end and end < timezone.localdate() and not allow_past:
        errors.setdefault("end", _("The end date is in the past."))
    if errors:
        raise ValidationError(errors)
    delegation = Delegation.objects.create(
        delegator=delegator, delegate=delegate, start=start, end=end, reason=reason, created_by=by
    )
    GovernanceChange.objects.create(
        actor=by,
        scope="delegation",
        after={
            "delegator": delegator.username,
            "delegate": delegate.username,
            "start": start.isoformat(),
            "end": end.isoformat(),
            **({"backfilled": True} if allow_past else {}),
        },
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation_id: int, by) -> Delegation:
    """End a delegation now (its delegate loses access at once)."""
    delegation = Delegation.objects.select_for_update(of=("self",)).get(pk=delegation_id)
    if by.pk != delegation.delegator_id and not policy.has_role(by, roles.ADMIN):
        raise PermissionDenied(_("You may not revoke this delegation."))
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        GovernanceChange.objects.create(
            actor=by, scope="delegation", before={"id": delegation.pk}, after={"revoked": True}
        )
    return delegation


def approver_choices():
    """Users who may receive a delegation."""
    return get_user_model().objects.filter(is_active=True, groups__name=roles.APPROVER).distinct().order_by("username")
