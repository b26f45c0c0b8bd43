"""`make run`'s supervisor: one migration line, and a stop signal ends both servers with status 0."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from config.management.commands import run_dev


@pytest.mark.django_db
def test_migrations_are_summarised_in_one_line():
    assert run_dev.migrate_quietly() == "== database up to date"


def test_sigterm_stops_both_children_once_and_exits_zero(monkeypatch):
    # Two stand-ins that ignore SIGINT (as the terminal's Ctrl-C must not reach them) and exit on SIGTERM.
    sleeper = [sys.executable, "-c", "import signal,time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"]
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(cmd, **kwargs):
        assert kwargs.get("start_new_session") is True  # out of the terminal's process group
        child = real_popen(sleeper, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(run_dev.subprocess, "Popen", popen)
    monkeypatch.setattr(run_dev.time, "sleep", lambda s: signal.raise_signal(signal.SIGINT))
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        status = run_dev.Command().supervise(8999)
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
    assert status == 0
    assert [c.returncode for c in started] == [-signal.SIGTERM, -signal.SIGTERM]
