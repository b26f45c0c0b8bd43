"""Two workers sweeping at once: every state change is claimed once, every notification mailed once."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from tasks.models import SlaNotification, SlaState, Task
from tasks.sla_sweep import send_due_notifications, sweep
from tests.conftest import requires_postgres

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 3, 11, tzinfo=TOKYO)  # Wednesday, working hours


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


def run_twice(fn) -> list:
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def work():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_notify_once(generated, sam, mona):
    req, tasks = generated
    base = Task.objects.get(pk=tasks["qa"].pk)
    last = Task.objects.order_by("-number").first().number
    Task.objects.bulk_create(
        [
            Task(
                number=last + i + 1,
                key=f"C-{last + i + 1}",
                campaign=req,
                task_type=base.task_type,
                title="race",
                assignee=sam,
                state="in_progress",
                sla_start_at=NOW - dt.timedelta(days=3),
                due_at=NOW - dt.timedelta(minutes=1 + i % 50),
                at_risk_at=NOW - dt.timedelta(hours=5),
            )
            for i in range(300)
        ]
    )
    mail.outbox.clear()
    results = run_twice(lambda: sweep(NOW))
    assert sum(r["breached"] for r in results) == 300  # each row claimed by exactly one worker
    assert Task.objects.filter(key__startswith="C-", sla_state=SlaState.BREACHED).count() == 300
    assert SlaNotification.objects.filter(task__key__startswith="C-", recipient=sam).count() == 300
    assert SlaNotification.objects.filter(task__key__startswith="C-", recipient=mona).count() == 300
    # the sweeps' own senders and two more racing senders: each row mailed once
    run_twice(lambda: send_due_notifications(NOW))
    race_mails = [m for m in mail.outbox if "C-" in m.subject]
    assert len(race_mails) == 600
    assert len({(m.subject, m.to[0]) for m in race_mails}) == 600
    assert not SlaNotification.objects.filter(sent_at__isnull=True).exists()
