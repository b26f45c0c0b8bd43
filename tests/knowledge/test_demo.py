"""The demo knowledge base is complete and idempotent."""

from __future__ import annotations

from django.core.management import call_command

from campaigns.models import CampaignType
from knowledge.models import (
    Article,
    ArticleVersion,
    OnboardingStep,
    ReadReceipt,
    RequiredReading,
    Retrospective,
    RoadmapEntry,
    Tool,
)
from knowledge.search import search_articles


def test_seed_knowledge_is_complete_and_idempotent(db, django_user_model):
    call_command("seed_demo", "--seed", "2")
    counts = [
        m.objects.count()
        for m in (
            Article,
            ArticleVersion,
            Tool,
            RoadmapEntry,
            RequiredReading,
            ReadReceipt,
            OnboardingStep,
            Retrospective,
        )
    ]
    assert Article.objects.count() >= 30 and Tool.objects.count() >= 8 and RoadmapEntry.objects.exists()
    assert Retrospective.objects.count() >= 2 and Retrospective.objects.filter(promoted_article__isnull=False).exists()
    for ctype in CampaignType.objects.all():
        assert Article.objects.filter(campaign_types=ctype, category="playbook", status="published").exists(), (
            ctype.slug
        )
    marketer = django_user_model.objects.get(username="marketer")
    assert search_articles(marketer, "ウェビナー")[1] >= 3 and search_articles(marketer, "集客")[1] >= 2
    assert search_articles(marketer, "playbook")[1] >= 2
    # a phrase only in the unit-private article of Osaka (a promoted retrospective may name the unit)
    assert search_articles(marketer, "大阪支社独自の運用メモ")[1] == 0
    call_command("seed_demo", "--seed", "2")
    assert [
        m.objects.count()
        for m in (
            Article,
            ArticleVersion,
            Tool,
            RoadmapEntry,
            RequiredReading,
            ReadReceipt,
            OnboardingStep,
            Retrospective,
        )
    ] == counts
