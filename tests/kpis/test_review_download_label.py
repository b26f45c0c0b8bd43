"""The review PDF list hands its progress script the download label in the page's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpis.models import ReviewReport

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "kpi_reviews.js"


@pytest.mark.parametrize("language, label", [("ja", "ダウンロード"), ("en", "Download")])
def test_download_label_in_one_language(client, mona, language, label):
    ReviewReport.objects.create(quarter="2026Q3", unit="", requested_by=mona)
    client.force_login(mona)
    page = client.get("/kpis/reviews/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'data-download-label="{label}"' in page
    # the script writes no label of its own: it only reads the page's data attribute
    assert label not in SCRIPT.read_text(encoding="utf-8")
