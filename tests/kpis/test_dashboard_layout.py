"""The KPI dashboard and the review PDF read as a report: tiles first, formatted figures (%, ¥),
labels instead of keys, people by name, every figure defined, charts without empty quarters."""

from __future__ import annotations

import html
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from campaigns.quarters import Quarter
from kpis import charts, figures, pdf
from kpis.data import KpiFilters
from kpis.definitions import all_definitions
from kpis.labels import labelled
from kpis.templatetags.kpi_format import kpi_as, kpi_pct, kpi_yen
from kpis.tiles import tiles

from .conftest import NOW

pytestmark = pytest.mark.django_db
Q3 = "quarter=2026Q3"
# Keys the report carries that a reader must never see: request/task states, SLA outcomes,
# governance models, type and unit slugs.
RAW_KEYS = ("changes_requested", "ready_for_launch", "in_production", "missed", "breached", "centralised", "hybrid")
SLUGS = ("tradeshow", "webinar", "tokyo", "osaka")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def named(org):
    """Sam and Mona with real names: pages must show these, never the usernames."""
    for user, first, last in ((org["sam"], "三郎", "佐藤"), (org["mona"], "Mona", "Okada")):
        user.first_name, user.last_name = first, last
        user.save()
    return org


def visible_text(page: str) -> str:
    """What a reader sees: no tags, attributes, scripts or URLs."""
    body = page.split("<main", 1)[-1]
    # Definitions are prose ("... else missed ..."): the keys must not show anywhere else.
    body = re.sub(r'<details class="(kpi-def|definitions)">.*?</details>', " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def dashboard(client, user, lang: str, query: str = Q3) -> str:
    client.force_login(user)
    return client.get(f"/kpis/?{query}", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ja", ("SLA達成率", "リードタイム(中央値)", "リード単価", "目標 90%", "前四半期")),
        (
            "en",
            ("SLA attainment", "Request-to-launch time (median)", "Cost per lead", "Target 90%", "previous quarter"),
        ),
    ],
)
def test_tiles_show_formatted_figures_in_each_language(client, named, quarter_data, frozen, lang, words):
    page = dashboard(client, named["mona"], lang)
    text = visible_text(page)
    # Tiles come first, before the first chart and the first table.
    assert page.index('class="kpi-tiles"') < page.index('class="kpi-chart"') < page.index("<table")
    for word in words:
        assert word in text, word
    sla = re.search(r'id="tile-sla".*?class="kpi-tile-value">(.*?)</p>', page, re.S).group(1)
    assert "25%" in sla  # share 0.25 as a percentage, never "0.25"
    roi = re.search(r'id="tile-roi".*?class="kpi-tile-value">(.*?)</p>', page, re.S).group(1)
    assert roi.strip() == "120.1%"
    cpl = re.search(r'id="tile-cost_per_lead".*?class="kpi-tile-value">(.*?)</p>', page, re.S).group(1)
    assert re.fullmatch(r"¥[\d,]+", cpl.strip())
    # The lead time changed against 2026Q2 (campaign E): the change is spelt out, with its arrow.
    lead = re.search(r'id="tile-lead_time".*?</article>', page, re.S).group(0)
    assert 'class="kpi-change kpi-' in lead and ("▲" in lead or "▼" in lead)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_dashboard_shows_labels_names_and_no_raw_keys(client, named, quarter_data, frozen, lang):
    text = visible_text(dashboard(client, named["mona"], lang))
    for key in RAW_KEYS + SLUGS + ("sam", "mona"):
        hit = re.search(rf"(?<![\w/-]){key}(?![\w/-])", text)
        assert not hit, (key, text[max(0, hit.start() - 80) : hit.end() + 40])
    assert "佐藤 三郎" in text and "Mona Okada" in text  # approvers, assignees, people by display name
    assert re.search(r"\d+(\.\d)?%", text) and "¥" in text


def test_every_tile_has_its_definition_on_hover_and_behind_a_toggle(client, named, quarter_data, frozen):
    page = dashboard(client, named["mona"], "en")
    articles = re.findall(r'<article class="kpi-tile.*?</article>', page, re.S)
    assert len(articles) == 10
    with translation.override("en"):
        texts = {d["text"] for d in all_definitions()}
    for a in articles:
        a = html.unescape(a)
        title = re.search(r'<h3 class="kpi-tile-label" title="([^"]+)"', a).group(1)
        assert title in texts
        assert '<details class="kpi-def"><summary' in a and f"{title}</p>" in a  # the visible "?" toggle


def test_chart_leaves_out_empty_quarters_and_is_served_only_signed(client, named, quarter_data, frozen):
    with translation.override("en"):  # the labels follow the active language
        report = labelled(figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW))
        empty = [t["quarter"] for t in report["lead_time"]["trend"] if not t["n"]]
        assert empty  # the trend holds quarters without a launch ...
        spec = charts.specs(report)["lead_time"]
        assert spec["x"] == [t["quarter"] for t in report["lead_time"]["trend"] if t["n"]]  # ... the chart does not
        assert not set(empty) & set(spec["x"])
        gov = charts.specs(report)["governance"]
    assert {x.split("\n")[1] for x in gov["x"]} <= {"Centralised", "Decentralised", "Hybrid"}  # by label
    page = dashboard(client, named["mona"], "ja")
    url = html.unescape(re.search(r'class="kpi-chart" src="([^"]+)"', page).group(1))
    assert client.get(url)["Content-Type"] == "image/svg+xml"
    assert client.get(url[:-3] + "xyz").status_code == 404  # a forged spec is not drawn
    client.force_login(named["alice"])
    assert client.get(url).status_code == 403  # a requester cannot read the KPIs through a chart


