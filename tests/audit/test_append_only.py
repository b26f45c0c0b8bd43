"""Every audit table built on audit.AppendOnlyModel refuses changes at every layer."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyModel
from governance import services
from governance.models import GovernanceChange


def _append_only_models():
    return [m for m in apps.get_models() if issubclass(m, AppendOnlyModel)]


def test_every_audit_log_uses_the_shared_base():
    names = {m._meta.label for m in _append_only_models()}
    assert {"campaigns.RequestEvent", "tasks.TaskEvent", "governance.GovernanceChange"} <= names


@pytest.mark.parametrize("model", _append_only_models(), ids=lambda m: m._meta.label)
def test_admin_shows_audit_rows_read_only(model, rf, admin_user):
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        pytest.skip(f"{model._meta.label} has no admin of its own")
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.fixture
def change(org):
    services.governance_update(model="hybrid", hybrid_threshold=1_000_000, units=[], by=org["root"])
    return GovernanceChange.objects.latest("id")


@pytest.mark.django_db
def test_governance_changes_are_append_only_in_the_model_layer(change):
    change.scope = "edited"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()
    with pytest.raises(PermissionError):
        GovernanceChange.objects.filter(pk=change.pk).update(scope="x")
    with pytest.raises(PermissionError):
        GovernanceChange.objects.filter(pk=change.pk).delete()
    assert GovernanceChange.objects.get(pk=change.pk).scope == "organisation"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only")
@pytest.mark.parametrize("model", _append_only_models(), ids=lambda m: m._meta.label)
def test_every_audit_table_has_its_postgresql_trigger(model):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [model._meta.db_table]
        )
        triggers = {row[0] for row in cur.fetchall()}
    assert f"{model._meta.db_table}_append_only" in triggers


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only")
def test_governance_changes_are_append_only_in_postgresql(change):
    for sql in (
        "UPDATE governance_governancechange SET scope = 'x' WHERE id = %s",
        "DELETE FROM governance_governancechange WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [change.pk])
