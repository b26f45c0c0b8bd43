"""Out-of-range integers in lookups match nothing instead of crashing the database driver.

Django 5 already turns ``exact``/``gt``/``lt`` on integer fields with a value beyond the column
range into an empty (or full) result. ``in`` and the related-field lookups (``campaign=…``,
``campaign_id=…``) were left out, so ``?campaign=99999999999999999999999`` or a multiple-choice
form with such an id raised OverflowError (SQLite) or DataError (PostgreSQL): HTTP 500.
Registered once from ``config.apps``; every form, filter and selector benefits.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

# The widest integer any of our databases stores (PostgreSQL bigint, SQLite INTEGER).
MIN_INT, MAX_INT = -(2**63), 2**63 - 1


def _out_of_range(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not MIN_INT <= value <= MAX_INT


class _DropOutOfRangeMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                values = list(self.rhs)
            except TypeError:
                values = None
            if values is not None and any(_out_of_range(v) for v in values):
                self.rhs = [v for v in values if not _out_of_range(v)]  # no row can hold them
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(_DropOutOfRangeMixin, In):
    pass


class SafeRelatedIn(_DropOutOfRangeMixin, RelatedIn):
    pass


class SafeRelatedExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and _out_of_range(self.rhs):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(SafeRelatedIn)
    ForeignObject.register_lookup(SafeRelatedExact)
