"""Shared users and factories.

alice: requester in Tokyo · bob: requester in Osaka · charlie: approver (CMO)
mona: MOps · sam: specialist · root: admin (superuser)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import CampaignRequest, CampaignType, Channel
from governance import roles
from governance.models import BusinessUnit, Membership
from governance.setup import ensure_roles

User = get_user_model()
PASSWORD = "pw-for-tests"

requires_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"unit{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class CampaignTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignType
        django_get_or_create = ("slug",)

    slug = "webinar"
    name = "ウェビナー"
    name_en = "Webinar"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    slug = "email"
    name = "メール"


def make_user(username: str, role: str | None, unit: BusinessUnit | None = None, **extra) -> User:
    ensure_roles()
    user = User.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if unit:
        Membership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def tokyo(db):
    return UnitFactory(slug="tokyo", name="東京本社")


@pytest.fixture
def osaka(db):
    return UnitFactory(slug="osaka", name="大阪支社")


@pytest.fixture
def webinar(db):
    return CampaignTypeFactory()


@pytest.fixture
def email_channel(db):
    return ChannelFactory()


@pytest.fixture
def alice(tokyo):
    return make_user("alice", roles.REQUESTER, tokyo, first_name="Alice")


@pytest.fixture
def bob(osaka):
    return make_user("bob", roles.REQUESTER, osaka, first_name="Bob")


@pytest.fixture
def charlie(tokyo):
    return make_user("charlie", roles.APPROVER, tokyo, first_name="Charlie")


@pytest.fixture
def mona(tokyo):
    return make_user("mona", roles.MOPS, tokyo, is_staff=True)


@pytest.fixture
def sam(tokyo):
    return make_user("sam", roles.SPECIALIST, tokyo)


@pytest.fixture
def root(tokyo):
    return make_user("root", None, tokyo, is_staff=True, is_superuser=True)


@pytest.fixture
def org(alice, bob, charlie, mona, sam, root, webinar, email_channel):
    """Everyone, for permission matrices."""
    return {"alice": alice, "bob": bob, "charlie": charlie, "mona": mona, "sam": sam, "root": root}


def request_fields(**overrides) -> dict:
    """Valid form values for a campaign request (launch a month ahead)."""
    today = timezone.localdate()
    fields = {
        "name": "ウェビナー: 生成AI活用",
        "objective": "製造業のIT部門から商談を創出する",
        "campaign_type": CampaignType.objects.get_or_create(slug="webinar", defaults={"name": "ウェビナー"})[0],
        "business_unit": BusinessUnit.objects.get_or_create(slug="tokyo", defaults={"name": "東京本社"})[0],
        "launch_date": today + dt.timedelta(days=30),
        "end_date": today + dt.timedelta(days=31),
        "budget": Decimal("1200000"),
        "needs_design": True,
        "needs_landing_page": True,
        "needs_email_program": True,
        "target_leads": 300,
        "target_mqls": 100,
        "target_sqls": 30,
        "expected_roi": Decimal("150"),
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_request():
    """Create a request as ``by`` and walk it through ``actions`` via the services."""

    def make(by, *, actions=(), actors=None, **overrides) -> CampaignRequest:
        req = campaign_services.request_create(by=by, **request_fields(**overrides))
        for action in actions:
            actor = (actors or {}).get(action, by)
            comment = "理由" if action in ("reject", "request_changes") else ""
            campaign_services.request_transition(request_id=req.pk, action=action, by=actor, comment=comment)
        req.refresh_from_db()
        return req

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing with the production hasher costs ~0.3 s per user; tests create many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_login_lockout(settings):
    # django-axes needs a request on every authenticate(); tests that exercise the lockout
    # turn it back on (tests/test_security.py).
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _jobs_run_inline(settings):
    # Code that reads Q_CLUSTER["sync"] per call (kpis.reviews) runs its jobs inline. django-q2's
    # own async_task reads its copy once at import: tests that need those jobs run use
    # ``jobs_inline``.
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}


@pytest.fixture(autouse=True)
def _default_language():
    # A page request through the test client leaves its language active in the thread; later
    # tests in the same process would read English.
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def jobs_inline(monkeypatch):
    """django-q2 jobs (notices, mails, webhooks) run inline, in the test's thread. django-q2
    reads Q_CLUSTER["sync"] once at import (``Conf.SYNC``), so a settings override cannot do it;
    the patch is undone after the test (assigning ``Conf.SYNC`` would leak into later tests)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def api_as(user):
    """An API client authenticated as ``user`` (anonymous when ``user`` is None)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # DRF throttles count in the default (LocMem) cache: each test starts from zero.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
