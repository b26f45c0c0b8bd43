"""The header shows each role only the pages it may open, and every link it shows opens (200).

Error pages (403, 404) are styled in the layout, speak the user's language and offer a way
back; a 403 is logged at INFO without a traceback."""

from __future__ import annotations

import logging
import re

import pytest
from django.urls import reverse

NAV = {
    "my_requests": "campaigns:mine",
    "inbox": "campaigns:inbox",
    "requests": "campaigns:list",
    "my_tasks": "tasks:mine",
    "board": "tasks:board",
    "workload": "tasks:workload",
    "kpis": "kpis:dashboard",
    "new_request": "campaigns:new",
    "governance": "governance:settings",
    "webhooks": "integrations:webhooks",
}

# role -> the nav links it sees (the others must not be in its header)
SEES = {
    "alice": {"my_requests", "requests", "new_request"},
    "charlie": {"inbox", "requests", "kpis"},
    "mona": {"requests", "my_tasks", "board", "workload", "kpis"},
    "sam": {"requests", "my_tasks", "board"},
    "root": set(NAV) - {"inbox"},  # an Admin is not an approver unless given the role
}


def _nav_hrefs(html: str) -> set[str]:
    nav = re.search(r'<nav id="site-nav".*?</nav>', html, re.S).group(0)
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(SEES))
def test_nav_shows_exactly_what_the_role_may_open(client, org, who):
    client.force_login(org[who])
    hrefs = _nav_hrefs(client.get(reverse("campaigns:list")).content.decode())
    for key, name in NAV.items():
        url = reverse(name)
        assert (url in hrefs) == (key in SEES[who]), (who, key)
    for href in sorted(hrefs):
        if href.startswith("/api/"):
            continue
        assert client.get(href).status_code == 200, (who, href)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "sam", "charlie"])
def test_hidden_links_are_forbidden_with_a_styled_page(client, org, who):
    client.force_login(org[who])
    response = client.get(reverse("tasks:workload"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="site-nav"' in html  # in the layout, with the nav
    assert "You cannot open this page" in html
    assert "Only MOps see the team" in html  # the reason
    assert f'href="{reverse("home")}"' in html  # the way back


@pytest.mark.django_db
def test_error_pages_follow_the_users_language(client, org, settings):
    settings.DEBUG = False
    client.force_login(org["alice"])
    ja = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ja")
    assert ja.status_code == 404
    assert "ページが見つかりません" in ja.content.decode()
    assert "Page not found" not in ja.content.decode()
    forbidden = client.get(reverse("campaigns:new"), HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 200  # alice is a requester
    client.force_login(org["sam"])
    ja403 = client.get(reverse("campaigns:new"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "このページは開けません" in ja403
    assert "キャンペーン依頼を作成できるのは依頼者だけです" in ja403


@pytest.mark.django_db
def test_403_is_logged_at_info_without_traceback(client, org, caplog):
    client.force_login(org["alice"])
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get(reverse("tasks:workload")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in records)


@pytest.mark.django_db
def test_language_switcher_takes_effect_and_is_stored(client, org):
    from integrations.notify import preference_for

    alice = org["alice"]
    client.force_login(alice)
    response = client.post(
        reverse("integrations:language"),
        {"language": "en", "next": reverse("campaigns:mine")},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:mine")
    assert preference_for(alice).language == "en"
    html = client.get(reverse("campaigns:mine"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="en">' in html
    assert "My requests" in html


def test_header_has_skip_link_and_menu_button(client, db, org):
    client.force_login(org["alice"])
    html = client.get(reverse("campaigns:mine")).content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert 'aria-controls="site-nav"' in html
    assert 'id="main"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, home",
    [("alice", "requester"), ("charlie", "approver"), ("mona", "mops"), ("sam", "specialist"), ("root", "mops")],
)
def test_brand_link_lands_each_role_on_its_home(client, org, who, home):
    client.force_login(org[who])
    response = client.get(reverse("home"))
    assert response.status_code == 200 and response.context["role"] == home