def test_dashboard_query_count_stays_constant_with_more_people(client, named, quarter_data, frozen, make_request):
    from governance import roles
    from tests.conftest import make_user

    from .conftest import _task, jst

    client.force_login(named["mona"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/kpis/?{Q3}").status_code == 200
        return len(ctx.captured_queries)

    count()  # warm-up
    before = count()
    for i in range(4):
        person = make_user(f"extra{i}", roles.MOPS, first_name=f"名{i}", last_name="追加")
        req = make_request(named["alice"], name=f"more {i}")
        _task(
            req,
            quarter_data["T1"].task_type,
            person,
            state="done",
            est=1,
            act=1,
            rate=1,
            created=jst(7, 20 + i),
            started=jst(7, 20 + i),
            completed=jst(7, 21 + i),
            due=jst(7, 20 + i, 12),
            sla_state="missed",
        )
    assert count() == before


def _pdf_pages(lang: str) -> list[str]:
    with translation.override(lang):
        report = figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW)
        data = pdf.render_pdf(report)
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _pdf_text(lang: str) -> str:
    return "\n".join(_pdf_pages(lang))


def test_pdf_pages_are_numbered_in_one_layout_pass(named, quarter_data, frozen, monkeypatch):
    # A total ("3 / 24") needs a second layout of the whole document (xhtml2pdf's multiBuild):
    # a third of the PDF's time at 100k campaigns (issue 19). Each page says its own number.
    from xhtml2pdf.xhtml2pdf_reportlab import PmlBaseDoc

    def second_pass(*args, **kwargs):
        raise AssertionError("the PDF was laid out twice")

    monkeypatch.setattr(PmlBaseDoc, "multiBuild", second_pass)
    pages = _pdf_pages("en")
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert re.search(rf"Quarterly MOps KPI review 2026Q3\s*·\s*{number}\b", text), (number, text[-200:])


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pdf_reads_as_a_report(named, quarter_data, frozen, lang):
    text = _pdf_text(lang)
    compact = re.sub(r"\s+", "", text)
    assert "25%" in compact  # SLA share met 0.25, not "0.25"
    assert "120.1%" in compact and "¥" in compact
    assert "100%" in compact  # a fully met group reads 100%, never "1"
    for key in ("sam", "mona", "tradeshow", "centralised", "changes_requested"):
        hit = re.search(rf"(?<![\w/-]){key}(?![\w/-])", text)
        assert not hit, (key, text[max(0, hit.start() - 80) : hit.end() + 40])
    assert "佐藤三郎" in compact and "MonaOkada" in compact
    with translation.override(lang):
        appendix = "付録:各数値の定義" if lang == "ja" else "Appendix:howeachfigureisdefined"
        assert appendix in compact
        for d in all_definitions():
            assert re.sub(r"\s+", "", d["text"])[:40] in compact, d["key"]
        for t in tiles(labelled(figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW))):
            assert re.sub(r"\s+", "", str(t["label"])) in compact  # the summary page has every tile


def test_pdf_tables_fit_a4_portrait():
    report_like = {"title": "T", "columns": [(f"c{i}", f"C{i}") for i in range(21)], "rows": [], "formats": {}}
    parts = pdf._table("return_by_type", report_like, [], 0, pdf.PDF_MAX_COLUMNS)
    assert len(parts) == 3 and all(len(p["columns"]) <= pdf.PDF_MAX_COLUMNS for p in parts)
    assert all(p["columns"][0]["key"] == "c0" for p in parts)  # the row label repeats in every part
    assert [c["key"] for p in parts for c in p["columns"][1:]] == [f"c{i}" for i in range(1, 21)]


def test_cell_formats():
    assert kpi_pct(1.0) == "100%" and kpi_pct(0.9737) == "97.4%" and kpi_pct(None) == "—"
    assert kpi_yen(4427.0) == "¥4,427" and kpi_yen(-58500) == "-¥58,500" and kpi_yen(50710000.0) == "¥50,710,000"
    assert kpi_as(218.3, "pct") == "218.3%" and kpi_as(0.5, "share") == "50%" and kpi_as(-219.1, "pt") == "-219.1 pt"
    assert kpi_as(None, "yen") == "—" and kpi_as("ウェビナー", "yen") == "ウェビナー"


def test_pdf_gives_each_definition_its_own_paragraph(named, quarter_data, frozen):
    """Several definitions in one long Japanese paragraph made xhtml2pdf fail to split it at some
    page breaks (LayoutError "Splitting error(n==2)": the review of a 2,000-campaign quarter
    failed); one paragraph per definition lets the page break fall between two of them."""
    with translation.override("ja"):
        html = pdf.render_html(figures.compute(KpiFilters(Quarter.parse("2026Q3")), now=NOW))
    paragraphs = re.findall(r'<p class="muted">(.*?)</p>', html, re.S)
    with_definitions = [p for p in paragraphs if "<b>" in p]
    assert len(with_definitions) >= 10
    assert all(p.count("<b>") == 1 and p.startswith("<b>") for p in with_definitions)
