"""Plain ``INSERT ... VALUES`` with ``executemany`` for the bulk ticket generation (issue 19).

``bulk_create`` prepares every value of every row through the field and the SQL compiler (half of
a generation batch's time was spent there). Here each column is prepared as a whole: a column of
plain ints and strings goes to the driver as it is, other values (datetimes, decimals, enum states:
a handful of distinct values per batch) are prepared once per distinct value, unhashable ones
(JSON objects) one by one, each through the field exactly as Django would. The database
sees the same values as with ``bulk_create``; no model signals are sent by either.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connections
from django.db.models import DateTimeField, DecimalField, JSONField, Model
from django.utils import timezone

# Rows per executemany call: bounds the memory of one call, not the number of statements.
BATCH = 2000
_PLAIN = frozenset({int, str, bool, type(None)})
M = TypeVar("M", bound=Model)


def _prepared(field: Any, connection: Any, values: list[Any]) -> list[Any]:
    """One column's values as the driver takes them: a column of plain ints and strings as it is;
    otherwise each distinct value prepared once (a batch shares a handful: its "now", deadlines,
    rates, enum states), and unhashable ones (JSON objects) one by one."""
    prep = field.get_db_prep_save
    # Columns whose values the field converts even when they look plain (a JSON string is quoted).
    if not isinstance(field, DateTimeField | DecimalField | JSONField) and set(map(type, values)) <= _PLAIN:
        return values
    try:
        prepared = {v: prep(v, connection) for v in set(values)}
    except TypeError:  # unhashable values (JSON objects): one by one
        return [prep(v, connection) for v in values]
    return [prepared[v] for v in values]


def insert_rows(model: type[Model], rows: Iterable[dict[str, Any]], *, using: str = "default", now: Any = None) -> int:
    """Insert ``rows`` (dicts by field attname, e.g. ``task_id``) into ``model``'s table.

    Columns a row leaves out take the field's default (evaluated once per batch, so a callable
    default such as ``timezone.now`` gives every row of the batch the same value); ``auto_now``
    and ``auto_now_add`` columns take one "now" per batch (``now``). The auto primary key is left to the
    database. Returns the number of rows written."""
    rows = list(rows)
    return _insert_columns(
        model, len(rows), lambda name, default: [row.get(name, default) for row in rows], using=using, now=now
    )


def _insert_columns(
    model: type[Model], count: int, column: Callable[[str, Any], list[Any]], *, using: str, now: Any
) -> int:
    # ``column(attname, default)``: that column's ``count`` values, in row order.
    connection = connections[using]
    now = now or timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and _auto(f))]
    # A column left out takes the field's own rule: its default, else "" for text, else NULL.
    columns = [
        _prepared(f, connection, [now] * count if _stamped(f) else column(f.attname, f.get_default())) for f in fields
    ]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = list(zip(*columns, strict=True))
    with connection.cursor() as cur:
        for i in range(0, len(values), BATCH):
            cur.executemany(sql, values[i : i + BATCH])
    return len(values)


def _stamped(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _auto(field: Any) -> bool:
    return field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")


def instance_maker(model: type[M]) -> Callable[..., M]:
    """``model(**values)`` for the many instances of one batch, built from positional values with
    the fields' defaults read once per maker: keyword construction (a lookup and a default per
    field per instance) took a third of a generation batch's time (issue 19).

    Values by attname (``campaign_id=``) or a related object by field name (``campaign=``), which
    the instance caches as ``model(campaign=...)`` would. A callable default is called once per
    maker (the batch shares it, as ``insert_rows``' rows do), except mutable ones (a dict, a list)."""
    fields = model._meta.concrete_fields
    index = {f.attname: i for i, f in enumerate(fields)}
    relations = {f.name: (index[f.attname], f) for f in fields if f.is_relation}
    defaults = [f.get_default() for f in fields]
    mutable = [(i, f) for i, f in enumerate(fields) if isinstance(defaults[i], dict | list | set)]

    def make(**values: Any) -> M:
        row = defaults.copy()
        for i, f in mutable:
            row[i] = f.get_default()
        related = []
        for name, value in values.items():
            if name in relations:
                i, field = relations[name]
                row[i] = None if value is None else value.pk
                related.append((field, value))
            else:
                row[index[name]] = value
        obj = model(*row)
        for field, value in related:
            field.set_cached_value(obj, value)
        return obj

    return make


def insert_objects(objs: Sequence[Model], *, key: str, using: str = "default") -> None:
    """Insert unsaved instances and give each its primary key, found again by ``key`` (a unique
    field every instance has a value for, e.g. the task number): one INSERT batch and one SELECT,
    whatever the number of rows. The instances end up as ``save()`` would leave them."""
    if not objs:
        return
    model = type(objs[0])
    now = timezone.now()
    stamped = [f.attname for f in model._meta.concrete_fields if _stamped(f)]
    for o in objs:  # what save() would leave on the instance
        for name in stamped:
            setattr(o, name, now)
    _insert_columns(model, len(objs), lambda name, _default: list(map(attrgetter(name), objs)), using=using, now=now)
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


@contextmanager
def bulk_rows() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while hundreds of thousands of rows are built
    (a KPI computation, a ticket generation batch).

    Every tuple and dict created counts towards a collection, and each full collection walks every
    live object: at 100k campaigns collections took 0.2-0.3 s of a quarter's recomputation and
    ~0.2 s of its fetch, and found nothing (rows hold no cycles). Reference counting still frees
    everything; a cycle made meanwhile is collected after the block. Nested blocks are fine."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
