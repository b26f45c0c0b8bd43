"""Expressions that keep a column out of the database's index choice (issue 19).

Where a planner's statistics lead it to the wrong index, the same value written as ``+column`` is
an expression no index serves, so the other terms of the query choose. SQLite accepts the unary
plus on any value; PostgreSQL on numbers only.
"""

from __future__ import annotations

from django.db.models import BooleanField, F, Field, Func, IntegerField, Q


def unindexed(column: str, output_field: Field | None = None) -> Func:
    """``+column``: the column's value, in an expression no index orders or filters by."""
    return Func(F(column), template="+%(expressions)s", output_field=output_field or IntegerField())


class _Hint(Func):
    """A hint written only where a vendor method (``as_sqlite``, ``as_postgresql``) says how; every
    other database gets the wrapped expression itself."""

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


class Unlikely(_Hint):
    """A condition SQLite's planner should expect to be rarely true: ``unlikely(condition)``.

    SQLite keeps one average per index prefix: with three task states in use it expects a third of
    the table for ``state IN ('waiting', 'cancelled')`` however few such tasks exist, and reads the
    whole table rather than join two index ranges under an OR. The hint (a no-op on the value)
    makes each branch of the OR an index range again. Other databases get the condition itself:
    PostgreSQL's statistics count each state.
    """

    function = "unlikely"
    output_field = BooleanField()

    def __init__(self, condition: Q) -> None:
        super().__init__(condition)

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, **extra_context)


class NotIndexOrdered(_Hint):
    """A date or date-time column to sort by, in a form PostgreSQL cannot read from an index in order.

    A short list ("the five most urgent breached tasks") ordered by ``due_at`` tempts PostgreSQL to
    walk the ``due_at`` index from the oldest deadline and stop at the fifth match, expecting the
    matches spread evenly; open tasks' deadlines are the newest, so it read a million done tasks
    first (0.9 s at 100k campaigns; SQLite the same through (assignee, due_at)). ``column +
    interval '0'`` (PostgreSQL) and ``+column`` (SQLite) have the same value and order, and make the
    database fetch the matching rows through their own indexes and sort those. For ORDER BY only (a
    date plus an interval is a timestamp).
    """

    def __init__(self, column: str) -> None:
        super().__init__(F(column))

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql} + interval '0 seconds')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"+{sql}", params  # see unindexed()
