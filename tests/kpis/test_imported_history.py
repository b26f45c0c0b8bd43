"""The KPI dashboard shows an imported quarter, and can leave imported history out."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from integrations.importers import boards
from kpis import figures
from kpis.data import KpiFilters
from tests.conftest import api_as as api
from tests.integrations.test_board_import import NOW, jira_bytes
from tests.tasks.conftest import task_types, work_roles  # noqa: F401


@pytest.fixture
def imported(org, task_types, webinar, tokyo):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        plan = boards.board_preview(
            source="jira", content=jira_bytes(), by=org["mona"], unit=tokyo, campaign_type=webinar
        )
        boards.board_import(plan=plan, by=org["mona"])


def test_the_imported_quarter_shows_on_the_dashboard_and_can_be_left_out(client, org, imported):
    with time_machine.travel(NOW, tick=False):
        report = figures.compute(KpiFilters.from_params({"quarter": "2026Q4"}))
        assert report["summary"]["launched"] == 1  # MKT-1, launched 2026-11-20
        assert report["summary"]["sla_tasks"] >= 2
        without = figures.compute(KpiFilters.from_params({"quarter": "2026Q4", "imported": "exclude"}))
        assert without["summary"]["launched"] == 0
        only = figures.compute(KpiFilters.from_params({"quarter": "2026Q4", "imported": "only"}))
        assert only["summary"]["launched"] == 1
        client.force_login(org["mona"])
        page = client.get("/kpis/?quarter=2026Q4")
        assert page.status_code == 200 and 'name="imported"' in page.content.decode()
        assert api(org["mona"]).get("/api/kpis/?quarter=2026Q4&imported=nonsense").status_code == 400


def test_imported_flag_is_validated():
    with pytest.raises(ValidationError):
        KpiFilters.from_params({"quarter": "2026Q4", "imported": "maybe"})
