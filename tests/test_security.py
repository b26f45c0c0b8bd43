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
