"""Helpers for knowledge tests: articles made through the services."""

from __future__ import annotations

import pytest

from knowledge import services
from tests.conftest import api_as


@pytest.fixture
def make_article(db):
    def make(by, title="記事", body="本文", *, publish=True, **kw):
        article = services.article_create(by=by, title=title, body=body, **kw)
        if publish:
            services.article_publish(article_id=article.pk, by=_editor_for(by))
            article.refresh_from_db()
        return article

    return make


def _editor_for(user):
    from django.contrib.auth import get_user_model

    from knowledge.selectors import is_editor

    if is_editor(user):
        return user
    return get_user_model().objects.get(username="mona")


api_for = api_as  # the shared helper, under the name these tests use
