"""A report stored or cached in one language reads in the page's language (fixed vocabularies)."""

from __future__ import annotations

import pytest
from django.utils import translation

from campaigns.quarters import Quarter
from kpis import figures, labels, store
from kpis.data import KpiFilters

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_report_computed_in_japanese_reads_in_english(quarter_data):
    with translation.override("ja"):
        stored = store.as_stored(figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW))
    assert stored["maturity"]["label"] == str(figures.MATURITY_LEVELS[stored["maturity"]["level"]])
    with translation.override("en"):
        r = labels.labelled(stored)
        level = r["maturity"]["level"]
        assert r["maturity"]["label"] == str(figures.MATURITY_LEVELS[level]) and r["maturity"]["label"].isascii()
        assert all(e["label"].isascii() for e in r["maturity"]["evidence"])
        states = {row["state"]: row["label"] for row in r["stall"]["requests"]}
        assert states["submitted"] == "Submitted"
        assert all(row["label"].isascii() for row in r["stall"]["tasks"])
        questions = {q["name"]: q["label"] for q in r["satisfaction"]["questions"]}
        assert questions["q_overall"] == "Overall satisfaction"
        assert all(c["label"].isascii() for c in r["martech"]["categories"])
        assert r["return"]["by_governance_model"]
        assert all(m["label"].isascii() for m in r["return"]["by_governance_model"])
        assert all(m["label"].isascii() for m in r["governance"]["by_model"])
        reasons = [x for b in r["sla"]["breaches"] for x in b["reasons"]]
        assert "no recorded reason (late delivery)" in reasons and "reopened: 誤字あり" in reasons
    with translation.override("ja"):
        r = labels.labelled(stored)
        assert {q["name"]: q["label"] for q in r["satisfaction"]["questions"]}["q_overall"] == "総合満足度"


def test_the_filter_names_units_and_types_in_the_page_language(client, org, osaka, webinar):
    osaka.name_en = "Osaka"
    osaka.save()
    webinar.name_en = "Webinar"
    webinar.save()
    client.force_login(org["mona"])
    en = client.get("/kpis/?quarter=2026Q3", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="osaka"' in en and ">Osaka</option>" in en and ">Webinar</option>" in en
    ja = client.get("/kpis/?quarter=2026Q3", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert ">大阪支社</option>" in ja


def test_japanese_section_titles_are_numbered_once(quarter_data):
    from kpis.pdf import render_html

    with translation.override("ja"):
        report = store.as_stored(figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW))
        html = render_html(labels.labelled(report))
    assert "4. SLA達成率" in html and "1. リードタイム" in html
    assert "4. 4." not in html and "1. 1." not in html
