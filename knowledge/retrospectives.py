"""Retrospectives on launched campaigns and their promotion to best-practice articles."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignRequest, State
from governance import policy

from .models import Article, Category, Retrospective
from .services import ArticleConflict, article_create

RETRO_STATES = (State.LAUNCHED, State.CLOSED)
TEXT_MAX = 10_000


def can_write(user, campaign: CampaignRequest) -> bool:
    return policy.is_ops(user) or campaign.requester_id == getattr(user, "pk", None)


def _validate(what_worked: str, what_did_not: str, what_to_change: str) -> None:
    errors = {}
    if not (what_worked or "").strip():
        errors["what_worked"] = _("Say what worked.")
    for name, value in (
        ("what_worked", what_worked),
        ("what_did_not", what_did_not),
        ("what_to_change", what_to_change),
    ):
        if len(value or "") > TEXT_MAX:
            errors[name] = _("At most %(n)s characters.") % {"n": f"{TEXT_MAX:,}"}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def retrospective_save(
    *,
    campaign_id: int,
    by,
    what_worked: str,
    what_did_not: str = "",
    what_to_change: str = "",
    at: dt.datetime | None = None,
) -> Retrospective:
    """Create or update the retrospective of a launched (or closed) campaign."""
    campaign = CampaignRequest.objects.select_for_update(of=("self",)).get(pk=campaign_id)
    if not can_write(by, campaign):
        raise PermissionDenied(_("Only the requester and MOps may write the retrospective."))
    if campaign.state not in RETRO_STATES:
        raise ArticleConflict(_("A retrospective can be written once the campaign is launched."))
    _validate(what_worked, what_did_not, what_to_change)
    now = at or timezone.now()
    retro, created = Retrospective.objects.get_or_create(
        campaign=campaign,
        defaults={
            "author": by,
            "what_worked": what_worked,
            "what_did_not": what_did_not,
            "what_to_change": what_to_change,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        retro.what_worked, retro.what_did_not, retro.what_to_change = what_worked, what_did_not, what_to_change
        retro.updated_at = now
        retro.save()
    return retro


def campaign_numbers(campaign: CampaignRequest) -> dict:
    """The numbers shown beside a retrospective: budget, targets and labour from tickets."""
    from django.db.models import Sum

    from tasks.models import Task

    hours = Task.objects.filter(campaign=campaign).aggregate(est=Sum("estimated_hours"), act=Sum("actual_hours"))
    return {
        "budget": campaign.budget,
        "target_leads": campaign.target_leads,
        "target_mqls": campaign.target_mqls,
        "target_sqls": campaign.target_sqls,
        "target_pipeline": campaign.target_pipeline,
        "target_revenue": campaign.target_revenue,
        "expected_roi": campaign.expected_roi,
        "estimated_hours": hours["est"],
        "actual_hours": hours["act"],
        "launched_at": campaign.launched_at,
    }


def promotion_body(retro: Retrospective) -> str:
    """The article body made from a retrospective, in the active language (the promoter's page).

    One language per article: the headings and the table go through gettext, so a Japanese
    page writes Japanese headings and an English page English ones.
    """
    c = retro.campaign
    n = campaign_numbers(c)
    none = "—"
    # Outside the f-strings below so makemessages finds them.
    metric, value = gettext("Metric"), gettext("Value")
    worked, did_not, to_change = gettext("What worked"), gettext("What did not work"), gettext("What to change")
    rows = [
        (gettext("Budget"), f"¥{n['budget']:,}"),
        (gettext("Target leads"), f"{n['target_leads']:,}"),
        (gettext("Target MQLs"), f"{n['target_mqls']:,}"),
        (gettext("Target SQLs"), f"{n['target_sqls']:,}"),
    ]
    lines = [
        "> "
        + gettext("Written from the retrospective of %(campaign)s (%(type)s, %(unit)s).")
        % {"campaign": c.name, "type": c.campaign_type, "unit": c.business_unit},
        "",
        f"| {metric} | {value} |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in rows),
        "",
        f"## {worked}",
        "",
        retro.what_worked,
        "",
        f"## {did_not}",
        "",
        retro.what_did_not or none,
        "",
        f"## {to_change}",
        "",
        retro.what_to_change or none,
    ]
    return "\n".join(lines) + "\n"


@transaction.atomic
def retrospective_promote(*, retrospective_id: int, by, title: str = "", publish: bool = False) -> Article:
    """MOps turns a retrospective into a best-practice article linked to the campaign type."""
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps may promote a retrospective."))
    retro = (
        Retrospective.objects.select_for_update(of=("self",))
        .select_related("campaign__campaign_type", "campaign__business_unit")
        .get(pk=retrospective_id)
    )
    if retro.promoted_article_id:
        raise ArticleConflict(_("This retrospective was already promoted."))
    campaign = retro.campaign
    article = article_create(
        by=by,
        title=title or str(_("Best practice: %(campaign)s") % {"campaign": campaign.name}),
        body=promotion_body(retro),
        category=Category.BEST_PRACTICE,
        tags=["振り返り", "retrospective"],
        campaign_types=[campaign.campaign_type],
        publish=publish,
        comment=_("From a retrospective"),
    )
    retro.promoted_article, retro.promoted_by, retro.promoted_at = article, by, timezone.now()
    retro.save(update_fields=["promoted_article", "promoted_by", "promoted_at"])
    return article
