"""Pages follow the browser's language until the user picks one; the pick then wins at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import NotificationPreference
from integrations.notify import preference_for


@pytest.mark.django_db
def test_browser_language_applies_until_the_user_chooses(client, org):
    alice = org["alice"]
    client.force_login(alice)
    assert preference_for(alice).language_chosen is False
    en = client.get(reverse("campaigns:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en
    ja = client.get(reverse("campaigns:mine"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="ja">' in ja
    # the switcher stores the choice, and it beats the browser from the next page on
    client.post(reverse("integrations:language"), {"language": "ja", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies.pop("django_language", None)  # the stored preference decides, not the cookie
    pref = NotificationPreference.objects.get(user=alice)
    assert pref.language == "ja" and pref.language_chosen is True
    html = client.get(reverse("campaigns:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in html


@pytest.mark.django_db
def test_saving_other_preferences_does_not_count_as_a_choice(org):
    from integrations import services

    alice = org["alice"]
    current = preference_for(alice).language
    services.preference_update(user=alice, language=current, time_zone="Asia/Tokyo")
    assert NotificationPreference.objects.get(user=alice).language_chosen is False
    services.preference_update(user=alice, language="en" if current == "ja" else "ja")
    assert NotificationPreference.objects.get(user=alice).language_chosen is True


def test_favicon_has_an_answer(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
