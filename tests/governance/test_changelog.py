"""The governance page shows its change log and "in force now" in words, not raw keys or dicts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from governance import services
from governance.changelog import change_lines, effective_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(gov):
    services.governance_update(by=gov["root"], model="centralised", hybrid_threshold="3000000")
    services.governance_update(
        by=gov["root"],
        model="hybrid",
        hybrid_threshold="2000000",
        units=[{"unit": "apac", "model": "decentralised", "hybrid_threshold": None}],
    )
    return gov


def _log(page: str) -> str:
    start = page.index('<table class="changes">')
    return page[start : page.index("</table>", start)]


def test_change_log_reads_as_translated_lines_in_japanese(client, changed):
    client.force_login(changed["root"])
    page = client.get(reverse("governance:settings")).content.decode()
    log = _log(page)
    for text in (
        "モデル: 中央集権型 → ハイブリッド",
        "¥3,000,000 → ¥2,000,000",
        "APAC — ガバナンスモデル: （全社の既定） → 分散型",
        "全社",
        "変更者",
    ):
        assert text in log, text
    for raw in ("{", "'model'", "hybrid_threshold", "organisation", "centralised"):
        assert raw not in log, raw
    # the "in force now" column: labels and a formatted threshold, not "hybrid (¥2000000)"
    assert "ハイブリッド型（¥2,000,000 まで）" in page and "(¥2000000)" not in page


def test_change_log_in_english(client, changed):
    client.force_login(changed["root"])
    page = client.get(reverse("governance:settings"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    log = _log(page)
    assert "Model: Centralised → Hybrid" in log
    assert "Hybrid budget threshold (JPY): ¥3,000,000 → ¥2,000,000" in log
    assert "APAC — Model: (organisation default) → Decentralised" in log
    assert "Whole organisation" in log and "{" not in log
    assert "Hybrid (up to ¥2,000,000)" in page


def test_only_moved_parameters_are_listed():
    before = {
        "model": "hybrid",
        "hybrid_threshold": "1000000",
        "units": {"osaka": {"model": "hybrid", "hybrid_threshold": "5"}},
    }
    after = {"model": "hybrid", "hybrid_threshold": "1000000", "units": {}}
    with translation.override("en"):
        lines = change_lines(before, after, {"osaka": "Osaka"})
        assert lines == [
            "Osaka — Model: Hybrid → (organisation default)",
            "Osaka — Hybrid threshold (JPY): ¥5 → (organisation default)",
        ]
        assert effective_label({"model": "decentralised", "hybrid_threshold": "3000000"}) == "Decentralised"
