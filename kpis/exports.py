"""KPI exports that stream: the CSV leaves row by row, the workbook is built write-only.

The figures come from the store (``kpis.store.report``), the whole row lists of a table export
from its details; only the data sheets read rows (``kpis.drill.data``: the quarter's campaigns
and tasks, not the whole report).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from . import drill, reviews, store
from . import tables as kpi_tables
from .data import KpiFilters

CHUNK = 500  # rows per yielded piece: few enough writes, small enough pieces


class _Echo:
    """A file-like object whose write() returns the text (csv.writer writes into the response)."""

    def write(self, value: str) -> str:
        return value


def report_for(f: KpiFilters, user: Any, *, with_data: bool, whole_lists: bool = False) -> dict[str, Any]:
    """The stored report (plus the data sheets when asked), restricted to what ``user`` may open.

    ``whole_lists``: the per-campaign and per-task lists whole, as a table export needs them
    (the served report cuts them, see ``kpis.store.split``)."""
    report = store.report(f)
    if whole_lists:
        report = store.with_lists(report, store.details(f, "lists"))
    if with_data:
        report["data"] = drill.data(f)
    return reviews.restrict_rows(report, user)


def _stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    w = csv.writer(_Echo())
    yield "\ufeff" + w.writerow(header)  # BOM: Excel opens Japanese correctly
    piece: list[str] = []
    for row in rows:
        piece.append(w.writerow(row))
        if len(piece) >= CHUNK:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def table_csv(table: dict[str, Any]) -> Iterator[str]:
    """One table as CSV pieces (same cells as kpis.tables.table_csv)."""
    cols = table["columns"]
    return _stream(
        [label for _, label in cols], ([kpi_tables._cell(row.get(k)) for k, _ in cols] for row in table["rows"])
    )


def figures_csv(report: dict[str, Any]) -> Iterator[str]:
    """Every figure as name,value CSV pieces (same cells as kpis.tables.figures_csv)."""
    return _stream(["name", "value"], ([f["name"], kpi_tables._cell(f["value"])] for f in kpi_tables.figures(report)))
