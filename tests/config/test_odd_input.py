"""Odd input never gives a server error: every URL pattern, every query parameter, every role.

The URLs come from the resolver and the parameter names from the code (every
``request.GET.get("…")`` / ``query_params.get("…")``, every FilterSet and GET form), so a new
page or filter is covered without editing this file.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver

from governance import roles
from tests.conftest import make_user
from tests.kpis.conftest import NOW, quarter_data  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
APPS = ["campaigns", "tasks", "knowledge", "kpis", "integrations", "governance", "config", "sla"]

HUGE = "99999999999999999999999"
# One value per class of odd input. Every role gets the first two on every URL and path; the
# Admin (who reaches every code path) gets all of them; MOps posts them as form fields.
ODD_VALUES = [
    HUGE,  # beyond any database integer
    "²",  # "²".isdigit() is True, int("²") raises
    "-1",
    "１２",  # full-width digits: int() accepts them
    "",
    "0001-01-01",  # a date the date maths cannot step back from
    "9999-12-31",
    "0000Q1",
    "9999Q4",  # a quarter whose next quarter is year 10000
    "1e309",  # infinity as a decimal
    "a\x00b",
    "x" * 3000,
]
EVERY_ROLE_VALUES = ODD_VALUES[:2]
POSTED_VALUES = [HUGE, "²", "-1", "0001-01-01", "9999Q4", "1e309"]
ODD_PATH_VALUES = [HUGE, "²", "0", "x%00"]
# health/ answers 503 by design while no worker has sent a heartbeat (tests/config/test_health.py covers it).
SKIP_PREFIXES = ("admin/", "api/schema/", "api/docs/", "logout/", "i18n/", "health/")


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _fill(route: str, value_for) -> str | None:
    """A concrete path for a Django route or a DRF regex, each parameter from ``value_for``."""
    if "format" in route:  # DRF's .json/.api suffix duplicates: the plain route is enough
        return None
    route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")

    def sub(m):
        converter, name, rx_name = m.group(1), m.group(2), m.group(3)
        return value_for(converter or "str", name or rx_name)

    return "/" + _PARAM.sub(sub, route)


def _routes() -> list[tuple[str, URLPattern]]:
    out = []
    for route, pattern in _walk(get_resolver()):
        if route.startswith(SKIP_PREFIXES) or "drf_format_suffix" in route:
            continue
        out.append((route, pattern))
    return out


def _param_names() -> list[str]:
    """Query parameter names the code reads: literal lookups, FilterSets and forms."""
    import django_filters
    from django import forms

    names: set[str] = {"page", "page_size", "q", "ordering", "search"}
    lookup = re.compile(r"""(?:GET|query_params|POST|data)\.get(?:list)?\(\s*["'](\w+)["']""")
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            names.update(lookup.findall(path.read_text()))
    for app in APPS:
        for modname in ("forms", "api", "views"):
            try:
                module = __import__(f"{app}.{modname}", fromlist=["x"])
            except ImportError:
                continue
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, django_filters.FilterSet) and obj is not django_filters.FilterSet:
                    names.update(obj.base_filters)
                elif issubclass(obj, forms.Form) and obj.__module__ == module.__name__:
                    names.update(obj.base_fields)
    names.discard("format")  # DRF's renderer switch: ?format=x is a 404 before any view code runs
    return sorted(names)


def _ids(name: str) -> str:
    return "1"


@pytest.fixture
def everyone(org, osaka, quarter_data):  # noqa: F811
    head = make_user("osaka_head", roles.APPROVER, osaka)
    osaka.head = head
    osaka.save()
    return {**org, "osaka_head": head, "anonymous": None}


ROLES = ["anonymous", "alice", "bob", "charlie", "mona", "sam", "root", "osaka_head"]


def _probe(client, user, values, methods, path_values) -> list:
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False
    names = _param_names()
    failures = []
    with time_machine.travel(NOW, tick=False):
        for route, _pattern in _routes():
            plain = _fill(route, lambda conv, name: "1")
            if plain is None:
                continue
            for value in values:
                params = dict.fromkeys(names, value)
                for method in methods:
                    r = getattr(client, method)(plain, params)
                    if r.status_code >= 500:
                        failures.append((method, plain, repr(value)[:40], r.status_code))
            if "<" in route:
                for value in path_values:
                    url = _fill(route, lambda conv, name, v=value: v)
                    r = client.get(url)
                    if r.status_code >= 500:
                        failures.append(("get", url, "path", r.status_code))
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_odd_ids_in_paths_and_query_parameters_never_give_a_5xx_for_any_role(client, everyone, role):
    """GET every URL with every parameter the code reads set to a huge and a unicode-digit id."""
    assert _probe(client, everyone[role], EVERY_ROLE_VALUES, ["get"], ODD_PATH_VALUES[:2]) == []


@pytest.mark.django_db
def test_every_class_of_odd_value_never_gives_a_5xx(client, everyone):
    """The Admin sees every page and every branch: all odd values, all odd path segments."""
    assert _probe(client, everyone["root"], ODD_VALUES[2:], ["get"], ODD_PATH_VALUES[2:]) == []


@pytest.mark.django_db
def test_odd_values_posted_to_every_url_never_give_a_5xx(client, everyone):
    """The same odd values as form fields, POSTed by MOps (who may write almost everywhere)."""
    assert _probe(client, everyone["mona"], POSTED_VALUES, ["post"], []) == []


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.django_db
def test_odd_json_bodies_never_give_a_5xx(everyone):
    """Deeply nested JSON, NUL characters and odd values in JSON bodies to every API route."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(everyone["root"])
    client.raise_request_exception = False
    names = _param_names()
    bodies = [
        _deep(100_000),
        '{"a": ' + _deep(50) + "}",
        json.dumps(dict.fromkeys(names, "a\x00b")),
        json.dumps(dict.fromkeys(names, HUGE)),
        json.dumps(dict.fromkeys(names, int(HUGE))),
        json.dumps(dict.fromkeys(names, [{}])),
        json.dumps(dict.fromkeys(names, "0001-01-01")),
        "[1, 2]",
    ]
    failures = []
    with time_machine.travel(NOW, tick=False):
        for route, _pattern in _routes():
            if not route.startswith("api/"):
                continue
            url = _fill(route, lambda conv, name: "1")
            if url is None:
                continue
            for body in bodies:
                for method in ("post", "patch"):
                    r = getattr(client, method)(url, body, content_type="application/json")
                    if r.status_code >= 500:
                        failures.append((method, url, body[:30], r.status_code))
    assert failures == []


def test_deep_json_is_a_400_with_a_message(everyone):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(everyone["mona"])
    r = client.post("/api/requests/", _deep(100_000), content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"]
    r = client.post("/api/requests/", '{"name": "a\\u0000b"}', content_type="application/json")
    assert r.status_code == 400


def test_quarters_and_dates_outside_the_calendar_are_field_errors(client, everyone):
    client.force_login(everyone["mona"])
    for q in ("0000Q1", "9999Q4", "1969Q4"):
        r = client.get("/api/kpis/", {"quarter": q})
        assert r.status_code == 400 and "quarter" in r.json()
        assert client.get("/kpis/export.csv", {"quarter": q}).status_code == 400
    r = client.get("/api/feasibility/", {"campaign_type": "webinar", "launch_date": "0001-01-01"})
    assert r.status_code == 400 and "launch_date" in r.json()
    r = client.get("/api/feasibility/", {"campaign_type": "²", "launch_date": "2026-10-01"})
    assert r.status_code == 400 and "campaign_type" in r.json()


def test_ids_beyond_the_database_range_are_404_or_empty(client, everyone):
    client.force_login(everyone["mona"])
    assert client.get(f"/tasks/campaign/{HUGE}/").status_code == 404
    assert client.get(f"/api/tasks/{HUGE}/").status_code == 404
    r = client.get("/api/tasks/", {"campaign": HUGE})
    assert r.status_code == 400 and "campaign" in r.json()
    assert client.get("/kb/1/diff/", {"a": HUGE, "b": "1"}).status_code in (302, 404)
