"""The Redis path: a real django-q2 cluster with two worker processes runs the jobs, each exactly once.

Runs on PostgreSQL when Redis answers (REDIS_URL, else redis://127.0.0.1:6379/1); skipped
otherwise. Each test gets its own queue (cluster name per pytest-xdist worker and process),
so parallel test processes never take each other's jobs.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from campaigns import services as campaign_services
from integrations.delivery import EVENT_HEADER
from integrations.events import Event
from integrations.models import DeliveryStatus, WebhookDelivery
from kpis import reviews
from kpis.models import ReviewReport
from tasks.models import SlaNotification, Task
from tests.conftest import request_fields
from tests.integrations.conftest import receiver  # noqa: F401
from tests.tasks.conftest import people, task_types, template, work_roles  # noqa: F401

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
WAIT = 90  # seconds a job may take on a busy 2-core machine before the test gives up


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="workers need a database they can share"),
    pytest.mark.skipif(not redis_answers(), reason=f"Redis not answering at {REDIS_URL}"),
    pytest.mark.django_db(transaction=True),
]


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"gave up waiting for {what}")


class Cluster:
    def __init__(self, name: str, process: subprocess.Popen, log: Path, mail_dir: Path) -> None:
        self.name, self.process, self.log, self.mail_dir = name, process, log, mail_dir

    def descendants(self) -> set[int]:
        """Every process under the qcluster command (sentinel, then workers, monitor, pusher)."""
        out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
        children: dict[int, list[int]] = {}
        for line in out.splitlines():
            pid, ppid = (int(x) for x in line.split())
            children.setdefault(ppid, []).append(pid)
        found, todo = set(), [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.add(child)
                todo.append(child)
        return found


@pytest.fixture
def cluster(monkeypatch, tmp_path, settings):
    """A `manage.py qcluster` with two workers on the test database and a Redis queue of its own."""
    import redis
    from django_q.conf import Conf

    name = f"h16-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    # This process enqueues to the same Redis queue (django-q2 read its settings at import).
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False, "redis": REDIS_URL}
    settings.MEDIA_ROOT = tmp_path / "media"
    conn = redis.from_url(REDIS_URL)
    conn.delete(name)
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "Q_QUEUE": name,
        "Q_WORKERS": "2",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MOPS_WEBHOOKS_ALLOW_LOCAL": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "INFO",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    log = tmp_path / "qcluster.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    running = Cluster(name, process, log, mail_dir)
    # sentinel + 2 workers + monitor + pusher
    wait_for(lambda: len(running.descendants()) >= 5 or process.poll() is not None, "the cluster's processes")
    assert process.poll() is None, log.read_text()
    yield running
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    conn.delete(name)


def test_journey_runs_through_redis_once_each(cluster, receiver, template, people, org):  # noqa: F811
    from integrations.models import Webhook

    alice, charlie, mona, sam = org["alice"], org["charlie"], org["mona"], org["sam"]
    Webhook.objects.create(
        name="hook", url=receiver.url, events=[Event.REQUEST_SUBMITTED.value, Event.REQUEST_APPROVED.value]
    )
    req = campaign_services.request_create(by=alice, **request_fields(name="Redis journey"))
    campaign_services.request_submit(request_id=req.pk, by=alice)
    campaign_services.request_transition(request_id=req.pk, action="approve", by=charlie)

    # Tickets: generated once on approval.
    tasks = Task.objects.filter(campaign=req)
    assert tasks.count() == 5
    # Webhooks: the event jobs and the delivery jobs ran on the workers, one POST per event.
    wait_for(lambda: len(receiver.requests) >= 2, "two webhook deliveries")
    wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2, "deliveries recorded"
    )

    # SLA sweep: two sweeps at once on the two workers; each change notified once.
    # Every clock running (successors' clocks otherwise wait for their predecessors and are not swept).
    tasks.update(
        assignee=sam,
        sla_start_at=timezone.now() - dt.timedelta(hours=2),
        at_risk_at=timezone.now() - dt.timedelta(hours=1),
    )
    from django_q.tasks import async_task

    for i in range(2):
        async_task("tasks.jobs.sweep_sla", task_name=f"sweep-{i}")
    wait_for(lambda: tasks.filter(sla_state="at_risk").count() == 5, "the sweep")
    wait_for(lambda: SlaNotification.objects.count() >= 5, "the notices")

    # The review PDF job.
    report = reviews.review_request(quarter=str(reviews.Quarter.of(timezone.localdate())), by=mona)
    wait_for(lambda: ReviewReport.objects.filter(pk=report.pk, status="done").exists(), "the review PDF")

    from django_q.models import Success

    wait_for(lambda: Success.objects.filter(func="kpis.jobs.build_review").exists(), "the job result")
    time.sleep(2)  # let a duplicate, if there were one, arrive before counting
    assert len(receiver.requests) == 2
    assert sorted(r["headers"][EVENT_HEADER] for r in receiver.requests) == [
        "request.approved",
        "request.submitted",
    ]
    notices = Counter(SlaNotification.objects.values_list("task_id", "recipient_id", "kind"))
    assert set(notices.values()) == {1} and {t for t, _, _ in notices} == set(tasks.values_list("pk", flat=True))
    report.refresh_from_db()
    assert (report.attempts, report.progress) == (1, 100)
    assert report.file.read().startswith(b"%PDF")
    assert Success.objects.filter(func="kpis.jobs.build_review").count() == 1
    assert Success.objects.filter(func="tasks.jobs.sweep_sla").count() == 2


def test_a_killed_worker_loses_no_review(cluster, org, tmp_path, django_capture_on_commit_callbacks):
    from django_q.tasks import async_task

    mona = org["mona"]
    report = ReviewReport.objects.create(quarter=str(reviews.Quarter.of(timezone.localdate())), requested_by=mona)
    pid_file = tmp_path / "holder.pid"
    async_task("tests.config.redis_helpers.hold_review", report.pk, str(pid_file), task_name="hold")
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), "a worker to take the job"))
    assert pid in cluster.descendants()
    os.kill(pid, signal.SIGKILL)  # the worker dies mid-job: the report is left "running"
    wait_for(lambda: pid not in cluster.descendants() and len(cluster.descendants()) >= 5, "a new worker")
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("running", 1)

    # The reclaim job (every 5 minutes in production) finds it past its time and queues it again.
    later = timezone.now() + dt.timedelta(seconds=settings.MOPS_REVIEW_STALE_AFTER + 60)
    assert reviews.review_reclaim_stale(now=later) == {"requeued": 1, "failed": 0}
    wait_for(lambda: ReviewReport.objects.filter(pk=report.pk, status="done").exists(), "the rebuilt review")
    report.refresh_from_db()
    assert (report.attempts, report.progress, report.error) == (2, 100, "")
    assert report.file.read().startswith(b"%PDF")
