"""A database made before the kpis app existed migrates forward without losing a row.

The review tables were created by knowledge/0003; kpis/0001-0002 adopt and rename them.
The test rewinds the schema to knowledge/0004 (the last state before the move), writes rows
with the historical knowledge models, migrates forward and reads them through kpis.models.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("knowledge", "0004_translated_labels"), ("kpis", None)]


def _migrate(targets):
    """Migrate to ``targets``; the app registry of that state (without unapplied apps)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_review_rows_survive_the_move_to_kpis():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django_q.models import Schedule

    old_apps = _migrate(BEFORE)
    try:
        OldReport = old_apps.get_model("knowledge", "ReviewReport")
        OldSnapshot = old_apps.get_model("knowledge", "ToolCostSnapshot")
        when = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
        report = OldReport.objects.create(
            quarter="2026Q2", status="done", progress=100, file="reviews/q2.pdf", scheduled=True, created_at=when
        )
        OldSnapshot.objects.create(quarter="2026Q2", category="ma", tools=2, annual_cost=1_800_000, taken_at=when)
        old_ct = ContentType.objects.get_or_create(app_label="knowledge", model="reviewreport")[0]
        perm = Permission.objects.get_or_create(
            content_type=old_ct, codename="view_reviewreport", defaults={"name": "Can view quarterly review"}
        )[0]
        Schedule.objects.create(
            name="knowledge-quarterly-review",
            func="knowledge.review_jobs.schedule_quarter_review",
            schedule_type=Schedule.DAILY,
        )
    finally:
        _migrate(_latest())

    from kpis.models import ReviewReport, ToolCostSnapshot

    moved = ReviewReport.objects.get(pk=report.pk)
    assert (moved.quarter, moved.status, moved.progress, moved.file.name, moved.scheduled) == (
        "2026Q2",
        "done",
        100,
        "reviews/q2.pdf",
        True,
    )
    assert moved.created_at == when
    snap = ToolCostSnapshot.objects.get()
    assert (snap.quarter, snap.category, snap.tools, snap.annual_cost) == ("2026Q2", "ma", 2, 1_800_000)
    assert ReviewReport._meta.db_table == "kpis_reviewreport"
    # The permission granted on the old content type now names the kpis model.
    perm.refresh_from_db()
    assert perm.content_type.app_label == "kpis"
    schedule = Schedule.objects.get(func="kpis.jobs.schedule_quarter_review")
    assert schedule.name == "kpis-quarterly-review"
    # New rows get fresh ids after the adopted ones.
    again = ReviewReport.objects.create(quarter="2026Q3")
    assert again.pk > report.pk
