"""Production hardening: deploy checks, Argon2, login lockout, CSP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x8Jq2-prod-" + "k" * 20 + "Zr7!vL0pW3mN9bT5yH1cF6dS4aG2eQ",
        "ALLOWED_HOSTS": "mops.example.co.jp",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test-only switch (the e2e browser test)
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = get_user_model().objects.create_user("hana", password="a-long-passphrase")
    assert user.password.startswith("argon2$")


def test_login_is_locked_after_five_failures(client, db, settings):
    settings.AXES_ENABLED = True
    get_user_model().objects.create_user("hana", password="right-password-123")
    statuses = [client.post(reverse("login"), {"username": "hana", "password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    r = client.post(reverse("login"), {"username": "hana", "password": "right-password-123"})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


def test_token_endpoint_is_locked_too(client, db, settings):
    settings.AXES_ENABLED = True
    get_user_model().objects.create_user("hana", password="right-password-123")
    for _ in range(5):
        client.post("/api/token/", {"username": "hana", "password": "wrong"})
    r = client.post("/api/token/", {"username": "hana", "password": "right-password-123"})
    # locked: the right password no longer yields a token
    assert r.status_code in (400, 403, 429) and "token" not in r.json()


def test_pages_send_a_content_security_policy(client, db):
    r = client.get(reverse("login"))
    policy = r["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert r["X-Content-Type-Options"] == "nosniff"


def test_token_endpoint_answers_429_when_sprayed_across_usernames(client, db):
    """One address guessing many usernames: the per-address rate applies (20/min by default)."""
    statuses = [
        client.post("/api/token/", {"username": f"user{i}", "password": "Winter2026!"}).status_code for i in range(25)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20:] == [429] * 5
    r = client.post("/api/token/", {"username": "user99", "password": "x"})
    assert r.status_code == 429 and "Retry-After" in r


def test_token_endpoint_answers_429_when_one_username_is_sprayed_from_many_addresses(client, db):
    get_user_model().objects.create_user("hana", password="right-password-123")
    statuses = [
        client.post(
            "/api/token/",
            {"username": "Hana" if i % 2 else "hana", "password": f"guess{i}"},
            REMOTE_ADDR=f"127.0.0.{i + 2}",
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    # Another user is not affected by hana's counter.
    get_user_model().objects.create_user("ken", password="right-password-456")
    r = client.post("/api/token/", {"username": "ken", "password": "right-password-456"}, REMOTE_ADDR="127.0.0.200")
    assert r.status_code == 200 and r.json()["token"]


def test_forged_forwarded_for_does_not_reset_the_address_counter(client, db, settings):
    for i in range(20):
        client.post("/api/token/", {"username": f"u{i}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    r = client.post("/api/token/", {"username": "u99", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.250")
    assert r.status_code == 429


def _check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "mops.example.co.jp",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **overrides,
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if "SECRET_KEY" not in overrides:
        env.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_on_the_built_in_development_key():
    out = _check_deploy()  # no SECRET_KEY in the environment: the built-in key
    assert out.returncode != 0
    assert "mops.E001" in out.stderr + out.stdout


def test_deploy_check_reports_the_development_key_in_fallbacks_too(settings):
    from config.checks import DEV_SECRET_KEY, check_secret_key_is_not_the_development_key

    settings.SECRET_KEY = "x8Jq2-prod-" + "k" * 40
    assert check_secret_key_is_not_the_development_key() == []
    settings.SECRET_KEY_FALLBACKS = [DEV_SECRET_KEY]
    assert [e.id for e in check_secret_key_is_not_the_development_key()] == ["mops.E001"]
