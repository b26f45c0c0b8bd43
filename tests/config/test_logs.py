"""Structured logs: one line per request and per job, 4xx without a traceback, JSON in production."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.test import Client
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from config.joblog import log_job


def lines(caplog, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


@pytest.mark.django_db
def test_one_line_per_request_with_user_status_and_duration(caplog, alice):
    client = Client()
    client.force_login(alice)
    with caplog.at_level(logging.INFO, logger="mops.request"):
        r = client.get("/requests/", HTTP_X_REQUEST_ID="abc-123")
    (line,) = lines(caplog, "mops.request")
    assert r["X-Request-ID"] == "abc-123"
    assert (line.request_id, line.user_id, line.path, line.status) == ("abc-123", alice.pk, "/requests/", 200)
    assert line.duration_ms >= 0 and line.method == "GET"


@pytest.mark.django_db
def test_a_404_is_one_line_without_traceback(caplog):
    with caplog.at_level(logging.INFO):
        r = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="not valid id!")
    assert r.status_code == 404
    (line,) = lines(caplog, "mops.request")
    assert line.status == 404 and line.user_id is None
    assert line.request_id != "not valid id!" and len(line.request_id) == 32  # made here instead
    assert all(rec.exc_info is None for rec in caplog.records)
    assert lines(caplog, "django.request") == []


def test_job_line_names_the_job_and_its_outcome(caplog):
    now = timezone.now()
    task = {
        "id": "f00",
        "name": "kpi-review-7",
        "func": "kpis.jobs.build_review",
        "success": False,
        "result": "boom",
        "started": now,
        "stopped": now + dt.timedelta(seconds=2),
    }
    with caplog.at_level(logging.INFO, logger="mops.job"):
        log_job(sender="django_q", task=task)
    (line,) = lines(caplog, "mops.job")
    assert (line.job_id, line.job_name, line.success, line.duration_ms, line.error) == (
        "f00",
        "kpi-review-7",
        False,
        2000.0,
        "boom",
    )
    assert line.levelno == logging.ERROR


def test_production_format_is_one_json_object_per_line():
    from django.conf import settings

    fmt = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(fmt["fmt"], rename_fields=fmt["rename_fields"])
    record = logging.LogRecord("mops.request", logging.INFO, __file__, 1, "request", None, None)
    record.status = 201
    out = formatter.format(record)
    assert "\n" not in out
    assert json.loads(out) | {"time": None} == {
        "time": None,
        "level": "INFO",
        "logger": "mops.request",
        "message": "request",
        "status": 201,
    }
