"""The browser every e2e test drives: the distribution's Chromium through Playwright.

Skipped, with the reason printed, only where Chromium cannot be found or installed (`make test`
tries to install the Debian package). Screenshots land under artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(live_server, monkeypatch):
    """A launched headless Chromium (each test opens its own contexts and pages)."""
    if CHROMIUM is None:
        msg = "e2e skipped: no Chromium at /usr/bin/chromium (install the Debian package 'chromium')"
        print(msg)
        pytest.skip(msg)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
