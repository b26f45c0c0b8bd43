"""Japanese and English full-text search with ranking, snippets, filters; the index follows edits.

Runs on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm) — the same tests on both.
"""

from __future__ import annotations

import pytest
from django.db import connection

from knowledge import services
from knowledge.models import Status
from knowledge.search import parse_query, search_articles

from .conftest import api_for


@pytest.fixture
def corpus(org, make_article, webinar):
    mona = org["mona"]
    return {
        "webinar": make_article(
            mona,
            "ウェビナー運営プレイブック",
            "ウェビナーの企画から集客、当日の運営、フォローアップまでの標準手順です。",
            campaign_types=[webinar],
            category="playbook",
            tags=["ウェビナー", "playbook"],
        ),
        "ads": make_article(
            mona,
            "広告運用ガイド",
            "リスティング広告とSNS広告で見込み客を集客するための設定手順をまとめました。",
            category="howto",
        ),
        "nurture": make_article(
            mona,
            "Email nurture playbook",
            "How we score leads and hand MQLs to sales. Webinars feed the nurture track.",
            category="playbook",
        ),
        "rules": make_article(
            mona,
            "依頼フォームの運用ルール",
            "すべての施策は依頼フォームから申請します。展示会も同様です。",
            category="rules",
        ),
    }


def titles(hits):
    return [h.article.title for h in hits]


def test_japanese_words_inside_longer_sentences_are_found(corpus, org):
    hits, total = search_articles(org["alice"], "ウェビナー")
    assert titles(hits)[0] == "ウェビナー運営プレイブック" and total == 1
    # 2-character word: trigram cannot index it, the fallback still finds it inside sentences
    hits, total = search_articles(org["alice"], "集客")
    assert set(titles(hits)) == {"ウェビナー運営プレイブック", "広告運用ガイド"} and total == 2
    hits, _ = search_articles(org["alice"], "展示会")
    assert titles(hits) == ["依頼フォームの運用ルール"]


def test_english_search_is_case_insensitive_and_ranks_title_matches_first(corpus, org):
    hits, total = search_articles(org["alice"], "webinar")
    # title match ("Email nurture" has it only in the body; the Japanese title has no 'webinar')
    assert total == 1 and titles(hits) == ["Email nurture playbook"]
    hits, _ = search_articles(org["alice"], "PLAYBOOK")
    assert titles(hits) == ["Email nurture playbook"]
    hits, _ = search_articles(org["alice"], "ウェビナー 集客")  # every term must match
    assert titles(hits) == ["ウェビナー運営プレイブック"]


def test_title_hits_rank_above_body_hits(org, make_article):
    mona = org["mona"]
    make_article(mona, "展示会の準備", "ブース設営の手順。" * 3)
    make_article(mona, "イベント全般", "ウェビナーや展示会、展示会、展示会の違い。展示会は年2回。")
    hits, _ = search_articles(org["alice"], "展示会")
    assert titles(hits) == ["展示会の準備", "イベント全般"]
    assert hits[0].title_hit and not hits[1].title_hit


def test_snippets_are_escaped_except_the_marks(org, make_article):
    make_article(org["mona"], "XSS <b>title</b>", "前置き <script>alert(1)</script> ウェビナーの集客について")
    hits, _ = search_articles(org["alice"], "集客")
    assert len(hits) == 1
    snippet = hits[0].snippet_html
    assert "<mark>集客</mark>" in snippet
    assert "<script" not in snippet and "<b>" not in hits[0].title_html
    assert "&lt;b&gt;title&lt;/b&gt;" in hits[0].title_html


def test_filters_by_category_tag_and_campaign_type(corpus, org):
    res = api_for(org["alice"]).get("/api/knowledge/search", {"q": "集客", "category": "howto"})
    assert res.status_code == 200 and [r["title"] for r in res.json()["results"]] == ["広告運用ガイド"]
    res = api_for(org["alice"]).get("/api/knowledge/search", {"q": "集客", "campaign_type": "webinar"})
    assert [r["title"] for r in res.json()["results"]] == ["ウェビナー運営プレイブック"]
    res = api_for(org["alice"]).get("/api/knowledge/search", {"q": "集客", "tag": "playbook"})
    assert [r["title"] for r in res.json()["results"]] == ["ウェビナー運営プレイブック"]
    assert api_for(org["alice"]).get("/api/knowledge/search", {"q": "集客", "category": "nope"}).status_code == 400


