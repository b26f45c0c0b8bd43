"""Integrations fixtures: a real HTTP receiver on 127.0.0.1, webhooks, the task fixtures."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.models import Webhook
from tests.tasks.conftest import approved, generated, people, task_types, template, work_roles  # noqa: F401


class Receiver:
    """What the local server got; ``statuses`` are answered in order (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        self.url = ""


@pytest.fixture
def receiver():
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with rec.lock:
                rec.requests.append({"path": self.path, "headers": self.headers, "body": body})
                code = rec.statuses.pop(0) if rec.statuses else 200
            if rec.delay:
                time.sleep(rec.delay)
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"<h1>boom</h1>")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _q_sync(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


@pytest.fixture
def allow_local(settings):
    settings.MOPS_WEBHOOKS_ALLOW_LOCAL = True
    settings.MOPS_WEBHOOKS_TIMEOUT = 3


@pytest.fixture
def make_webhook(db):
    def make(url: str, **kw) -> Webhook:
        kw.setdefault("name", "test hook")
        kw.setdefault("events", ["request.submitted", "request.approved", "request.rejected", "task.assigned"])
        return Webhook.objects.create(url=url, **kw)

    return make
