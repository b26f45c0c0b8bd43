"""The production runtime: migrate, collect static files, then gunicorn + a django-q2 cluster.

`make serve` runs this. It refuses to start with DEBUG on, a missing or development SECRET_KEY
or an empty ALLOWED_HOSTS, naming each problem. Ctrl-C or SIGTERM stops every process it
started (SIGTERM first, so gunicorn and django-q2 finish their current requests and jobs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# How long the children get to finish current requests and jobs after SIGTERM before SIGKILL.
STOP_GRACE_SECONDS = 25


def production_problems() -> list[str]:
    """What makes these settings unfit to serve real users (empty when all is well)."""
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on (set DEBUG=0)")
    key = settings.SECRET_KEY or ""
    if not os.environ.get("SECRET_KEY") or key.startswith(("dev-insecure", "django-insecure")) or len(key) < 50:
        problems.append("SECRET_KEY is missing, the development default or shorter than 50 characters")
    if not [h for h in settings.ALLOWED_HOSTS if h.strip()]:
        problems.append("ALLOWED_HOSTS is empty")
    return problems


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError as exc:
        raise CommandError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < 1:
        raise CommandError(f"{name} must be at least 1")
    return value


class Command(BaseCommand):
    help = "Serve in production: gunicorn (WEB_CONCURRENCY, PORT) plus django-q2 (QCLUSTER_WORKERS)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only check the settings, start nothing.")

    def handle(self, *args, check: bool = False, **options):
        problems = production_problems()
        if problems:
            raise CommandError("Refusing to start: " + "; ".join(problems) + ".")
        host = os.environ.get("HOST", "127.0.0.1")
        port = _env_int("PORT", 8000)
        web = _env_int("WEB_CONCURRENCY", 2)
        queue_workers = _env_int("QCLUSTER_WORKERS", 2)
        if check:
            self.stdout.write(
                f"Settings fit for production: {web} web workers on {host}:{port}, {queue_workers} job workers."
            )
            return
        call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("setup_schedules")

        env = {**os.environ, "Q_WORKERS": str(queue_workers)}
        manage = str(settings.BASE_DIR / "manage.py")
        gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        gunicorn += ["--workers", str(web), "--bind", f"{host}:{port}", "--graceful-timeout", "20"]
        # A worker silent this long is restarted. Gunicorn's 30 s default would cut the quarter's
        # Excel export of a 100k-campaign organisation (about 25 s), so it is 120 s by default.
        gunicorn += ["--timeout", str(_env_int("GUNICORN_TIMEOUT", 120))]
        # One access line per request comes from RequestLogMiddleware (JSON); gunicorn's own is off
        # unless GUNICORN_ACCESS_LOG asks for it.
        if os.environ.get("GUNICORN_ACCESS_LOG"):
            gunicorn += ["--access-logfile", "-"]
        stopping = {"signal": None}

        def stop(signum, frame):
            stopping["signal"] = signum

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        children: list[subprocess.Popen] = []
        try:
            children.append(subprocess.Popen([sys.executable, manage, "qcluster"], env=env))
            children.append(subprocess.Popen(gunicorn, env=env))
            self.stdout.write(f"Serving http://{host}:{port}/ ({web} web workers, {queue_workers} job workers)")
            self._first_heartbeat()
            while stopping["signal"] is None and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            self._stop(children)
        dead = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if stopping["signal"] is None or dead:
            raise CommandError("A server process stopped on its own: everything was stopped.")

    def _first_heartbeat(self) -> None:
        # /health/ turns green as soon as a worker ran one job, not after the first scheduled minute.
        from django_q.tasks import async_task

        try:
            async_task("config.jobs.heartbeat", task_name="heartbeat-at-start", sync=False)
        except Exception as exc:  # the broker may still be starting: the scheduled heartbeat follows
            self.stderr.write(f"First heartbeat not queued ({type(exc).__name__}); /health/ waits for the schedule.")

    def _stop(self, children: list[subprocess.Popen]) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
