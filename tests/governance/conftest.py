"""Shared governance fixtures: an organisation with unit heads for routing and API tests."""

from __future__ import annotations

import pytest

from governance import roles
from tests.conftest import make_user


@pytest.fixture
def gov(org, osaka, tokyo):
    """charlie is the CMO; olivia heads Osaka; paul heads APAC; tokyo has no head."""
    from tests.conftest import UnitFactory

    apac = UnitFactory(slug="apac", name="APAC")
    olivia = make_user("olivia", roles.APPROVER, osaka)
    paul = make_user("paul", roles.APPROVER, apac)
    osaka.head = olivia
    osaka.save()
    apac.head = paul
    apac.save()
    carol = make_user("carol", roles.REQUESTER, apac)
    return {**org, "olivia": olivia, "paul": paul, "carol": carol, "osaka": osaka, "apac": apac, "tokyo": tokyo}
