"""KPI dashboard pages, drill-down, exports and the review PDF page (thin: access -> service -> render)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaigns import selectors as campaign_selectors
from campaigns.models import CampaignType, Channel
from governance.models import BusinessUnit
from tasks import selectors as task_selectors

from . import charts, definitions, figures, labels, pdf, reviews, store
from . import drill as kpi_drill
from . import exports as kpi_exports
from . import tables as kpi_tables
from . import tiles as kpi_tiles
from .data import GOVERNANCE_MODELS
from .models import ReviewStatus

DRILL_LIMIT = 500


def _filters(request: HttpRequest):
    reviews.require_viewer(request.user)
    try:
        return reviews.filters_for(request.user, request.GET), None
    except ValidationError as exc:
        return reviews.filters_for(request.user, {}), exc


def _choices() -> dict:
    return {
        # str(): the name in the page's language (the English name on English pages when set)
        "units": [(u.slug, str(u)) for u in BusinessUnit.objects.only("slug", "name", "name_en")],
        "types": [(t.slug, str(t)) for t in CampaignType.objects.only("slug", "name", "name_en")],
        "channels": [(c.slug, str(c)) for c in Channel.objects.only("slug", "name", "name_en")],
        "models": [(m, figures.MODEL_LABELS[m]) for m in GOVERNANCE_MODELS],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    f, error = _filters(request)
    report = labels.labelled(reviews.restrict_rows(store.report(f), request.user))
    sections = pdf.sections(report, fmt="url", row_limit=50)
    params = urlencode(f.params())
    for sec in sections:
        for t in sec["tables"]:
            kind, field = DRILL_LINKS.get(t["name"], (None, None))
            for row in t["rows"]:
                value = row["raw"].get(field) if field else None
                if kind is None or value in (None, ""):
                    row["link"] = None
                elif kind == "campaign":
                    row["link"] = reverse("campaigns:detail", args=[value])
                elif kind == "task":
                    row["link"] = reverse("tasks:detail", args=[value])
                else:
                    row["link"] = f"{reverse('kpis:drill', args=[kind])}?{params}&{urlencode({'key': value})}"
    return render(
        request,
        "kpis/dashboard.html",
        {
            "r": report,
            "s": report["summary"],
            "f": f,
            "error": error,
            "choices": _choices(),
            "sections": sections,
            "tiles": kpi_tiles.tiles(report),
            "params": params,
            "sla_link": f"{reverse('kpis:drill', args=['sla'])}?{params}",
            "defs": {d["key"]: d["text"] for d in definitions.all_definitions()},
            # The running quarter may be served from its last computation while a job refreshes it.
            "generated_at": parse_datetime(report["meta"].get("generated_at") or ""),
        },
    )


@login_required
def chart(request: HttpRequest) -> HttpResponse:
    """One dashboard chart as SVG, from the signed spec the dashboard wrote (cached)."""
    reviews.require_viewer(request.user)
    try:
        svg = charts.svg_for_token(request.GET.get("c", ""))
    except signing.BadSignature:
        raise Http404 from None
    resp = HttpResponse(svg, content_type="image/svg+xml")
    # Same token, same picture: the browser may keep it (private: the figures are the viewer's).
    resp["Cache-Control"] = "private, max-age=86400"
    return resp


# Table name -> (drill-down name or "campaign"/"task" for a direct link, the row's key field).
DRILL_LINKS = {
    "lead_time_campaigns": ("campaign", "id"),
    "return_campaigns": ("campaign", "id"),
    "stall_requests": ("stall_requests", "state"),
    "stall_tasks": ("stall_tasks", "state"),
    "stall_approvers": ("stall_approvers", "approver"),
    "sla_by_task_type": ("sla_by_task_type", "key"),
    "sla_by_assignee": ("sla_by_assignee", "key"),
    "sla_by_unit": ("sla_by_unit", "key"),
    "sla_breaches": ("task", "task_id"),
    "return_by_type": ("return_by_type", "key"),
    "return_by_channel": ("return_by_channel", "key"),
    "return_by_unit": ("return_by_unit", "key"),
    "return_by_governance_model": ("return_by_governance_model", "key"),
}


DRILL = {
    # name -> (path in the report, key field, "campaigns" | "tasks")
    "stall_requests": (("stall", "requests"), "state", "campaigns"),
    "stall_tasks": (("stall", "tasks"), "state", "tasks"),
    "stall_approvers": (("stall", "approvers"), "approver", "campaigns"),
    "sla_by_task_type": (("sla", "by_task_type"), "key", "tasks"),
    "sla_by_assignee": (("sla", "by_assignee"), "key", "tasks"),
    "sla_by_unit": (("sla", "by_unit"), "key", "tasks"),
    "return_by_type": (("return", "by_type"), "key", "campaigns"),
    "return_by_channel": (("return", "by_channel"), "key", "campaigns"),
    "return_by_unit": (("return", "by_unit"), "key", "campaigns"),
    "return_by_governance_model": (("return", "by_governance_model"), "key", "campaigns"),
    "sla": (("sla",), None, "tasks"),
}


@login_required
def drill(request: HttpRequest, name: str) -> HttpResponse:
    """The campaigns or tasks behind one figure (only those the viewer may see)."""
    f, error = _filters(request)
    if name not in DRILL or error:
        raise Http404
    path, field, kind = DRILL[name]
    key = request.GET.get("key", "")
    ids = kpi_drill.ids(f, path, field, key)  # that figure's section only, not the whole report
    if ids is None:
        raise Http404
    ids = ids[:DRILL_LIMIT]
    if kind == "campaigns":
        items = list(campaign_selectors.request_list_of(request.user, ids).order_by("id"))
    else:
        items = list(task_selectors.task_list_of(request.user, ids).order_by("id"))
    return render(
        request,
        "kpis/drill.html",
        {
            "f": f,
            "name": name,
            "key": key,
            "kind": kind,
            "items": items,
            "total": len(ids),
            "hidden": len(ids) - len(items),
            "qs": request.GET.urlencode(),
        },
    )


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """CSV of one table (``?table=``) or of the figures; Excel of every table plus the data."""
    f, error = _filters(request)
    if error:
        return JsonResponse(error.message_dict, status=400)
    name = request.GET.get("table", "")
    # The same rows the pages show: only campaigns and tasks the viewer could open.
    report = kpi_exports.report_for(
        f,
        request.user,
        with_data=fmt == "xlsx" or name.startswith("data_"),
        whole_lists=fmt == "xlsx" or name in store.LIST_TABLES,
    )
    stem = f"mops-kpi-{f.quarter}{'-' + f.unit if f.unit else ''}"
    if fmt == "xlsx":
        resp = HttpResponse(
            kpi_tables.workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return resp
    if not name:
        body = kpi_exports.figures_csv(report)
    else:
        tables = kpi_tables.tables(report)
        if name not in tables:
            raise Http404
        body = kpi_exports.table_csv(tables[name])
    resp = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{stem}-{name or "figures"}.csv"'
    return resp


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    items = list(reviews.report_list_for(request.user)[:50])
    return render(
        request,
        "kpis/reviews.html",
        {
            "items": items,
            "choices": _choices(),
            "running": any(i.status in (ReviewStatus.QUEUED, ReviewStatus.RUNNING) for i in items),
        },
    )


@login_required
@require_POST
def review_new(request: HttpRequest) -> HttpResponse:
    try:
        reviews.review_request(
            quarter=request.POST.get("quarter", ""), unit=request.POST.get("unit", ""), by=request.user
        )
        messages.success(request, _("The review PDF is being generated."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("kpis:reviews")


@login_required
def review_status(request: HttpRequest, pk: int) -> JsonResponse:
    r = get_object_or_404(reviews.report_list_for(request.user), pk=pk)
    return JsonResponse(
        {
            "id": r.pk,
            "status": r.status,
            "progress": r.progress,
            "step": r.step,
            "download": reverse("kpis:review_download", args=[r.pk])
            if r.status == ReviewStatus.DONE and r.file
            else None,
        }
    )


@login_required
def review_download(request: HttpRequest, pk: int) -> FileResponse:
    r = get_object_or_404(reviews.report_list_for(request.user), pk=pk, status=ReviewStatus.DONE)
    if not r.file:
        raise Http404
    return FileResponse(
        r.file.open("rb"), as_attachment=True, filename=r.file.name.rsplit("/", 1)[-1], content_type="application/pdf"
    )
