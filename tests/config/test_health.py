"""GET /health/: 200 when database, migrations, broker and workers are fine; 503 naming what is not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from config import health
from config.jobs import heartbeat
from config.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def get() -> tuple[int, dict]:
    r = Client().get("/health/")
    assert r["Content-Type"] == "application/json"
    return r.status_code, r.json()


def test_all_fine_after_a_heartbeat_without_login():
    heartbeat()
    status, body = get()
    assert status == 200
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "migrations", "broker", "workers"}
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert 0 <= body["checks"]["workers"]["last_heartbeat_age_s"] < body["checks"]["workers"]["max_age_s"]


def test_no_secrets_in_the_answer():
    heartbeat()
    text = Client().get("/health/").content.decode()
    assert settings.SECRET_KEY not in text
    assert "postgres://" not in text and "redis://" not in text and "password" not in text.lower()


def test_no_heartbeat_yet_means_workers_failing():
    status, body = get()
    assert status == 503
    assert body["failing"] == ["workers"]
    assert body["checks"]["workers"]["last_heartbeat_age_s"] is None


def test_stale_heartbeat_reports_its_age():
    heartbeat()
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=10))
    status, body = get()
    assert status == 503 and body["failing"] == ["workers"]
    assert body["checks"]["workers"]["last_heartbeat_age_s"] >= 600


def test_broker_down_is_named(monkeypatch):
    heartbeat()

    class DeadBroker:
        def ping(self):
            raise ConnectionError("Error 111 connecting to 10.0.0.1:6379")

    monkeypatch.setattr("django_q.brokers.get_broker", lambda *a, **k: DeadBroker())
    status, body = get()
    assert status == 503 and body["failing"] == ["broker"]
    assert body["checks"]["broker"] == {"ok": False, "reason": "ConnectionError"}  # no address leaks


def test_database_down_fails_what_depends_on_it(monkeypatch):
    def down():
        raise health.DatabaseError("could not connect to server")

    monkeypatch.setattr(health, "_database", down)
    status, body = get()
    assert status == 503
    assert body["failing"] == ["database", "migrations", "workers"]


def test_pending_migrations_are_counted(monkeypatch):
    heartbeat()
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", lambda self, targets: [("x", False)]
    )
    status, body = get()
    assert status == 503 and body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["pending"] == 1


def test_only_get():
    assert Client().post("/health/").status_code == 405


def test_heartbeat_is_one_row_per_cluster():
    heartbeat()
    heartbeat()
    assert WorkerHeartbeat.objects.count() == 1
