"""python manage.py kpi_recompute [--quarter 2026Q3 [--since 2025Q1] | --stale | --verify] [--unit SLUG]

Recomputes stored quarter figures from the events (each recomputation appends a
QuarterFiguresEvent). ``--stale`` recomputes every stored row marked stale. ``--verify``
recomputes nothing: it compares each stored quarter with a fresh computation and exits with
an error when one differs (a check that the stale marking missed nothing).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kpis import figures, reviews, store
from kpis.models import QuarterFigures


class Command(BaseCommand):
    help = "Recompute (or --verify) the stored KPI figures of closed quarters from the events."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", default="", help="e.g. 2026Q3 (org-wide unless --unit)")
        parser.add_argument("--unit", default="", help="business unit slug (default: all units)")
        parser.add_argument(
            "--since", default="", help="with --quarter: every quarter from this one on, oldest first (fills the store)"
        )
        parser.add_argument("--stale", action="store_true", help="recompute every stored row marked stale")
        parser.add_argument("--verify", action="store_true", help="compare stored figures with a fresh computation")

    def handle(self, *args, quarter: str, unit: str, since: str, stale: bool, verify: bool, **options):
        if verify:
            return self._verify()
        if stale:
            for row in QuarterFigures.objects.filter(stale=True).order_by("quarter", "id"):
                f = store.filters_from_payload(row.filters)
                took = self._recompute(f, reason=row.stale_reason or "stale")
                self.stdout.write(f"{row.quarter} {row.filters_key[:8]} recomputed in {took:.2f} s")
            return
        if not quarter:
            raise CommandError("--quarter, --stale or --verify")
        try:
            f = reviews.filters_from({"quarter": quarter, "unit": unit}, check_unit=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        quarters = [f.quarter]
        if since:
            try:
                first = reviews.filters_from({"quarter": since}).quarter
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            quarters = []
            while first.start <= f.quarter.start:  # oldest first: each reads the ones before from the store
                quarters.append(first)
                first = first.next()
        for q in quarters:
            took = self._recompute(replace(f, quarter=q), reason="kpi_recompute")
            self.stdout.write(f"{q} recomputed in {took:.2f} s")

    def _recompute(self, f, *, reason: str) -> float:
        t0 = time.perf_counter()
        try:
            store.recompute(f, reason=reason)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        return time.perf_counter() - t0

    def _verify(self) -> None:
        differ = []
        for row in QuarterFigures.objects.order_by("quarter", "id"):
            f = store.filters_from_payload(row.filters)
            # The whole computation, split as the store splits it: the served report, the row
            # lists and the drill-down ids must all match.
            light, extra = store.split(store.as_stored(figures.compute(f, include_ids=True)))
            same = (
                store.comparable(row.report) == store.comparable(light)
                and store.lists_from_text(row.lists_json) == extra["lists"]
                and json.loads(row.ids_json or "{}") == extra["ids"]
            )
            self.stdout.write(f"{row.quarter} {row.filters_key[:8]} {'ok' if same else 'DIFFERS'}")
            if not same:
                differ.append(row.quarter)
        if differ:
            raise CommandError(f"stored figures differ from a fresh computation: {', '.join(differ)}")
