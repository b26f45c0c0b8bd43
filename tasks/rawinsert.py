"""Plain ``INSERT ... VALUES`` with ``executemany`` for the bulk ticket generation (issue 19).

``bulk_create`` prepares every value of every row through the field and the SQL compiler (half of
a generation batch's time was spent there). Here each column's preparation is chosen once per
batch: plain ints and strings go to the driver as they are, datetimes and decimals (a handful of
distinct values per batch: the shared "now" and deadlines) are prepared once per distinct value,
anything else (JSON, lazy translations) through the field exactly as Django would. The database
sees the same values as with ``bulk_create``; no model signals are sent by either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import DateTimeField, DecimalField, Model
from django.utils import timezone

# Rows per executemany call: bounds the memory of one call, not the number of statements.
BATCH = 2000
_PLAIN = frozenset({int, str, bool, type(None)})


def _column_prep(field: Any, connection: Any) -> Callable[[Any], Any]:
    prep = field.get_db_prep_save
    if isinstance(field, DateTimeField | DecimalField):
        cache: dict[Any, Any] = {}

        def memo(value: Any) -> Any:
            try:
                return cache[value]
            except KeyError:
                cache[value] = out = prep(value, connection)
                return out

        return memo

    def plain(value: Any) -> Any:
        return value if type(value) in _PLAIN else prep(value, connection)

    return plain


def insert_rows(model: type[Model], rows: Iterable[dict[str, Any]], *, using: str = "default", now: Any = None) -> int:
    """Insert ``rows`` (dicts by field attname, e.g. ``task_id``) into ``model``'s table.

    Columns a row leaves out take the field's default (evaluated once per batch, so a callable
    default such as ``timezone.now`` gives every row of the batch the same value); ``auto_now``
    and ``auto_now_add`` columns take one "now" per batch (``now``). The auto primary key is left to the
    database. Returns the number of rows written."""
    connection = connections[using]
    now = now or timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and _auto(f))]
    defaults: dict[str, Any] = {}
    for f in fields:
        if _stamped(f):
            defaults[f.attname] = now
        else:  # the field's own rule: its default, else "" for text columns, else NULL
            defaults[f.attname] = f.get_default()
    preps = [(f.attname, defaults[f.attname], _column_prep(f, connection)) for f in fields]
    auto_now = {f.attname for f in fields if _stamped(f)}
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = [
        [prep(now if name in auto_now else row.get(name, default)) for name, default, prep in preps] for row in rows
    ]
    with connection.cursor() as cur:
        for i in range(0, len(values), BATCH):
            cur.executemany(sql, values[i : i + BATCH])
    return len(values)


def _stamped(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _auto(field: Any) -> bool:
    return field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")


def insert_objects(objs: Sequence[Model], *, key: str, using: str = "default") -> None:
    """Insert unsaved instances and give each its primary key, found again by ``key`` (a unique
    field every instance has a value for, e.g. the task number): one INSERT batch and one SELECT,
    whatever the number of rows. The instances end up as ``save()`` would leave them."""
    if not objs:
        return
    model = type(objs[0])
    now = timezone.now()
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f.attname for f in model._meta.concrete_fields if _stamped(f)]
    for o in objs:  # what save() would leave on the instance
        for name in stamped:
            setattr(o, name, now)
    insert_rows(model, ({name: getattr(o, name) for name in names} for o in objs), using=using, now=now)
    wanted = [getattr(o, key) for o in objs]
    found = dict(
        model._default_manager.using(using)
        .filter(**{f"{key}__gte": min(wanted), f"{key}__lte": max(wanted)})
        .values_list(key, "pk")
    )
    for o in objs:
        o.pk = found[getattr(o, key)]
        o._state.adding = False
        o._state.db = using
