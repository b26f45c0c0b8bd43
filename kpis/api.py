"""GET /api/kpis/?quarter=2026Q3&unit=&campaign_type=&channel=&governance_model= (the json format)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import reviews, store


class KpiView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("quarter", "unit", "campaign_type", "channel", "governance_model")
        ]
        + [OpenApiParameter("imported", str, required=False, enum=["", "exclude", "only"])],
        responses={200: dict},
        description="Every KPI figure of the quarterly review with its name and value (None = no data). "
        "The per-campaign and per-task lists (lead_time.campaigns, return.campaigns, sla.breaches) hold "
        "their first 500 rows, worst first; meta.rows gives each list's whole length (null for a viewer "
        "who sees only some rows). The CSV/Excel table exports have every row. "
        "MOps, Admins and Approvers only; 400 for a malformed quarter.",
    )
    def get(self, request: Request) -> Response:
        reviews.require_viewer(request.user)  # PermissionDenied -> 403
        f = reviews.filters_for(request.user, request.query_params)  # ValidationError -> 400 {"quarter": [...]}
        return Response(reviews.payload(reviews.restrict_rows(store.report(f), request.user)))
