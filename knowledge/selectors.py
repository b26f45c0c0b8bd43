"""Reads of the knowledge base, filtered by what the viewer may see.

Rules: editors (MOps, Admin) see everything. Everyone else sees published and archived
articles plus their own drafts; an article with visibility "unit" is seen only by members
of its unit (and its owner and editors). Archived articles are left out of lists unless asked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from governance import policy, roles
from governance.models import Membership

from .models import (
    Article,
    ArticleVersion,
    OnboardingEnrollment,
    OnboardingPlan,
    OnboardingStep,
    ReadReceipt,
    RequiredReading,
    Retrospective,
    Status,
    StepProgress,
    Tool,
    Visibility,
)


def is_editor(user: Any) -> bool:
    """MOps and Admins run the knowledge base."""
    return policy.is_ops(user)


def can_edit(user: Any, article: Article) -> bool:
    return is_editor(user) or (getattr(user, "pk", None) is not None and article.owner_id == user.pk)


def unit_ids(user: Any) -> list[int]:
    cached = getattr(user, "_kb_unit_ids", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).values_list("unit_id", flat=True))
        user._kb_unit_ids = cached
    return cached


def article_visibility_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_editor(user):
        return Q()
    mine = Q(owner_id=user.pk)
    status_ok = Q(status__in=[Status.PUBLISHED, Status.ARCHIVED])
    unit_ok = Q(visibility=Visibility.EVERYONE) | Q(unit_id__in=unit_ids(user))
    return mine | (status_ok & unit_ok)


def article_list_for(user: Any, *, include_archived: bool = False) -> QuerySet[Article]:
    """Articles ``user`` may see, ready for list pages (constant query count)."""
    qs = Article.objects.filter(article_visibility_q(user))
    if not include_archived:
        qs = qs.exclude(status=Status.ARCHIVED)
    return qs.select_related("owner", "unit").prefetch_related("tags", "campaign_types")


def article_get_for(user: Any, article_id: int) -> Article:
    """One article ``user`` may see (archived included), or Http404."""
    qs = (
        Article.objects.filter(article_visibility_q(user))
        .select_related("owner", "unit")
        .prefetch_related(
            "tags",
            "campaign_types",
            "task_types",
            "attachments",
            "tools",
            Prefetch("requirements", queryset=RequiredReading.objects.select_related("unit")),
        )
    )
    try:
        return qs.get(pk=article_id)
    except Article.DoesNotExist:
        raise Http404("Article not found") from None


def article_versions(article: Article) -> list[ArticleVersion]:
    return list(article.versions.select_related("author").order_by("-number"))


def articles_for_campaign_type(user: Any, campaign_type_id: int) -> QuerySet[Article]:
    return article_list_for(user).filter(campaign_types__id=campaign_type_id, status=Status.PUBLISHED).distinct()


def articles_for_task_type(user: Any, task_type_id: int) -> QuerySet[Article]:
    return article_list_for(user).filter(task_types__id=task_type_id, status=Status.PUBLISHED).distinct()


# --- required reading ------------------------------------------------------------------


def required_q(user: Any) -> Q:
    """Articles required for ``user`` by role or unit."""
    role_names = list(policy.user_roles(user))
    return Q(requirements__role__in=role_names) | Q(requirements__unit_id__in=unit_ids(user))


def _read_current(user: Any):
    return ReadReceipt.objects.filter(user_id=user.pk, article_id=OuterRef("pk"), major=OuterRef("major"))


def required_for(user: Any) -> QuerySet[Article]:
    """Published articles required for ``user``, annotated ``is_read`` (current major)."""
    ids = Article.objects.filter(required_q(user), status=Status.PUBLISHED).values("pk")
    return (
        article_list_for(user)
        .filter(pk__in=ids)
        .annotate(is_read=Exists(_read_current(user)))
        .order_by("is_read", "title")
    )


def unread_required_for(user: Any) -> QuerySet[Article]:
    return required_for(user).filter(is_read=False)


def has_read(user: Any, article: Article) -> ReadReceipt | None:
    return (
        ReadReceipt.objects.filter(user_id=user.pk, article=article, major=article.major)
        .select_related("version")
        .first()
    )


def receipt_list_for(user: Any) -> QuerySet[ReadReceipt]:
    qs = ReadReceipt.objects.select_related("user", "article", "version")
    if is_editor(user):
        return qs
    return qs.filter(user_id=user.pk)


def reading_report(article: Article) -> list[dict]:
    """For MOps: everyone the article is required for, with the version they last confirmed."""
    from django.contrib.auth import get_user_model

    reqs = list(article.requirements.all())
    roles = [r.role for r in reqs if r.role]
    units = [r.unit_id for r in reqs if r.unit_id]
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles) | Q(unit_memberships__unit_id__in=units))
        .distinct()
        .order_by("username")
    )
    latest: dict[int, ReadReceipt] = {}
    for receipt in ReadReceipt.objects.filter(article=article).select_related("version").order_by("major", "read_at"):
        latest[receipt.user_id] = receipt
    return [
        {
            "user": u,
            "receipt": latest.get(u.pk),
            "current": bool(latest.get(u.pk) and latest[u.pk].major == article.major),
        }
        for u in users
    ]


# --- onboarding --------------------------------------------------------------------------


def plan_for(user: Any) -> OnboardingPlan | None:
    enrollment = OnboardingEnrollment.objects.filter(user_id=user.pk).select_related("plan").first()
    if enrollment:
        return enrollment.plan
    return OnboardingPlan.objects.filter(is_active=True, role__in=list(policy.user_roles(user))).first()


def plan_steps(plan: OnboardingPlan) -> list[OnboardingStep]:
    return list(plan.steps.select_related("article").order_by("order", "id"))


def enrollment_progress(enrollment: OnboardingEnrollment) -> dict[int, StepProgress]:
    return {p.step_id: p for p in enrollment.progress.all()}


def onboarding_overview() -> list[dict]:
    """For MOps: every enrollment with passed/total steps (two queries)."""
    enrollments = (
        OnboardingEnrollment.objects.select_related("user", "plan")
        .annotate(
            total=Count("plan__steps", distinct=True),
            passed=Count("progress", filter=Q(progress__passed_at__isnull=False), distinct=True),
        )
        .order_by("plan__role", "user__username")
    )
    return [
        {
            "enrollment": e,
            "passed": e.passed,
            "total": e.total,
            "percent": round(100 * e.passed / e.total) if e.total else 0,
        }
        for e in enrollments
    ]


# --- retrospectives and tools ----------------------------------------------------------


def retrospective_list_for(user: Any) -> QuerySet[Retrospective]:
    """Retrospectives on campaigns ``user`` may see (governance policy of campaigns)."""
    from campaigns.models import CampaignRequest

    visible = CampaignRequest.objects.filter(policy.request_visibility_q(user)).values("pk")
    qs = Retrospective.objects.select_related(
        "campaign",
        "campaign__campaign_type",
        "campaign__business_unit",
        "campaign__requester",
        "author",
        "promoted_article",
    )
    if policy.is_ops(user) or policy.has_role(user, roles.APPROVER):
        return qs  # approvers review outcomes across campaigns
    return qs.filter(campaign_id__in=visible)


def tool_list() -> QuerySet[Tool]:
    return (
        Tool.objects.select_related("owner")
        .prefetch_related("articles")
        .annotate(user_count=Count("users", distinct=True))
        .order_by("category", "name")
    )


def attachment_get_for(user: Any, attachment_id: int):
    """An attachment of an article ``user`` may see, or Http404."""
    from .models import Attachment

    try:
        attachment = Attachment.objects.get(pk=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404("Attachment not found") from None
    article_get_for(user, attachment.article_id)
    return attachment
