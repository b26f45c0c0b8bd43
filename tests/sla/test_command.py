"""manage.py sla_deadline: the command-line contract."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sla.models import Closure, default_calendar

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("sla_deadline", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--start", "2026-04-30T10:00", "--business-days", "3"], "2026-05-08T18:00:00+09:00"),
        (["--start", "2026-04-30T10:00+09:00", "--business-days", "3"], "2026-05-08T18:00:00+09:00"),
        (["--start", "2026-04-30T01:00Z", "--business-days", "3"], "2026-05-08T18:00:00+09:00"),
        (["--start", "2026-06-12T19:00", "--business-days", "1"], "2026-06-16T18:00:00+09:00"),
        (["--start", "2026-06-08T10:00", "--business-hours", "8"], "2026-06-08T18:00:00+09:00"),
        (
            [
                "--start",
                "2026-06-08T11:00",
                "--business-hours",
                "2",
                "--hours",
                "09:00-12:00",
                "--hours",
                "13:00-18:00",
            ],
            "2026-06-08T14:00:00+09:00",
        ),
        (["--start", "2026-05-06T10:00", "--business-days", "0", "--no-country"], "2026-05-06T18:00:00+09:00"),
        (
            [
                "--start",
                "2026-06-09T10:00",
                "--business-days",
                "1",
                "--holiday",
                "2026-06-10",
                "--holiday",
                "2026-06-11",
            ],
            "2026-06-12T18:00:00+09:00",
        ),
        (
            ["--start", "2026-06-13T10:00", "--business-days", "1", "--workdays", "mon,tue,wed,thu,fri,sat"],
            "2026-06-15T18:00:00+09:00",
        ),
        (
            ["--start", "2026-04-30T10:00", "--business-days", "3", "--pause", "2026-05-01T09:00/2026-05-01T12:00"],
            "2026-05-11T12:00:00+09:00",
        ),
        (
            ["--start", "2026-03-27T10:00", "--business-days", "1", "--timezone", "Europe/Berlin", "--country", "DE"],
            "2026-03-30T18:00:00+02:00",
        ),
    ],
)
def test_deadline_output(args, expected) -> None:
    assert run(*args) == expected + "\n"


@pytest.mark.django_db
def test_stored_calendar() -> None:
    cal = default_calendar()
    Closure.objects.create(calendar=cal, date="2026-06-10", name="棚卸")
    assert run("--start", "2026-06-09T10:00", "--business-days", "1", "--calendar", "jp-standard") == (
        "2026-06-11T18:00:00+09:00\n"
    )
    with pytest.raises(CommandError, match="unknown calendar"):
        run("--start", "2026-06-09T10:00", "--business-days", "1", "--calendar", "nope")
    with pytest.raises(CommandError, match="cannot be combined"):
        run("--start", "2026-06-09T10:00", "--business-days", "1", "--calendar", "jp-standard", "--timezone", "UTC")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--start", "2026-04-30T10:00", "--business-days", "1", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (
            ["--start", "2026-04-30T10:00", "--business-days", "1", "--pause", "2026-05-01T12:00/2026-05-01T09:00"],
            "end before start",
        ),
        (
            ["--start", "2026-04-30T10:00", "--business-days", "1", "--hours", "09:00-12:00", "--hours", "11:00-18:00"],
            "overlapping",
        ),
        (["--start", "2026-04-30T10:00", "--business-days", "-1"], "negative"),
        (["--start", "2026-04-30T10:00", "--business-hours", "-2"], "negative"),
        (["--start", "2026-04-30T10:00", "--business-days", "1", "--business-hours", "2"], "exactly one"),
        (["--start", "2026-04-30T10:00"], "exactly one"),
        (["--start", "yesterday", "--business-days", "1"], "ISO 8601"),
        (["--business-days", "1"], "--start"),
        (["--start", "2026-04-30T10:00", "--business-days", "1", "--bogus"], "unrecognized"),
    ],
)
def test_invalid_input_exits_non_zero_with_one_line_on_stderr(args, fragment) -> None:
    proc = subprocess.run(
        [sys.executable, "manage.py", "sla_deadline", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0]


def test_invalid_input_via_call_command_raises_command_error() -> None:
    with pytest.raises(CommandError, match="exactly one"):
        run("--start", "2026-04-30T10:00")
    with pytest.raises(CommandError):
        run("--business-days", "1")  # argparse error, raised instead of exiting
