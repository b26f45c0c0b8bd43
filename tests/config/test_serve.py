"""`manage.py serve` (make serve) refuses unsafe production settings and names each problem."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

GOOD_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def production(settings, monkeypatch):
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS = ["mops.example.co.jp"]
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    return settings


def refusal() -> str:
    with pytest.raises(CommandError) as exc:
        call_command("serve", "--check")
    return str(exc.value)


def test_fit_settings_pass_the_check(production, capsys, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "8165")
    call_command("serve", "--check")
    assert "3 web workers on 127.0.0.1:8165" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, named",
    [
        ({"DEBUG": True}, "DEBUG is on"),
        ({"SECRET_KEY": "dev-insecure-mops-desk-key-change-me-in-production-0123456789"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": []}, "ALLOWED_HOSTS is empty"),
        ({"ALLOWED_HOSTS": ["  "]}, "ALLOWED_HOSTS is empty"),
    ],
)
def test_each_unsafe_setting_is_named(production, change, named):
    for key, value in change.items():
        setattr(production, key, value)
    message = refusal()
    assert message.startswith("Refusing to start") and named in message


def test_secret_key_missing_from_the_environment(production, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    assert "SECRET_KEY is missing" in refusal()


def test_every_problem_at_once(production, monkeypatch):
    production.DEBUG = True
    production.ALLOWED_HOSTS = []
    monkeypatch.delenv("SECRET_KEY")
    message = refusal()
    assert "DEBUG" in message and "SECRET_KEY" in message and "ALLOWED_HOSTS" in message


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_bad_worker_count_is_refused_clearly(production, monkeypatch, value):
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    assert "WEB_CONCURRENCY" in refusal()
