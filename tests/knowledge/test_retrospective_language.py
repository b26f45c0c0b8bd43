"""A promoted retrospective's article is written in one language: the promoter's page language."""

from __future__ import annotations

import pytest
from django.utils import translation

from knowledge import retrospectives
from tests.knowledge.test_retrospectives import launched  # noqa: F401 - shared fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "language, present, absent",
    [
        (
            "ja",
            ["| 指標 | 値 |", "## 良かった点", "| 予算 | ¥1,200,000 |", "ウェビナー"],
            ["Metric", "What worked", " / "],
        ),
        ("en", ["| Metric | Value |", "## What worked", "| Budget | ¥1,200,000 |", "Webinar"], ["指標", "予算", " / "]),
    ],
)
def test_article_headings_in_one_language(org, launched, language, present, absent):  # noqa: F811
    retro = retrospectives.retrospective_save(campaign_id=launched.pk, by=org["alice"], what_worked="事前登録")
    with translation.override(language):
        article = retrospectives.retrospective_promote(retrospective_id=retro.pk, by=org["mona"])
    for text in present:
        assert text in article.body, text
    for text in absent:
        assert text not in article.body, text
