"""Pages for campaign results: edit one campaign's results; import a CRM/MA export."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from governance import policy

from . import results, selectors
from .forms import ResultForm, ResultImportForm
from .models import CampaignResult

MAX_UPLOAD = 5 * 1024 * 1024


@login_required
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.request_get_for(request.user, pk, with_events=False)
    if not results.can_edit_result(request.user, obj):
        raise PermissionDenied
    instance = CampaignResult.objects.filter(request=obj).first()
    form = ResultForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            results.result_save(request_id=obj.pk, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Results saved."))
            return redirect("campaigns:detail", pk=obj.pk)
    return render(request, "campaigns/result_form.html", {"form": form, "obj": obj})


@login_required
def result_import(request: HttpRequest) -> HttpResponse:
    """Upload -> map columns -> preview (row errors) -> import. The file waits in the session."""
    if not policy.is_ops(request.user):
        raise PermissionDenied
    form = ResultImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "fields": [results.KEY_FIELD, *results.RESULT_FIELDS]}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                form.add_error("file", _("At most 5 MB."))
                return render(request, "campaigns/result_import.html", context)
            request.session["result_import"] = {
                "name": upload.name,
                "content": base64.b64encode(upload.read()).decode(),
                "preset": form.cleaned_data.get("preset", "") if form.is_valid() else "",
            }
        pending = request.session.get("result_import")
        if not pending:
            form.add_error("file", _("Choose a file."))
            return render(request, "campaigns/result_import.html", context)
        content = base64.b64decode(pending["content"])
        try:
            headers, rows = results.read_table(content, pending["name"])
        except ValidationError as exc:
            request.session.pop("result_import", None)
            form.add_error("file", exc.messages)
            return render(request, "campaigns/result_import.html", context)
        preset = pending.get("preset", "")
        if preset:
            context["fields"] = [*results.MATCH_FIELDS, *context["fields"]]
        mapping = (
            results.guess_mapping(headers, preset)
            if upload is not None
            else {f: request.POST.get(f"map_{f}", "") for f in context["fields"]}
        )
        if "confirm" in request.POST:
            try:
                record = results.results_import_apply(
                    content=content, filename=pending["name"], mapping=mapping, by=request.user, preset=preset
                )
            except ValidationError as exc:
                messages.error(request, _("Not imported; nothing was saved."))
                context["errors"] = exc.messages
            else:
                request.session.pop("result_import", None)
                messages.success(
                    request,
                    f"{record.created}件作成・{record.updated}件更新"
                    f" / {record.created} created, {record.updated} updated.",
                )
                return redirect("campaigns:result-import")
        plan = results.results_import_plan(headers=headers, rows=rows, mapping=mapping, by=request.user, preset=preset)
        context.update(
            {"headers": headers, "mapping": mapping, "plan": plan, "filename": pending["name"], "preset": preset}
        )
    return render(request, "campaigns/result_import.html", context)
