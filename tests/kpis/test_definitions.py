"""Every KPI definition is stated once (kpis/definitions.py = docs/kpis.md) and shown where the figure is."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from campaigns.quarters import Quarter
from kpis import figures, pdf
from kpis.data import KpiFilters
from kpis.definitions import DEFINITIONS, all_definitions

from .conftest import NOW

DOC = Path(settings.BASE_DIR) / "docs" / "kpis.md"


def test_every_definition_is_in_docs_word_for_word():
    doc = DOC.read_text(encoding="utf-8")
    with translation.override("en"):
        for d in all_definitions():
            assert d["text"] in doc, d["key"]
            assert f"### {d['name']}" in doc


def test_every_section_has_a_definition():
    assert [key for key, _title, _tables in pdf.SECTIONS] == list(DEFINITIONS)


@pytest.mark.django_db
def test_dashboard_shows_definitions_on_hover_and_the_pdf_has_an_appendix(client, org, quarter_data):
    client.force_login(org["mona"])
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        page = html.unescape(client.get("/kpis/?quarter=2026Q3", HTTP_ACCEPT_LANGUAGE="en").content.decode())
        sla = next(d for d in all_definitions() if d["key"] == "sla_met")
        assert f'title="{sla["text"]}"' in page
        assert "<details" in page and "<script" not in page.split("<details", 1)[1].split("</details>", 1)[0]
        report = figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW)
        doc = html.unescape(pdf.render_html(report))
        assert "Appendix" in doc
        for d in all_definitions():
            assert d["text"] in doc
