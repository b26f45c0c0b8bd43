"""`make run`: the development server and a django-q2 worker, quiet, and stopped cleanly by Ctrl-C.

Ctrl-C in a terminal sends SIGINT to every process of the foreground group. Left to itself,
django-q2's cluster and its workers each catch it and re-enter their handlers (a RecursionError
flood), and runserver's autoreloader child can outlive its parent. So the two servers run in
their own sessions (the terminal's Ctrl-C reaches only this supervisor), and the supervisor
forwards one SIGTERM to each, waits for them, and exits 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# How long the server and the worker get to finish after SIGTERM before SIGKILL.
STOP_GRACE_SECONDS = 15

LOGINS = (
    "marketer, marketer2, marketer3 (requesters), cmo (approver), osaka_head, apac_head (unit heads), "
    "mops (MOps), designer, webdev (specialists), admin"
)


def migrate_quietly() -> str:
    """Apply pending migrations; one line saying how many (or that there were none)."""
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    call_command("migrate", interactive=False, verbosity=0)
    if not pending:
        return "== database up to date"
    return f"== database: {pending} migration{'s' if pending != 1 else ''} applied"


class Command(BaseCommand):
    help = "Development: migrate, seed the demo, then runserver plus a django-q2 worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000") or 8000))
        parser.add_argument("--no-seed", action="store_true", help="Do not load the demo data into an empty db.")

    def handle(self, *args, port: int, no_seed: bool = False, **options):
        self.stdout.write(migrate_quietly())
        if not no_seed:
            call_command("seed_demo", if_empty=True, stdout=StringIO())
        call_command("setup_schedules", stdout=StringIO())
        url = f"http://127.0.0.1:{port}/"
        self.stdout.write(f"== open {url} · logins (password 'demo'): {LOGINS} · Ctrl-C stops")
        self.stdout.flush()
        sys.exit(self.supervise(port))

    def supervise(self, port: int) -> int:
        stopping: dict[str, int | None] = {"signal": None}

        def stop(signum, frame):
            stopping["signal"] = signum  # once: a second Ctrl-C while stopping changes nothing

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        manage = str(settings.BASE_DIR / "manage.py")
        commands = [
            [sys.executable, manage, "qcluster"],
            [sys.executable, manage, "runserver", f"127.0.0.1:{port}"],
        ]
        children = [subprocess.Popen(cmd, start_new_session=True) for cmd in commands]
        try:
            while stopping["signal"] is None and all(c.poll() is None for c in children):
                time.sleep(0.3)
        finally:
            self._stop(children)
        if stopping["signal"] is None:
            self.stderr.write("== a server process stopped on its own: the other was stopped too")
            return 1
        self.stdout.write("== stopped")
        return 0

    def _stop(self, children: list[subprocess.Popen]) -> None:
        qcluster, runserver = children
        if qcluster.poll() is None:
            # Only the cluster's main process: it stops its own workers. Signalling every worker
            # too is what made them re-enter their handlers.
            qcluster.send_signal(signal.SIGTERM)
        if runserver.poll() is None:
            # The whole group: the autoreloader runs the server in a child process.
            _signal_group(runserver, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
