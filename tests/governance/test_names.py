"""One display-name rule for every place a person is shown (governance.names)."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from governance.names import person_name


def _user(first: str, last: str, username: str = "hanako") -> SimpleNamespace:
    return SimpleNamespace(first_name=first, last_name=last, username=username)


@pytest.mark.parametrize(
    ("first", "last", "language", "expected"),
    [
        ("花子", "佐藤", "ja", "佐藤花子"),  # Japanese: family first, no space
        ("花子", "佐藤", "en", "佐藤 花子"),  # Japanese script keeps its order in English
        ("Anna", "Smith", "en", "Anna Smith"),  # English: given name first
        ("Anna", "Smith", "ja", "Smith Anna"),  # Japanese pages: family first
        ("", "", "ja", "hanako"),  # no name: the username
        ("Anna", "", "en", "Anna"),
    ],
)
def test_person_name_orders_by_language(first, last, language, expected):
    assert person_name(_user(first, last), language) == expected


def test_person_name_follows_the_active_language_and_the_filter_agrees():
    user = _user("Anna", "Smith")
    template = Template("{% load people %}{{ u|person_name }}|{{ u|person }}")
    with translation.override("en"):
        assert person_name(user) == "Anna Smith"
        assert template.render(Context({"u": user})) == "Anna Smith|Anna Smith"
    with translation.override("ja"):
        assert template.render(Context({"u": user})) == "Smith Anna|Smith Anna"
    assert person_name(None) == ""