def test_api_search_shape_and_errors(corpus, org):
    api = api_for(org["alice"])
    body = api.get("/api/knowledge/search?q=ウェビナー").json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert (
        hit["title_html"] == "<mark>ウェビナー</mark>運営プレイブック"
        and "<mark>ウェビナー</mark>" in hit["snippet_html"]
    )
    assert hit["url"] == f"/kb/{corpus['webinar'].pk}/" and hit["campaign_types"] == ["webinar"]
    assert api.get("/api/knowledge/search/?q=ウェビナー").status_code == 200  # slash or not
    assert api.get("/api/knowledge/search?q=").status_code == 400
    assert api_for(None).get("/api/knowledge/search?q=x").status_code == 403


def test_index_follows_edits_and_deletes(corpus, org):
    mona, alice = org["mona"], org["alice"]
    article = corpus["ads"]
    services.article_update(
        article_id=article.pk, by=mona, title="広告運用ガイド", body="検索連動型広告でリードを獲得する。"
    )
    assert search_articles(alice, "集客")[1] == 1  # only the webinar one now
    assert titles(search_articles(alice, "検索連動型")[0]) == ["広告運用ガイド"]
    services.article_restore(article_id=article.pk, number=1, by=mona)
    assert search_articles(alice, "集客")[1] == 2
    services.article_delete(article_id=article.pk, by=mona)
    assert search_articles(alice, "集客")[1] == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM knowledge_article_fts WHERE rowid = %s", [article.pk])
            assert cur.fetchone()[0] == 0


def test_archived_and_drafts_are_left_out_for_readers(corpus, org, make_article):
    mona, alice = org["mona"], org["alice"]
    services.article_archive(article_id=corpus["ads"].pk, by=mona)
    assert titles(search_articles(alice, "集客")[0]) == ["ウェビナー運営プレイブック"]
    assert len(search_articles(alice, "集客", include_archived=True)[0]) == 2
    make_article(mona, "集客の下書き", "未公開", publish=False)
    assert "集客の下書き" not in titles(search_articles(alice, "集客")[0])
    assert "集客の下書き" in titles(search_articles(mona, "集客")[0])


def test_wildcards_and_quotes_are_literal(org, make_article):
    make_article(org["mona"], "100% 達成の記録", 'ROI "150%" と a_b のテスト')
    make_article(org["mona"], "別記事", "ROI 150 only")
    assert titles(search_articles(org["alice"], "100%")[0]) == ["100% 達成の記録"]
    assert titles(search_articles(org["alice"], "a_b")[0]) == ["100% 達成の記録"]
    assert titles(search_articles(org["alice"], '"150%"')[0]) == ["100% 達成の記録"]
    assert search_articles(org["alice"], "%")[1] == 1
    assert search_articles(org["alice"], "   ")[1] == 0


def test_parse_query_splits_on_full_width_spaces():
    assert parse_query("ウェビナー\u3000集客  webinar Webinar") == ["ウェビナー", "集客", "webinar"]


def test_pagination_of_results(org, make_article):
    for i in range(25):
        make_article(org["mona"], f"ナーチャリング記事{i}", "ナーチャリングの集客手順")
    first, total = search_articles(org["alice"], "ナーチャリング", limit=20)
    second, _ = search_articles(org["alice"], "ナーチャリング", limit=20, offset=20)
    assert total == 25 and len(first) == 20 and len(second) == 5
    assert not {h.article.pk for h in first} & {h.article.pk for h in second}


def test_status_filter_cannot_leak_drafts(org, make_article):
    make_article(org["mona"], "ウェビナー下書き", "x", publish=False)
    res = api_for(org["alice"]).get("/api/knowledge/search", {"q": "ウェビナー", "status": Status.DRAFT})
    assert res.json()["count"] == 0
