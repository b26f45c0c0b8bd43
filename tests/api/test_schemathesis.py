"""Property-based API check: schemathesis generates requests from /api/schema/.

Bounded (a few examples per operation). It asserts what the issue asks: no server error,
and every documented response body matches the schema.

Schemathesis 4's coverage phase sends hundreds of boundary cases per operation (600 for one
transition) and costs about half of `make test`; the examples and fuzzing phases (valid and
invalid data) run always, the coverage phase only with SCHEMATHESIS_COVERAGE=1 (`make test-api`).
The property check runs on SQLite only: it checks the API's contract, which the database does
not change; the PostgreSQL run covers the same endpoints through the permission and API tests.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

COVERAGE_PHASE = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"
config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE_PHASE}}})
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the API contract is checked once, on SQLite (see the module docstring)"
)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calling the WSGI app directly fires request_finished, which closes the database
    connection (CONN_MAX_AGE=0) and, on PostgreSQL, the test's transaction with it. Django's
    test client detaches these handlers the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(org, make_request, settings_fast=None):
    """An Admin with a token, and a few requests in different states to act on."""
    make_request(org["alice"], name="draft")
    make_request(org["alice"], name="submitted", actions=["submit"])
    return Token.objects.create(user=org["root"]).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_has_no_server_errors_and_keeps_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error, response_schema_conformance]
    )
