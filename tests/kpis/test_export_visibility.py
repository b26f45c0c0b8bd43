"""KPI exports show only what the viewer could open: role x export table x governance model.

MOps and Admins see every unit. The CMO's office (an Approver heading no unit) sees company-wide
aggregates, but rows that name a campaign or a task only when the request pages would show
them. A unit head sees the units they head: aggregates and rows.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import time_machine

from campaigns.models import CampaignRequest
from campaigns.selectors import request_list_for
from governance import roles
from kpis.models import ReviewReport
from tasks.models import Task
from tasks.selectors import task_list_for
from tests.conftest import api_as, make_user

from .conftest import NOW

pytestmark = pytest.mark.django_db
Q3 = "quarter=2026Q3"
ROW_TABLES = ["data_campaigns", "data_tasks", "lead_time_campaigns", "return_campaigns", "sla_breaches"]
MODELS = ["centralised", "decentralised", "hybrid"]


@pytest.fixture
def viewers(org, osaka, quarter_data):
    head = make_user("osaka_head", roles.APPROVER, osaka)
    osaka.head = head
    osaka.save()
    return {**org, "osaka_head": head}


def _csv(client, table: str) -> str:
    r = client.get(f"/kpis/export.csv?{Q3}&table={table}")
    assert r.status_code == 200
    return b"".join(r.streaming_content).decode("utf-8-sig")  # the CSV export streams


def _names_in(text: str) -> set[str]:
    return {c.name for c in CampaignRequest.objects.all() if c.name in text}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ["mona", "root", "charlie", "osaka_head"])
def test_exports_hold_only_rows_the_viewer_could_open(client, viewers, quarter_data, role, model):
    CampaignRequest.objects.update(governance_model=model)
    user = viewers[role]
    client.force_login(user)
    visible = set(request_list_for(user).values_list("name", flat=True))
    visible_tasks = set(task_list_for(user).values_list("pk", flat=True))
    with time_machine.travel(NOW, tick=False):
        for table in ROW_TABLES:
            body = _csv(client, table)
            assert _names_in(body) <= visible, (table, _names_in(body) - visible)
            if table == "data_tasks":
                rows = list(csv.DictReader(io.StringIO(body)))
                assert {int(r["id"]) for r in rows} <= visible_tasks
        wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/kpis/export.xlsx?{Q3}").content))
        text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
        assert _names_in(text) <= visible
    if role in ("mona", "root"):  # they see everything: the export is not simply empty
        assert {"A ウェビナー", "B 展示会"} <= _names_in(_csv(client, "data_campaigns"))


@pytest.mark.parametrize("model", MODELS)
def test_a_unit_head_sees_their_units_figures_only(client, viewers, quarter_data, model):
    CampaignRequest.objects.update(governance_model=model)
    client.force_login(viewers["osaka_head"])
    with time_machine.travel(NOW, tick=False):
        rows = list(csv.DictReader(io.StringIO(_csv(client, "data_campaigns"))))
        assert {r["name"] for r in rows} == {"B 展示会"}
        tasks = list(csv.DictReader(io.StringIO(_csv(client, "data_tasks"))))
        assert {r["key"] for r in tasks} == {quarter_data["T3"].key}
        body = api_as(viewers["osaka_head"]).get(f"/api/kpis/?{Q3}").json()
        figures = {f["name"]: f["value"] for f in body["figures"]}
        assert figures.get("return.by_unit[tokyo].roi") is None  # other units' aggregates are not there
        assert client.get(f"/kpis/export.csv?{Q3}&unit=tokyo").status_code == 400


def test_company_wide_viewers_see_other_units_aggregates(client, viewers, quarter_data):
    client.force_login(viewers["charlie"])
    with time_machine.travel(NOW, tick=False):
        body = api_as(viewers["charlie"]).get(f"/api/kpis/?{Q3}").json()
    figures = {f["name"]: f["value"] for f in body["figures"]}
    assert figures["return.totals.roi"] == 120.1  # company-wide, as for MOps


def test_drill_down_and_review_pdfs_follow_the_same_scope(client, viewers, quarter_data, mona):
    other = ReviewReport.objects.create(quarter="2026Q3", unit="", requested_by=mona)
    own = ReviewReport.objects.create(quarter="2026Q3", unit="osaka", requested_by=mona)
    client.force_login(viewers["osaka_head"])
    assert client.get(f"/kpis/reviews/{other.pk}/status/").status_code == 404
    assert client.get(f"/kpis/reviews/{own.pk}/status/").status_code == 200
    page = client.get("/kpis/reviews/").content.decode()
    assert f"/kpis/reviews/{other.pk}/" not in page or "2026Q3" in page
    client.force_login(mona)
    assert client.get(f"/kpis/reviews/{other.pk}/status/").status_code == 200


def test_unit_head_may_only_request_pdfs_of_their_units(viewers, quarter_data):
    from django.core.exceptions import ValidationError

    from kpis import reviews

    head = viewers["osaka_head"]
    for unit in ("", "tokyo"):
        with pytest.raises(ValidationError):
            reviews.review_request(quarter="2026Q3", unit=unit, by=head)
    assert Task.objects.exists()
