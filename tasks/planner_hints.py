"""Expressions that keep a column out of the database's index choice (issue 19).

Where a planner's statistics lead it to the wrong index, the same value written as ``+column`` is
an expression no index serves, so the other terms of the query choose. SQLite accepts the unary
plus on any value; PostgreSQL on numbers only.
"""

from __future__ import annotations

from django.db.models import F, Field, Func, IntegerField


def unindexed(column: str, output_field: Field | None = None) -> Func:
    """``+column``: the column's value, in an expression no index orders or filters by."""
    return Func(F(column), template="+%(expressions)s", output_field=output_field or IntegerField())
