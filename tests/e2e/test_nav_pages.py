"""Every nav page, for every demo role, at 1440 px and 390 px, in a real browser.

For each role the test follows the links its header shows and fails on an HTTP error, on a
page wider than the screen, or on a serious/critical axe-core finding (axe-core is vendored
under static/vendor/axe-core and injected by Playwright). axe runs on every page at 1440 px and
on the home page at 390 px (the phone header and menu are the same on every page): axe was
half of this test's time, and its rules do not change with the width except for that header.
With E2E_SCREENSHOTS=1 a screenshot of every page lands in
artifacts/nav/<role>-<width>-<page>.png (they cost a further fifth of the time, so `make test`
takes none). Skipped, with the reason printed, where Chromium is
missing (tests/e2e/test_journey.py explains how `make test` installs it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from .conftest import ARTIFACTS as E2E_ARTIFACTS

ARTIFACTS = E2E_ARTIFACTS.parent / "nav"
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
ROLES = {"marketer": "ja", "cmo": "en", "mops": "ja", "designer": "en", "admin": "ja", "osaka_head": "en"}
WIDTHS = (1440, 390)
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS") == "1"
# Pages whose look belongs to a third party: Swagger UI and the Django admin.
NOT_OURS = ("/api/", "/admin/")

pytestmark = [pytest.mark.e2e]


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"


def _axe_serious(page, base: str) -> list[str]:
    # From our own origin, so the page's Content-Security-Policy lets it run.
    page.add_script_tag(url=base + "/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"
    )
    return list(result)


@pytest.mark.django_db(transaction=True)
def test_every_nav_page_for_every_role(browser, live_server, settings):
    from integrations.models import NotificationPreference

    settings.AXES_ENABLED = False
    call_command("seed_demo", "--seed", "2")
    problems: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for username, language in ROLES.items():
        NotificationPreference.objects.filter(user__username=username).update(language=language, language_chosen=True)
        # One context (one login) per role; each width is the same session resized, which
        # halves the logins and browser contexts without dropping a page or a width.
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "demo")
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + "/")
            # the nav, plus the other role homes a user with several roles has (tabs on the home page)
            links = page.eval_on_selector_all(
                "#site-nav a, .home-tabs a", "els => els.map(e => e.getAttribute('href'))"
            )
            for path in ["/", *dict.fromkeys(links)]:
                response = page.goto(live_server.url + path)
                where = f"{username} {width}px {path}"
                if response is None or response.status >= 400:
                    problems.append(f"{where}: HTTP {response.status if response else 'none'}")
                    continue
                if SCREENSHOTS:
                    page.screenshot(path=str(ARTIFACTS / f"{username}-{width}-{_slug(path)}.png"), full_page=True)
                if path.startswith(NOT_OURS):
                    continue
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    problems.append(f"{where}: page is {wide}px wide")
                if width == WIDTHS[0] or path == "/":
                    problems.extend(f"{where}: axe {v}" for v in _axe_serious(page, live_server.url))
        context.close()
    assert AXE.exists()
    assert not problems, "\n".join(problems)
