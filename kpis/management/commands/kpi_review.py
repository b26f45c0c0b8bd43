"""python manage.py kpi_review --quarter 2026Q3 [--unit SLUG] [--format pdf|json|csv] [--output PATH]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kpis import reviews, store
from kpis import tables as kpi_tables


class Command(BaseCommand):
    help = "Compute the quarterly MOps KPI review and write it as PDF, JSON (every figure) or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q3")
        parser.add_argument("--unit", default="", help="business unit slug (default: all units)")
        parser.add_argument("--campaign-type", default="")
        parser.add_argument("--channel", default="")
        parser.add_argument("--governance-model", default="")
        parser.add_argument("--format", choices=["pdf", "json", "csv"], default="pdf")
        parser.add_argument(
            "--output", default="", help="file to write (default: stdout for json/csv, kpi-review-<quarter>.pdf)"
        )

    def handle(self, *args, quarter: str, unit: str, format: str, output: str, **options):
        params = {
            "quarter": quarter,
            "unit": unit,
            "campaign_type": options["campaign_type"],
            "channel": options["channel"],
            "governance_model": options["governance_model"],
        }
        try:
            f = reviews.filters_from(params, check_unit=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # The figures the dashboard and the API serve (stored or cached; row lists cut, their
        # lengths in meta.rows): the command and the API answer alike.
        report = store.report(f)
        if format == "pdf":
            from kpis.pdf import render_pdf

            data = render_pdf(report)
            path = Path(output or f"kpi-review-{f.quarter}{'-' + f.unit if f.unit else ''}.pdf")
            path.write_bytes(data)
            self.stderr.write(f"PDF written: {path} ({len(data):,} bytes)")
            return
        text = (
            (json.dumps(reviews.payload(report), ensure_ascii=False, indent=2) + "\n")
            if format == "json"
            else kpi_tables.figures_csv(report)
        )
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{format.upper()} written: {output}")
        else:
            self.stdout.write(text, ending="")
